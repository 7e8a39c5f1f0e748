//! The HTTP client: POST JSON with connect/total timeouts and bounded retries (spec §2.2).
//!
//! Retries cover what curl's `--retry --retry-connrefused` treats as transient (timeouts, refused
//! or reset connections, 408/429/500/502/503/504), back off exponentially from the retry delay,
//! and honour a `Retry-After` in seconds. The whole exchange is bounded by the reference's outer
//! timeout `(R + 1)·M + R·D + B`. TLS certificates are always verified (ureq's rustls default).

use std::time::{Duration, Instant};

use super::site::redact_url;

/// Connect timeout, per-attempt total time, retry count and delay, and the outer buffer.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub connect: Duration,
    pub max_time: Duration,
    pub retries: u32,
    pub delay: Duration,
    pub buffer: Duration,
}

impl Policy {
    /// The reference's outer process timeout: `(R + 1)·M + R·D + B`.
    pub fn budget(&self) -> Duration {
        self.max_time * (self.retries + 1) + self.delay * self.retries + self.buffer
    }
}

/// A successful (2xx) exchange.
#[derive(Debug)]
pub struct Response {
    pub body: Vec<u8>,
    /// Duration of the successful attempt (what curl's `time_total` reports).
    pub elapsed: Duration,
}

/// Why a request failed after retries. Never contains the API key.
#[derive(Debug)]
pub struct Failure {
    pub status: Option<u16>,
    pub reason: String,
    pub attempts: u32,
    /// Start of the response body, for the error message.
    pub body_start: String,
}

#[derive(Debug)]
pub struct Client {
    agent: ureq::Agent,
    policy: Policy,
    api_key: String,
}

enum Attempt {
    Done(Response),
    Retry {
        status: Option<u16>,
        reason: String,
        retry_after: Option<Duration>,
        body_start: String,
    },
    Fatal {
        status: Option<u16>,
        reason: String,
        body_start: String,
    },
}

const MAX_BODY: u64 = 4 << 30;
const MAX_BACKOFF: Duration = Duration::from_secs(60);
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

impl Client {
    pub fn new(policy: Policy, api_key: String) -> Self {
        let config = ureq::Agent::config_builder()
            .timeout_connect(Some(policy.connect))
            .timeout_global(Some(policy.max_time))
            .http_status_as_error(false)
            // curl without -L does not follow redirects; neither do we (a redirect is an error).
            .max_redirects(0)
            .user_agent(concat!("topt/", env!("CARGO_PKG_VERSION")))
            .build();
        Client {
            agent: ureq::Agent::new_with_config(config),
            policy,
            api_key,
        }
    }

    /// POSTs `body` as JSON, retrying transient failures. `warn` receives one line per retry.
    pub fn post_json(
        &self,
        url: &str,
        body: &[u8],
        warn: &mut dyn FnMut(String),
    ) -> Result<Response, Failure> {
        let started = Instant::now();
        let budget = self.policy.budget();
        let total = self.policy.retries + 1;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (status, reason, retry_after, body_start) = match self.once(url, body) {
                Attempt::Done(response) => return Ok(response),
                Attempt::Fatal {
                    status,
                    reason,
                    body_start,
                } => {
                    return Err(Failure {
                        status,
                        reason,
                        attempts: attempt,
                        body_start,
                    });
                }
                Attempt::Retry {
                    status,
                    reason,
                    retry_after,
                    body_start,
                } => (status, reason, retry_after, body_start),
            };
            let wait = retry_after.unwrap_or_else(|| self.backoff(attempt));
            let out_of_budget = started.elapsed() + wait + self.policy.max_time > budget;
            if attempt >= total || out_of_budget {
                let reason = if attempt < total {
                    format!(
                        "{reason} (stopped retrying: the {}s time budget is spent)",
                        budget.as_secs()
                    )
                } else {
                    reason
                };
                return Err(Failure {
                    status,
                    reason,
                    attempts: attempt,
                    body_start,
                });
            }
            warn(format!(
                "POST {}: {reason}; retrying in {:.1}s (attempt {} of {total})",
                redact_url(url),
                wait.as_secs_f64(),
                attempt + 1
            ));
            std::thread::sleep(wait);
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.policy.delay.saturating_mul(1 << (attempt - 1).min(16));
        let base = base.min(MAX_BACKOFF.max(self.policy.delay));
        // Up to 25 % jitter so parallel syncs do not retry in lockstep.
        let jitter_ms = (base.as_millis() as u64) / 4;
        base + Duration::from_millis(fastrand::u64(0..=jitter_ms))
    }

    fn once(&self, url: &str, body: &[u8]) -> Attempt {
        let started = Instant::now();
        let sent = self
            .agent
            .post(url)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .header("DD-API-KEY", &self.api_key)
            .send(body);
        let mut response = match sent {
            Ok(response) => response,
            Err(err) => return classify_error(&err, None),
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|s| Duration::from_secs(s).min(MAX_RETRY_AFTER));
        let read = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec();
        let body = match read {
            Ok(body) => body,
            Err(err) => return classify_error(&err, Some(status)),
        };
        let elapsed = started.elapsed();
        if (200..300).contains(&status) {
            return Attempt::Done(Response { body, elapsed });
        }
        let body_start = snippet(&body);
        let reason = format!("HTTP {status}");
        if matches!(status, 408 | 429 | 500 | 502 | 503 | 504) {
            Attempt::Retry {
                status: Some(status),
                reason,
                retry_after,
                body_start,
            }
        } else {
            Attempt::Fatal {
                status: Some(status),
                reason,
                body_start,
            }
        }
    }
}

fn classify_error(err: &ureq::Error, status: Option<u16>) -> Attempt {
    // Transport errors may quote the URL; never repeat proxy or URL credentials.
    let reason = err
        .to_string()
        .split(' ')
        .map(|word| {
            if word.contains("://") {
                redact_url(word)
            } else {
                word.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    match err {
        ureq::Error::Timeout(_)
        | ureq::Error::Io(_)
        | ureq::Error::ConnectionFailed
        | ureq::Error::Protocol(_) => Attempt::Retry {
            status,
            reason,
            retry_after: None,
            body_start: String::new(),
        },
        _ => Attempt::Fatal {
            status,
            reason,
            body_start: String::new(),
        },
    }
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(300)]);
    text.chars().filter(|c| !c.is_control()).collect()
}
