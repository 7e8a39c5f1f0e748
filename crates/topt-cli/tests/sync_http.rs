//! `topt sync` over the shared HTTP pieces: a malformed API key fails before any request.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sync_support;

use sync_support::*;

#[test]
fn a_malformed_key_fails_before_any_request() {
    for bad in [
        format!("{} {}", &API_KEY[..8], &API_KEY[8..]),
        format!("{API_KEY}\u{7f}"),
        format!("{}\t{}", &API_KEY[..8], &API_KEY[8..]),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let api = Api::start(fixtures());
        let out = sync(
            dir.path(),
            &api.url,
            &["--service", "s"],
            &[("DD_API_KEY", &bad)],
        );
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {err}");
        assert!(err.contains("DD_API_KEY"), "{err}");
        assert!(
            !err.contains(&API_KEY[..8]) && !err.contains(&API_KEY[8..]),
            "{err}"
        );
        assert!(api.endpoints().is_empty(), "{bad:?}: a request was sent");
    }
}
