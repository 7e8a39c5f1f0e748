//! One POST with bounded retries over a shared keep-alive `ureq::Agent`.
//!
//! Timeouts, refused or reset connections, DNS failures and 408/429/5xx are retried with the
//! policy's backoff (or the server's `Retry-After`); every other answer is final. Redirects are
//! never followed: a 3xx would turn the POST into a body-less GET (or re-send the body) to
//! another host together with the `DD-API-KEY` header, so it is a final failure naming the
//! `Location`. An optional deadline bounds the whole exchange: attempts get at most the time
//! left, and no attempt or wait starts past it.

use std::time::{Duration, Instant, SystemTime};

use super::policy::{Policy, retryable_status};
use super::resolve::CachingResolver;
use super::{redact, retry_after};

/// Headers whose values are secrets: never shown, and scrubbed from anything a server echoes.
const SECRET_HEADERS: [&str; 1] = ["DD-API-KEY"];

/// Bytes of a non-2xx body read for the error excerpt; the rest is not read.
const ERROR_BODY_BYTES: u64 = 64 * 1024;

/// What to check when a redirect comes back (printed with it).
pub const REDIRECT_HINT: &str = "redirects are never followed, so a request and its API key \
     never go to another host: check DD_SITE and the configured URL \
     (DD_TEST_OPTIMIZATION_AGENTLESS_URL / DD_TEST_OPTIMIZATION_AGENT_URL), e.g. http:// where the \
     server wants https://, or a proxy that redirects";

#[derive(Debug)]
pub struct Request<'a> {
    pub url: &'a str,
    pub headers: &'a [(&'static str, String)],
    pub body: &'a [u8],
}

/// A 2xx answer.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// The decoded body, at most the policy's `max_body` bytes.
    pub body: Vec<u8>,
    /// Duration of the successful attempt.
    pub elapsed: Duration,
    pub attempts: u32,
}

/// Why a request did not get a 2xx.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureKind {
    /// A final answer: a status that is not retried (4xx other than 408/429), or a body the
    /// caller rejects.
    Answer,
    /// A 3xx, not followed. `location` is redacted.
    Redirect { location: Option<String> },
    /// Every attempt failed in a way worth retrying.
    Exhausted,
    /// A failure another attempt cannot fix (malformed URL, TLS certificate, invalid header).
    Transport,
    /// The decoded body is longer than `limit` bytes.
    TooLarge { limit: u64 },
    /// The caller's deadline came first; the request may or may not have been processed.
    Deadline,
    /// The cancel hook asked to stop between attempts.
    Interrupted,
}

/// A failed exchange. Its texts are redacted: no credentials, no query values, no API key.
#[derive(Debug, Clone)]
pub struct Failure {
    pub kind: FailureKind,
    /// The last HTTP status received, if any.
    pub status: Option<u16>,
    /// The last attempt's problem on one line: `HTTP 503`, `timeout (global)`, …
    pub reason: String,
    /// The start of the last error body (see [`redact::excerpt`]).
    pub excerpt: String,
    /// Attempts made (0 when the deadline had passed before the first).
    pub attempts: u32,
}

impl Failure {
    /// One line for a per-file report: the reason, the excerpt, and what the kind adds.
    pub fn describe(&self) -> String {
        let mut s = self.reason.clone();
        if !self.excerpt.is_empty() {
            s.push_str(": ");
            s.push_str(&self.excerpt);
        }
        match &self.kind {
            FailureKind::Exhausted => s.push_str(&format!(" after {} attempts", self.attempts)),
            FailureKind::Redirect { .. } => s.push_str(&format!("; {REDIRECT_HINT}")),
            FailureKind::Deadline => {
                s = format!(
                    "deadline reached after {} attempt(s) (last: {s})",
                    self.attempts
                );
            }
            _ => {}
        }
        s
    }
}

/// One attempt's result.
enum Attempt {
    Done(Response),
    Retry {
        status: Option<u16>,
        reason: String,
        excerpt: String,
        retry_after: Option<Duration>,
    },
    Final(Failure),
}

#[derive(Debug, Clone)]
pub struct Client {
    agent: ureq::Agent,
    policy: Policy,
    cancel: fn() -> bool,
    /// A 2xx is final even when its body cannot be read (see [`Client::ack_on_status`]).
    ack_on_status: bool,
}

