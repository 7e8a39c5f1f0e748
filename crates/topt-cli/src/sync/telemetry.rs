//! `telemetry_facts.json`: the counts and distributions of the requests that were made and
//! succeeded, for the uploader to report as the tracers' own telemetry would.

use serde_json::{Value, json};

use super::json::Json;
use super::requests::Endpoint;
use super::settings;

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
    /// Records a successful request: its duration and size (and, for bundles, a test count and,
    /// for the settings, tags that `retag_settings` fills in later).
    pub fn record(&mut self, endpoint: Endpoint, elapsed_ms: u64, bytes: u64) {
        let m = metric_prefix(endpoint);
        match endpoint {
            Endpoint::Settings => {
                self.counts.push(metric(m.to_owned(), vec![], 1));
                self.counts.push(metric(format!("{m}_response"), vec![], 1));
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
        let name = format!("{}.response_tests", metric_prefix(endpoint));
        for d in &mut self.distributions {
            if d.get("name").and_then(Value::as_str) == Some(name.as_str()) {
                d["value"] = json!(tests);
            }
        }
    }

    /// Retags `git_requests.settings_response` once the kill-switches have been applied.
    pub fn retag_settings(&mut self, settings: &Json<'_>) {
        let name = format!("{}_response", metric_prefix(Endpoint::Settings));
        for count in &mut self.counts {
            if count.get("name").and_then(Value::as_str) == Some(name.as_str()) {
                count["tags"] = json!(settings::telemetry_tags(settings));
            }
        }
    }

    /// `telemetry_facts.json` content (docs/sync.md, "`telemetry_facts.json`").
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

/// Prefix of an endpoint's metric names.
fn metric_prefix(endpoint: Endpoint) -> &'static str {
    match endpoint {
        Endpoint::Settings => "git_requests.settings",
        Endpoint::KnownTests => "known_tests",
        Endpoint::TestManagement => "test_management_tests",
        Endpoint::FlakyTests => "flaky_tests",
    }
}
