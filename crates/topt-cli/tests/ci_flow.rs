//! `topt ci -- <cmd>`: the order of steps and which status wins.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod upload_support;

use std::process::{Command, Output};

use upload_support::*;

/// The "test command" is a shell script that writes the payloads (like `bazel test` would) and
/// exits with `status`.
fn ci(tree: &Tree, intake: &Intake, status: i32, payload: &str, extra: &[&str]) -> Output {
    let out = tree.target("pkg", "t");
    tree.sidecar(&out, "pkg", "t", "data", serde_json::json!({}));
    let ctx = tree.context("context.json", git_context());
    let src = tree.dir.path().join("payload.json");
    std::fs::write(&src, payload).unwrap();
    let script = format!(
        "cp '{}' '{}/payloads/tests/tests-1.json'; exit {status}",
        src.display(),
        out.display()
    );
    let mut cmd = ci_cmd(tree, intake, &ctx);
    cmd.args(extra);
    cmd.args(["--", "sh", "-c", &script]);
    run(cmd)
}

/// `topt ci --testlogs … --context …` with the clean environment of `upload_cmd`.
fn ci_cmd(tree: &Tree, intake: &Intake, ctx: &std::path::Path) -> Command {
    let c = upload_cmd(tree, &intake.url);
    let mut cmd = Command::new(topt());
    for (k, v) in c.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd.env_remove("DD_TEST_OPTIMIZATION_QUIESCENT_SEC")
        .env_remove("DD_TEST_OPTIMIZATION_MAX_WAIT_SEC");
    cmd.arg("ci")
        .arg("--testlogs")
        .arg(tree.testlogs())
        .arg("--context")
        .arg(ctx);
    cmd
}

fn good() -> String {
    test_payload("ci", 1).to_string()
}

#[test]
fn green_run_uploads_and_exits_zero() {
    let (tree, intake) = (Tree::new(), Intake::start(&[]));
    let o = ci(&tree, &intake, 0, &good(), &[]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o).contains("tests: ok, doctor: ok, dry-run: ok, upload: ok"));
    assert_eq!(intake.accepted_markers(), ["ci"]);
    assert!(tree.payload_files().is_empty());
    // ci asks for no quiescence wait (the tests have exited): nothing reads like a timeout.
    assert!(
        text(&o).contains("uploading 1 file (no quiescence wait asked for)"),
        "{}",
        text(&o)
    );
    assert!(!text(&o).contains("exceeded"), "{}", text(&o));
}

#[test]
fn failing_tests_still_upload_and_their_status_wins() {
    let (tree, intake) = (Tree::new(), Intake::start(&[]));
    let o = ci(&tree, &intake, 3, &good(), &[]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(intake.accepted_markers(), ["ci"]);
}

#[test]
fn doctor_failure_prevents_the_upload() {
    let (tree, intake) = (Tree::new(), Intake::start(&[]));
    let o = ci(&tree, &intake, 0, "{\"version\":", &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("doctor: failed (1), dry-run: skipped, upload: skipped"));
    assert!(intake.records().is_empty());
    assert_eq!(tree.payload_files().len(), 1);
    let (tree, intake) = (Tree::new(), Intake::start(&[]));
    assert_eq!(
        ci(&tree, &intake, 4, "{\"version\":", &[]).status.code(),
        Some(4),
        "test status wins"
    );
}

#[test]
fn dry_run_failure_prevents_the_upload() {
    let (tree, intake) = (Tree::new(), Intake::start(&[]));
    let o = ci(
        &tree,
        &intake,
        0,
        &good(),
        &["--upload-arg=--expected-enriched-tag=not.there"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("dry-run: failed (1), upload: skipped"));
    assert!(intake.records().is_empty());
}

#[test]
fn upload_failure_fails_a_green_run() {
    let (tree, intake) = (
        Tree::new(),
        Intake::start(&["--reject-pattern", "ci", "--reject-status", "400"]),
    );
    let o = ci(&tree, &intake, 0, &good(), &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("upload: failed (1)"));
    assert_eq!(tree.payload_files().len(), 1);
}

#[test]
fn ctrl_c_during_the_tests_skips_check_and_upload() {
    let (tree, intake) = (Tree::new(), Intake::start(&[]));
    let out = tree.target("pkg", "t");
    write_payload(&out, "tests", "a.json", &test_payload("m", 1));
    let mut cmd = Command::new(topt());
    cmd.env("DD_API_KEY", API_KEY)
        .env("DD_TEST_OPTIMIZATION_AGENTLESS_URL", &intake.url);
    cmd.arg("ci")
        .arg("--testlogs")
        .arg(tree.testlogs())
        .args(["--", "sh", "-c", "sleep 1"]);
    let child = cmd.stderr(std::process::Stdio::piped()).spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(intake.records().is_empty());
    assert_eq!(tree.payload_files().len(), 1);
}

/// A second `topt ci` on a warm cache: Bazel serves every result from its cache and writes no
/// payloads; the first run already uploaded them. Not a failure.
#[test]
fn a_warm_cache_run_passes() {
    let (tree, intake) = (Tree::new(), Intake::start(&[]));
    let o = ci(&tree, &intake, 0, &good(), &[]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(intake.accepted_markers(), ["ci"]);
    let ctx = tree.context("context.json", git_context());
    let mut cmd = ci_cmd(&tree, &intake, &ctx);
    cmd.args(["--", "sh", "-c", "exit 0"]);
    let o = run(cmd);
    assert_eq!(o.status.code(), Some(0), "warm cache: {}", text(&o));
    assert!(text(&o).contains("tests: ok, doctor: ok, dry-run: ok, upload: ok"));
    assert!(text(&o).contains("came from Bazel's cache"), "{}", text(&o));
    assert_eq!(intake.accepted_markers(), ["ci"], "nothing sent twice");
}

/// The echoed test command never shows a secret.
#[test]
fn the_echoed_command_is_redacted() {
    let (tree, intake) = (Tree::new(), Intake::start(&[]));
    let out = tree.target("pkg", "t");
    write_payload(&out, "tests", "a.json", &test_payload("m", 1));
    let ctx = tree.context("context.json", git_context());
    let mut cmd = ci_cmd(&tree, &intake, &ctx);
    cmd.args([
        "--skip-doctor",
        "--",
        "sh",
        "-c",
        "exit 0",
        "sh",
        "--repo_env=DD_API_KEY=s3cr3t-v4lue",
        "--remote_header=x-api-key=h3ad3r",
    ]);
    let o = run(cmd);
    let t = text(&o);
    assert!(t.contains("--repo_env=DD_API_KEY=<redacted>"), "{t}");
    assert!(!t.contains("s3cr3t-v4lue") && !t.contains("h3ad3r"), "{t}");
}