impl Client {
    /// A client keeping up to `2·pool` idle connections (one per concurrent worker, and room).
    pub fn new(policy: Policy, pool: usize) -> Self {
        let idle = pool.max(1) * 2;
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(policy.connect_timeout))
            .timeout_global(Some(policy.attempt_timeout))
            .max_idle_connections(idle)
            .max_idle_connections_per_host(idle)
            .user_agent(concat!("topt/", env!("CARGO_PKG_VERSION")))
            .build();
        let agent = ureq::Agent::with_parts(
            config,
            ureq::unversioned::transport::DefaultConnector::default(),
            CachingResolver::default(),
        );
        Client {
            agent,
            policy: Policy {
                attempts: policy.attempts.max(1),
                ..policy
            },
            cancel: || false,
            ack_on_status: false,
        }
    }

    /// For callers that need no 2xx body (uploads): a 2xx status line is the acceptance, so a
    /// body cut or stalled in transit afterwards is not retried — a retry would send again what
    /// the server already accepted. The body read is still attempted (bounded) so the
    /// connection can be reused.
    pub fn ack_on_status(mut self) -> Self {
        self.ack_on_status = true;
        self
    }

    /// Stops retrying (and waiting) as soon as `cancel` returns true.
    pub fn with_cancel(mut self, cancel: fn() -> bool) -> Self {
        self.cancel = cancel;
        self
    }

    /// POSTs `req` until a 2xx, a final answer, the last attempt, the deadline or cancellation.
    /// `on_retry` gets one line per retry.
    pub fn post(
        &self,
        req: &Request<'_>,
        deadline: Option<Instant>,
        on_retry: &mut dyn FnMut(String),
    ) -> Result<Response, Failure> {
        let secrets: Vec<&str> = req
            .headers
            .iter()
            .filter(|(k, _)| SECRET_HEADERS.iter().any(|s| s.eq_ignore_ascii_case(k)))
            .map(|(_, v)| v.as_str())
            .collect();
        let total = self.policy.attempts;
        let mut last = (None, "no attempt was made".to_owned(), String::new());
        let mut attempt = 0;
        let fail = |kind, (status, reason, excerpt): (Option<u16>, String, String), attempts| {
            Err(Failure {
                kind,
                status,
                reason: redact::scrub(&reason, &secrets),
                excerpt: redact::scrub(&excerpt, &secrets),
                attempts,
            })
        };
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left == Some(Duration::ZERO) {
                return fail(FailureKind::Deadline, last, attempt);
            }
            attempt += 1;
            let (status, reason, excerpt, wait) = match self.once(req, left) {
                Attempt::Done(response) => {
                    return Ok(Response {
                        attempts: attempt,
                        ..response
                    });
                }
                Attempt::Final(f) => {
                    return fail(f.kind, (f.status, f.reason, f.excerpt), attempt);
                }
                Attempt::Retry {
                    status,
                    reason,
                    excerpt,
                    retry_after,
                } => (status, reason, excerpt, retry_after),
            };
            last = (status, reason, excerpt);
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return fail(FailureKind::Deadline, last, attempt);
            }
            if attempt >= total {
                return fail(FailureKind::Exhausted, last, attempt);
            }
            if (self.cancel)() {
                return fail(FailureKind::Interrupted, last, attempt);
            }
            let wait = wait.unwrap_or_else(|| self.policy.backoff(attempt));
            if deadline.is_some_and(|d| Instant::now() + wait >= d) {
                return fail(FailureKind::Deadline, last, attempt);
            }
            on_retry(redact::scrub(
                &format!(
                    "POST {}: {}; retrying in {:.1}s (attempt {} of {total})",
                    redact::url(req.url),
                    last.1,
                    wait.as_secs_f64(),
                    attempt + 1
                ),
                &secrets,
            ));
            self.sleep(wait);
            if (self.cancel)() {
                return fail(FailureKind::Interrupted, last, attempt);
            }
        }
    }

    /// Sleeps `d`, waking early when the cancel hook fires.
    fn sleep(&self, d: Duration) {
        let end = Instant::now() + d;
        loop {
            let now = Instant::now();
            if now >= end || (self.cancel)() {
                return;
            }
            std::thread::sleep((end - now).min(Duration::from_millis(50)));
        }
    }

    /// One attempt, its timeouts cut to `left` when a deadline applies.
    fn once(&self, req: &Request<'_>, left: Option<Duration>) -> Attempt {
        let request = match self.request(req, left) {
            Ok(r) => r,
            Err(e) => return transport(&e, None),
        };
        let started = Instant::now();
        let mut response = match self.agent.run(request) {
            Ok(r) => r,
            Err(e) => return transport(&e, None),
        };
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        if (300..400).contains(&status) {
            let location = header("location").map(|l| redact::one_line(&redact::url(&l), 300));
            let reason = match &location {
                Some(l) => format!("HTTP {status} redirect to {l} (not followed)"),
                None => format!("HTTP {status} redirect without a Location (not followed)"),
            };
            return Attempt::Final(Failure {
                kind: FailureKind::Redirect { location },
                status: Some(status),
                reason,
                excerpt: String::new(),
                attempts: 1,
            });
        }
        let retry_after = header("retry-after")
            .and_then(|v| retry_after::parse(&v, SystemTime::now(), self.policy.max_delay));
        let success = (200..300).contains(&status);
        let limit = if success {
            self.policy.max_body
        } else {
            ERROR_BODY_BYTES
        };
        let body = match response.body_mut().with_config().limit(limit).read_to_vec() {
            Ok(body) => body,
            Err(ureq::Error::BodyExceedsLimit(_)) if !success => Vec::new(),
            Err(_) if success && self.ack_on_status => Vec::new(),
            Err(e) => return transport(&e, Some(status)),
        };
        if success {
            return Attempt::Done(Response {
                status,
                body,
                elapsed: started.elapsed(),
                attempts: 1,
            });
        }
        let (reason, excerpt) = (format!("HTTP {status}"), redact::excerpt(&body));
        if retryable_status(status) {
            Attempt::Retry {
                status: Some(status),
                reason,
                excerpt,
                retry_after,
            }
        } else {
            Attempt::Final(Failure {
                kind: FailureKind::Answer,
                status: Some(status),
                reason,
                excerpt,
                attempts: 1,
            })
        }
    }
}

