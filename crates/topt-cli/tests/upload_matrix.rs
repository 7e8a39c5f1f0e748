//! The fault matrix: `topt upload` against a real `topt intake` that fails in every way it can
//! (statuses, Retry-After, resets, stalls, hangs, truncated answers, redirects), plus kill -9,
//! a double SIGTERM and two uploaders at once. After every run the same invariants are checked:
//!
//! 1. nothing is lost: every payload is still in the tree or was accepted;
//! 2. a file is deleted only after a 2xx to its POST;
//! 3. nothing accepted is sent again in the same run (the one documented exception: the intake
//!    accepted a request whose answer never reached the client, a stall past its timeout);
//! 4. nothing outside the tree is read or sent (links out of the tree point at a marked file);
//! 5. the API key reaches only the configured endpoint (a redirect target gets no request), and
//!    no claim is left behind by a run that ended normally.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod upload_support;

use std::collections::BTreeMap;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use upload_support::*;

const OUTSIDE: &str = "OUTSIDE-THE-TREE-c0ffee";

/// A tree of `n` test payloads over 3 targets, a zipped target with 3 entries, and links that
/// leave the tree (a payload and a kind directory) pointing at a file marked OUTSIDE.
struct Scene {
    tree: Tree,
    markers: Vec<String>,
}

fn scene(n: usize) -> Scene {
    let (tree, mut markers) = tree_of(n, 3);
    let outside = tree.dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(
        outside.join("leak.json"),
        test_payload(OUTSIDE, 1).to_string(),
    )
    .unwrap();
    let t0 = tree.testlogs().join("pkg/t0/test.outputs");
    std::os::unix::fs::symlink(
        outside.join("leak.json"),
        t0.join("payloads/tests/leak.json"),
    )
    .unwrap();
    std::fs::remove_dir(t0.join("payloads/telemetry")).unwrap();
    std::os::unix::fs::symlink(&outside, t0.join("payloads/telemetry")).unwrap();
    let z = tree.target("pkg", "zipped");
    std::fs::remove_dir_all(z.join("payloads")).unwrap();
    let mut raw = RawZip::default();
    let bodies: Vec<(String, Vec<u8>)> = (0..3)
        .map(|i| {
            let m = format!("zip{i}");
            (m.clone(), serde_json::to_vec(&test_payload(&m, 1)).unwrap())
        })
        .collect();
    for (i, (m, b)) in bodies.iter().enumerate() {
        let name = format!("payloads/tests/{i}.json");
        raw.stored(name.as_bytes(), b);
        markers.push(m.clone());
    }
    std::fs::write(z.join("outputs.zip"), raw.bytes()).unwrap();
    markers.sort();
    Scene { tree, markers }
}

/// Markers still waiting in the tree: plain files (claims included) and zip entries not in the
/// zip's ledger.
fn left_in_tree(s: &Scene) -> Vec<String> {
    let mut left = Vec::new();
    for f in s.tree.payload_files() {
        let p = s.tree.testlogs().join(&f);
        if p.symlink_metadata().unwrap().file_type().is_symlink() {
            continue;
        }
        if let Ok(v) = serde_json::from_slice::<Value>(&std::fs::read(&p).unwrap()) {
            left.push(marker_of(&v));
        }
    }
    let zdir = s.tree.testlogs().join("pkg/zipped/test.outputs");
    if zdir.join("outputs.zip").exists() {
        let ledger =
            std::fs::read_to_string(zdir.join("outputs.zip.topt-uploaded")).unwrap_or_default();
        for i in 0..3 {
            if !ledger
                .lines()
                .any(|l| l == format!("payloads/tests/{i}.json"))
            {
                left.push(format!("zip{i}"));
            }
        }
    }
    left.sort();
    left
}

fn marker_of(v: &Value) -> String {
    v["events"][0]["content"]["meta"]["marker"]
        .as_str()
        .unwrap_or("?")
        .to_string()
}

/// Per marker: accepted records (2xx) and whether one of them stalled.
fn accepted_by_marker(intake: &Intake) -> BTreeMap<String, (usize, bool)> {
    let mut m: BTreeMap<String, (usize, bool)> = BTreeMap::new();
    for r in intake.accepted() {
        if r["kind"] != "citestcycle" {
            continue;
        }
        let e = m.entry(marker_of(&r["body"])).or_default();
        e.0 += 1;
        e.1 |= r["fault"] == "stall";
    }
    m
}

