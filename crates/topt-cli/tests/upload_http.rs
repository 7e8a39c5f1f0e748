//! `topt upload` checks the API key by the rule `topt sync` uses, before any request.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod upload_support;

use upload_support::*;

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
