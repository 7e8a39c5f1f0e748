//! Hostile files in a test's outputs: each must be reported by the doctor and kept and reported by
//! the uploader, never hang either, never be read past its bound, never be followed out of the
//! tree, and never make the uploader lose or overwrite another file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod upload_support;

use std::ffi::CString;
use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use upload_support::*;

const LIMIT: Duration = Duration::from_secs(20);

fn doctor_json(tree: &Tree) -> (Option<i32>, Vec<String>) {
    let c = doctor_cmd(
        tree,
        &[
            "--no-require-git-metadata",
            "--no-require-bazel-metadata",
            "--allow-msgpack",
            "--json",
        ],
    );
    let (o, timed_out) = run_bounded(c, LIMIT);
    assert!(!timed_out, "the doctor hung");
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    (o.status.code(), doctor_findings(&v))
}

fn upload(tree: &Tree, intake: &Intake, extra: &[&str]) -> (Option<i32>, String) {
    let mut c = upload_cmd(tree, &intake.url);
    c.args(extra);
    let (o, timed_out) = run_bounded(c, LIMIT);
    assert!(!timed_out, "the uploader hung");
    (o.status.code(), text(&o))
}

fn error_for(findings: &[String], file: &str, why: &str) -> bool {
    findings
        .iter()
        .any(|f| f.starts_with("error|") && f.contains(file) && f.contains(why))
}

