//! One POST with retries: 5xx, 408, 429 (honouring `Retry-After`), timeouts and broken connections
//! are retried with capped exponential backoff and jitter; other 4xx are final. Connections are
//! kept alive and shared by all workers through one `ureq::Agent`.

use std::io::Read;
use std::time::Duration;

use super::interrupt;
use super::quiesce::sleep;

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base: Duration,
    pub cap: Duration,
    /// Longest `Retry-After` honoured (a server asking for more gets this).
    pub max_retry_after: Duration,
}

#[derive(Debug)]
pub struct Request<'a> {
    pub url: &'a str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

#[derive(Debug)]
pub enum Outcome {
    Accepted,
    /// A final 4xx: the file is kept and reported.
    Rejected {
        status: u16,
        body: String,
    },
    /// Retries exhausted.
    Failed {
        reason: String,
    },
    Interrupted,
}

#[derive(Debug, Clone)]
pub struct Client {
    agent: ureq::Agent,
    policy: RetryPolicy,
}

impl Client {
    pub fn new(
        policy: RetryPolicy,
        timeout: Duration,
        connect_timeout: Duration,
        pool: usize,
    ) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .timeout_connect(Some(connect_timeout))
            .max_idle_connections(pool.max(1) * 2)
            .max_idle_connections_per_host(pool.max(1) * 2)
            .user_agent(format!("topt/{}", env!("CARGO_PKG_VERSION")))
            .build();
        Client {
            agent: config.into(),
            policy,
        }
    }

    pub fn send(&self, req: &Request<'_>) -> Outcome {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (why, retry_after) = match self.once(req) {
                Ok((status, _, _)) if (200..300).contains(&status) => {
                    return Outcome::Accepted;
                }
                Ok((status, body, retry_after))
                    if status == 408 || status == 429 || status >= 500 =>
                {
                    (format!("HTTP {status}{}", excerpt(&body)), retry_after)
                }
                Ok((status, body, _)) => return Outcome::Rejected { status, body },
                Err(e) => (e, None),
            };
            if attempt >= self.policy.max_attempts {
                return Outcome::Failed {
                    reason: format!("{why} after {attempt} attempts"),
                };
            }
            if interrupt::requested() {
                return Outcome::Interrupted;
            }
            sleep(retry_after.map_or_else(
                || self.backoff(attempt),
                |d| d.min(self.policy.max_retry_after),
            ));
            if interrupt::requested() {
                return Outcome::Interrupted;
            }
        }
    }

    /// base·2^(n-1), capped, times a jitter factor in [0.5, 1).
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .policy
            .base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        exp.min(self.policy.cap)
            .mul_f64(0.5 + fastrand::f64() * 0.5)
    }

    /// Status, body excerpt and Retry-After of one attempt; `Err` for transport failures. Error
    /// texts carry the URL at most, never header values (the API key travels in a header).
    fn once(&self, req: &Request<'_>) -> Result<(u16, String, Option<Duration>), String> {
        let mut b = self.agent.post(req.url);
        for (k, v) in &req.headers {
            b = b.header(*k, v.as_str());
        }
        let mut resp = b.send(&req.body[..]).map_err(|e| transport_error(&e))?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let mut body = String::new();
        let _ = resp
            .body_mut()
            .as_reader()
            .take(2000)
            .read_to_string(&mut body);
        Ok((status, body, retry_after))
    }
}

fn transport_error(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(t) => format!("timeout ({t})"),
        ureq::Error::Io(io) => format!("connection error: {}", io.kind()),
        ureq::Error::ConnectionFailed => "connection failed".to_string(),
        ureq::Error::HostNotFound => "host not found".to_string(),
        other => format!("transport error: {other}"),
    }
}

fn excerpt(body: &str) -> String {
    let b = body.trim();
    if b.is_empty() {
        String::new()
    } else {
        format!(": {}", b.chars().take(200).collect::<String>())
    }
}
