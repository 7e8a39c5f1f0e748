//! `topt sync` writes a response only where tracers can read it: valid UTF-8, nested at most 64
//! levels deep, and with the types each tracer decodes. Every other 200 response fails the sync
//! (exit 1, naming the endpoint and what is wrong), or under `--on-error=stub` is replaced by the
//! stub with the feature turned off, like any other failed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sync_support;

use std::sync::Arc;

use serde_json::Value;
use sync_support::*;

/// One malformed response: the endpoint that sends it, its bytes, and what the error must say.
struct Case {
    endpoint: &'static str,
    body: Vec<u8>,
    needle: &'static str,
}

fn case(endpoint: &'static str, body: &str, needle: &'static str) -> Case {
    Case {
        endpoint,
        body: body.as_bytes().to_vec(),
        needle,
    }
}

fn deep(levels: usize) -> String {
    format!("{}{}", "[".repeat(levels), "]".repeat(levels))
}

fn cases() -> Vec<Case> {
    let deep_known = format!(
        r#"{{"data":{{"attributes":{{"tests":{{"m":{{"s":["t"]}}}}}}}},"extra":{}}}"#,
        deep(100_000)
    );
    let deep_settings = format!(
        r#"{{"data":{{"attributes":{{"known_tests_enabled":true,"x":{}}}}}}}"#,
        deep(65)
    );
    let mut bad_key = br#"{"data":{"attributes":{"tests":{"m"#.to_vec();
    bad_key.extend_from_slice(b"\xff\xfe");
    bad_key.extend_from_slice(br#"":{"s":["t"]}}}}}"#);
    let mut bad_value = br#"{"data":[{"attributes":{"name":"t"#.to_vec();
    bad_value.extend_from_slice(b"\xc3\x28");
    bad_value.extend_from_slice(br#""}}]}"#);
    vec![
        case("known_tests", &deep_known, "nested deeper than 64 levels"),
        case("settings", &deep_settings, "nested deeper than 64 levels"),
        Case {
            endpoint: "known_tests",
            body: bad_key,
            needle: "not valid UTF-8",
        },
        Case {
            endpoint: "flaky_tests",
            body: bad_value,
            needle: "not valid UTF-8",
        },
        case(
            "known_tests",
            r#"{"data":{"attributes":{"tests":{"\ud800":{"s":["t"]}}}}}"#,
            "surrogate",
        ),
        case(
            "known_tests",
            r#"{"data":{"attributes":{"tests":"str"}}}"#,
            "data.attributes.tests must be an object or null, found a string",
        ),
        case(
            "known_tests",
            r#"{"data":{"attributes":{"tests":{"m":{"s":"t"}}}}}"#,
            r#"data.attributes.tests.m.s must be an array, found a string"#,
        ),
        case(
            "known_tests",
            r#"{"data":{"attributes":{"tests":{"pkg/a.b":{"s":[1]}}}}}"#,
            r#"data.attributes.tests["pkg/a.b"].s[0] must be a string, found an integer"#,
        ),
        case(
            "known_tests",
            r#"{"data":{"attributes":{}}}"#,
            "data.attributes.tests is missing",
        ),
        case(
            "test_management",
            r#"{"data":{"attributes":{"modules":[]}}}"#,
            "data.attributes.modules must be an object, found an array",
        ),
        case(
            "test_management",
            r#"{"data":{"attributes":{"modules":{"m":{"suites":{"s":{"tests":{"t":{}}}}}}}}}"#,
            "data.attributes.modules.m.suites.s.tests.t.properties is missing",
        ),
        case(
            "test_management",
            r#"{"data":{"attributes":{"modules":{"m":{"suites":{"s":{"tests":{"t":{"properties":{"disabled":"yes"}}}}}}}}}}"#,
            "properties.disabled must be true, false or null, found a string",
        ),
        case(
            "flaky_tests",
            r#"{"data":{}}"#,
            "data must be an array, found an object",
        ),
        case(
            "flaky_tests",
            r#"{"data":[{"attributes":{"configurations":{"test":{"bundle":7}}}}]}"#,
            "data[0].attributes.configurations.test.bundle must be a string, found an integer",
        ),
        case(
            "settings",
            r#"{"data":{"attributes":{"known_tests_enabled":"true"}}}"#,
            "data.attributes.known_tests_enabled must be true, false or null, found a string",
        ),
        case(
            "settings",
            r#"{"data":{"attributes":{"early_flake_detection":true}}}"#,
            "data.attributes.early_flake_detection must be an object, found a boolean",
        ),
        case(
            "settings",
            r#"{"data":{"attributes":{"test_management":{"attempt_to_fix_retries":2.5}}}}"#,
            "attempt_to_fix_retries must be an integer or null, found a number that is not a 64-bit integer",
        ),
        case(
            "settings",
            r#"{"data":{"id":7}}"#,
            "data.id must be a string",
        ),
        case("settings", r#"{}"#, "data is missing"),
    ]
}

fn start(case: &Case) -> Api {
    let (endpoint, body) = (case.endpoint, case.body.clone());
    Api::start(Arc::new(move |seen, _| {
        if seen == endpoint {
            Reply::Bytes(200, body.clone(), vec![])
        } else {
            fixture_reply(seen)
        }
    }))
}

/// What is wrong with the sync of one case, if anything.
fn failed_sync(case: &Case) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let api = start(case);
    let out = sync(dir.path(), &api.url, &["--service", "s"], &[]);
    let err = text(&out.stderr);
    if out.status.code() != Some(1) {
        return Some(format!("exit {:?}: {err}", out.status.code()));
    }
    if !err.contains(&format!("the {} request failed", case.endpoint)) || !err.contains(case.needle)
    {
        return Some(format!("message: {err}"));
    }
    // Nothing was written where a tracer would read it.
    if dir.path().join("repo/.testoptimization").exists() {
        return Some("the tree was written".to_owned());
    }
    None
}

#[test]
fn malformed_responses_fail_the_sync() {
    let wrong: Vec<String> = cases()
        .iter()
        .filter_map(|case| {
            let why = failed_sync(case)?;
            Some(format!("{} {:?}: {why}", case.endpoint, case.needle))
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{} case(s):\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn malformed_responses_degrade_to_stubs_under_on_error_stub() {
    for case in cases() {
        let dir = tempfile::tempdir().unwrap();
        let api = start(&case);
        let out = sync(
            dir.path(),
            &api.url,
            &["--service", "s", "--on-error=stub"],
            &[],
        );
        let err = text(&out.stderr);
        let what = format!("{} {:?}", case.endpoint, case.needle);
        assert!(out.status.success(), "{what}: {err}");
        assert!(
            err.contains("WARNING") && err.contains(case.needle),
            "{what}: {err}"
        );
        let http = dir.path().join("repo/.testoptimization/cache/http");
        let settings: Value =
            serde_json::from_slice(&std::fs::read(http.join("settings.json")).unwrap()).unwrap();
        let attributes = &settings["data"]["attributes"];
        let (stub, flag) = match case.endpoint {
            "known_tests" => (
                "{\"data\": {\"attributes\": {\"tests\": {}}}}\n",
                &attributes["known_tests_enabled"],
            ),
            "test_management" => (
                "{\"data\": {\"attributes\": {\"modules\": {}}}}\n",
                &attributes["test_management"]["enabled"],
            ),
            "flaky_tests" => (
                "{\"data\": []}\n",
                &attributes["flaky_test_retries_enabled"],
            ),
            _ => {
                // The settings themselves failed: every feature off, no feature requested.
                assert_eq!(api.endpoints(), ["settings"], "{what}");
                assert_eq!(attributes["known_tests_enabled"], false, "{what}");
                continue;
            }
        };
        let written = std::fs::read_to_string(http.join(format!("{}.json", case.endpoint)));
        assert_eq!(written.unwrap(), stub, "{what}");
        assert_eq!(*flag, false, "{what}");
    }
}
