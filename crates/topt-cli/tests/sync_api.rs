//! `topt sync` against a local server on 127.0.0.1 playing the Datadog API: golden trees,
//! feature gating, kill-switches, stubs, failure policy, input validation, several services.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sync_support;

use std::sync::Arc;

use serde_json::{Value, json};
use sync_support::*;

const SHA: &str = "9f2c1e7a3b5d4c6e8f0a1b2c3d4e5f6a7b8c9d0e";
const HEAD: &str = "4b7d0c2e9a8f1b3d5c7e9f0a2b4c6d8e0f1a3b5c";

/// A GitHub Actions pull-request environment with fixed host facts (the Windows hints make the
/// OS detection independent of the machine running the test).
fn github_env(event: &str) -> Vec<(&'static str, String)> {
    vec![
        ("OS", "Windows_NT".into()),
        ("PROCESSOR_ARCHITECTURE", "AMD64".into()),
        ("DD_ENV", "ci".into()),
        ("GITHUB_SHA", SHA.into()),
        ("GITHUB_REF", "refs/pull/481/merge".into()),
        ("GITHUB_HEAD_REF", "feature/cart-retry".into()),
        ("GITHUB_BASE_REF", "main".into()),
        ("GITHUB_REPOSITORY", "acme/checkout".into()),
        ("GITHUB_SERVER_URL", "https://github.com".into()),
        ("GITHUB_RUN_ID", "9876543210".into()),
        ("GITHUB_RUN_ATTEMPT", "1".into()),
        ("GITHUB_RUN_NUMBER", "1532".into()),
        ("GITHUB_WORKFLOW", "CI".into()),
        ("GITHUB_JOB", "bazel-test".into()),
        (
            "GITHUB_WORKSPACE",
            "/nonexistent/runner/work/checkout".into(),
        ),
        ("GITHUB_EVENT_PATH", event.into()),
        ("DD_GIT_COMMIT_MESSAGE", format!("Merge {HEAD} into main")),
        ("DD_GIT_HEAD_MESSAGE", "Retry cart checkout on 503".into()),
        ("DD_GIT_COMMIT_AUTHOR_NAME", "Jane Doe".into()),
    ]
}

fn write_event(dir: &std::path::Path) -> String {
    let path = dir.join("event.json");
    let event = json!({"number": 481, "pull_request": {"head": {"sha": HEAD},
        "base": {"ref": "main", "sha": "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"}}});
    std::fs::write(&path, event.to_string()).unwrap();
    path.to_string_lossy().into_owned()
}

fn run_github(dir: &std::path::Path, api: &Api, args: &[&str]) -> std::process::Output {
    let event = write_event(dir);
    let env = github_env(&event);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    sync(dir, &api.url, args, &env)
}

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn golden_tree_from_realistic_responses() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(fixtures());
    let out = run_github(
        dir.path(),
        &api,
        &[
            "--service",
            "checkout-api",
            "--runtime-name",
            "go",
            "--runtime-version",
            "1.25.0",
            "--runtime-module-path",
            "github.com/acme/checkout",
        ],
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert_eq!(
        api.endpoints(),
        ["settings", "known_tests", "test_management", "flaky_tests"]
    );
    for seen in api.requests() {
        assert_eq!(seen.headers["dd-api-key"], API_KEY);
        assert_eq!(seen.headers["content-type"], "application/json");
        assert_eq!(seen.headers["accept"], "application/json");
    }
    let repo = dir.path().join("repo");
    // Fetched bodies are kept byte for byte.
    for name in ["known_tests", "test_management", "flaky_tests"] {
        let got =
            std::fs::read_to_string(repo.join(format!(".testoptimization/cache/http/{name}.json")))
                .unwrap();
        assert_eq!(got, fixture(&format!("{name}.json")));
    }
    // The request bodies on disk are what was sent.
    for seen in api.requests() {
        let on_disk =
            std::fs::read_to_string(repo.join(format!("{}.request.json", seen.endpoint))).unwrap();
        assert_eq!(on_disk, seen.body);
    }
    assert_no_key(dir.path(), &out);
    assert_golden("github_pr", &repo);
}

