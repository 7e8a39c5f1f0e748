//! `settings.json`: which features the backend settings enable, the local kill-switches that
//! turn one off, and the settings written when the settings request itself failed.

use serde_json::{Map, Value, json};

use super::requests::Endpoint;

fn attributes(settings: &Value) -> Option<&Map<String, Value>> {
    settings.get("data")?.get("attributes")?.as_object()
}

fn is_true(value: Option<&Value>) -> bool {
    value == Some(&Value::Bool(true))
}

/// Whether the backend settings enable a feature: strictly `true` (`"true"` or `1` are off).
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

/// Turns a feature off in the settings (`known_tests_enabled`, `test_management.enabled`,
/// `flaky_test_retries_enabled` = `false`), creating missing objects and keeping other members,
/// so tracers reading settings.json agree with the stub they get.
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

/// How a required key is written when it is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Off {
    /// `false`.
    Flag,
    /// `{"enabled": false}`.
    Object,
}

/// Every `data.attributes` key that some tracer requires in `settings.json`, with the tracers
/// whose sources require it. dd-trace-js (`test-optimization-http-cache-schema.js`,
/// `REQUIRED_SETTINGS_KEYS`) rejects a file that lacks any of the eleven, or an `enabled` in
/// either object, and then calls the settings API over the network; dd-trace-py
/// (`settings_data.py`, `Settings.from_attributes`) reads into both objects without checking
/// that they exist. dd-trace-go, dd-trace-java and datadog-ci (Ruby) require none: a missing
/// key reads as off.
const REQUIRED: [(&str, Off, &str); 11] = [
    ("code_coverage", Off::Flag, "js"),
    ("tests_skipping", Off::Flag, "js"),
    ("itr_enabled", Off::Flag, "js"),
    ("require_git", Off::Flag, "js"),
    ("early_flake_detection", Off::Object, "js, py"),
    ("flaky_test_retries_enabled", Off::Flag, "js"),
    ("di_enabled", Off::Flag, "js"),
    ("known_tests_enabled", Off::Flag, "js"),
    ("test_management", Off::Object, "js, py"),
    ("impacted_tests_enabled", Off::Flag, "js"),
    ("coverage_report_upload_enabled", Off::Flag, "js"),
];

/// The settings a sync writes when the settings request itself failed under `--on-error=stub`:
/// every key a tracer requires, off, so that no tracer rejects the file or turns a feature on.
pub fn stub() -> Value {
    let attributes: Map<String, Value> = REQUIRED
        .iter()
        .map(|(key, off, _)| {
            let value = match off {
                Off::Flag => Value::Bool(false),
                Off::Object => json!({"enabled": false}),
            };
            ((*key).to_owned(), value)
        })
        .collect();
    json!({"data": {"attributes": attributes}})
}

/// The `git_requests.settings_response` telemetry tags of the features the settings enable.
pub fn telemetry_tags(settings: &Value) -> Vec<String> {
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
    fn kill_switch_creates_missing_objects() {
        let mut s = json!({"data": {"id": "x", "attributes": {"test_management": {"attempt_to_fix_retries": 3}}}});
        disable_feature(&mut s, Endpoint::TestManagement);
        disable_feature(&mut s, Endpoint::KnownTests);
        assert_eq!(
            s,
            json!({"data": {"id": "x", "attributes": {"known_tests_enabled": false,
                "test_management": {"attempt_to_fix_retries": 3, "enabled": false}}}})
        );
    }

    /// The required keys are the settings attributes the response check types, flags as flags.
    #[test]
    fn required_keys_are_the_checked_attributes() {
        use super::super::response::SETTINGS_ATTRIBUTES;
        use super::super::shape::Shape;
        let members = match &SETTINGS_ATTRIBUTES {
            Shape::Object(members, _) => *members,
            _ => &[],
        };
        let checked: Vec<(&str, Off)> = members
            .iter()
            .filter(|(name, _, _)| *name != "default_branch")
            .map(|(name, _, shape)| {
                let off = match shape {
                    Shape::Object(..) => Off::Object,
                    _ => Off::Flag,
                };
                (*name, off)
            })
            .collect();
        let mut required: Vec<(&str, Off)> = REQUIRED.iter().map(|(k, o, _)| (*k, *o)).collect();
        let mut checked = checked;
        required.sort_by_key(|(k, _)| *k);
        checked.sort_by_key(|(k, _)| *k);
        assert_eq!(required, checked);
    }

    /// The stub turns every feature off, and the kill-switches leave it as it is.
    #[test]
    fn stub_is_all_off_and_a_fixed_point_of_the_kill_switches() {
        let stub = stub();
        let attributes = stub["data"]["attributes"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        assert_eq!(attributes.len(), REQUIRED.len());
        for (key, value) in &attributes {
            let off = value == &json!(false) || value == &json!({"enabled": false});
            assert!(off, "{key}: {value}");
        }
        for endpoint in Endpoint::BUNDLES {
            assert!(!feature_enabled(&stub, endpoint));
        }
        assert!(telemetry_tags(&stub).is_empty());
        let mut switched = stub.clone();
        for endpoint in Endpoint::BUNDLES {
            disable_feature(&mut switched, endpoint);
        }
        assert_eq!(switched, stub);
    }

    #[test]
    fn gating_is_strict_true() {
        let s = json!({"data": {"attributes": {"known_tests_enabled": "true", "flaky_test_retries_enabled": true}}});
        assert!(!feature_enabled(&s, Endpoint::KnownTests));
        assert!(feature_enabled(&s, Endpoint::FlakyTests));
        assert!(!feature_enabled(&s, Endpoint::TestManagement));
    }
}
