//! Waiting for writers, and errors that must surface before any waiting.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod upload_support;

use std::io::Write;
use std::time::{Duration, Instant};

use upload_support::*;

/// A writer appends to a payload for ~1.2 s; the uploader (1 s of quiet required) must send the
/// complete file, not a prefix.
#[test]
fn waits_for_a_writer_still_running() {
    let tree = Tree::new();
    let out = tree.target("pkg", "t");
    let path = out.join("payloads/tests/tests-1.json");
    let body = serde_json::to_vec(&test_payload("complete", 3)).unwrap();
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(&body[..10]).unwrap();
    let intake = Intake::start(&[]);
    let mut c = upload_cmd(&tree, &intake.url);
    c.env("DD_TEST_OPTIMIZATION_QUIESCENT_SEC", "1");
    let start = Instant::now();
    let child = c.stdout(std::process::Stdio::piped()).spawn().unwrap();
    let chunks: Vec<&[u8]> = body[10..].chunks(body.len() / 5 + 1).collect();
    for chunk in chunks {
        std::thread::sleep(Duration::from_millis(250));
        f.write_all(chunk).unwrap();
        f.flush().unwrap();
    }
    drop(f);
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(
        start.elapsed() >= Duration::from_millis(2000),
        "waited for 1 s of quiet after the last write"
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("outputs quiescent"));
    assert_eq!(intake.accepted_markers(), ["complete"]);
    assert_eq!(
        intake.accepted()[0]["body"]["events"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
}

#[test]
fn empty_tree_finishes_at_once() {
    let tree = Tree::new();
    let intake = Intake::start(&[]);
    let mut c = upload_cmd(&tree, &intake.url);
    c.env_remove("DD_TEST_OPTIMIZATION_MAX_WAIT_SEC"); // the default 300 s
    let start = Instant::now();
    let o = run(c);
    assert_eq!(o.status.code(), Some(0));
    assert!(start.elapsed() < Duration::from_secs(3));
    assert!(text(&o).contains("nothing to upload"));
}

#[test]
fn tests_without_payloads_warn_and_fail_on_error_fails() {
    let tree = Tree::new();
    tree.target("pkg", "t");
    let intake = Intake::start(&[]);
    let mut c = upload_cmd(&tree, &intake.url);
    c.env("DD_TEST_OPTIMIZATION_MAX_WAIT_SEC", "0");
    let o = run(c);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o).contains("tests ran but no payload files found"));
    let mut c = upload_cmd(&tree, &intake.url);
    c.env("DD_TEST_OPTIMIZATION_MAX_WAIT_SEC", "0")
        .arg("--fail-on-error");
    assert_eq!(run(c).status.code(), Some(1));
}

#[test]
fn missing_api_key_is_reported_before_waiting() {
    let tree = Tree::new();
    let out = tree.target("pkg", "t");
    write_payload(&out, "tests", "a.json", &test_payload("m", 1));
    let mut c = upload_cmd(&tree, "http://127.0.0.1:1");
    c.env_remove("DD_API_KEY")
        .env("DD_TEST_OPTIMIZATION_QUIESCENT_SEC", "100");
    let start = Instant::now();
    let o = run(c);
    assert_eq!(o.status.code(), Some(2));
    assert!(start.elapsed() < Duration::from_secs(3));
    assert!(text(&o).contains("DD_API_KEY is not set"));
    assert_eq!(tree.payload_files().len(), 1);
}

#[test]
fn invalid_site_is_reported_with_a_message() {
    let tree = Tree::new();
    let mut c = upload_cmd(&tree, "unused");
    c.env_remove("DD_TEST_OPTIMIZATION_AGENTLESS_URL")
        .env("DD_SITE", "datadoghq.com:443");
    let o = run(c);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("invalid DD_SITE 'datadoghq.com:443'"));
}

#[test]
fn bad_numbers_and_missing_testlogs_are_usage_errors() {
    let tree = Tree::new();
    let mut c = upload_cmd(&tree, "http://127.0.0.1:1");
    c.env("DD_TEST_OPTIMIZATION_QUIESCENT_SEC", "soon");
    assert_eq!(run(c).status.code(), Some(2));
    let mut c = std::process::Command::new(topt());
    c.arg("upload")
        .env("TESTLOGS_DIR", "/nonexistent/bazel-testlogs")
        .env("DD_API_KEY", "k");
    let o = run(c);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("does not exist"));
}

/// A warm cache after an upload: every result is cached and nothing will be written. The upload
/// ends at once (not after --max-wait-sec) and --fail-on-error does not fail it.
#[test]
fn cached_results_end_the_wait_at_once_and_are_not_failures() {
    let tree = Tree::new();
    let out = tree.target("pkg", "t");
    write_payload(&out, "tests", "a.json", &test_payload("a", 1));
    let intake = Intake::start(&[]);
    assert_eq!(run(upload_cmd(&tree, &intake.url)).status.code(), Some(0));
    let mut c = upload_cmd(&tree, &intake.url);
    c.env_remove("DD_TEST_OPTIMIZATION_MAX_WAIT_SEC") // the default 300 s
        .arg("--fail-on-error");
    let start = Instant::now();
    let (o, timed_out) = run_bounded(c, Duration::from_secs(20));
    assert!(!timed_out && start.elapsed() < Duration::from_secs(10));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("1 test result(s) came from Bazel's cache"));
    // A result newer than the invocation with no payloads is still "tests ran, no payloads".
    std::fs::remove_file(out.join(".topt-uploaded")).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        - 1.0;
    let mut c = upload_cmd(&tree, &intake.url);
    c.args(["--fail-on-error", "--invocation-start", &format!("{now}")])
        .env("DD_TEST_OPTIMIZATION_MAX_WAIT_SEC", "0");
    let o = run(c);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("tests ran but no payload files found"));
}
