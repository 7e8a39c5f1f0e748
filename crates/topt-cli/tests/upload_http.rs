//! `topt upload` over the shared HTTP client: redirects are never followed (nothing reaches the
//! redirect target, the file is kept, exit 1) and the API key is validated before any request.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sync_support;
mod upload_support;

use std::sync::Arc;

use upload_support::*;

/// A second server that answers 200 to anything and records what it got: following a redirect
/// to it would "succeed" and delete the file.
fn redirect_target() -> sync_support::Api {
    sync_support::Api::start(Arc::new(|_, _| sync_support::Reply::Json(200, "{}".into())))
}

#[test]
fn redirects_are_final_and_never_followed() {
    for status in [301u16, 302, 303, 307, 308] {
        let target = redirect_target();
        let host = target.url.trim_start_matches("http://");
        let location = format!("http://user:hunter2@{host}/api/v2/citestcycle?sig=s3cr3t");
        let intake = Intake::start(&[
            "--redirect-to",
            &location,
            "--redirect-status",
            &status.to_string(),
        ]);
        let tree = Tree::new();
        let out = tree.target("pkg", "t");
        let file = write_payload(&out, "tests", "t.json", &test_payload("m", 1));
        let o = run(upload_cmd(&tree, &intake.url));
        let t = text(&o);
        assert_eq!(o.status.code(), Some(1), "{status}: {t}");
        assert!(
            target.requests().is_empty(),
            "{status}: the redirect target got {:?}",
            target.requests()
        );
        assert!(file.exists(), "{status}: the payload file was deleted");
        assert_eq!(
            tree.payload_files(),
            ["pkg/t/test.outputs/payloads/tests/t.json"]
        );
        assert_eq!(intake.records().len(), 1, "{status}: a redirect is final");
        assert!(t.contains(&format!("HTTP {status} redirect")), "{t}");
        assert!(
            t.contains(&format!("http://{host}/api/v2/citestcycle")),
            "{t}"
        );
        assert!(t.contains("DD_SITE"), "the hint names DD_SITE: {t}");
        assert!(
            !t.contains("hunter2") && !t.contains("s3cr3t"),
            "Location not redacted: {t}"
        );
        assert!(!t.contains(API_KEY), "{t}");
    }
}

#[test]
fn a_key_with_a_trailing_newline_is_trimmed_and_works() {
    let tree = Tree::new();
    let out = tree.target("pkg", "t");
    write_payload(&out, "tests", "t.json", &test_payload("m", 1));
    let intake = Intake::start(&[]);
    let mut c = upload_cmd(&tree, &intake.url);
    c.env("DD_API_KEY", format!("{API_KEY}\n"));
    let o = run(c);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(intake.accepted_markers(), ["m"]);
    assert!(tree.payload_files().is_empty());
}

#[test]
fn a_malformed_key_fails_before_any_request() {
    for bad in [
        format!("{API_KEY}\u{1}"),
        format!("{}\n{}", &API_KEY[..8], &API_KEY[8..]),
        format!("{} {}", &API_KEY[..8], &API_KEY[8..]),
        format!("{API_KEY}é"),
        " \t\n".to_string(),
    ] {
        let tree = Tree::new();
        let out = tree.target("pkg", "t");
        let file = write_payload(&out, "tests", "t.json", &test_payload("m", 1));
        let intake = Intake::start(&[]);
        let mut c = upload_cmd(&tree, &intake.url);
        c.env("DD_API_KEY", &bad);
        let o = run(c);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {t}");
        assert!(t.contains("DD_API_KEY"), "{t}");
        assert!(!t.contains("parse header"), "{t}");
        assert!(
            !t.contains(&API_KEY[..8]) && !t.contains(&API_KEY[8..]),
            "{t}"
        );
        assert!(intake.records().is_empty(), "{bad:?}: a request was sent");
        assert!(file.exists());
    }
}

#[test]
fn a_malformed_key_is_checked_in_dry_run_too_and_ignored_through_the_agent() {
    let tree = Tree::new();
    let out = tree.target("pkg", "t");
    write_payload(&out, "tests", "t.json", &test_payload("m", 1));
    let intake = Intake::start(&[]);
    let mut c = upload_cmd(&tree, &intake.url);
    c.env("DD_API_KEY", "bad key").arg("--dry-run");
    assert_eq!(run(c).status.code(), Some(2));
    // Through the agent the key is never sent, so it is not checked either.
    let mut c = upload_cmd(&tree, "unused");
    c.env_remove("DD_TEST_OPTIMIZATION_AGENTLESS_URL")
        .env("DD_TEST_OPTIMIZATION_AGENT_URL", &intake.url)
        .env("DD_API_KEY", "bad key");
    let o = run(c);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(intake.accepted_markers(), ["m"]);
}
