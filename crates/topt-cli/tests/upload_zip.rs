//! Bazel ≤ 7 `outputs.zip`: read in place, ledger of accepted entries, zip deleted only when all
//! its payloads were accepted and it holds nothing else.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod upload_support;

use std::io::Write;
use std::path::Path;

use serde_json::json;
use upload_support::*;

fn make_zip(outputs: &Path, entries: &[(&str, Vec<u8>)]) -> std::path::PathBuf {
    // Bazel zips the whole undeclared-outputs dir; test.outputs then holds only the zip.
    let _ = std::fs::remove_dir_all(outputs.join("payloads"));
    let path = outputs.join("outputs.zip");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        z.start_file(*name, opts).unwrap();
        z.write_all(data).unwrap();
    }
    z.finish().unwrap();
    path
}

fn tp(m: &str) -> Vec<u8> {
    serde_json::to_vec(&test_payload(m, 1)).unwrap()
}

#[test]
fn zipped_outputs_are_uploaded_enriched_and_removed() {
    let tree = Tree::new();
    let out = tree.target("pkg", "zipped");
    let side = json!({"bazel.target": "//pkg:zipped", "bazel.package": "//pkg", "bazel.test_optimization.repo_name": "r"});
    let zip = make_zip(
        &out,
        &[
            ("bazel_target_metadata.json", side.to_string().into_bytes()),
            ("payloads/tests/a.json", tp("za")),
            ("payloads/tests/b.json", tp("zb")),
            (
                "payloads/coverage/c.json",
                serde_json::to_vec(&coverage_payload()).unwrap(),
            ),
            (
                "payloads/telemetry/t.json",
                serde_json::to_vec(&telemetry_payload(1)).unwrap(),
            ),
        ],
    );
    let intake = Intake::start(&[]);
    let o = run(upload_cmd(&tree, &intake.url));
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(intake.accepted_markers(), ["za", "zb"]);
    assert_eq!(intake.accepted().len(), 4);
    let a = intake
        .accepted()
        .into_iter()
        .find(|r| r["kind"] == "citestcycle")
        .unwrap();
    assert_eq!(
        a["body"]["events"][0]["content"]["meta"]["bazel.target"], "//pkg:zipped",
        "sidecar from inside the zip"
    );
    assert!(!zip.exists(), "every entry accepted: zip removed");
    assert!(
        tree.files().iter().all(|f| !f.contains("outputs.zip")),
        "{:?}",
        tree.files()
    );
    assert!(
        !out.join("payloads").exists(),
        "nothing extracted next to the zip"
    );
}

#[test]
fn a_rerun_sends_exactly_the_entries_not_yet_accepted() {
    let tree = Tree::new();
    let out = tree.target("pkg", "zipped");
    let zip = make_zip(
        &out,
        &[
            ("payloads/tests/a.json", tp("za")),
            ("payloads/tests/b.json", tp("Manual.BadRequest")),
            ("payloads/tests/c.json", tp("zc")),
        ],
    );
    let rejecting = Intake::start(&["--reject-pattern", "Manual.BadRequest"]);
    let o = run(upload_cmd(&tree, &rejecting.url));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(rejecting.accepted_markers(), ["za", "zc"]);
    assert!(zip.exists(), "kept: one entry was rejected");
    let ledger = std::fs::read_to_string(out.join("outputs.zip.topt-uploaded")).unwrap();
    assert_eq!(ledger, "payloads/tests/a.json\npayloads/tests/c.json\n");
    let accepting = Intake::start(&[]);
    let o = run(upload_cmd(&tree, &accepting.url));
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(accepting.accepted_markers(), ["Manual.BadRequest"]);
    assert!(!zip.exists());
    assert!(!out.join("outputs.zip.topt-uploaded").exists());
}

#[test]
fn a_zip_with_other_outputs_is_kept_with_its_ledger() {
    let tree = Tree::new();
    let out = tree.target("pkg", "zipped");
    let zip = make_zip(
        &out,
        &[
            ("payloads/tests/a.json", tp("za")),
            ("screenshots/failure.png", vec![0x89, b'P', b'N', b'G']),
        ],
    );
    let intake = Intake::start(&[]);
    assert_eq!(run(upload_cmd(&tree, &intake.url)).status.code(), Some(0));
    assert!(
        zip.exists(),
        "the test's other outputs are never thrown away"
    );
    let again = Intake::start(&[]);
    assert_eq!(run(upload_cmd(&tree, &again.url)).status.code(), Some(0));
    assert!(again.records().is_empty(), "nothing sent twice");
}

#[test]
fn two_uploaders_share_zips_without_duplicates() {
    let tree = Tree::new();
    let mut want = Vec::new();
    for t in 0..20 {
        let out = tree.target("pkg", &format!("z{t}"));
        let entries: Vec<(String, Vec<u8>)> = (0..5)
            .map(|i| {
                (
                    format!("payloads/tests/{i}.json"),
                    tp(&format!("z{t:02}-{i}")),
                )
            })
            .collect();
        want.extend((0..5).map(|i| format!("z{t:02}-{i}")));
        let refs: Vec<(&str, Vec<u8>)> = entries
            .iter()
            .map(|(n, b)| (n.as_str(), b.clone()))
            .collect();
        make_zip(&out, &refs);
    }
    want.sort();
    let intake = Intake::start(&["--stall-first", "1000", "--stall-ms", "2"]);
    let (a, b) = two_at_once(
        upload_cmd(&tree, &intake.url),
        upload_cmd(&tree, &intake.url),
    );
    assert_eq!((a.status.code(), b.status.code()), (Some(0), Some(0)));
    assert_eq!(intake.accepted_markers(), want);
    assert!(
        tree.files().iter().all(|f| !f.contains("outputs.zip")),
        "{:?}",
        tree.files()
    );
}