impl Client {
    /// The POST as an `http` request. Its header map is sized once (growing it header by header
    /// cost 4 % of an upload's instructions), and it gets timeouts of its own only when the
    /// deadline cuts the policy's: a request-level configuration is a copy of the agent's.
    fn request<'b>(
        &self,
        req: &Request<'b>,
        left: Option<Duration>,
    ) -> Result<ureq::http::Request<&'b [u8]>, ureq::Error> {
        use ureq::http::{self, HeaderMap, HeaderName, HeaderValue};
        let mut headers = HeaderMap::with_capacity(req.headers.len() + 6);
        for (k, v) in req.headers {
            let name = HeaderName::from_bytes(k.as_bytes()).map_err(http::Error::from)?;
            let value = HeaderValue::from_str(v).map_err(http::Error::from)?;
            headers.append(name, value);
        }
        let mut request = http::Request::new(req.body);
        *request.method_mut() = http::Method::POST;
        *request.uri_mut() = req.url.parse().map_err(http::Error::from)?;
        *request.headers_mut() = headers;
        let (attempt, connect) = (self.policy.attempt_timeout, self.policy.connect_timeout);
        Ok(match left {
            Some(l) if l < attempt || l < connect => self
                .agent
                .configure_request(request)
                .timeout_global(Some(attempt.min(l)))
                .timeout_connect(Some(connect.min(l)))
                .build(),
            _ => request,
        })
    }
}

/// A ureq error as an attempt result. Error texts may quote the URL: redacted.
fn transport(err: &ureq::Error, status: Option<u16>) -> Attempt {
    let retry = |reason: String| Attempt::Retry {
        status,
        reason,
        excerpt: String::new(),
        retry_after: None,
    };
    match err {
        ureq::Error::Timeout(t) => retry(format!("timeout ({t})")),
        ureq::Error::Io(io) => retry(format!("connection error: {io}")),
        ureq::Error::ConnectionFailed => retry("connection failed".to_owned()),
        ureq::Error::HostNotFound => retry("host not found".to_owned()),
        ureq::Error::Protocol(p) => retry(format!("protocol error: {p}")),
        ureq::Error::BodyExceedsLimit(limit) => Attempt::Final(Failure {
            kind: FailureKind::TooLarge { limit: *limit },
            status,
            reason: format!(
                "the response body is larger than the {} limit",
                human_bytes(*limit)
            ),
            excerpt: String::new(),
            attempts: 1,
        }),
        other => Attempt::Final(Failure {
            kind: FailureKind::Transport,
            status,
            reason: redact::text(&format!("transport error: {other}")),
            excerpt: String::new(),
            attempts: 1,
        }),
    }
}

