//! The four backend endpoints: request bodies, response validation, feature gating, the
//! kill-switch settings rewrite and the telemetry facts (spec §1.5, §2.3–§2.5).

use serde_json::{Map, Value, json};

/// One backend endpoint, in request order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Settings,
    KnownTests,
    TestManagement,
    FlakyTests,
}

impl Endpoint {
    pub const ALL: [Endpoint; 4] = [
        Endpoint::Settings,
        Endpoint::KnownTests,
        Endpoint::TestManagement,
        Endpoint::FlakyTests,
    ];

    /// The three feature endpoints, whose responses are bundles split per module.
    pub const BUNDLES: [Endpoint; 3] = [
        Endpoint::KnownTests,
        Endpoint::TestManagement,
        Endpoint::FlakyTests,
    ];

    pub fn path(self) -> &'static str {
        match self {
            Endpoint::Settings => "api/v2/libraries/tests/services/setting",
            Endpoint::KnownTests => "api/v2/ci/libraries/tests",
            Endpoint::TestManagement => "api/v2/test/libraries/test-management/tests",
            Endpoint::FlakyTests => "api/v2/ci/libraries/tests/flaky",
        }
    }

    /// Short name used in file names and messages.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Settings => "settings",
            Endpoint::KnownTests => "known_tests",
            Endpoint::TestManagement => "test_management",
            Endpoint::FlakyTests => "flaky_tests",
        }
    }

    pub fn request_file(self) -> String {
        format!("{}.request.json", self.name())
    }

    /// The local kill-switch flag that turns this feature off.
    pub fn switch_flag(self) -> &'static str {
        match self {
            Endpoint::Settings => "",
            Endpoint::KnownTests => "--known-tests",
            Endpoint::TestManagement => "--test-management",
            Endpoint::FlakyTests => "--flaky-tests",
        }
    }

    /// Prefix of the telemetry metric names.
    fn metric(self) -> &'static str {
        match self {
            Endpoint::Settings => "git_requests.settings",
            Endpoint::KnownTests => "known_tests",
            Endpoint::TestManagement => "test_management_tests",
            Endpoint::FlakyTests => "flaky_tests",
        }
    }
}

/// The metadata that goes into request bodies.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub service: String,
    pub env: String,
    pub repository_url: String,
    pub branch: String,
    pub sha: String,
    pub head_sha: String,
    pub commit_message: String,
    pub head_message: String,
    /// `os.*` and `runtime.*` configuration tags (spec §2.3).
    pub configurations: Value,
}

/// The request body: compact JSON with sorted keys and no trailing newline.
pub fn body(endpoint: Endpoint, meta: &RequestMeta) -> String {
    let (kind, attributes) = match endpoint {
        Endpoint::Settings => (
            "ci_app_test_service_libraries_settings",
            json!({"service": meta.service, "env": meta.env,
                   "repository_url": meta.repository_url, "branch": meta.branch, "sha": meta.sha}),
        ),
        Endpoint::KnownTests | Endpoint::FlakyTests => (
            if endpoint == Endpoint::KnownTests {
                "ci_app_libraries_tests_request"
            } else {
                "flaky_test_from_libraries_params"
            },
            json!({"service": meta.service, "env": meta.env,
                   "repository_url": meta.repository_url, "configurations": meta.configurations}),
        ),
        Endpoint::TestManagement => (
            "ci_app_libraries_tests_request",
            json!({"repository_url": meta.repository_url,
                   "sha": first_non_empty(&meta.head_sha, &meta.sha),
                   "commit_message": first_non_empty(&meta.head_message, &meta.commit_message)}),
        ),
    };
    json!({"data": {"id": "1", "type": kind, "attributes": attributes}}).to_string()
}

fn first_non_empty<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.is_empty() { b } else { a }
}

/// Checks that a response is one JSON object (spec §2.5 wording) without building it: the
/// large bundles are decoded module by module later.
pub fn check_object(bytes: &[u8]) -> Result<(), String> {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    let Some(start) = start else {
        return Err("response is empty; expected JSON object".to_owned());
    };
    let first = bytes.get(start).copied().unwrap_or(b' ');
    if !matches!(first, b'{' | b'[') {
        let head = String::from_utf8_lossy(&bytes[start..bytes.len().min(start + 40)]);
        return Err(format!("response is not JSON (starts with {head:?})"));
    }
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes)
        .map_err(|e| format!("response is not valid JSON: {e}"))?;
    if first != b'{' {
        return Err("response must be a JSON object".to_owned());
    }
    Ok(())
}

