//! One backend request: the body written next to the repository, the POST, the response check,
//! and the failure policy (`--on-error`) with a message that names the endpoint, the status and
//! the fix.

use std::path::Path;

use super::args::OnError;
use super::http::{Client, Failure, Response};
use super::log::{Log, SyncError};
use super::plan::Plan;
use super::requests::{self, Endpoint, RequestMeta};
use super::response::{self, Invalid};
use super::telemetry::Telemetry;
use super::tree::write_atomic;
use crate::http::{FailureKind, client::REDIRECT_HINT, redact};

/// Sends requests and applies the failure policy.
pub struct Fetcher<'a> {
    pub plan: &'a Plan,
    pub client: &'a Client,
    pub repo_root: &'a Path,
    pub log: &'a Log,
    pub telemetry: &'a mut Telemetry,
}

/// Why a request gave nothing usable.
enum Problem {
    /// The exchange failed (after retries): transport error or HTTP status.
    Transport(Failure),
    /// A 2xx whose body may not be written: why, its status, the attempts it took, and the
    /// start of the body.
    Invalid(Invalid, u16, u32, String),
}

impl Fetcher<'_> {
    /// The response, checked; `None` when it failed and `--on-error=stub` applies.
    pub fn request(
        &mut self,
        endpoint: Endpoint,
        meta: &RequestMeta,
    ) -> Result<Option<String>, SyncError> {
        let body = requests::body(endpoint, meta);
        let body_file = self.repo_root.join(endpoint.request_file());
        write_atomic(&body_file, body.as_bytes())
            .map_err(|e| SyncError::Failed(format!("cannot write {}: {e}", body_file.display())))?;
        let url = format!("{}/{}", self.plan.base_url, endpoint.path());
        self.log
            .debug(&format!("POST {} body {body}", redact::url(&url)));
        let log = self.log;
        let mut warn = |line: String| log.warn(&line);
        let problem = match self.client.post_json(&url, body.as_bytes(), &mut warn) {
            Ok(response) => match self.accept(endpoint, response) {
                Ok(text) => return Ok(Some(text)),
                Err((invalid, response)) => Problem::Invalid(
                    invalid,
                    response.status,
                    response.attempts,
                    redact::excerpt(&response.body),
                ),
            },
            Err(failure) => Problem::Transport(failure),
        };
        let message = failure_message(endpoint, &url, &problem, &body, self.plan);
        match self.plan.on_error {
            OnError::Fail => Err(SyncError::Failed(message)),
            OnError::Stub => {
                self.log.warn(&format!(
                    "{message}\n!!! --on-error=stub: continuing with EMPTY {} data; this feature is \
                     turned off in settings.json for this sync. Tests run without fresh metadata.",
                    endpoint.name()
                ));
                Ok(None)
            }
        }
    }

    /// Checks a 200 response and records it; its text, or why not with the response back.
    fn accept(
        &mut self,
        endpoint: Endpoint,
        response: Response,
    ) -> Result<String, (Invalid, Response)> {
        if let Err(invalid) = response::check(endpoint, &response.body) {
            return Err((invalid, response));
        }
        let bytes = response.body.len();
        let Response {
            status,
            body,
            elapsed,
            attempts,
        } = response;
        let text = String::from_utf8(body).map_err(|e| {
            let invalid = Invalid::NotJson("response is not valid UTF-8".to_owned());
            let body = e.into_bytes();
            let response = Response {
                status,
                body,
                elapsed,
                attempts,
            };
            (invalid, response)
        })?;
        self.log.debug(&format!(
            "{} response ({bytes} bytes): {text}",
            endpoint.name()
        ));
        let ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
        self.telemetry.record(endpoint, ms, bytes as u64);
        Ok(text)
    }
}

fn failure_message(
    endpoint: Endpoint,
    url: &str,
    problem: &Problem,
    body: &str,
    plan: &Plan,
) -> String {
    let (status, reason, attempts, body_start) = match problem {
        Problem::Transport(f) => (f.status, f.reason.as_str(), f.attempts, f.excerpt.as_str()),
        Problem::Invalid(invalid, status, attempts, start) => {
            (Some(*status), invalid.reason(), *attempts, start.as_str())
        }
    };
    let fix = match (problem, status) {
        (Problem::Transport(f), _) if matches!(f.kind, FailureKind::Redirect { .. }) => {
            REDIRECT_HINT.to_owned()
        }
        (Problem::Transport(f), _) if matches!(f.kind, FailureKind::TooLarge { .. }) => format!(
            "raise --http-max-response-mb (now {}) if a response this large is expected",
            plan.policy.max_body >> 20
        ),
        (Problem::Invalid(Invalid::NotJson(_), ..), _) => {
            "the endpoint did not answer with a JSON object; check that DD_SITE / \
             DD_TEST_OPTIMIZATION_AGENTLESS_URL point at the Datadog API and not at a proxy page"
                .to_owned()
        }
        (Problem::Invalid(Invalid::Shape(_), ..), _) => {
            "the response is JSON but not of the shape the tracers read, so it is not written \
             where they would read it; check that DD_TEST_OPTIMIZATION_AGENTLESS_URL points at the \
             Datadog API, and report the response if it does"
                .to_owned()
        }
        (_, Some(401 | 403)) => {
            "check that DD_API_KEY is a valid API key of the organisation on this DD_SITE"
                .to_owned()
        }
        (_, Some(404)) => "check DD_SITE / DD_TEST_OPTIMIZATION_AGENTLESS_URL".to_owned(),
        (_, Some(408 | 429 | 500..=599)) => format!(
            "the backend is unavailable or rate limiting; retry later or raise \
             --http-retry-attempts (now {}) / --http-retry-delay-seconds",
            plan.policy.retries
        ),
        (_, Some(_)) => "check the request below and the service/env values".to_owned(),
        (_, None) => format!(
            "check network access to {} (proxy variables HTTPS_PROXY/NO_PROXY, firewall) and \
             --http-connect-timeout-seconds / --http-max-time-seconds",
            redact::url(&plan.base_url)
        ),
    };
    let status = status.map_or("no HTTP status".to_owned(), |s| format!("HTTP {s}"));
    let mut body_shown = body.to_owned();
    if !plan.debug && body_shown.len() > 500 {
        let mut cut = 500;
        while !body_shown.is_char_boundary(cut) {
            cut -= 1;
        }
        body_shown.truncate(cut);
        body_shown.push('…');
    }
    let skip = if endpoint == Endpoint::Settings {
        String::new()
    } else {
        format!(", skip this feature with {}=false", endpoint.switch_flag())
    };
    format!(
        "the {} request failed: POST {} → {status} ({reason}) after {attempts} attempt(s).\n  \
         response starts with: {body_start:?}\n  request body: {body_shown}\n  fix: {fix}{skip}, \
         or pass --on-error=stub to continue with empty metadata.",
        endpoint.name(),
        redact::url(url),
    )
}
