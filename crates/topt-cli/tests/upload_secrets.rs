//! The API key never appears in stdout, stderr, files or error messages.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod upload_support;

use upload_support::*;

#[test]
fn api_key_never_leaks() {
    let mut seen = String::new();
    let tree = Tree::new();
    let out = tree.target("pkg", "t");
    write_payload(&out, "tests", "ok.json", &test_payload("ok", 1));
    write_payload(
        &out,
        "tests",
        "forbidden.json",
        &test_payload("Forbidden", 1),
    );
    write_payload(&out, "coverage", "c.json", &coverage_payload());
    write_payload(&out, "telemetry", "t.json", &telemetry_payload(1));
    std::fs::write(out.join("payloads/tests/bad.json"), "not json").unwrap();
    let intake = Intake::start(&[
        "--reject-pattern",
        "Forbidden",
        "--reject-status",
        "403",
        "--fail-first",
        "2",
    ]);
    for extra in [
        vec!["--debug"],
        vec!["--json"],
        vec!["--dry-run", "--debug"],
    ] {
        let mut c = upload_cmd(&tree, &intake.url);
        c.args(&extra)
            .env("DD_TEST_OPTIMIZATION_KEEP_PAYLOADS", "1");
        seen.push_str(&text(&run(c)));
    }
    // Unreachable intake and invalid site: error paths.
    let mut c = upload_cmd(&tree, "http://127.0.0.1:1");
    c.env("TOPT_UPLOAD_MAX_ATTEMPTS", "1");
    seen.push_str(&text(&run(c)));
    let mut c = upload_cmd(&tree, "x");
    c.env_remove("DD_TEST_OPTIMIZATION_AGENTLESS_URL")
        .env("DD_SITE", format!("{API_KEY}..bad"));
    let o = run(c);
    // The site value itself is echoed in its error; that is the user's DD_SITE, not the key.
    seen.push_str(&text(&o).replace(&format!("{API_KEY}..bad"), "<site>"));
    assert!(!seen.is_empty());
    assert!(!seen.contains(API_KEY), "API key in output:\n{seen}");
    let record = std::fs::read_to_string(&intake.record).unwrap();
    assert!(record.contains("<redacted>"));
    assert!(!record.contains(API_KEY), "API key in the intake record");
    for f in tree.files() {
        let bytes = std::fs::read(tree.testlogs().join(&f)).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(API_KEY),
            "API key in {f}"
        );
    }
}
