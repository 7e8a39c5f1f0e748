//! `topt doctor` on real trees: every check, grouped report, exit codes, JSON, reference config.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod upload_support;

use std::io::Write;
use std::process::Output;

use serde_json::{Value, json};
use upload_support::*;

fn doctor(tree: &Tree, args: &[&str]) -> Output {
    run(doctor_cmd(tree, args))
}

fn json_report(tree: &Tree, args: &[&str]) -> (i32, Value) {
    let mut a = args.to_vec();
    a.push("--json");
    let o = doctor(tree, &a);
    (
        o.status.code().unwrap(),
        serde_json::from_slice(&o.stdout).unwrap(),
    )
}

/// All findings as "severity|target|file|message" lines.
fn findings(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for g in std::iter::once(&v["global"]).chain(v["targets"].as_array().unwrap()) {
        for f in g["findings"].as_array().unwrap() {
            out.push(format!(
                "{}|{}|{}|{}",
                f["severity"].as_str().unwrap(),
                g["target"].as_str().unwrap(),
                f["file"].as_str().unwrap_or("-"),
                f["message"].as_str().unwrap()
            ));
        }
    }
    out
}

fn has(v: &Value, needle: &[&str]) -> bool {
    findings(v)
        .iter()
        .any(|f| needle.iter().all(|n| f.contains(n)))
}

fn healthy(tree: &Tree) -> std::path::PathBuf {
    for (pkg, name) in [("svc/a", "a_test"), ("svc/b", "b_test")] {
        let out = tree.target(pkg, name);
        tree.sidecar(
            &out,
            pkg,
            name,
            "data",
            json!({"bazel.go.payload_selection": "module"}),
        );
        write_payload(&out, "tests", "tests-1.json", &test_payload(name, 2));
        write_payload(&out, "coverage", "coverage-1.json", &coverage_payload());
        write_payload(&out, "telemetry", "telemetry-1.json", &telemetry_payload(1));
    }
    tree.context("context.json", git_context())
}

