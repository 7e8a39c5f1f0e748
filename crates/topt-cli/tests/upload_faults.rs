//! Fault injection against a real `topt intake`: nothing lost, nothing deleted before a 2xx.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod upload_support;

use std::time::{Duration, Instant};

use upload_support::*;

#[test]
fn error_burst_is_retried_without_loss_or_duplicates() {
    let (tree, markers) = tree_of(20, 3);
    let intake = Intake::start(&["--fail-first", "10", "--fail-status", "503"]);
    let mut c = upload_cmd(&tree, &intake.url);
    c.env("TOPT_UPLOAD_MAX_ATTEMPTS", "20")
        .args(["--workers", "4"]);
    let o = run(c);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(intake.accepted_markers(), markers);
    assert_eq!(intake.records().len(), 30);
    assert!(tree.payload_files().is_empty());
}

#[test]
fn too_many_requests_honours_retry_after() {
    let (tree, markers) = tree_of(1, 3);
    let intake = Intake::start(&[
        "--fail-first",
        "1",
        "--fail-status",
        "429",
        "--retry-after",
        "1",
    ]);
    let mut c = upload_cmd(&tree, &intake.url);
    c.env("TOPT_UPLOAD_RETRY_MAX_MS", "5000");
    let start = Instant::now();
    assert_eq!(run(c).status.code(), Some(0));
    assert!(
        start.elapsed().as_millis() >= 1000,
        "waited for Retry-After"
    );
    let recs = intake.records();
    assert_eq!(recs[0]["status"], 429);
    let gap = recs[1]["time_ms"].as_u64().unwrap() - recs[0]["time_ms"].as_u64().unwrap();
    assert!(gap >= 950, "second attempt {gap} ms after the 429");
    assert_eq!(intake.accepted_markers(), markers);
}

#[test]
fn connection_resets_are_retried() {
    let (tree, markers) = tree_of(12, 3);
    let intake = Intake::start(&["--reset-every", "3"]);
    let mut c = upload_cmd(&tree, &intake.url);
    c.env("TOPT_UPLOAD_MAX_ATTEMPTS", "10");
    let o = run(c);
    assert_eq!(o.status.code(), Some(0));
    assert!(intake.records().iter().any(|r| r["fault"] == "reset"));
    assert_eq!(intake.accepted_markers(), markers);
    assert!(tree.payload_files().is_empty());
}

/// A stalled answer times out and is retried. The intake still accepts the stalled request after
/// the client gave up, so delivery is at-least-once there: no loss, possibly a duplicate.
#[test]
fn stalls_time_out_and_are_retried() {
    let (tree, markers) = tree_of(2, 3);
    let intake = Intake::start(&["--stall-first", "1", "--stall-ms", "2500"]);
    let mut c = upload_cmd(&tree, &intake.url);
    c.args(["--timeout-sec", "1", "--workers", "1"]);
    let o = run(c);
    assert_eq!(o.status.code(), Some(0));
    let mut got = intake.accepted_markers();
    got.dedup();
    assert_eq!(got, markers);
    assert!(tree.payload_files().is_empty());
}

#[test]
fn sustained_failure_keeps_every_file_in_place() {
    let (tree, _) = tree_of(5, 3);
    let before = tree.payload_files();
    let intake = Intake::start(&["--fail-first", "1000", "--fail-status", "500"]);
    let mut c = upload_cmd(&tree, &intake.url);
    c.env("TOPT_UPLOAD_MAX_ATTEMPTS", "3");
    let o = run(c);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("HTTP 500"));
    assert!(text(&o).contains("done with 5 upload failures"));
    assert_eq!(
        tree.payload_files(),
        before,
        "same names, no claims left behind"
    );
    assert_eq!(intake.records().len(), 15);
}

#[test]
fn client_errors_are_reported_not_retried_and_kept() {
    let tree = Tree::new();
    let out = tree.target("pkg", "t");
    write_payload(&out, "tests", "good.json", &test_payload("good", 1));
    write_payload(
        &out,
        "tests",
        "bad.json",
        &test_payload("Manual.BadRequest", 1),
    );
    let intake = Intake::start(&[
        "--reject-pattern",
        "Manual.BadRequest",
        "--reject-status",
        "400",
    ]);
    let o = run(upload_cmd(&tree, &intake.url));
    assert_eq!(o.status.code(), Some(1));
    let t = text(&o);
    assert!(t.contains("bad.json") && t.contains("HTTP 400"), "{t}");
    assert_eq!(
        tree.payload_files(),
        ["pkg/t/test.outputs/payloads/tests/bad.json"]
    );
    assert_eq!(intake.records().len(), 2, "a 400 is final: one attempt");
    // The --json summary says the same thing, per target.
    let mut c = upload_cmd(&tree, &intake.url);
    c.arg("--json");
    let o = run(c);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["totals"]["rejected"], 1);
    assert_eq!(v["targets"][0]["label"], "//pkg:t");
    assert_eq!(v["targets"][0]["counts"]["rejected.tests"], 1);
    assert!(
        v["targets"][0]["problems"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("HTTP 400")
    );
}

#[test]
fn unreachable_intake_keeps_files() {
    let (tree, _) = tree_of(2, 3);
    let before = tree.payload_files();
    let mut c = upload_cmd(&tree, "http://127.0.0.1:1");
    c.env("TOPT_UPLOAD_MAX_ATTEMPTS", "2");
    let o = run(c);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("connection"), "{}", text(&o));
    assert_eq!(tree.payload_files(), before);
}

/// An intake that accepts and never answers (the defaults, 60 s x 5 attempts per file with 8
/// workers, would take hours over 500 files): --max-run-sec ends the run on time, every attempt
/// cut to the time left, and what was not accepted is kept (no claim left) and reported.
#[test]
fn max_run_sec_bounds_a_run_against_an_intake_that_hangs() {
    let (tree, markers) = tree_of(40, 4);
    let before = tree.payload_files();
    let hung = Intake::start(&["--stall-ms", "600000"]);
    let mut c = upload_cmd(&tree, &hung.url);
    c.args([
        "--max-run-sec",
        "2",
        "--workers",
        "4",
        "--timeout-sec",
        "60",
        "--json",
    ]);
    let start = Instant::now();
    let o = run(c);
    let took = start.elapsed();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        took < Duration::from_secs(8),
        "the run ended at its deadline: {took:?}"
    );
    assert!(text(&o).contains("--max-run-sec (2 s) reached: 40 payload(s) not sent"));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["totals"]["deadline"], 40);
    assert_eq!(v["ok"], false);
    assert_eq!(
        tree.payload_files(),
        before,
        "everything kept, no claim left"
    );
    let fast = Intake::start(&[]);
    assert_eq!(run(upload_cmd(&tree, &fast.url)).status.code(), Some(0));
    assert_eq!(fast.accepted_markers(), markers, "a re-run sends them all");
}
