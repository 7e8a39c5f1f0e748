//! Upload's requests over the shared client (`crate::http`): one POST per payload with the
//! uploader's retry flags, and what its result means for the file. Connections are kept alive
//! and shared by all workers through one agent; Ctrl-C stops retries and waits.

use std::time::{Duration, Instant};

use crate::http::{self, FailureKind};

use super::interrupt;

/// Longest response body read: the intake answers `{}`, so this only bounds a broken answer.
const MAX_BODY: u64 = 1 << 20;

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base: Duration,
    /// Longest wait between attempts: the backoff's cap and the longest `Retry-After` honoured.
    pub cap: Duration,
}

#[derive(Debug)]
pub struct Request<'a> {
    pub url: &'a str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

/// What happened to one payload. Every detail is redacted and never contains the API key.
#[derive(Debug)]
pub enum Outcome {
    Accepted,
    /// A final answer (4xx other than 408/429, or a redirect, which is never followed): the file
    /// is kept and reported.
    Rejected {
        detail: String,
    },
    /// Retries exhausted, or a failure no retry can fix: the file is kept and reported.
    Failed {
        reason: String,
    },
    /// The caller's deadline came first: the file is kept and reported (the intake may still
    /// have received the last attempt).
    DeadlineReached {
        reason: String,
    },
    Interrupted,
}

#[derive(Debug, Clone)]
pub struct Client {
    inner: http::Client,
}

impl Client {
    pub fn new(
        policy: RetryPolicy,
        timeout: Duration,
        connect_timeout: Duration,
        pool: usize,
    ) -> Self {
        let inner = http::Client::new(
            http::Policy {
                attempts: policy.max_attempts,
                connect_timeout,
                attempt_timeout: timeout,
                base_delay: policy.base,
                max_delay: policy.cap,
                max_body: MAX_BODY,
            },
            pool,
        )
        .with_cancel(interrupt::requested)
        .ack_on_status();
        Client { inner }
    }

    /// One payload's POST; no attempt or wait goes past `deadline` (`--max-run-sec`).
    pub fn send_until(&self, req: &Request<'_>, deadline: Option<Instant>) -> Outcome {
        let request = http::Request {
            url: req.url,
            headers: &req.headers,
            body: &req.body,
        };
        let failure = match self.inner.post(&request, deadline, &mut |_| {}) {
            Ok(_) => return Outcome::Accepted,
            Err(f) => f,
        };
        match failure.kind {
            FailureKind::Answer | FailureKind::Redirect { .. } => Outcome::Rejected {
                detail: failure.describe(),
            },
            FailureKind::Exhausted | FailureKind::Transport | FailureKind::TooLarge { .. } => {
                Outcome::Failed {
                    reason: failure.describe(),
                }
            }
            FailureKind::Deadline => Outcome::DeadlineReached {
                reason: failure.describe(),
            },
            FailureKind::Interrupted => Outcome::Interrupted,
        }
    }
}