#[test]
fn labels_collide_after_sanitising_and_cover_every_source() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(fixtures());
    let out = sync(dir.path(), &api.url, &["--service", "checkout-api"], &[]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let export = std::fs::read_to_string(dir.path().join("repo/export.bzl")).unwrap();
    assert!(export.contains(
        "\"labels\": [\"caf\", \"checkout_api_handlers\", \"github_com_acme_checkout_internal_db\", \
         \"github_com_acme_checkout_pkg_cart\", \"github_com_acme_checkout_pkg_pay\", \"pkg_a\", \"pkg_a_2\"],"
    ), "{export}");
    let http = dir.path().join("repo/.testoptimization/cache/http");
    // `Pkg-A` sorts before `pkg_a`, so it keeps the unsuffixed label.
    let a = read_json(&http.join("module_pkg_a/known_tests.json"));
    assert_eq!(
        a["data"]["attributes"]["tests"],
        json!({"Pkg-A": {"suite": ["t1"]}})
    );
    let a2 = read_json(&http.join("module_pkg_a_2/known_tests.json"));
    assert_eq!(
        a2["data"]["attributes"]["tests"],
        json!({"pkg_a": {"suite": ["t2"]}})
    );
    assert_eq!(a2["data"]["id"], "kt-demo");
    let unicode = std::fs::read_to_string(http.join("module_caf/known_tests.json")).unwrap();
    assert!(unicode.contains("café/模块"));
    // Flaky-only module: flaky split plus stubs, all in the one per-module layout.
    let db = http.join("module_github_com_acme_checkout_internal_db");
    let flaky = read_json(&db.join("flaky_tests.json"));
    assert_eq!(flaky["data"][0]["id"], "f2");
    assert_eq!(flaky["meta"], json!({"total": 3}));
    assert_eq!(
        std::fs::read_to_string(db.join("known_tests.json")).unwrap(),
        "{\"data\": {\"attributes\": {\"tests\": {}}}}\n"
    );
    assert!(
        !dir.path()
            .join("repo/.testoptimization/module_pkg_a")
            .exists()
    );
}

#[test]
fn kill_switch_skips_request_and_rewrites_settings() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(fixtures());
    let out = sync(
        dir.path(),
        &api.url,
        &[
            "--service",
            "s",
            "--known-tests=false",
            "--flaky-tests",
            "false",
        ],
        &[],
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert_eq!(api.endpoints(), ["settings", "test_management"]);
    let repo = dir.path().join("repo");
    let settings = read_json(&repo.join(".testoptimization/cache/http/settings.json"));
    let attrs = &settings["data"]["attributes"];
    assert_eq!(attrs["known_tests_enabled"], false);
    assert_eq!(attrs["flaky_test_retries_enabled"], false);
    assert_eq!(
        attrs["test_management"],
        json!({"enabled": true, "attempt_to_fix_retries": 20})
    );
    assert_eq!(settings["data"]["id"], "7c1b3d2e-demo");
    let http = repo.join(".testoptimization/cache/http");
    assert_eq!(
        std::fs::read_to_string(http.join("known_tests.json")).unwrap(),
        "{\"data\": {\"attributes\": {\"tests\": {}}}}\n"
    );
    assert_eq!(
        std::fs::read_to_string(http.join("flaky_tests.json")).unwrap(),
        "{\"data\": []}\n"
    );
    assert!(!repo.join("known_tests.request.json").exists());
    assert!(repo.join("test_management.request.json").exists());
    let facts = read_json(&repo.join(".testoptimization/telemetry_facts.json"));
    let names: Vec<&str> = facts["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "git_requests.settings",
            "git_requests.settings_response",
            "test_management_tests.request"
        ]
    );
    assert_eq!(
        facts["counts"][1]["tags"],
        json!([
            "early_flake_detection_enabled:true",
            "test_management_enabled:true"
        ])
    );
    // Settings are re-encoded: compact, sorted keys, trailing newline.
    let raw = std::fs::read_to_string(http.join("settings.json")).unwrap();
    assert!(raw.starts_with("{\"data\":{\"attributes\":{\"code_coverage\":false,\"early_flake_detection\":{\"enabled\":true,\"faulty_session_threshold\":30,"));
    assert!(
        raw.ends_with(
            ",\"id\":\"7c1b3d2e-demo\",\"type\":\"ci_app_test_service_libraries_settings\"}}\n"
        ),
        "{raw}"
    );
}