fn mkfifo(p: &Path) {
    let c = CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

/// A FIFO named like a payload: open(2) would block forever (and SIGTERM could not end it).
#[test]
fn a_fifo_payload_hangs_nothing_and_is_kept() {
    let tree = Tree::new();
    let out = tree.target("pkg", "t");
    write_payload(&out, "tests", "good.json", &test_payload("good", 1));
    mkfifo(&out.join("payloads/tests/x.json"));
    mkfifo(&out.join("payloads/telemetry/y.json"));
    let (code, f) = doctor_json(&tree);
    assert_eq!(code, Some(1));
    assert!(
        error_for(&f, "payloads/tests/x.json", "not a regular file"),
        "{f:?}"
    );
    assert!(error_for(
        &f,
        "payloads/telemetry/y.json",
        "not a regular file"
    ));
    let intake = Intake::start(&[]);
    let (code, t) = upload(&tree, &intake, &[]);
    assert_eq!(code, Some(1), "{t}");
    assert!(
        t.lines()
            .any(|l| l.contains("x.json") && l.contains("not a regular file"))
    );
    assert_eq!(intake.accepted_markers(), ["good"]);
    let left = tree.payload_files();
    assert!(left.iter().any(|f| f.ends_with("tests/x.json")), "{left:?}");
    assert!(left.iter().any(|f| f.ends_with("telemetry/y.json")));
}

/// A link to /dev/zero reports length 0: a cap that trusts metadata reads until memory runs out.
#[test]
fn a_link_to_dev_zero_is_never_read() {
    let tree = Tree::new();
    let out = tree.target("pkg", "t");
    std::os::unix::fs::symlink("/dev/zero", out.join("payloads/tests/zero.json")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", out.join("payloads/coverage/zero.json")).unwrap();
    let (code, f) = doctor_json(&tree);
    assert_eq!(code, Some(1));
    assert!(
        error_for(&f, "payloads/tests/zero.json", "symbolic link"),
        "{f:?}"
    );
    let intake = Intake::start(&[]);
    let (code, t) = upload(&tree, &intake, &[]);
    assert_eq!(code, Some(1), "{t}");
    assert!(
        t.lines()
            .any(|l| l.contains("zero.json") && l.contains("symbolic link"))
    );
    assert!(intake.records().is_empty());
    assert_eq!(tree.payload_files().len(), 2, "links kept");
}

fn zip_with(outputs: &Path, z: &RawZip) {
    let _ = std::fs::remove_dir_all(outputs.join("payloads"));
    std::fs::write(outputs.join("outputs.zip"), z.bytes()).unwrap();
}

/// 13 MB of deflate that inflates to 2 GiB of zeros, under a header that says 100 bytes: the
/// 64 MB cap must hold on the bytes actually inflated (before: 2.1 GB RSS in both commands).
#[test]
fn a_zip_entry_lying_about_its_size_is_read_only_up_to_the_cap() {
    let tree = Tree::new();
    let out = tree.target("pkg", "z");
    let bomb = deflate_zeros((2usize << 30) / 258);
    let good = serde_json::to_vec(&test_payload("ok", 1)).unwrap();
    let mut z = RawZip::default();
    z.add(&RawEntry {
        name: b"payloads/tests/bomb.json",
        method: 8,
        data: &bomb,
        crc: 0,
        declared_size: 100,
    })
    .stored(b"payloads/tests/ok.json", &good);
    zip_with(&out, &z);
    let (code, f) = doctor_json(&tree);
    assert_eq!(code, Some(1));
    assert!(error_for(&f, "payloads/tests/bomb.json", "limit"), "{f:?}");
    let intake = Intake::start(&[]);
    let (code, t) = upload(&tree, &intake, &[]);
    assert_eq!(code, Some(1), "{t}");
    assert!(
        t.lines()
            .any(|l| l.contains("bomb.json") && l.contains("limit"))
    );
    assert_eq!(intake.accepted_markers(), ["ok"]);
    assert!(out.join("outputs.zip").exists(), "kept: an entry failed");
}

/// Two entries with one name: one of them would never be sent while the zip is deleted.
#[test]
fn two_zip_entries_with_one_name_are_both_kept() {
    let tree = Tree::new();
    let out = tree.target("pkg", "z");
    let (a, b) = (
        serde_json::to_vec(&test_payload("first", 1)).unwrap(),
        serde_json::to_vec(&test_payload("second", 1)).unwrap(),
    );
    let mut z = RawZip::default();
    for d in [&a, &b] {
        z.stored(b"payloads/tests/a.json", d);
    }
    zip_with(&out, &z);
    let (code, f) = doctor_json(&tree);
    assert_eq!(code, Some(1));
    assert!(error_for(&f, "payloads/tests/a.json", "duplicate"), "{f:?}");
    let intake = Intake::start(&[]);
    let (code, t) = upload(&tree, &intake, &[]);
    assert_eq!(code, Some(1), "{t}");
    assert!(t.contains("duplicate"));
    assert!(intake.records().is_empty(), "neither copy is sent");
    assert!(out.join("outputs.zip").exists());
}

/// `c.json` and a stale claim `.c.json.claim-<dead pid>` side by side: recovering the claim must
/// not overwrite the live file; both are sent.
#[test]
fn recovering_a_stale_claim_never_overwrites_a_live_file() {
    let tree = Tree::new();
    let out = tree.target("pkg", "t");
    let mut dead = std::process::Command::new("true").spawn().unwrap();
    let pid = dead.id();
    dead.wait().unwrap();
    let dir = out.join("payloads/tests");
    write_payload(&out, "tests", "c.json", &test_payload("live", 1));
    std::fs::write(
        dir.join(format!(".c.json.claim-{pid}")),
        test_payload("stale", 1).to_string(),
    )
    .unwrap();
    let intake = Intake::start(&[]);
    let (code, t) = upload(&tree, &intake, &[]);
    assert_eq!(code, Some(0), "{t}");
    assert_eq!(intake.accepted_markers(), ["live", "stale"]);
    assert!(tree.payload_files().is_empty());
}

/// Links (file and directory) that leave the test's outputs: nothing outside is read, sent,
/// renamed or deleted.
#[test]
fn links_out_of_the_tree_are_never_followed() {
    let tree = Tree::new();
    let outside = tree.dir.path().join("outside");
    std::fs::create_dir_all(outside.join("telemetry")).unwrap();
    std::fs::write(outside.join("secret.txt"), "TOPSECRET-4711").unwrap();
    let leak = test_payload("LEAKED", 1);
    std::fs::write(outside.join("leak.json"), leak.to_string()).unwrap();
    std::fs::write(
        outside.join("telemetry/t.json"),
        telemetry_payload(1).to_string(),
    )
    .unwrap();
    std::fs::write(
        outside.join("sidecar.json"),
        json!({"bazel.target": "//LEAKED:sidecar"}).to_string(),
    )
    .unwrap();
    let out = tree.target("pkg", "t");
    write_payload(&out, "tests", "good.json", &test_payload("good", 1));
    let link = |target: &Path, at: &str| std::os::unix::fs::symlink(target, out.join(at)).unwrap();
    link(&outside.join("leak.json"), "payloads/tests/leak.json");
    link(&outside.join("secret.txt"), "payloads/coverage/secret.json");
    std::fs::remove_dir(out.join("payloads/telemetry")).unwrap();
    link(&outside.join("telemetry"), "payloads/telemetry");
    link(&outside.join("sidecar.json"), "bazel_target_metadata.json");
    let before: Vec<_> = std::fs::read_dir(&outside)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    let (code, f) = doctor_json(&tree);
    assert_eq!(code, Some(1));
    assert!(
        error_for(&f, "payloads/tests/leak.json", "symbolic link"),
        "{f:?}"
    );
    assert!(
        error_for(&f, "payloads/telemetry", "symbolic link"),
        "{f:?}"
    );
    assert!(
        error_for(&f, "bazel_target_metadata.json", "symbolic link"),
        "{f:?}"
    );
    let intake = Intake::start(&[]);
    let (code, t) = upload(&tree, &intake, &[]);
    assert_eq!(code, Some(1), "{t}");
    let record = std::fs::read_to_string(&intake.record).unwrap_or_default();
    for secret in ["LEAKED", "TOPSECRET", "VE9QU0VDUkVU"] {
        assert!(!record.contains(secret), "{secret} left the tree");
    }
    assert!(
        intake.accepted().is_empty(),
        "a broken sidecar keeps the target's payloads"
    );
    let after: Vec<_> = std::fs::read_dir(&outside)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(before.len(), after.len());
    assert!(outside.join("telemetry/t.json").exists());
    for kept in [
        "payloads/tests/leak.json",
        "payloads/coverage/secret.json",
        "payloads/telemetry",
    ] {
        assert!(out.join(kept).symlink_metadata().is_ok(), "{kept} kept");
    }
}

/// The minor disagreements: each is an error in the doctor and a kept, reported failure in the
/// uploader.
#[test]
fn doctor_and_uploader_agree_on_the_minor_cases() {
    let tree = Tree::new();
    // A test payload that is JSON but not an object.
    let a = tree.target("pkg", "array");
    std::fs::write(a.join("payloads/tests/arr.json"), "[1,2,3]").unwrap();
    // msgpack coverage that does not decode (0xc1 is never used).
    let m = tree.target("pkg", "msgpack");
    std::fs::write(a.join("payloads/coverage/ok.msgpack"), [0x80u8]).unwrap();
    std::fs::write(
        m.join("payloads/coverage/bad.msgpack"),
        [0x82u8, 0xa1, b'a'],
    )
    .unwrap();
    std::fs::write(m.join("payloads/coverage/c1.msgpack"), [0xc1u8]).unwrap();
    // A sidecar that cannot be read.
    let s = tree.target("pkg", "sidecar");
    write_payload(
        &s,
        "tests",
        "s.json",
        &test_payload("unreadable-sidecar", 1),
    );
    std::fs::create_dir(s.join("bazel_target_metadata.json")).unwrap();
    // A zip entry whose name holds a newline.
    let z = tree.target("pkg", "newline");
    let body = serde_json::to_vec(&test_payload("newline", 1)).unwrap();
    let mut raw = RawZip::default();
    raw.stored(b"payloads/tests/a\nb.json", &body);
    zip_with(&z, &raw);
    let (code, f) = doctor_json(&tree);
    assert_eq!(code, Some(1));
    assert!(error_for(&f, "arr.json", "not a JSON object"), "{f:?}");
    assert!(error_for(&f, "bad.msgpack", "msgpack"), "{f:?}");
    assert!(error_for(&f, "c1.msgpack", "msgpack"), "{f:?}");
    assert!(
        !f.iter()
            .any(|l| l.starts_with("error|") && l.contains("ok.msgpack")),
        "{f:?}"
    );
    assert!(
        error_for(&f, "bazel_target_metadata.json", "not a regular file"),
        "{f:?}"
    );
    assert!(error_for(&f, "a\\nb.json", "newline"), "{f:?}");
    let intake = Intake::start(&[]);
    let (code, t) = upload(&tree, &intake, &[]);
    assert_eq!(code, Some(1), "{t}");
    for (file, why) in [
        ("arr.json", "not a JSON object"),
        ("bad.msgpack", "msgpack"),
        ("c1.msgpack", "msgpack"),
        ("s.json", "bazel_target_metadata.json"),
        ("a\\nb.json", "newline"),
    ] {
        assert!(
            t.lines()
                .any(|l| l.contains("error") && l.contains(file) && l.contains(why)),
            "{file}: {why}"
        );
    }
    assert!(
        intake.accepted_markers().is_empty(),
        "{:?}",
        intake.accepted_markers()
    );
    let left = tree.payload_files();
    for kept in ["arr.json", "bad.msgpack", "c1.msgpack", "s.json"] {
        assert!(
            left.iter().any(|f| f.ends_with(kept)),
            "{kept} kept: {left:?}"
        );
    }
    assert!(
        !left.iter().any(|f| f.ends_with("ok.msgpack")),
        "valid msgpack coverage is sent"
    );
    assert!(z.join("outputs.zip").exists());
}

/// Every kind of bad file at once, next to good ones.
fn hostile_tree() -> Tree {
    let tree = Tree::new();
    let outside = tree.dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("t.json"), telemetry_payload(1).to_string()).unwrap();
    let a = tree.target("pkg", "mixed");
    tree.sidecar(&a, "pkg", "mixed", "data", json!({}));
    write_payload(&a, "tests", "good.json", &test_payload("good-a", 1));
    let tests = a.join("payloads/tests");
    for (name, body) in [
        ("empty.json", &b""[..]),
        ("arr.json", b"[1,2,3]"),
        ("broken.json", b"{\"version\":"),
        ("placeholder.json", b"{}"),
        ("raw.msgpack", &[0x80]),
    ] {
        std::fs::write(tests.join(name), body).unwrap();
    }
    mkfifo(&tests.join("fifo.json"));
    std::os::unix::fs::symlink("/dev/zero", tests.join("zero.json")).unwrap();
    std::fs::File::create(tests.join("huge.json"))
        .unwrap()
        .set_len(100 << 20)
        .unwrap();
    std::fs::write(a.join("payloads/coverage/bad.msgpack"), [0x82u8, 0xa1]).unwrap();
    std::fs::write(a.join("payloads/coverage/ok.msgpack"), [0x80u8]).unwrap();
    std::fs::write(a.join("payloads/coverage/empty.json"), b"").unwrap();
    write_payload(&a, "coverage", "ok.json", &coverage_payload());
    std::fs::write(a.join("payloads/telemetry/bad.json"), b"{}").unwrap();
    std::fs::write(a.join("payloads/telemetry/t.msgpack"), [0x80u8]).unwrap();
    write_payload(&a, "telemetry", "ok.json", &telemetry_payload(2));
    let b = tree.target("pkg", "dir_sidecar");
    std::fs::create_dir(b.join("bazel_target_metadata.json")).unwrap();
    write_payload(&b, "tests", "b.json", &test_payload("blocked-b", 1));
    let c = tree.target("pkg", "linked_kind");
    write_payload(&c, "tests", "c.json", &test_payload("good-c", 1));
    std::fs::remove_dir(c.join("payloads/telemetry")).unwrap();
    std::os::unix::fs::symlink(&outside, c.join("payloads/telemetry")).unwrap();
    let z = tree.target("pkg", "zipped");
    let good = serde_json::to_vec(&test_payload("good-z", 1)).unwrap();
    let bomb = deflate_zeros(300_000);
    let mut raw = RawZip::default();
    for (name, data, method, declared) in [
        (
            &b"payloads/tests/good.json"[..],
            &good[..],
            0u16,
            good.len() as u32,
        ),
        (b"payloads/tests/dup.json", &good[..], 0, good.len() as u32),
        (b"payloads/tests/dup.json", &good[..], 0, good.len() as u32),
        (
            b"payloads/tests/new\nline.json",
            &good[..],
            0,
            good.len() as u32,
        ),
        (b"payloads/tests/bomb.json", &bomb[..], 8, 100),
        (b"payloads/tests/raw.msgpack", &[0x80][..], 0, 1),
    ] {
        let crc = if method == 0 { crc32(data) } else { 0 };
        raw.add(&RawEntry {
            name,
            method,
            data,
            crc,
            declared_size: declared,
        });
    }
    zip_with(&z, &raw);
    tree
}

/// The one-validation promise: a file the doctor calls an error is exactly a file the uploader
/// keeps and reports (a broken sidecar stands for every payload of its directory).
#[test]
fn doctor_errors_are_exactly_what_the_uploader_keeps_and_reports() {
    let tree = hostile_tree();
    let root = format!("{}/", tree.testlogs().display());
    let c = doctor_cmd(
        &tree,
        &[
            "--no-require-git-metadata",
            "--no-require-bazel-metadata",
            "--allow-msgpack",
            "--max-payload-mb",
            "16",
            "--json",
        ],
    );
    let (o, timed_out) = run_bounded(c, LIMIT);
    assert!(!timed_out);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut doctor = std::collections::BTreeSet::new();
    for g in v["targets"].as_array().unwrap() {
        let dir = g["dir"].as_str().unwrap().strip_prefix(&root).unwrap();
        for f in g["findings"].as_array().unwrap() {
            if f["severity"] == "error"
                && let Some(file) = f["file"].as_str()
            {
                doctor.insert(format!("{dir}/{file}"));
            }
        }
    }
    let intake = Intake::start(&[]);
    let mut c = upload_cmd(&tree, &intake.url);
    c.args(["--json", "--max-payload-mb", "16"]);
    let (o, timed_out) = run_bounded(c, LIMIT);
    assert!(!timed_out);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut uploader = std::collections::BTreeSet::new();
    for t in v["targets"].as_array().unwrap() {
        for p in t["problems"].as_array().unwrap() {
            if p["status"] == "failed" || p["status"] == "rejected" {
                let f = p["file"].as_str().unwrap().strip_prefix(&root).unwrap();
                uploader.insert(f.to_string());
            }
        }
    }
    eprintln!("doctor errors: {doctor:#?}\nuploader failures: {uploader:#?}");
    let sidecars: Vec<String> = doctor
        .iter()
        .filter_map(|d| d.strip_suffix("/bazel_target_metadata.json"))
        .map(str::to_string)
        .collect();
    let covered =
        |u: &str| doctor.contains(u) || sidecars.iter().any(|s| u.starts_with(s.as_str()));
    for u in &uploader {
        assert!(
            covered(u),
            "the uploader failed {u}, the doctor did not object"
        );
    }
    for d in &doctor {
        if d.ends_with("/bazel_target_metadata.json") {
            let dir = d.strip_suffix("/bazel_target_metadata.json").unwrap();
            assert!(
                uploader.iter().any(|u| u.starts_with(dir)),
                "{dir}: payloads kept"
            );
        } else {
            assert!(
                uploader.contains(d),
                "the doctor objected to {d}, the uploader did not"
            );
        }
    }
    assert!(doctor.len() >= 15, "{doctor:?}");
    let mut sent = intake.accepted_markers();
    sent.sort();
    assert_eq!(sent, ["good-a", "good-c", "good-z"]);
}
