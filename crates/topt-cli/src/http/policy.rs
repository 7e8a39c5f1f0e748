//! How hard to try: attempts, per-attempt timeouts, the wait between attempts, the body limit,
//! and which answers are worth another attempt.

use std::time::Duration;

/// The retry policy of one client. Every command maps its own flags onto this.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Attempts in total, the first included (at least 1).
    pub attempts: u32,
    /// Connect timeout of one attempt.
    pub connect_timeout: Duration,
    /// Whole-attempt timeout (connect, send, answer, body).
    pub attempt_timeout: Duration,
    /// Wait before the first retry; it doubles for every further retry.
    pub base_delay: Duration,
    /// Longest wait between two attempts, whatever asks for it: the backoff or a `Retry-After`.
    pub max_delay: Duration,
    /// Longest decoded (gunzipped) response body read; a longer one is a final failure.
    pub max_body: u64,
}

impl Policy {
    /// The wait before retry number `retry` (1 for the first retry): `base · 2^(retry−1)`, capped
    /// at `max_delay`, times a random factor in [0.5, 1] so parallel clients do not retry in
    /// lockstep. The jitter only shortens the wait, so `max_delay` stays a true upper bound.
    pub fn backoff(&self, retry: u32) -> Duration {
        backoff(self.base_delay, self.max_delay, retry)
    }
}

/// [`Policy::backoff`] for any client (the gRPC remote-cache client uses it too).
pub fn backoff(base_delay: Duration, max_delay: Duration, retry: u32) -> Duration {
    let doubling = 1u32 << retry.saturating_sub(1).min(16);
    let nominal = base_delay.saturating_mul(doubling).min(max_delay);
    nominal.mul_f64(0.5 + fastrand::f64() * 0.5)
}

/// Statuses that are retried: the request timed out on the server, rate limiting, server errors.
/// Every other non-2xx answer is final, since sending the same request again gets the same answer.
pub fn retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500..=599)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(base_ms: u64, max_ms: u64) -> Policy {
        Policy {
            attempts: 5,
            connect_timeout: Duration::from_secs(1),
            attempt_timeout: Duration::from_secs(1),
            base_delay: Duration::from_millis(base_ms),
            max_delay: Duration::from_millis(max_ms),
            max_body: 1,
        }
    }

    #[test]
    fn backoff_doubles_with_jitter_and_never_exceeds_the_cap() {
        let p = policy(100, 1000);
        for _ in 0..200 {
            for (retry, nominal) in [
                (1, 100),
                (2, 200),
                (3, 400),
                (4, 800),
                (5, 1000),
                (40, 1000),
            ] {
                let d = p.backoff(retry).as_millis() as u64;
                assert!(
                    (nominal / 2..=nominal).contains(&d),
                    "retry {retry}: {d} ms"
                );
            }
        }
        assert_eq!(policy(0, 1000).backoff(3), Duration::ZERO);
        let huge = Policy {
            base_delay: Duration::from_secs(u64::MAX / 2),
            max_delay: Duration::from_secs(60),
            ..policy(0, 0)
        };
        assert!(huge.backoff(30) <= Duration::from_secs(60));
    }

    #[test]
    fn only_transient_statuses_are_retried() {
        for s in [408, 429, 500, 502, 503, 504, 599] {
            assert!(retryable_status(s), "{s}");
        }
        for s in [200, 301, 307, 400, 401, 403, 404, 413, 422] {
            assert!(!retryable_status(s), "{s}");
        }
    }
}