/// `8 MiB`, `512 KiB`, `100 bytes`: exact, in the largest unit that divides the value.
pub fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::intake::http as server;

    fn policy() -> Policy {
        Policy {
            attempts: 5,
            connect_timeout: Duration::from_secs(5),
            attempt_timeout: Duration::from_secs(30),
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_secs(60),
            max_body: 1 << 20,
        }
    }

    /// The project's test intake server on a free port, answering with `reply(n)` for the n-th
    /// request (from 0); returns its URL and the request counter.
    fn serve(
        reply: impl Fn(usize) -> server::Reply + Send + Sync + 'static,
    ) -> (String, Arc<AtomicUsize>) {
        let (listener, addr) = server::bind("127.0.0.1", 0).unwrap();
        let count = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&count);
        let handler: Arc<server::Handler> =
            Arc::new(move |_req| reply(seen.fetch_add(1, Ordering::SeqCst)));
        std::thread::spawn(move || server::serve(listener, handler));
        (format!("http://{addr}/x"), count)
    }

    fn json(status: u16, body: &str, retry_after: Option<u64>) -> server::Reply {
        server::Reply::Json {
            status,
            body: body.to_owned(),
            retry_after,
        }
    }

    fn post(client: &Client, url: &str, deadline: Option<Instant>) -> Result<Response, Failure> {
        let headers = [("DD-API-KEY", "sekrit-key-123".to_owned())];
        let req = Request {
            url,
            headers: &headers,
            body: b"{}",
        };
        client.post(&req, deadline, &mut |_| {})
    }

    /// A server that accepts connections and never answers.
    fn hanging() -> (String, TcpListener) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/x", listener.local_addr().unwrap());
        (url, listener)
    }

    #[test]
    fn an_attempt_is_cut_at_the_deadline() {
        let (url, _listener) = hanging();
        let client = Client::new(policy(), 1);
        let started = Instant::now();
        let f = post(&client, &url, Some(started + Duration::from_millis(700))).unwrap_err();
        let took = started.elapsed();
        assert_eq!(f.kind, FailureKind::Deadline, "{f:?}");
        assert_eq!(f.attempts, 1);
        assert!(took >= Duration::from_millis(700), "{took:?}");
        assert!(
            took < Duration::from_secs(5),
            "the 30 s attempt timeout was not cut: {took:?}"
        );
        assert!(
            f.describe()
                .starts_with("deadline reached after 1 attempt(s)"),
            "{}",
            f.describe()
        );
    }

    #[test]
    fn no_wait_runs_past_the_deadline() {
        let (url, count) = serve(|_| json(503, "busy", Some(30)));
        let client = Client::new(policy(), 1);
        let started = Instant::now();
        let f = post(&client, &url, Some(started + Duration::from_secs(5))).unwrap_err();
        assert_eq!(f.kind, FailureKind::Deadline);
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "slept towards a 30 s Retry-After"
        );
        assert_eq!(
            (f.status, f.attempts, count.load(Ordering::SeqCst)),
            (Some(503), 1, 1)
        );
        assert!(f.describe().contains("HTTP 503: busy"), "{}", f.describe());
    }

    #[test]
    fn no_attempt_starts_past_the_deadline() {
        let (url, count) = serve(|_| json(200, "{}", None));
        let client = Client::new(policy(), 1);
        let f = post(&client, &url, Some(Instant::now())).unwrap_err();
        assert_eq!((f.kind, f.attempts), (FailureKind::Deadline, 0));
        assert_eq!(count.load(Ordering::SeqCst), 0);
    }

    /// A 2xx whose body is cut in transit: a caller that needs the body retries; an upload
    /// (`ack_on_status`) takes the status as the acceptance and never sends it again.
    #[test]
    fn a_cut_2xx_body_is_retried_unless_the_status_is_the_acceptance() {
        let (url, count) = serve(|n| match n {
            0 => server::Reply::Truncated { status: 202 },
            _ => json(200, "{}", None),
        });
        let r = post(&Client::new(policy(), 1), &url, None).unwrap();
        assert_eq!((r.attempts, count.load(Ordering::SeqCst)), (2, 2));
        let (url, count) = serve(|_| server::Reply::Truncated { status: 202 });
        let r = post(&Client::new(policy(), 1).ack_on_status(), &url, None).unwrap();
        assert_eq!(
            (r.status, r.attempts, count.load(Ordering::SeqCst)),
            (202, 1, 1)
        );
    }

    #[test]
    fn transient_failures_are_retried_until_success() {
        let (url, count) = serve(|n| match n {
            0 => json(503, "", None),
            1 => json(429, "", Some(0)),
            2 => server::Reply::Reset,
            _ => json(200, r#"{"ok":1}"#, None),
        });
        let client = Client::new(policy(), 1);
        let mut retries = Vec::new();
        let headers = [("DD-API-KEY", "sekrit-key-123".to_owned())];
        let req = Request {
            url: &url,
            headers: &headers,
            body: b"{}",
        };
        let r = client.post(&req, None, &mut |l| retries.push(l)).unwrap();
        assert_eq!(
            (r.status, r.attempts, r.body.as_slice()),
            (200, 4, &br#"{"ok":1}"#[..])
        );
        assert_eq!(count.load(Ordering::SeqCst), 4);
        assert!(
            retries[0].contains("HTTP 503; retrying in") && retries[0].contains("(attempt 2 of 5)")
        );
        assert!(
            retries[1].contains("HTTP 429; retrying in 0.0s"),
            "{retries:?}"
        );
        assert!(retries[2].contains("connection error"), "{retries:?}");
    }

    #[test]
    fn retries_are_bounded_and_final_answers_are_not_retried() {
        let (url, count) = serve(|_| json(500, "down", None));
        let f = post(&Client::new(policy(), 1), &url, None).unwrap_err();
        assert_eq!(
            (f.kind.clone(), f.attempts, count.load(Ordering::SeqCst)),
            (FailureKind::Exhausted, 5, 5)
        );
        assert_eq!(f.describe(), "HTTP 500: down after 5 attempts");
        let (url, count) = serve(|_| json(403, "no", None));
        let f = post(&Client::new(policy(), 1), &url, None).unwrap_err();
        assert_eq!(
            (f.kind, f.attempts, count.load(Ordering::SeqCst)),
            (FailureKind::Answer, 1, 1)
        );
    }

    #[test]
    fn redirects_are_final_and_redacted() {
        let (url, count) = serve(|_| server::Reply::Redirect {
            status: 308,
            location: "https://u:pw@elsewhere/x?sig=abc".into(),
        });
        let f = post(&Client::new(policy(), 1), &url, None).unwrap_err();
        assert_eq!(
            f.kind,
            FailureKind::Redirect {
                location: Some("https://elsewhere/x?sig=<redacted>".into())
            }
        );
        assert_eq!(
            (f.status, f.attempts, count.load(Ordering::SeqCst)),
            (Some(308), 1, 1)
        );
        let text = f.describe();
        assert!(
            text.starts_with(
                "HTTP 308 redirect to https://elsewhere/x?sig=<redacted> (not followed)"
            ),
            "{text}"
        );
        assert!(
            text.contains("DD_SITE") && !text.contains("pw") && !text.contains("abc"),
            "{text}"
        );
    }

    #[test]
    fn bodies_are_bounded_and_echoed_keys_scrubbed() {
        let (url, _) = serve(|_| json(200, &"x".repeat(3000), None));
        let client = Client::new(
            Policy {
                max_body: 2048,
                ..policy()
            },
            1,
        );
        let f = post(&client, &url, None).unwrap_err();
        assert_eq!(
            (f.kind.clone(), f.status),
            (FailureKind::TooLarge { limit: 2048 }, Some(200))
        );
        assert_eq!(f.reason, "the response body is larger than the 2 KiB limit");
        let (url, _) = serve(|_| json(401, r#"{"error":"bad key sekrit-key-123"}"#, None));
        let f = post(&client, &url, None).unwrap_err();
        assert_eq!(f.excerpt, r#"{"error":"bad key <redacted>"}"#);
    }

    #[test]
    fn unreachable_hosts_are_retried_then_reported() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let f = post(
            &Client::new(
                Policy {
                    attempts: 2,
                    ..policy()
                },
                1,
            ),
            &format!("http://127.0.0.1:{port}/"),
            None,
        )
        .unwrap_err();
        assert_eq!(
            (f.kind, f.status, f.attempts),
            (FailureKind::Exhausted, None, 2)
        );
        assert!(f.reason.starts_with("connection"), "{}", f.reason);
    }

    #[test]
    fn sizes_are_named_exactly() {
        assert_eq!(human_bytes(256 << 20), "256 MiB");
        assert_eq!(human_bytes(2048), "2 KiB");
        assert_eq!(human_bytes(1000), "1000 bytes");
    }
}
