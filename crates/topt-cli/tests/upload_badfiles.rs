//! Bad files: each is reported (or skipped) and kept; good files next to them still go out.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod upload_support;

use std::os::unix::ffi::OsStrExt;

use upload_support::*;

#[test]
fn bad_files_are_reported_and_kept() {
    let tree = Tree::new();
    let out = tree.target("pkg", "bad");
    let tests = out.join("payloads/tests");
    std::fs::write(tests.join("empty.json"), b"").unwrap();
    std::fs::write(tests.join("placeholder.json"), b"{}").unwrap();
    let full = serde_json::to_vec(&test_payload("x", 1)).unwrap();
    std::fs::write(tests.join("truncated.json"), &full[..full.len() / 2]).unwrap();
    std::fs::write(tests.join("notjson.json"), b"hello world").unwrap();
    std::fs::write(tests.join("raw.msgpack"), [0x81u8, 0xa1, b'a', 0x01]).unwrap();
    // 100 MB, sparse: created instantly, refused by size before reading.
    let huge = std::fs::File::create(tests.join("huge.json")).unwrap();
    huge.set_len(100 << 20).unwrap();
    std::os::unix::fs::symlink("loop.json", tests.join("loop.json")).unwrap();
    // A directory symlink loop in the tree must not trap discovery.
    std::os::unix::fs::symlink("..", out.parent().unwrap().join("cycle")).unwrap();
    let weird = std::ffi::OsStr::from_bytes(b"tests-\xff\xfe.json");
    std::fs::write(
        tests.join(weird),
        serde_json::to_vec(&test_payload("non-utf8-name", 1)).unwrap(),
    )
    .unwrap();
    let unreadable = tests.join("unreadable.json");
    std::fs::write(&unreadable, &full).unwrap();
    let root = unsafe { libc::geteuid() } == 0;
    if !root {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&unreadable, std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    std::fs::write(
        out.join("payloads/telemetry/bad.json"),
        b"{\"api_version\": \"\"}",
    )
    .unwrap();
    std::fs::write(out.join("payloads/coverage/cov-empty.json"), b"").unwrap();
    std::fs::write(out.join("payloads/coverage/cov-ok.msgpack"), [0x80u8]).unwrap();
    let intake = Intake::start(&[]);
    let o = run(upload_cmd(&tree, &intake.url));
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1));
    for (name, why) in [
        ("empty.json", "empty file"),
        ("placeholder.json", "without events"),
        ("truncated.json", "invalid JSON"),
        ("notjson.json", "invalid JSON"),
        ("raw.msgpack", "raw msgpack"),
        ("huge.json", "larger than the 64 MB limit"),
        ("loop.json", "symbolic link"),
        ("bad.json", "telemetry"),
        ("cov-empty.json", "coverage payload is not valid JSON"),
    ] {
        assert!(
            t.lines().any(|l| l.contains(name) && l.contains(why)),
            "{name}: {why}\n{t}"
        );
    }
    let mut sent = intake.accepted_markers();
    sent.sort();
    if root {
        assert_eq!(sent, ["non-utf8-name", "x"]);
    } else {
        assert_eq!(sent, ["non-utf8-name"]);
        assert!(t.contains("unreadable.json"));
    }
    let left: Vec<String> = tree.payload_files();
    for kept in [
        "empty.json",
        "placeholder.json",
        "truncated.json",
        "notjson.json",
        "raw.msgpack",
        "huge.json",
        "loop.json",
    ] {
        assert!(
            left.iter().any(|f| f.ends_with(kept)),
            "{kept} kept: {left:?}"
        );
    }
    assert!(
        !left.iter().any(|f| f.contains("tests-")),
        "the non-UTF-8 name was sent and deleted"
    );
    assert!(!left.iter().any(|f| f.contains(".claim-")));
    assert!(left.iter().any(|f| f.ends_with("cov-empty.json")));
    assert!(
        !left.iter().any(|f| f.ends_with("cov-ok.msgpack")),
        "msgpack coverage is opaque and sent"
    );
    let cov = intake
        .accepted()
        .into_iter()
        .find(|r| r["kind"] == "citestcov")
        .unwrap();
    assert_eq!(cov["body"][1]["content_type"], "application/msgpack");
    assert_eq!(cov["body"][1]["filename"], "filecoveragex.msgpack");
}
