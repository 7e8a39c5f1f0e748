//! Two uploaders on one tree, stale claims of dead uploaders, and Ctrl-C mid-run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod upload_support;

use std::process::Stdio;
use std::time::Duration;

use upload_support::*;

#[test]
fn two_uploaders_never_send_the_same_file() {
    let (tree, markers) = tree_of(300, 10);
    let intake = Intake::start(&[]);
    let cmd = || {
        let mut c = upload_cmd(&tree, &intake.url);
        c.args(["--workers", "4"]);
        c
    };
    let (oa, ob) = two_at_once(cmd(), cmd());
    assert_eq!((oa.status.code(), ob.status.code()), (Some(0), Some(0)));
    assert_eq!(intake.accepted_markers(), markers, "each file exactly once");
    assert!(tree.payload_files().is_empty());
}

#[test]
fn stale_claims_of_dead_uploaders_are_recovered_live_ones_left_alone() {
    let tree = Tree::new();
    let out = tree.target("pkg", "t");
    let mut dead = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = dead.id();
    dead.wait().unwrap();
    let live_pid = std::process::id();
    let dir = out.join("payloads/tests");
    std::fs::write(
        dir.join(format!(".a.json.claim-{dead_pid}")),
        test_payload("dead", 1).to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.join(format!(".b.json.claim-{live_pid}")),
        test_payload("live", 1).to_string(),
    )
    .unwrap();
    let intake = Intake::start(&[]);
    let o = run(upload_cmd(&tree, &intake.url));
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o).contains("recovered 1 file"));
    assert_eq!(intake.accepted_markers(), ["dead"]);
    assert_eq!(
        tree.payload_files(),
        [format!(
            "pkg/t/test.outputs/payloads/tests/.b.json.claim-{live_pid}"
        )]
    );
}

#[test]
fn ctrl_c_leaves_unsent_files_and_a_rerun_sends_exactly_the_rest() {
    let (tree, markers) = tree_of(40, 10);
    let slow = Intake::start(&["--stall-first", "100000", "--stall-ms", "150"]);
    let child = upload_cmd(&tree, &slow.url)
        .args(["--workers", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let first = slow.accepted_markers();
    assert!(
        first.len() < markers.len(),
        "interrupted mid-run: {}",
        first.len()
    );
    let left = tree.payload_files();
    assert!(
        left.iter().all(|f| !f.contains(".claim-")),
        "claims given back: {left:?}"
    );
    assert_eq!(
        left.len(),
        markers.len() - first.len(),
        "exactly the accepted files were deleted"
    );
    let fast = Intake::start(&[]);
    assert_eq!(run(upload_cmd(&tree, &fast.url)).status.code(), Some(0));
    let mut all = first.clone();
    all.extend(fast.accepted_markers());
    all.sort();
    assert_eq!(all, markers, "the re-run sent exactly the rest");
}
