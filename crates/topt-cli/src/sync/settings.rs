//! `settings.json`: which features the backend settings enable, the local kill-switches that
//! turn one off, and the settings written when the settings request itself failed.
//!
//! The rewrite changes only the members it names; every other member, numbers included, is
//! written back as the backend sent it (see `json.rs`).

use std::collections::BTreeMap;

use super::json::Json;
use super::requests::Endpoint;

fn attributes<'j, 'a>(settings: &'j Json<'a>) -> Option<&'j Json<'a>> {
    settings.get("data")?.get("attributes")
}

fn is_true(value: Option<&Json<'_>>) -> bool {
    value == Some(&Json::Bool(true))
}

/// Whether the backend settings enable a feature: strictly `true`.
pub fn feature_enabled(settings: &Json<'_>, endpoint: Endpoint) -> bool {
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
/// `flaky_test_retries_enabled` = `false`), creating missing objects (a value that is not an
/// object becomes one) and keeping other members, so tracers reading settings.json agree with
/// the stub they get.
pub fn disable_feature(settings: &mut Json<'_>, endpoint: Endpoint) {
    let Some(attrs) = settings
        .object_mut()
        .and_then(|root| root.entry("data".into()).or_insert(Json::Null).object_mut())
        .and_then(|data| {
            data.entry("attributes".into())
                .or_insert(Json::Null)
                .object_mut()
        })
    else {
        return;
    };
    let off = Json::Bool(false);
    match endpoint {
        Endpoint::Settings => {}
        Endpoint::KnownTests => {
            attrs.insert("known_tests_enabled".into(), off);
        }
        Endpoint::FlakyTests => {
            attrs.insert("flaky_test_retries_enabled".into(), off);
        }
        Endpoint::TestManagement => {
            let slot = attrs.entry("test_management".into()).or_insert(Json::Null);
            if let Some(tm) = slot.object_mut() {
                tm.insert("enabled".into(), off);
            }
        }
    }
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
pub fn stub() -> Json<'static> {
    let attributes = REQUIRED
        .iter()
        .map(|(key, off, _)| {
            let value = match off {
                Off::Flag => Json::Bool(false),
                Off::Object => object([("enabled", Json::Bool(false))]),
            };
            ((*key).into(), value)
        })
        .collect();
    object([("data", object([("attributes", Json::Object(attributes))]))])
}

fn object<const N: usize>(members: [(&'static str, Json<'static>); N]) -> Json<'static> {
    Json::Object(
        members
            .into_iter()
            .map(|(k, v)| (k.into(), v))
            .collect::<BTreeMap<_, _>>(),
    )
}

/// The `git_requests.settings_response` telemetry tags of the features the settings enable.
pub fn telemetry_tags(settings: &Json<'_>) -> Vec<String> {
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

    fn json(text: &str) -> Json<'_> {
        Json::parse(text).unwrap_or(Json::Null)
    }

    #[test]
    fn kill_switch_creates_missing_objects() {
        let mut s = json(
            r#"{"data":{"id":"x","attributes":{"test_management":{"attempt_to_fix_retries":3}}}}"#,
        );
        disable_feature(&mut s, Endpoint::TestManagement);
        disable_feature(&mut s, Endpoint::KnownTests);
        assert_eq!(
            s.generated(),
            concat!(
                r#"{"data":{"attributes":{"known_tests_enabled":false,"#,
                r#""test_management":{"attempt_to_fix_retries":3,"enabled":false}},"id":"x"}}"#,
                "\n"
            )
            .as_bytes()
        );
        let mut odd = json(r#"{"data":[1],"x":1.50}"#);
        disable_feature(&mut odd, Endpoint::FlakyTests);
        assert_eq!(
            odd.generated(),
            b"{\"data\":{\"attributes\":{\"flaky_test_retries_enabled\":false}},\"x\":1.50}\n"
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
        let attributes = attributes(&stub)
            .and_then(Json::as_object)
            .cloned()
            .unwrap_or_default();
        assert_eq!(attributes.len(), REQUIRED.len());
        let off = [json("false"), json(r#"{"enabled":false}"#)];
        for (key, value) in &attributes {
            assert!(off.contains(value), "{key}: {value}");
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
        let s = json(
            r#"{"data":{"attributes":{"known_tests_enabled":"true","flaky_test_retries_enabled":true}}}"#,
        );
        assert!(!feature_enabled(&s, Endpoint::KnownTests));
        assert!(feature_enabled(&s, Endpoint::FlakyTests));
        assert!(!feature_enabled(&s, Endpoint::TestManagement));
    }
}