/// Invariants 1–5 after one run against `run` (earlier runs' intakes in `before` count for
/// "nothing lost" only); `stall_window` allows the documented duplicate.
fn check(s: &Scene, run: &[&Intake], before: &[&Intake], stall_window: bool) {
    let left = left_in_tree(s);
    let mut accepted: BTreeMap<String, (usize, bool)> = BTreeMap::new();
    for i in run {
        for (k, (n, st)) in accepted_by_marker(i) {
            let e = accepted.entry(k).or_default();
            e.0 += n;
            e.1 |= st;
        }
    }
    let earlier: Vec<String> = before
        .iter()
        .flat_map(|i| accepted_by_marker(i).into_keys())
        .collect();
    for m in &s.markers {
        if !left.contains(m) {
            assert!(
                accepted.contains_key(m) || earlier.contains(m),
                "1./2. {m} is gone without a 2xx to its POST"
            );
        }
    }
    for (m, (n, stalled)) in &accepted {
        assert!(
            *n <= 1 || (stall_window && *stalled),
            "3. {m} accepted {n} times in one run"
        );
        assert!(m != OUTSIDE, "4. a file outside the tree was sent");
    }
    for i in run {
        let record = std::fs::read_to_string(&i.record).unwrap_or_default();
        assert!(
            !record.contains(OUTSIDE),
            "4. outside bytes reached the intake"
        );
        assert!(!record.contains(API_KEY), "the key is recorded redacted");
    }
    assert!(
        s.tree.dir.path().join("outside/leak.json").exists(),
        "4. the link's target is untouched"
    );
    assert!(
        !s.tree.payload_files().iter().any(|f| f.contains(".claim-")),
        "5. a claim was left behind"
    );
}

fn upload(s: &Scene, intake: &Intake, extra: &[&str]) -> Output {
    let mut c = upload_cmd(&s.tree, &intake.url);
    c.args(["--workers", "4"]).args(extra);
    let (o, timed_out) = run_bounded(c, Duration::from_secs(30));
    assert!(!timed_out, "the uploader hung");
    o
}

/// One matrix row: run against an intake with `faults`, check, then re-run against a clean
/// intake and check that everything arrived exactly once overall (plus the stall window).
fn row(faults: &[&str], extra: &[&str], expect: Option<i32>, stall_window: bool) {
    let s = scene(12);
    let intake = Intake::start(faults);
    let o = upload(&s, &intake, extra);
    assert_eq!(o.status.code(), expect, "{}", text(&o));
    check(&s, &[&intake], &[], stall_window);
    let clean = Intake::start(&[]);
    let o = upload(&s, &clean, &[]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "only the links out of the tree are left: {}",
        text(&o)
    );
    check(&s, &[&clean], &[&intake], false);
    let mut all: Vec<String> = accepted_by_marker(&intake)
        .into_keys()
        .chain(accepted_by_marker(&clean).into_keys())
        .collect();
    all.sort();
    all.dedup();
    assert_eq!(all, s.markers, "every payload arrived");
    assert!(left_in_tree(&s).is_empty());
}

// Exit status 1 on the first run means "some payloads were not accepted"; the links out of the
// tree alone already make it 1, so every first run exits 1.

#[test]
fn m01_503_burst() {
    row(
        &["--fail-first", "20", "--fail-status", "503"],
        &["--max-attempts", "20"],
        Some(1),
        false,
    );
}

#[test]
fn m02_500_sustained() {
    row(
        &["--fail-first", "100000", "--fail-status", "500"],
        &["--max-attempts", "2"],
        Some(1),
        false,
    );
}

#[test]
fn m03_429_with_retry_after() {
    row(
        &[
            "--fail-first",
            "4",
            "--fail-status",
            "429",
            "--retry-after",
            "1",
        ],
        &["--max-attempts", "5"],
        Some(1),
        false,
    );
}

#[test]
fn m04_connection_resets() {
    row(
        &["--reset-every", "3"],
        &["--max-attempts", "10"],
        Some(1),
        false,
    );
}

#[test]
fn m05_stalls_within_the_timeout() {
    row(
        &["--stall-first", "6", "--stall-ms", "300"],
        &["--timeout-sec", "5"],
        Some(1),
        false,
    );
}

#[test]
fn m06_stalls_past_the_timeout_are_the_at_least_once_window() {
    row(
        &["--stall-first", "3", "--stall-ms", "1800"],
        &["--timeout-sec", "1", "--max-attempts", "5"],
        Some(1),
        true,
    );
}

#[test]
fn m07_an_intake_that_hangs_is_bounded_by_max_run_sec() {
    let start = Instant::now();
    row(
        &["--stall-ms", "600000"],
        &["--max-run-sec", "2", "--timeout-sec", "60"],
        Some(1),
        true,
    );
    assert!(start.elapsed() < Duration::from_secs(20));
}

#[test]
fn m08_truncated_2xx_answers_count_as_accepted_and_are_not_resent() {
    row(
        &["--truncate-every", "2"],
        &["--max-attempts", "5"],
        Some(1),
        false,
    );
}

