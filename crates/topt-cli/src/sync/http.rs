//! Sync's requests over the shared client (`crate::http`): its policy flags mapped onto the
//! client's policy, and one JSON POST with the API key.
//!
//! Each POST is bounded as a whole by `(R + 1)·M + R·D + B` (R retries, M the per-attempt time,
//! D the retry delay, B the buffer; the outer timeout the reference puts around curl), used as
//! the client's deadline. TLS certificates are always verified (ureq's rustls default).

use std::time::{Duration, Instant};

use crate::http::{self, ApiKey, FailureKind, Request};

pub use crate::http::{Failure, Response};

/// Longest wait between two attempts (backoff or `Retry-After`), unless the retry delay is longer.
const MAX_DELAY: Duration = Duration::from_secs(60);

/// Connect timeout, per-attempt total time, retry count and delay, outer buffer, body limit.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub connect: Duration,
    pub max_time: Duration,
    pub retries: u32,
    pub delay: Duration,
    pub buffer: Duration,
    /// Longest decoded response body, in bytes.
    pub max_body: u64,
}

impl Policy {
    /// The bound of one POST, retries included: `(R + 1)·M + R·D + B`.
    pub fn budget(&self) -> Duration {
        self.max_time * (self.retries + 1) + self.delay * self.retries + self.buffer
    }
}

#[derive(Debug)]
pub struct Client {
    inner: http::Client,
    budget: Duration,
    headers: [(&'static str, String); 3],
}

impl Client {
    pub fn new(policy: Policy, api_key: &ApiKey) -> Self {
        let inner = http::Client::new(
            http::Policy {
                attempts: policy.retries.saturating_add(1),
                connect_timeout: policy.connect,
                attempt_timeout: policy.max_time,
                base_delay: policy.delay,
                max_delay: MAX_DELAY.max(policy.delay),
                max_body: policy.max_body,
            },
            1,
        );
        Client {
            inner,
            budget: policy.budget(),
            headers: [
                ("Content-Type", "application/json".to_owned()),
                ("Accept", "application/json".to_owned()),
                ("DD-API-KEY", api_key.expose().to_owned()),
            ],
        }
    }

    /// POSTs `body` as JSON, retrying transient failures. `warn` receives one line per retry.
    pub fn post_json(
        &self,
        url: &str,
        body: &[u8],
        warn: &mut dyn FnMut(String),
    ) -> Result<Response, Failure> {
        let req = Request {
            url,
            headers: &self.headers,
            body,
        };
        let deadline = Instant::now() + self.budget;
        self.inner
            .post(&req, Some(deadline), warn)
            .map_err(|mut f| {
                if f.kind == FailureKind::Deadline {
                    f.reason = format!(
                        "{} (stopped retrying: the {}s time budget is spent)",
                        f.reason,
                        self.budget.as_secs()
                    );
                }
                f
            })
    }
}