#[test]
fn a_healthy_tree_passes() {
    let tree = Tree::new();
    let ctx = healthy(&tree);
    let o = doctor(&tree, &["--context", ctx.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("payload selection summary: module=2"));
    assert!(out.contains("OK: validated 2 test output directories"));
}

#[test]
fn a_tree_without_go_selections_says_why_the_summary_is_none() {
    let tree = Tree::new();
    let out = tree.target("py", "p_test");
    tree.sidecar(&out, "py", "p_test", "data", json!({}));
    write_payload(&out, "tests", "tests-1.json", &test_payload("p_test", 1));
    let ctx = tree.context("context.json", git_context());
    let o = doctor(&tree, &["--context", ctx.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains(
            "payload selection summary: none (no bazel_target_metadata.json has \
             bazel.go.payload_selection: only Go targets report one)"
        ),
        "{out}"
    );
    assert!(
        out.contains("OK: validated 1 test output directory\n"),
        "{out}"
    );
}

#[test]
fn every_problem_is_reported_at_once_grouped_by_target() {
    let tree = Tree::new();
    let ctx = healthy(&tree);
    let a = tree.testlogs().join("svc/a/a_test/test.outputs");
    std::fs::write(a.join("payloads/tests/empty.json"), "").unwrap();
    std::fs::write(a.join("payloads/tests/broken.json"), "{\"version\":").unwrap();
    std::fs::write(a.join("payloads/tests/raw.msgpack"), [0x80u8]).unwrap();
    std::fs::write(a.join("payloads/tests/placeholder.json"), "{}").unwrap();
    std::fs::write(
        a.join("payloads/tests/bad_schema.json"),
        r#"{"version":2,"events":[{"type":"test","version":2,"content":{}}]}"#,
    )
    .unwrap();
    std::fs::write(
        a.join("payloads/telemetry/t2.json"),
        r#"{"api_version":""}"#,
    )
    .unwrap();
    std::fs::create_dir_all(a.join("payloads/tests/nested")).unwrap();
    std::fs::write(a.join("payloads/tests/nested/deep.json"), "{}").unwrap();
    let b = tree.testlogs().join("svc/b/b_test/test.outputs");
    tree.sidecar(
        &b,
        "svc/b",
        "b_test",
        "data",
        json!({"bazel.go.payload_selection": "full_bundle_no_match"}),
    );
    let c = tree.target("svc/c", "c_test");
    write_payload(&c, "tests", "t.json", &test_payload("c", 1));
    std::fs::create_dir_all(c.join("sub")).unwrap();
    std::fs::write(c.join("sub/bazel_target_metadata.json"), "{}").unwrap();
    let d = tree.target("svc/d", "d_test");
    tree.sidecar(
        &d,
        "svc/d",
        "d_test",
        "data",
        json!({"bazel.go.payload_selection": "bogus"}),
    );
    std::fs::write(tree.dir.path().join(".bazelrc"), "build --repo_env=DD_GIT_BRANCH=main\ntest --test_env=DD_API_KEY # no\n# test --test_env=DD_SITE\n").unwrap();
    let bad_ctx = tree.context("bad_ctx.json", json!({"git.repository_url": "https://x"}));
    let (code, v) = json_report(
        &tree,
        &[
            "--context",
            ctx.to_str().unwrap(),
            "--context",
            &format!("other={}", bad_ctx.display()),
        ],
    );
    assert_eq!(code, 1);
    let all = findings(&v);
    eprintln!("{}", all.join("\n"));
    for needle in [
        vec!["error|global", ".bazelrc:2", "DD_API_KEY"],
        vec![
            "error|global",
            "context other is missing required git metadata: git.commit.sha, git.branch or git.tag",
        ],
        vec!["error|//svc/a:a_test", "empty.json", "empty file"],
        vec!["error|//svc/a:a_test", "broken.json", "invalid JSON"],
        vec!["error|//svc/a:a_test", "raw msgpack", "raw.msgpack"],
        vec!["warning|//svc/a:a_test", "placeholder.json", "placeholder"],
        vec!["warning|//svc/a:a_test", "bad_schema.json", "$.version"],
        vec!["error|//svc/a:a_test", "t2.json", "api_version"],
        vec![
            "warning|//svc/a:a_test",
            "nested/deep.json",
            "never uploaded",
        ],
        vec!["error|//svc/b:b_test", "full_bundle_no_match"],
        vec!["error|//svc/c:c_test", "missing bazel_target_metadata.json"],
        vec![
            "error|//svc/c:c_test",
            "sub/bazel_target_metadata.json",
            "not at the outputs root",
        ],
        vec![
            "error|//svc/d:d_test",
            "unsupported bazel.go.payload_selection='bogus'",
        ],
        vec!["error|//svc/d:d_test", "missing JSON payloads"],
    ] {
        assert!(has(&v, &needle), "missing finding {needle:?}");
    }
    assert!(
        !all.iter()
            .any(|f| f.contains(".bazelrc:1") || f.contains(".bazelrc:3")),
        "repo_env and comments are fine"
    );
    for f in v["targets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["findings"].as_array().unwrap())
    {
        if f["severity"] != "info" {
            assert!(
                !f["fix"].as_str().unwrap().is_empty() || f["severity"] == "warning",
                "every error says how to fix it: {f}"
            );
        }
    }
}

#[test]
fn multi_context_shows_which_context_each_target_gets() {
    let tree = Tree::new();
    let go = tree.target("go", "t");
    tree.sidecar(&go, "go", "t", "+ext+test_optimization_data_go", json!({}));
    write_payload(&go, "tests", "a.json", &test_payload("g", 1));
    let other = tree.target("other", "t");
    tree.sidecar(&other, "other", "t", "nope", json!({}));
    write_payload(&other, "tests", "a.json", &test_payload("o", 1));
    let c1 = tree.context("c1.json", git_context());
    let c2 = tree.context("c2.json", git_context());
    let (code, v) = json_report(
        &tree,
        &[
            "--context",
            &format!("test_optimization_data_go={}", c1.display()),
            "--context",
            &format!("test_optimization_data_py={}", c2.display()),
        ],
    );
    assert_eq!(code, 0);
    assert!(has(
        &v,
        &[
            "info|//go:t",
            "enriched with context 'test_optimization_data_go'"
        ]
    ));
    assert!(has(
        &v,
        &["warning|//other:t", "no context for this target"]
    ));
    let o = doctor(
        &tree,
        &[
            "--context",
            &format!("test_optimization_data_go={}", c1.display()),
            "--context",
            &format!("py={}", c2.display()),
            "--strict",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "--strict turns the warning into a failure"
    );
}

#[test]
fn expected_targets_and_selection_policy() {
    let tree = Tree::new();
    let ctx = healthy(&tree);
    let c = ctx.to_str().unwrap();
    let (code, v) = json_report(
        &tree,
        &[
            "--context",
            c,
            "--expected-target",
            "//svc/a:a_test",
            "--expected-target",
            "//svc/zzz:missing",
            "--expected-target",
            "@ext//x:y",
        ],
    );
    assert_eq!(code, 1);
    assert!(has(
        &v,
        &["expected target output root not found for //svc/zzz:missing"]
    ));
    assert!(has(&v, &["does not support external labels"]));
    let (code, v) = json_report(
        &tree,
        &[
            "--context",
            c,
            "--expected-payload-selection",
            "//svc/a:a_test=module_override",
        ],
    );
    assert_eq!(code, 1);
    assert!(has(&v, &["//svc/a:a_test", "expected 'module_override'"]));
    let (code, v) = json_report(
        &tree,
        &[
            "--context",
            c,
            "--allowed-payload-selection",
            "full_bundle_no_match",
        ],
    );
    assert_eq!(code, 1);
    assert!(has(
        &v,
        &["includes full_bundle_no_match while forbid_full_bundle_no_match=True"]
    ));
}

#[test]
fn empty_tree_and_zip_only_tree() {
    let tree = Tree::new();
    let (code, v) = json_report(&tree, &["--no-require-git-metadata"]);
    assert_eq!(code, 1);
    assert!(has(&v, &["no Test Optimization output directories found"]));
    // Bazel <= 7: only outputs.zip; the doctor reads it like the uploader does.
    let out = tree.target("z", "t");
    std::fs::remove_dir_all(out.join("payloads")).unwrap();
    let mut z = zip::ZipWriter::new(std::fs::File::create(out.join("outputs.zip")).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    z.start_file("bazel_target_metadata.json", opts).unwrap();
    z.write_all(br#"{"bazel.target":"//z:t"}"#).unwrap();
    z.start_file("payloads/tests/a.json", opts).unwrap();
    z.write_all(&serde_json::to_vec(&test_payload("z", 1)).unwrap())
        .unwrap();
    z.start_file("payloads/tests/b.json", opts).unwrap();
    z.write_all(b"{trunc").unwrap();
    z.finish().unwrap();
    let (code, v) = json_report(&tree, &["--no-require-git-metadata"]);
    assert_eq!(code, 1);
    assert!(has(
        &v,
        &["error|//z:t", "payloads/tests/b.json", "invalid JSON"]
    ));
    assert!(!has(&v, &["a.json"]));
    assert_eq!(v["validated_dirs"], 1);
}

#[test]
fn reference_config_file_is_understood() {
    let tree = Tree::new();
    let ctx = healthy(&tree);
    let manifest = tree.dir.path().join("contexts.tsv");
    std::fs::write(
        &manifest,
        format!("data\texternal/data/context.json\t{}\n", ctx.display()),
    )
    .unwrap();
    let cfg = tree.dir.path().join("doctor.config.json");
    std::fs::write(&cfg, json!({
        "context_manifest_path": manifest.to_str().unwrap(), "expected_targets": ["//svc/b:b_test"],
        "require_git_metadata": true, "require_bazel_metadata": true, "require_json_payloads": true,
        "forbid_full_bundle_no_match": true, "forbid_msgpack_payloads": true, "forbid_dd_git_test_env": true,
        "allowed_payload_selections": [], "expected_payload_selection_by_target": {"//svc/b:b_test": "module"}
    }).to_string()).unwrap();
    let o = doctor(&tree, &["--config", cfg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("OK: validated 1 test output directory"));
    let o = doctor(&tree, &["--config", "/nonexistent.json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("missing JSON file"));
}

fn age(path: &std::path::Path, secs: u64) {
    let t = std::time::SystemTime::now() - std::time::Duration::from_secs(secs);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(t)
        .unwrap();
}

/// After `topt upload`, a second `bazel test` serves cached results: the outputs are what the
/// upload left (sidecar, no payloads; a zip target: nothing at all). Not an error.
#[test]
fn cached_results_after_an_upload_are_not_errors() {
    let tree = Tree::new();
    let ctx = healthy(&tree);
    let c = ctx.to_str().unwrap();
    let z = tree.target("svc/z", "z_test");
    std::fs::remove_dir_all(z.join("payloads")).unwrap();
    let mut zw = zip::ZipWriter::new(std::fs::File::create(z.join("outputs.zip")).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    zw.start_file("bazel_target_metadata.json", opts).unwrap();
    zw.write_all(br#"{"bazel.target":"//svc/z:z_test"}"#)
        .unwrap();
    zw.start_file("payloads/tests/a.json", opts).unwrap();
    zw.write_all(&serde_json::to_vec(&test_payload("z", 1)).unwrap())
        .unwrap();
    zw.finish().unwrap();
    let intake = Intake::start(&[]);
    assert_eq!(run(upload_cmd(&tree, &intake.url)).status.code(), Some(0));
    assert!(tree.payload_files().is_empty() && !z.join("outputs.zip").exists());
    let o = doctor(&tree, &["--context", c]);
    assert_eq!(o.status.code(), Some(0), "a warm cache is not a failure");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("1 cached result with nothing left to upload"),
        "{out}"
    );
    let (code, v) = json_report(&tree, &["--context", c, "-v"]);
    assert_eq!(code, 0);
    assert!(has(
        &v,
        &[
            "info|//svc/a:a_test",
            "already sent by the run that executed it"
        ]
    ));
    assert!(has(&v, &["info|//svc/z:z_test", "cached result"]));
    // A test that runs again gets a fresh test.outputs (no marker): missing payloads are errors.
    let a = tree.testlogs().join("svc/a/a_test/test.outputs");
    std::fs::remove_file(a.join(".topt-uploaded")).unwrap();
    let (code, v) = json_report(&tree, &["--context", c]);
    assert_eq!(code, 1);
    assert!(has(&v, &["error|//svc/a:a_test", "missing JSON payloads"]));
}

/// Without the upload's marker (outputs of a run uploaded by another tool, say), the start of
/// the invocation tells cached results from results of this run.
#[test]
fn results_older_than_the_invocation_are_cached() {
    let tree = Tree::new();
    let out = tree.target("svc/a", "a_test");
    tree.sidecar(&out, "svc/a", "a_test", "data", json!({}));
    let log = tree.testlogs().join("svc/a/a_test/test.log");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let base = ["--no-require-git-metadata"];
    let (code, v) = json_report(&tree, &base);
    assert_eq!(code, 1, "no start given: judged as before");
    assert!(has(&v, &["missing JSON payloads"]));
    let with_start = ["--no-require-git-metadata", "--invocation-start", &now];
    let (code, v) = json_report(&tree, &with_start);
    assert_eq!(code, 1, "its test.log is new: this run wrote no payloads");
    assert!(has(&v, &["error|//svc/a:a_test", "missing JSON payloads"]));
    age(&log, 3600);
    let (code, v) = json_report(&tree, &with_start);
    assert_eq!(code, 0);
    assert!(has(
        &v,
        &["info|//svc/a:a_test", "predates this invocation"]
    ));
    // Cached results without any test.outputs (never instrumented, or nothing kept).
    let tree = Tree::new();
    let t = tree.testlogs().join("svc/b/b_test");
    std::fs::create_dir_all(&t).unwrap();
    std::fs::write(t.join("test.log"), "ok\n").unwrap();
    age(&t.join("test.log"), 3600);
    let (code, v) = json_report(&tree, &base);
    assert_eq!(code, 1);
    assert!(has(&v, &["no Test Optimization output directories found"]));
    let (code, v) = json_report(&tree, &with_start);
    assert_eq!(code, 0);
    assert!(has(&v, &["info|global", "came from Bazel's cache"]));
    let (code, _) = json_report(&tree, &["--invocation-start", "yesterday"]);
    assert_eq!(code, 1, "a bad value is an error");
}

/// Every line carries the prefix docs/doctor.md promises; errors (with their target's header)
/// and the failure summary go to stderr, the rest to stdout.
#[test]
fn every_line_is_prefixed_and_failures_go_to_stderr() {
    const PREFIX: &str = "[dd-test-optimization-doctor] ";
    let tree = Tree::new();
    let ctx = healthy(&tree);
    let a = tree.testlogs().join("svc/a/a_test/test.outputs");
    std::fs::write(a.join("payloads/tests/broken.json"), "{\"version\":").unwrap();
    std::fs::write(a.join("payloads/tests/placeholder.json"), "{}").unwrap();
    let o = doctor(&tree, &["--context", ctx.to_str().unwrap(), "--verbose"]);
    assert_eq!(o.status.code(), Some(1));
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    for line in out.lines().chain(err.lines()) {
        assert!(line.starts_with(PREFIX), "unprefixed line: {line:?}");
    }
    assert!(
        err.contains("invalid JSON") && err.contains("//svc/a:a_test"),
        "{err}"
    );
    assert!(err.contains("FAILED: 1 error, 1 warning"), "{err}");
    assert!(
        !out.contains("invalid JSON") && !out.contains(" error "),
        "{out}"
    );
    assert!(
        out.contains("placeholder") && out.contains("payload selection summary"),
        "{out}"
    );
}