/// Decodes a response that must be a JSON object (the settings).
pub fn parse_object(bytes: &[u8]) -> Result<Value, String> {
    check_object(bytes)?;
    serde_json::from_slice(bytes).map_err(|e| format!("response is not valid JSON: {e}"))
}

fn attributes(settings: &Value) -> Option<&Map<String, Value>> {
    settings.get("data")?.get("attributes")?.as_object()
}

fn is_true(value: Option<&Value>) -> bool {
    value == Some(&Value::Bool(true))
}

/// Whether the backend settings enable a feature (strict `true`, spec §2.4).
pub fn feature_enabled(settings: &Value, endpoint: Endpoint) -> bool {
    let Some(attrs) = attributes(settings) else {
        return false;
    };
    match endpoint {
        Endpoint::Settings => true,
        Endpoint::KnownTests => is_true(attrs.get("known_tests_enabled")),
        Endpoint::TestManagement => {
            is_true(attrs.get("test_management").and_then(|t| t.get("enabled")))
        }
        Endpoint::FlakyTests => is_true(attrs.get("flaky_test_retries_enabled")),
    }
}

/// Turns a feature off in the settings, creating missing objects and keeping other members, so
/// tracers reading settings.json agree with the stub they get (spec §2.4).
pub fn disable_feature(settings: &mut Value, endpoint: Endpoint) {
    let Some(attrs) = ensure_object(settings)
        .and_then(|root| ensure_object(root.entry("data").or_insert(Value::Null)))
        .and_then(|data| ensure_object(data.entry("attributes").or_insert(Value::Null)))
    else {
        return;
    };
    match endpoint {
        Endpoint::Settings => {}
        Endpoint::KnownTests => {
            attrs.insert("known_tests_enabled".to_owned(), Value::Bool(false));
        }
        Endpoint::FlakyTests => {
            attrs.insert("flaky_test_retries_enabled".to_owned(), Value::Bool(false));
        }
        Endpoint::TestManagement => {
            let slot = attrs.entry("test_management").or_insert(Value::Null);
            if let Some(tm) = ensure_object(slot) {
                tm.insert("enabled".to_owned(), Value::Bool(false));
            }
        }
    }
}

/// `value` as an object, replacing a non-object with `{}` as the reference does.
fn ensure_object(value: &mut Value) -> Option<&mut Map<String, Value>> {
    if !value.is_object() {
        *value = Value::Object(Map::new());
    }
    value.as_object_mut()
}

/// The settings a sync writes when the settings request itself failed under `--on-error=stub`:
/// every feature off, exactly what the kill-switch rewrite makes of an empty response.
pub fn stub_settings() -> Value {
    let mut settings = json!({});
    for endpoint in Endpoint::BUNDLES {
        disable_feature(&mut settings, endpoint);
    }
    settings
}

/// The counts and distributions of `telemetry_facts.json`, appended as requests succeed.
#[derive(Debug, Default)]
pub struct Telemetry {
    counts: Vec<Value>,
    distributions: Vec<Value>,
}

fn metric(name: String, tags: Vec<String>, value: u64) -> Value {
    json!({"name": name, "tags": tags, "value": value})
}

impl Telemetry {
    /// Records a successful request: its duration, size and (for bundles) test count.
    pub fn record(&mut self, endpoint: Endpoint, elapsed_ms: u64, bytes: u64, parsed: &Value) {
        let m = endpoint.metric();
        match endpoint {
            Endpoint::Settings => {
                self.counts.push(metric(m.to_owned(), vec![], 1));
                self.counts
                    .push(metric(format!("{m}_response"), settings_tags(parsed), 1));
                self.distributions
                    .push(metric(format!("{m}_ms"), vec![], elapsed_ms));
            }
            _ => {
                self.counts.push(metric(format!("{m}.request"), vec![], 1));
                self.distributions
                    .push(metric(format!("{m}.request_ms"), vec![], elapsed_ms));
                self.distributions
                    .push(metric(format!("{m}.response_bytes"), vec![], bytes));
                // Counted while splitting (see `set_response_tests`).
                self.distributions
                    .push(metric(format!("{m}.response_tests"), vec![], 0));
            }
        }
    }

    /// Sets the `<endpoint>.response_tests` distribution of a request that was made.
    pub fn set_response_tests(&mut self, endpoint: Endpoint, tests: u64) {
        let name = format!("{}.response_tests", endpoint.metric());
        for d in &mut self.distributions {
            if d.get("name").and_then(Value::as_str) == Some(name.as_str()) {
                d["value"] = json!(tests);
            }
        }
    }