#[test]
fn m09_truncated_5xx_answers_are_retried() {
    row(
        &[
            "--fail-first",
            "6",
            "--fail-status",
            "503",
            "--truncate-every",
            "2",
        ],
        &["--max-attempts", "10"],
        Some(1),
        false,
    );
}

#[test]
fn m10_a_final_4xx_is_kept_and_not_retried() {
    row(
        &["--reject-pattern", "m0001", "--reject-status", "413"],
        &[],
        Some(1),
        false,
    );
}

/// Every redirect status: final, reported, nothing deleted, nothing (key included) sent to the
/// target.
#[test]
fn m11_redirects_are_never_followed() {
    for status in ["301", "302", "303", "307", "308"] {
        let s = scene(6);
        let evil = Intake::start(&[]);
        let target = format!("{}/api/v2/citestcycle", evil.url);
        let intake = Intake::start(&["--redirect-to", &target, "--redirect-status", status]);
        let before = left_in_tree(&s);
        let o = upload(&s, &intake, &[]);
        assert_eq!(o.status.code(), Some(1), "{status}");
        assert!(text(&o).contains("not followed"), "{status}: {}", text(&o));
        check(&s, &[&intake, &evil], &[], false);
        assert_eq!(left_in_tree(&s), before, "{status}: nothing deleted");
        assert!(
            evil.records().is_empty(),
            "{status}: the redirect target got a request"
        );
    }
}

#[test]
fn m12_mixed_faults() {
    row(
        &[
            "--fail-first",
            "5",
            "--fail-status",
            "502",
            "--reset-every",
            "4",
            "--truncate-every",
            "5",
            "--stall-first",
            "3",
            "--stall-ms",
            "200",
        ],
        &["--max-attempts", "12"],
        Some(1),
        false,
    );
}

/// Two uploaders at once against a faulty intake: the work is shared, nothing twice.
#[test]
fn m13_two_uploaders_at_once_under_faults() {
    let s = scene(60);
    let intake = Intake::start(&[
        "--reset-every",
        "4",
        "--stall-first",
        "1000",
        "--stall-ms",
        "5",
    ]);
    let cmd = || {
        let mut c = upload_cmd(&s.tree, &intake.url);
        c.args(["--workers", "3", "--max-attempts", "10"]);
        c
    };
    let (oa, ob) = two_at_once(cmd(), cmd());
    assert_eq!((oa.status.code(), ob.status.code()), (Some(1), Some(1)));
    check(&s, &[&intake], &[], false);
    let got: Vec<String> = accepted_by_marker(&intake).into_keys().collect();
    assert_eq!(got, s.markers, "each payload exactly once, by one of them");
}

/// kill -9 in the middle, then a re-run: nothing lost; a payload is accepted twice only if the
/// kill fell between its 2xx and its deletion (it was then still in the tree).
#[test]
fn m14_kill_9_mid_upload_then_rerun() {
    let s = scene(60);
    let slow = Intake::start(&["--stall-first", "100000", "--stall-ms", "60"]);
    let mut child = upload_cmd(&s.tree, &slow.url)
        .args(["--workers", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(900));
    child.kill().unwrap();
    child.wait().unwrap();
    let first: Vec<String> = accepted_by_marker(&slow).into_keys().collect();
    assert!(
        !first.is_empty() && first.len() < s.markers.len(),
        "killed mid-run: {}",
        first.len()
    );
    let window = left_in_tree(&s);
    let clean = Intake::start(&[]);
    let o = upload(&s, &clean, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    check(&s, &[&clean], &[&slow], false);
    let second: Vec<String> = accepted_by_marker(&clean).into_keys().collect();
    for m in &second {
        assert!(
            !first.contains(m) || window.contains(m),
            "{m} sent again without cause"
        );
    }
    let mut all = first.clone();
    all.extend(second);
    all.sort();
    all.dedup();
    assert_eq!(all, s.markers, "nothing lost across the crash");
}

/// SIGTERM twice while requests hang: the second ends the process at once; the next run gives
/// the claims back and sends everything.
#[test]
fn m15_a_second_sigterm_ends_the_run_at_once() {
    let s = scene(12);
    let hung = Intake::start(&["--stall-ms", "600000"]);
    let child = upload_cmd(&s.tree, &hung.url)
        .args(["--workers", "4", "--max-run-sec", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let pid = child.id() as libc::pid_t;
    // SAFETY: signalling our own child.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    std::thread::sleep(Duration::from_millis(200));
    let start = Instant::now();
    // SAFETY: as above.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let o = child.wait_with_output().unwrap();
    assert!(start.elapsed() < Duration::from_secs(2), "exited at once");
    assert_eq!(o.status.code(), Some(130));
    let clean = Intake::start(&[]);
    let o = upload(&s, &clean, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    check(&s, &[&clean], &[&hung], false);
    let got: Vec<String> = accepted_by_marker(&clean).into_keys().collect();
    assert_eq!(got, s.markers);
}