#[test]
fn features_off_in_backend_settings_get_stubs_and_no_module_targets() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(Arc::new(|endpoint, _| {
        match endpoint {
        "settings" => Reply::Json(200, r#"{"data":{"id":"x","type":"ci_app_test_service_libraries_settings","attributes":{"known_tests_enabled":false,"flaky_test_retries_enabled":null,"test_management":{}}}}"#.into()),
        other => fixture_reply(other),
    }
    }));
    let out = sync(dir.path(), &api.url, &["--service", "s"], &[]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert_eq!(api.endpoints(), ["settings"]);
    let repo = dir.path().join("repo");
    let build = std::fs::read_to_string(repo.join("BUILD")).unwrap();
    assert!(!build.contains("topt_module_files("));
    assert!(build.contains("name = \"test_optimization_files\""));
    let export = std::fs::read_to_string(repo.join("export.bzl")).unwrap();
    assert!(export.contains("    \"labels\": [],\n    \"set\": {},\n"));
    assert_eq!(
        std::fs::read_to_string(repo.join(".testoptimization/manifest.txt")).unwrap(),
        "version=1\n"
    );
}

#[test]
fn backend_error_fails_with_endpoint_status_and_fix() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(Arc::new(|endpoint, _| match endpoint {
        "known_tests" => Reply::Json(403, r#"{"errors":["Forbidden"]}"#.into()),
        other => fixture_reply(other),
    }));
    let out = sync(dir.path(), &api.url, &["--service", "s"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("known_tests request failed"), "{err}");
    assert!(err.contains("HTTP 403"), "{err}");
    assert!(err.contains("DD_API_KEY"), "{err}");
    assert!(err.contains("--known-tests=false"), "{err}");
    // 403 is not transient: one attempt only.
    assert_eq!(api.endpoints(), ["settings", "known_tests"]);
    assert_no_key(dir.path(), &out);
}

#[test]
fn malformed_json_fails_unless_stubbed() {
    let handler: Handler = Arc::new(|endpoint, _| match endpoint {
        "test_management" => Reply::Json(200, "<html>proxy login</html>".into()),
        other => fixture_reply(other),
    });
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(Arc::clone(&handler));
    let out = sync(dir.path(), &api.url, &["--service", "s"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("response is not JSON"),
        "{}",
        text(&out.stderr)
    );

    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(handler);
    let out = sync(
        dir.path(),
        &api.url,
        &["--service", "s", "--on-error=stub"],
        &[],
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert!(text(&out.stderr).contains("WARNING"));
    assert_eq!(
        api.endpoints(),
        ["settings", "known_tests", "test_management", "flaky_tests"]
    );
    let http = dir.path().join("repo/.testoptimization/cache/http");
    assert_eq!(
        std::fs::read_to_string(http.join("test_management.json")).unwrap(),
        "{\"data\": {\"attributes\": {\"modules\": {}}}}\n"
    );
    let settings = read_json(&http.join("settings.json"));
    assert_eq!(
        settings["data"]["attributes"]["test_management"]["enabled"],
        false
    );
    assert_eq!(settings["data"]["attributes"]["known_tests_enabled"], true);
}

#[test]
fn settings_failure_under_stub_policy_turns_everything_off() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(Arc::new(|_, _| Reply::Json(500, "oops".into())));
    let out = sync(
        dir.path(),
        &api.url,
        &[
            "--service",
            "s",
            "--on-error",
            "stub",
            "--http-retry-attempts",
            "1",
        ],
        &[],
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert_eq!(api.endpoints(), ["settings", "settings"]);
    let http = dir.path().join("repo/.testoptimization/cache/http");
    // Every key a tracer requires is there, off: the Node.js tracer rejects a settings.json
    // that lacks any of its eleven required keys and then calls the settings API itself.
    assert_eq!(
        std::fs::read_to_string(http.join("settings.json")).unwrap(),
        concat!(
            r#"{"data":{"attributes":{"code_coverage":false,"coverage_report_upload_enabled":false,"#,
            r#""di_enabled":false,"early_flake_detection":{"enabled":false},"#,
            r#""flaky_test_retries_enabled":false,"impacted_tests_enabled":false,"#,
            r#""itr_enabled":false,"known_tests_enabled":false,"require_git":false,"#,
            r#""test_management":{"enabled":false},"tests_skipping":false}}}"#,
            "\n"
        )
    );
    let settings = read_json(&http.join("settings.json"));
    let attributes = settings["data"]["attributes"].as_object().unwrap();
    // dd-trace-js's REQUIRED_SETTINGS_KEYS, in its order.
    for key in [
        "code_coverage",
        "tests_skipping",
        "itr_enabled",
        "require_git",
        "early_flake_detection",
        "flaky_test_retries_enabled",
        "di_enabled",
        "known_tests_enabled",
        "test_management",
        "impacted_tests_enabled",
        "coverage_report_upload_enabled",
    ] {
        assert!(attributes.contains_key(key), "stub settings lack {key}");
    }
    assert_no_key(dir.path(), &out);
}

#[test]
fn invalid_inputs_are_rejected_before_any_request() {
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (vec!["--out-dir", "../escape"], vec![], ".."),
        (vec!["--out-dir", "/abs"], vec![], "absolute"),
        (vec!["--no-such-flag"], vec![], "unexpected argument"),
        (vec!["--http-max-time-seconds", "0"], vec![], "> 0"),
        (
            vec![],
            vec![("DD_TEST_OPTIMIZATION_HTTP_RETRY_ATTEMPTS", "three")],
            "base-10",
        ),
        (
            vec!["--require-git-metadata"],
            vec![],
            "sha/DD_GIT_COMMIT_SHA",
        ),
    ];
    for (args, env, needle) in cases {
        let dir = tempfile::tempdir().unwrap();
        let api = Api::start(fixtures());
        let mut all = vec!["--service", "s"];
        all.extend(args.iter());
        let out = sync(dir.path(), &api.url, &all, &env);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains(needle),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(api.endpoints().is_empty(), "{args:?} sent a request");
    }
    // A bad DD_SITE (no agentless URL) and a missing key are usage errors too.
    let dir = tempfile::tempdir().unwrap();
    let out = sync(
        dir.path(),
        "",
        &["--service", "s"],
        &[("DD_SITE", "datadoghq.com:443")],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("DD_SITE") && text(&out.stderr).contains("hostname"));
    // Hostname length limits: a label of 3,000 characters, a name of 308.
    let long_label = format!("{}.com", "a".repeat(3000));
    let long_name = format!("{}com", format!("{}.", "a".repeat(60)).repeat(5));
    for (site, needle) in [(long_label.as_str(), "63"), (long_name.as_str(), "253")] {
        let out = sync(dir.path(), "", &["--service", "s"], &[("DD_SITE", site)]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("DD_SITE") && err.contains(needle), "{err}");
    }
    let api = Api::start(fixtures());
    let out = sync(
        dir.path(),
        &api.url,
        &["--service", "s"],
        &[("DD_API_KEY", "  ")],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(api.endpoints().is_empty());
    assert_key_hint(&text(&out.stderr));
}

/// The missing-key hint points at the Bazel guide's section and never suggests the value-less
/// `--repo_env=DD_API_KEY`, which crashes Bazel before 5.3 with a NullPointerException.
fn assert_key_hint(message: &str) {
    assert!(
        message.contains("docs/bazel.md#the-api-key"),
        "no pointer to the guide: {message}"
    );
    let valueless = message
        .match_indices("--repo_env=DD_API_KEY")
        .any(|(at, m)| !message[at + m.len()..].starts_with('='));
    assert!(!valueless, "suggests a value-less --repo_env: {message}");
}

#[test]
fn help_gives_a_key_hint_that_works_on_every_bazel() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_topt"))
        .args(["sync", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_key_hint(&text(&out.stdout));
}

#[test]
fn debug_output_and_errors_never_show_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(fixtures());
    let out = sync(dir.path(), &api.url, &["--service", "s", "--debug"], &[]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert!(text(&out.stderr).contains("debug: POST"));
    assert_no_key(dir.path(), &out);
    let ctx = read_json(&dir.path().join("repo/.testoptimization/context.json"));
    assert_eq!(ctx["topt.api_key_fingerprint"], "b2f8fa65");
}

#[test]
fn several_services_in_one_call() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(fixtures());
    let out = sync(
        dir.path(),
        &api.url,
        &[
            "--repo-name",
            "topt",
            "--service",
            "Checkout API",
            "--service",
            "checkout-api",
        ],
        &[],
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let root = dir.path().join("repo");
    for (repo, service) in [
        ("topt_checkout_api", "Checkout API"),
        ("topt_checkout_api_2", "checkout-api"),
    ] {
        let export = std::fs::read_to_string(root.join(repo).join("export.bzl")).unwrap();
        assert!(export.contains(&format!("\"repo_name\": \"{repo}\",")));
        assert!(export.contains(&format!("\"service_name\": \"{service}\",")));
        assert!(
            root.join(repo)
                .join(".testoptimization/manifest.txt")
                .exists()
        );
    }
    let bodies: Vec<Value> = api
        .requests()
        .iter()
        .filter(|s| s.endpoint == "settings")
        .map(|s| serde_json::from_str(&s.body).unwrap())
        .collect();
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0]["data"]["attributes"]["service"], "Checkout API");
    assert_golden("multi_aggregator", &root.join("topt"));
}

#[test]
fn aggregate_only_needs_no_key_and_no_request() {
    let dir = tempfile::tempdir().unwrap();
    let out = sync(
        dir.path(),
        "",
        &[
            "--aggregate-only",
            "--repo-name",
            "topt",
            "--service",
            "Checkout API",
            "--service",
            "checkout-api",
        ],
        &[("DD_API_KEY", "")],
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert_golden("multi_aggregator", &dir.path().join("repo"));
}

#[test]
fn help_documents_every_flag_with_default_and_env() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_topt"))
        .args(["sync", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = text(&out.stdout);
    for needle in [
        "--service",
        "DD_SERVICE",
        "--env",
        "DD_ENV",
        "[default: CI]",
        "--out-dir",
        "[default: .testoptimization]",
        "--repo-root",
        "--repo-name",
        "[default: test_optimization_data]",
        "--site",
        "DD_SITE",
        "--agentless-url",
        "DD_TEST_OPTIMIZATION_AGENTLESS_URL",
        "--known-tests",
        "--test-management",
        "--flaky-tests",
        "[default: true]",
        "--http-connect-timeout-seconds",
        "DD_TEST_OPTIMIZATION_HTTP_CONNECT_TIMEOUT_SECONDS",
        "--http-max-time-seconds",
        "--http-retry-attempts",
        "--http-retry-delay-seconds",
        "--http-execute-timeout-buffer-seconds",
        "--on-error",
        "[default: fail]",
        "--fetch-salt",
        "FETCH_SALT",
        "--require-git-metadata",
        "--runtime-name",
        "--runtime-module-path",
        "--aggregate-only",
        "--debug",
        "DD_API_KEY",
        "Examples:",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}:\n{help}");
    }
}

#[test]
fn dedup_suffix_hazard_and_nested_out_dir() {
    // A module literally named like a dedup suffix loses its name (docs/sync.md, "Module
    // labels"): Foo, foo, foo_2.
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(Arc::new(|endpoint, _| {
        match endpoint {
        "known_tests" => Reply::Json(
            200,
            r#"{"data":{"attributes":{"tests":{"foo":{"s":["a"]},"foo_2":{"s":["b"]}}}}}"#.into(),
        ),
        "test_management" => Reply::Json(
            200,
            r#"{"data":{"attributes":{"modules":{"Foo":{"suites":{"s":{"tests":{"c":{"properties":{}}}}}}}}}}"#
                .into(),
        ),
        other => fixture_reply(other),
    }
    }));
    let out = sync(
        dir.path(),
        &api.url,
        &["--service", "s", "--out-dir", "./a//b/"],
        &[],
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let repo = dir.path().join("repo");
    let http = repo.join("a/b/cache/http");
    let tm = read_json(&http.join("module_foo/test_management.json"));
    assert!(tm["data"]["attributes"]["modules"].get("Foo").is_some());
    let kt = read_json(&http.join("module_foo_2/known_tests.json"));
    assert!(kt["data"]["attributes"]["tests"].get("foo").is_some());
    let kt = read_json(&http.join("module_foo_2_2/known_tests.json"));
    assert!(kt["data"]["attributes"]["tests"].get("foo_2").is_some());
    let export = std::fs::read_to_string(repo.join("export.bzl")).unwrap();
    assert!(export.contains("    \"manifest_path\": \"a/b/manifest.txt\",\n"));
    let build = std::fs::read_to_string(repo.join("BUILD")).unwrap();
    assert!(build.contains(
        "exports_files(\n    [\"export.bzl\", \"a/b/manifest.txt\", \"a/b/ruby_manifest.txt\"],"
    ));
    assert!(build.contains("known_tests = \"a/b/cache/http/module_foo_2_2/known_tests.json\","));
    // Running again into the same directory replaces the tree (no stale modules).
    let api2 = Api::start(fixtures());
    let out = sync(
        dir.path(),
        &api2.url,
        &["--service", "s", "--out-dir", "a/b"],
        &[],
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert!(!http.join("module_foo_2_2").exists());
    assert!(http.join("module_pkg_a_2").exists());
    let out = sync(
        dir.path(),
        &api2.url,
        &["--service", "s", "--out-dir", "a/b", "--known-tests=false"],
        &[],
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert!(!repo.join("known_tests.request.json").exists());
}

/// The shared label vectors (`testdata/vectors/labels.json`, also run by libtopt, the bindings
/// and the Starlark harness), end to end: every module's split lands in `module_<label>`.
#[test]
fn label_map_vectors_end_to_end() {
    let raw = std::fs::read_to_string(repo_dir().join("testdata/vectors/labels.json")).unwrap();
    let vectors: Value = serde_json::from_str(&raw).unwrap();
    for case in vectors["label_map"].as_array().unwrap() {
        let list = |key: &str| -> Vec<String> {
            case[key]
                .as_array()
                .map(|l| l.iter().map(|m| m.as_str().unwrap().to_owned()).collect())
                .unwrap_or_default()
        };
        let (known, managed, flaky) = (
            list("known_tests"),
            list("test_management"),
            list("flaky_tests"),
        );
        let kt: serde_json::Map<String, Value> = known
            .iter()
            .map(|m| (m.clone(), json!({"s": ["t"]})))
            .collect();
        let tm: serde_json::Map<String, Value> = managed
            .iter()
            .map(|m| (m.clone(), json!({"suites": {}})))
            .collect();
        let fl: Vec<Value> = flaky
            .iter()
            .map(|m| json!({"attributes": {"configurations": {"test": {"bundle": m}}}}))
            .collect();
        let bodies = Arc::new([
            json!({"data": {"attributes": {"tests": kt}}}).to_string(),
            json!({"data": {"attributes": {"modules": tm}}}).to_string(),
            json!({"data": fl}).to_string(),
        ]);
        let api = Api::start(Arc::new(move |endpoint, _| match endpoint {
            "known_tests" => Reply::Json(200, bodies[0].clone()),
            "test_management" => Reply::Json(200, bodies[1].clone()),
            "flaky_tests" => Reply::Json(200, bodies[2].clone()),
            other => fixture_reply(other),
        }));
        let dir = tempfile::tempdir().unwrap();
        let out = sync(dir.path(), &api.url, &["--service", "s"], &[]);
        assert!(
            out.status.success(),
            "{}: {}",
            case["name"],
            text(&out.stderr)
        );
        let http = dir.path().join("repo/.testoptimization/cache/http");
        for (module, label) in case["labels"].as_object().unwrap() {
            let label = label.as_str().unwrap();
            let holds = |file: &str, pointer: &str| {
                let v = read_json(&http.join(format!("module_{label}/{file}")));
                v.pointer(pointer).is_some_and(|m| m.get(module).is_some())
            };
            let flaky_holds = {
                let v = read_json(&http.join(format!("module_{label}/flaky_tests.json")));
                v["data"].as_array().is_some_and(|d| {
                    d.iter().any(|e| {
                        e["attributes"]["configurations"]["test"]["bundle"] == module.as_str()
                    })
                })
            };
            assert!(
                holds("known_tests.json", "/data/attributes/tests")
                    || holds("test_management.json", "/data/attributes/modules")
                    || flaky_holds,
                "{}: {module} is not in module_{label}",
                case["name"]
            );
        }
        let export = std::fs::read_to_string(dir.path().join("repo/export.bzl")).unwrap();
        let mut labels: Vec<&str> = case["labels"]
            .as_object()
            .unwrap()
            .values()
            .map(|l| l.as_str().unwrap())
            .collect();
        labels.sort();
        let literal: Vec<String> = labels.iter().map(|l| format!("\"{l}\"")).collect();
        assert!(
            export.contains(&format!("    \"labels\": [{}],\n", literal.join(", "))),
            "{}",
            case["name"]
        );
    }
}
