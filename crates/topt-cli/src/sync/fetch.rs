//! One backend request: the body written next to the repository, the POST, the response check,
//! and the failure policy (`--on-error`) with a message that names the endpoint, the status and
//! the fix.

use std::path::Path;

use serde_json::Value;

use super::http::{Client, Failure};
use super::plan::Plan;
use super::requests::{self, Endpoint, RequestMeta};
use super::telemetry::Telemetry;
use super::tree::write_atomic;
use super::{Log, OnError, SyncError};
use crate::http::{FailureKind, client::REDIRECT_HINT, redact};

/// Sends requests and applies the failure policy.
pub struct Fetcher<'a> {
    pub plan: &'a Plan,
    pub client: &'a Client,
    pub repo_root: &'a Path,
    pub log: &'a Log,
    pub telemetry: &'a mut Telemetry,
}

impl Fetcher<'_> {
    /// The raw and decoded response; `None` when it failed and `--on-error=stub` applies.
    pub fn request(
        &mut self,
        endpoint: Endpoint,
        meta: &RequestMeta,
    ) -> Result<Option<(Vec<u8>, Value)>, SyncError> {
        let body = requests::body(endpoint, meta);
        let body_file = self.repo_root.join(endpoint.request_file());
        write_atomic(&body_file, body.as_bytes())
            .map_err(|e| SyncError::Failed(format!("cannot write {}: {e}", body_file.display())))?;
        let url = format!("{}/{}", self.plan.base_url, endpoint.path());
        self.log
            .debug(&format!("POST {} body {body}", redact::url(&url)));
        let log = self.log;
        let mut warn = |line: String| log.warn(&line);
        let outcome = self.client.post_json(&url, body.as_bytes(), &mut warn);
        let failure = match outcome {
            Ok(response) => {
                // Settings are decoded here; bundles are only checked and then split module by
                // module by the tree writer.
                let checked = if endpoint == Endpoint::Settings {
                    requests::parse_object(&response.body)
                } else {
                    requests::check_object(&response.body).map(|()| Value::Null)
                };
                match checked {
                    Ok(parsed) => {
                        self.log.debug(&format!(
                            "{} response ({} bytes): {}",
                            endpoint.name(),
                            response.body.len(),
                            String::from_utf8_lossy(&response.body)
                        ));
                        let ms = u64::try_from(response.elapsed.as_millis()).unwrap_or(u64::MAX);
                        let bytes = response.body.len() as u64;
                        self.telemetry.record(endpoint, ms, bytes, &parsed);
                        return Ok(Some((response.body, parsed)));
                    }
                    Err(why) => Failure {
                        kind: FailureKind::Answer,
                        status: Some(response.status),
                        reason: why,
                        attempts: response.attempts,
                        excerpt: redact::excerpt(&response.body),
                    },
                }
            }
            Err(failure) => failure,
        };
        let message = failure_message(endpoint, &url, &failure, &body, self.plan);
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
}

fn failure_message(
    endpoint: Endpoint,
    url: &str,
    failure: &Failure,
    body: &str,
    plan: &Plan,
) -> String {
    let status = failure
        .status
        .map_or("no HTTP status".to_owned(), |s| format!("HTTP {s}"));
    let fix = match failure.status {
        _ if matches!(failure.kind, FailureKind::Redirect { .. }) => REDIRECT_HINT.to_owned(),
        _ if matches!(failure.kind, FailureKind::TooLarge { .. }) => format!(
            "raise --http-max-response-mb (now {}) if a response this large is expected",
            plan.policy.max_body >> 20
        ),
        Some(200..=299) => "the endpoint did not answer with a JSON object; check that DD_SITE / \
             DD_TEST_OPTIMIZATION_AGENTLESS_URL point at the Datadog API and not at a proxy page"
            .to_owned(),
        Some(401 | 403) => {
            "check that DD_API_KEY is a valid API key of the organisation on this DD_SITE"
                .to_owned()
        }
        Some(404) => "check DD_SITE / DD_TEST_OPTIMIZATION_AGENTLESS_URL".to_owned(),
        Some(408 | 429 | 500..=599) => format!(
            "the backend is unavailable or rate limiting; retry later or raise \
             --http-retry-attempts (now {}) / --http-retry-delay-seconds",
            plan.policy.retries
        ),
        Some(_) => "check the request below and the service/env values".to_owned(),
        None => format!(
            "check network access to {} (proxy variables HTTPS_PROXY/NO_PROXY, firewall) and \
             --http-connect-timeout-seconds / --http-max-time-seconds",
            redact::url(&plan.base_url)
        ),
    };
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
        "the {} request failed: POST {} → {status} ({}) after {} attempt(s).\n  response starts \
         with: {:?}\n  request body: {body_shown}\n  fix: {fix}{skip}, or pass --on-error=stub to \
         continue with empty metadata.",
        endpoint.name(),
        redact::url(url),
        failure.reason,
        failure.attempts,
        failure.excerpt,
    )
}