    /// Retags `git_requests.settings_response` once the kill-switches have been applied.
    pub fn retag_settings(&mut self, settings: &Value) {
        let name = format!("{}_response", Endpoint::Settings.metric());
        for count in &mut self.counts {
            if count.get("name").and_then(Value::as_str) == Some(name.as_str()) {
                count["tags"] = json!(settings_tags(settings));
            }
        }
    }

    /// `telemetry_facts.json` content (spec §1.5).
    pub fn facts(&self, service: &str, runtime_name: &str, env: &str) -> Value {
        let mut facts = json!({
            "schema_version": 1,
            "service_name": service,
            "runtime_name": runtime_name,
            "counts": self.counts,
            "distributions": self.distributions,
        });
        if !env.is_empty() {
            facts["env"] = json!(env);
        }
        facts
    }
}

fn settings_tags(settings: &Value) -> Vec<String> {
    let Some(attrs) = attributes(settings) else {
        return vec![];
    };
    let mut tags = Vec::new();
    if is_true(attrs.get("code_coverage")) {
        tags.push("coverage_enabled".to_owned());
    }
    if is_true(attrs.get("tests_skipping")) {
        tags.push("itrskip_enabled".to_owned());
    }
    if is_true(
        attrs
            .get("early_flake_detection")
            .and_then(|e| e.get("enabled")),
    ) {
        tags.push("early_flake_detection_enabled:true".to_owned());
    }
    if is_true(attrs.get("flaky_test_retries_enabled")) {
        tags.push("flaky_test_retries_enabled:true".to_owned());
    }
    if is_true(attrs.get("test_management").and_then(|t| t.get("enabled"))) {
        tags.push("test_management_enabled:true".to_owned());
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_body_matches_the_spec_example() {
        let meta = RequestMeta {
            service: "checkout-api".into(),
            env: "ci".into(),
            repository_url: "https://github.com/acme/checkout.git".into(),
            branch: "feature/cart-retry".into(),
            sha: "9f2c1e7a3b5d4c6e8f0a1b2c3d4e5f6a7b8c9d0e".into(),
            ..RequestMeta::default()
        };
        assert_eq!(
            body(Endpoint::Settings, &meta),
            r#"{"data":{"attributes":{"branch":"feature/cart-retry","env":"ci","repository_url":"https://github.com/acme/checkout.git","service":"checkout-api","sha":"9f2c1e7a3b5d4c6e8f0a1b2c3d4e5f6a7b8c9d0e"},"id":"1","type":"ci_app_test_service_libraries_settings"}}"#
        );
    }

    #[test]
    fn test_management_prefers_head_commit() {
        let meta = RequestMeta {
            sha: "merge".into(),
            head_sha: "head".into(),
            commit_message: "m".into(),
            ..RequestMeta::default()
        };
        assert_eq!(
            body(Endpoint::TestManagement, &meta),
            r#"{"data":{"attributes":{"commit_message":"m","repository_url":"","sha":"head"},"id":"1","type":"ci_app_libraries_tests_request"}}"#
        );
    }

    #[test]
    fn kill_switch_creates_missing_objects() {
        let mut s = json!({"data": {"id": "x", "attributes": {"test_management": {"attempt_to_fix_retries": 3}}}});
        disable_feature(&mut s, Endpoint::TestManagement);
        disable_feature(&mut s, Endpoint::KnownTests);
        assert_eq!(
            s,
            json!({"data": {"id": "x", "attributes": {"known_tests_enabled": false,
                "test_management": {"attempt_to_fix_retries": 3, "enabled": false}}}})
        );
        assert_eq!(
            stub_settings().to_string(),
            r#"{"data":{"attributes":{"flaky_test_retries_enabled":false,"known_tests_enabled":false,"test_management":{"enabled":false}}}}"#
        );
    }

    #[test]
    fn gating_is_strict_true() {
        let s = json!({"data": {"attributes": {"known_tests_enabled": "true", "flaky_test_retries_enabled": true}}});
        assert!(!feature_enabled(&s, Endpoint::KnownTests));
        assert!(feature_enabled(&s, Endpoint::FlakyTests));
        assert!(!feature_enabled(&s, Endpoint::TestManagement));
    }

    #[test]
    fn response_validation_messages() {
        assert!(parse_object(b"  ").is_err_and(|e| e.contains("empty")));
        assert!(parse_object(b"<html>").is_err_and(|e| e.contains("not JSON")));
        assert!(parse_object(b"[1]").is_err_and(|e| e.contains("must be a JSON object")));
        assert!(parse_object(b"{\"a\":1}").is_ok());
    }
}
