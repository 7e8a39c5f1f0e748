//! `topt sync` over the shared HTTP client: redirects are never followed, decoded response bodies
//! are bounded (a gzip bomb is cut at the limit without the memory of its decoded size), and a
//! malformed API key fails before any request.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sync_support;

use std::io::Write;
use std::sync::Arc;

use sync_support::*;

const SETTINGS_PATH: &str = "/api/v2/libraries/tests/services/setting";

#[test]
fn redirects_are_final_and_never_followed() {
    for status in [301u16, 302, 303, 307, 308] {
        let dir = tempfile::tempdir().unwrap();
        let target = Api::start(fixtures());
        let host = target.url.trim_start_matches("http://").to_owned();
        let location = format!("http://user:hunter2@{host}{SETTINGS_PATH}?sig=s3cr3t");
        let front = Api::start(Arc::new(move |_, _| {
            Reply::Headers(
                status,
                String::new(),
                vec![("Location".into(), location.clone())],
            )
        }));
        let out = sync(dir.path(), &front.url, &["--service", "s"], &[]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{status}: {err}");
        assert!(
            target.requests().is_empty(),
            "{status}: the redirect target got a request"
        );
        assert_eq!(front.endpoints(), ["settings"], "a redirect is not retried");
        assert!(err.contains(&format!("HTTP {status} redirect")), "{err}");
        assert!(
            err.contains(&format!("http://{host}{SETTINGS_PATH}")),
            "{err}"
        );
        assert!(err.contains("DD_SITE"), "{err}");
        assert!(!err.contains("hunter2") && !err.contains("s3cr3t"), "{err}");
        assert!(!dir.path().join("repo/.testoptimization").exists());
        assert_no_key(dir.path(), &out);
    }
}

/// `head` followed by `spaces` MiB of spaces, as concatenated gzip members (one compressed MiB
/// repeated), so building a large bomb costs nothing. The decoded body is valid JSON.
fn gzip_bomb(head: &str, spaces: usize) -> Vec<u8> {
    let member = |data: &[u8]| {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(data).unwrap();
        gz.finish().unwrap()
    };
    let blank = member(&vec![b' '; 1 << 20]);
    let mut out = member(head.as_bytes());
    for _ in 0..spaces {
        out.extend_from_slice(&blank);
    }
    out
}

/// Runs the sync as a child and returns its output and peak RSS in KiB (`wait4` of that child).
#[cfg(target_os = "linux")]
#[allow(clippy::zombie_processes)] // reaped by wait4, which also reports the child's peak RSS
fn sync_with_peak_rss(
    cmd: &mut std::process::Command,
    dir: &std::path::Path,
) -> (String, i32, i64) {
    let err_path = dir.join("stderr");
    let child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let pid = i32::try_from(child.id()).unwrap();
    let mut status = 0;
    // SAFETY: plain libc call on our own child; both out-pointers are valid for the call.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid);
    assert!(libc::WIFEXITED(status));
    let err = std::fs::read_to_string(&err_path).unwrap();
    (err, libc::WEXITSTATUS(status), usage.ru_maxrss)
}

#[cfg(target_os = "linux")]
#[test]
fn a_gzip_bomb_is_cut_at_the_limit_in_bounded_memory() {
    const DECODED_MIB: usize = 512;
    let dir = tempfile::tempdir().unwrap();
    let bomb = gzip_bomb(&fixture("known_tests.json"), DECODED_MIB);
    assert!(bomb.len() < 2 << 20, "the bomb is small on the wire");
    let api = Api::start(Arc::new(move |endpoint, _| match endpoint {
        "known_tests" => Reply::Bytes(
            200,
            bomb.clone(),
            vec![
                ("Content-Type".into(), "application/json".into()),
                ("Content-Encoding".into(), "gzip".into()),
            ],
        ),
        other => fixture_reply(other),
    }));
    let mut cmd = sync_cmd(
        dir.path(),
        &api.url,
        &["--service", "s"],
        &[("TOPT_SYNC_HTTP_MAX_RESPONSE_MB", "8")],
    );
    let (err, code, peak_kib) = sync_with_peak_rss(&mut cmd, dir.path());
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("known_tests request failed"), "{err}");
    assert!(err.contains("larger than the 8 MiB limit"), "{err}");
    assert!(err.contains("--http-max-response-mb"), "{err}");
    assert_eq!(
        api.endpoints()
            .iter()
            .filter(|e| **e == "known_tests")
            .count(),
        1,
        "not retried"
    );
    let cache = dir
        .path()
        .join("repo/.testoptimization/cache/http/known_tests.json");
    assert!(!cache.exists(), "known_tests.json was written");
    let decoded_kib = (DECODED_MIB as i64) << 10;
    assert!(
        peak_kib < decoded_kib / 8,
        "peak RSS {peak_kib} KiB for a {decoded_kib} KiB body"
    );
}

#[test]
fn the_response_limit_is_a_documented_flag() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_topt"))
        .args(["sync", "--help"])
        .output()
        .unwrap();
    let help = text(&out.stdout);
    assert!(help.contains("--http-max-response-mb"), "{help}");
    assert!(help.contains("TOPT_SYNC_HTTP_MAX_RESPONSE_MB"), "{help}");
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(fixtures());
    let out = sync(
        dir.path(),
        &api.url,
        &["--service", "s", "--http-max-response-mb", "0"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(api.endpoints().is_empty());
}

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
