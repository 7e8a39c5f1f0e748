//! Every number that `topt sync` re-encodes (the rewritten `settings.json`, the per-module
//! splits) keeps the text the backend sent: integers beyond 64 bits are not turned into floats
//! and floats are not reformatted. Compared byte for byte.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sync_support;

use std::sync::Arc;

use sync_support::*;

/// 2^70 + 1, and floats whose usual re-encodings differ from their text.
const NUMBERS: &str = r#"{"big":1180591620717411303425,"small":1e-05,"large":1e16,"zero":-0,"trailing":0.50,"upper":1E+2,"neg":-1180591620717411303425}"#;
/// The same object as a generated file writes it: keys sorted, numbers untouched.
const NUMBERS_SORTED: &str = r#"{"big":1180591620717411303425,"large":1e16,"neg":-1180591620717411303425,"small":1e-05,"trailing":0.50,"upper":1E+2,"zero":-0}"#;

/// Syncs into a new directory; returns it (kept until dropped) and its `cache/http`.
fn run(api: &Api, args: &[&str]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec!["--service", "s"];
    all.extend_from_slice(args);
    let out = sync(dir.path(), &api.url, &all, &[]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let http = dir.path().join("repo/.testoptimization/cache/http");
    (dir, http)
}

fn read(path: std::path::PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| format!("{}: {e}", path.display()))
}

#[test]
fn settings_rewrite_keeps_numbers() {
    let settings = format!(
        r#"{{"data":{{"id":"s1","type":"ci_app_test_service_libraries_settings","attributes":{{"known_tests_enabled":true,"flaky_test_retries_enabled":false,"early_flake_detection":{{"enabled":true,"faulty_session_threshold":30,"slow_test_retries":{{"5s":10}}}},"numbers":{NUMBERS}}}}}}}"#
    );
    let api = Api::start(Arc::new(move |endpoint, _| match endpoint {
        "settings" => Reply::Json(200, settings.clone()),
        other => fixture_reply(other),
    }));
    // --known-tests=false makes the rewrite change a member, next to the numbers.
    let (_dir, http) = run(&api, &["--known-tests=false"]);
    assert_eq!(
        read(http.join("settings.json")),
        format!(
            r#"{{"data":{{"attributes":{{"early_flake_detection":{{"enabled":true,"faulty_session_threshold":30,"slow_test_retries":{{"5s":10}}}},"flaky_test_retries_enabled":false,"known_tests_enabled":false,"numbers":{NUMBERS_SORTED}}},"id":"s1","type":"ci_app_test_service_libraries_settings"}}}}"#
        ) + "\n"
    );
}

#[test]
fn splits_keep_numbers() {
    let known = format!(
        r#"{{"data":{{"id":"k","type":"ci_app_libraries_tests","attributes":{{"tests":{{"m":{{"s":["t"]}}}},"stats":{NUMBERS}}}}},"meta":{{"ratio":0.10}}}}"#
    );
    let managed = format!(
        r#"{{"data":{{"attributes":{{"modules":{{"m":{{"suites":{{"s":{{"tests":{{"t":{{"properties":{{"quarantined":true,"numbers":{NUMBERS}}}}}}}}}}}}}}}}}}}}}"#
    );
    let flaky = format!(
        r#"{{"data":[{{"id":"f","attributes":{{"name":"t","numbers":{NUMBERS},"configurations":{{"test":{{"bundle":"m"}}}}}}}}],"meta":{{"total":1.0}}}}"#
    );
    let bodies = Arc::new([known, managed, flaky]);
    let served = Arc::clone(&bodies);
    let api = Api::start(Arc::new(move |endpoint, _| match endpoint {
        "known_tests" => Reply::Json(200, served[0].clone()),
        "test_management" => Reply::Json(200, served[1].clone()),
        "flaky_tests" => Reply::Json(200, served[2].clone()),
        other => fixture_reply(other),
    }));
    let (_dir, http) = run(&api, &[]);
    // The whole responses are kept as received.
    assert_eq!(read(http.join("known_tests.json")), bodies[0]);
    assert_eq!(read(http.join("test_management.json")), bodies[1]);
    assert_eq!(read(http.join("flaky_tests.json")), bodies[2]);
    let module = http.join("module_m");
    assert_eq!(
        read(module.join("known_tests.json")),
        format!(
            r#"{{"data":{{"attributes":{{"stats":{NUMBERS_SORTED},"tests":{{"m":{{"s":["t"]}}}}}},"id":"k","type":"ci_app_libraries_tests"}},"meta":{{"ratio":0.10}}}}"#
        ) + "\n"
    );
    assert_eq!(
        read(module.join("test_management.json")),
        format!(
            r#"{{"data":{{"attributes":{{"modules":{{"m":{{"suites":{{"s":{{"tests":{{"t":{{"properties":{{"numbers":{NUMBERS_SORTED},"quarantined":true}}}}}}}}}}}}}}}}}}}}"#
        ) + "\n"
    );
    assert_eq!(
        read(module.join("flaky_tests.json")),
        format!(
            r#"{{"data":[{{"attributes":{{"configurations":{{"test":{{"bundle":"m"}}}},"name":"t","numbers":{NUMBERS_SORTED}}},"id":"f"}}],"meta":{{"total":1.0}}}}"#
        ) + "\n"
    );
}
