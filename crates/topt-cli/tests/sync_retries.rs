//! `topt sync` retries: injected 5xx, 429 with Retry-After, timeouts and connection resets
//! against a local server on 127.0.0.1; bounded attempts and clear failures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sync_support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sync_support::*;

fn count(api: &Api, endpoint: &str) -> usize {
    api.endpoints().iter().filter(|e| **e == endpoint).count()
}

#[test]
fn transient_5xx_are_retried_until_success() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(Arc::new(|endpoint, nth| match (endpoint, nth) {
        ("settings", 0) => Reply::Json(503, "unavailable".into()),
        ("settings", 1) => Reply::Json(502, "bad gateway".into()),
        ("known_tests", 0) => Reply::Json(500, "boom".into()),
        (other, _) => fixture_reply(other),
    }));
    let out = sync(dir.path(), &api.url, &["--service", "s"], &[]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert_eq!(count(&api, "settings"), 3);
    assert_eq!(count(&api, "known_tests"), 2);
    let err = text(&out.stderr);
    assert!(err.contains("HTTP 503; retrying"), "{err}");
    assert!(err.contains("(attempt 2 of 4)"), "{err}");
    let raw = std::fs::read_to_string(
        dir.path()
            .join("repo/.testoptimization/cache/http/known_tests.json"),
    )
    .unwrap();
    assert_eq!(raw, fixture("known_tests.json"));
    assert_no_key(dir.path(), &out);
}

#[test]
fn rate_limit_honours_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(Arc::new(|endpoint, nth| match (endpoint, nth) {
        ("flaky_tests", 0) => Reply::Headers(
            429,
            "slow down".into(),
            vec![("Retry-After".into(), "1".into())],
        ),
        (other, _) => fixture_reply(other),
    }));
    let started = Instant::now();
    let out = sync(dir.path(), &api.url, &["--service", "s"], &[]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After ignored"
    );
    assert_eq!(count(&api, "flaky_tests"), 2);
    assert!(text(&out.stderr).contains("HTTP 429; retrying in 1.0s"));
}

#[test]
fn timeouts_are_retried() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(Arc::new(|endpoint, nth| match (endpoint, nth) {
        ("test_management", 0) => Reply::Slow(
            Duration::from_secs(3),
            Box::new(fixture_reply("test_management")),
        ),
        (other, _) => fixture_reply(other),
    }));
    let started = Instant::now();
    let out = sync(
        dir.path(),
        &api.url,
        &["--service", "s", "--http-max-time-seconds", "1"],
        &[],
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the slow attempt was not cut at 1 s"
    );
    assert_eq!(count(&api, "test_management"), 2);
    assert!(
        text(&out.stderr).to_lowercase().contains("timeout"),
        "{}",
        text(&out.stderr)
    );
}

/// A TCP front that drops the first `resets` connections after reading the request, and
/// forwards the others to `upstream`.
fn resetting_proxy(upstream: String, resets: usize) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    let upstream = upstream.trim_start_matches("http://").to_owned();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut client) = stream else { return };
            let n = counter.fetch_add(1, Ordering::SeqCst);
            if n < resets {
                let mut buf = [0u8; 1024];
                let _ = client.read(&mut buf);
                drop(client);
                continue;
            }
            let upstream = upstream.clone();
            std::thread::spawn(move || {
                let Ok(mut server) = TcpStream::connect(&upstream) else {
                    return;
                };
                let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let up = std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c2, &mut s2);
                    let _ = s2.shutdown(std::net::Shutdown::Write);
                });
                let _ = std::io::copy(&mut server, &mut client);
                let _ = client.flush();
                let _ = client.shutdown(std::net::Shutdown::Both);
                let _ = up.join();
            });
        }
    });
    (addr, seen)
}

#[test]
fn connection_resets_are_retried() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(fixtures());
    let (proxy, connections) = resetting_proxy(api.url.clone(), 2);
    let out = sync(dir.path(), &proxy, &["--service", "s"], &[]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    // Two dropped connections, then one kept alive for all four requests.
    assert!(connections.load(Ordering::SeqCst) >= 3);
    assert_eq!(count(&api, "settings"), 1);
    assert!(
        text(&out.stderr).contains("retrying"),
        "{}",
        text(&out.stderr)
    );
    assert_no_key(dir.path(), &out);
}

#[test]
fn retries_are_bounded_and_the_failure_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(Arc::new(|_, _| Reply::Json(503, "down".into())));
    let out = sync(
        dir.path(),
        &api.url,
        &["--service", "s", "--http-retry-attempts", "2"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(count(&api, "settings"), 3);
    let err = text(&out.stderr);
    assert!(err.contains("settings request failed"), "{err}");
    assert!(err.contains("HTTP 503"), "{err}");
    assert!(err.contains("after 3 attempt(s)"), "{err}");
    assert!(err.contains("--http-retry-attempts"), "{err}");
    assert_no_key(dir.path(), &out);
}

#[test]
fn client_errors_are_not_retried() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(Arc::new(|_, _| {
        Reply::Json(400, r#"{"errors":["bad"]}"#.into())
    }));
    let out = sync(dir.path(), &api.url, &["--service", "s"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(count(&api, "settings"), 1);
}

#[test]
fn refused_connections_fail_with_a_network_hint() {
    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let out = sync(
        dir.path(),
        &url,
        &["--service", "s", "--http-retry-attempts", "1"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("no HTTP status"), "{err}");
    assert!(err.contains("after 2 attempt(s)"), "{err}");
    assert!(err.contains("check network access"), "{err}");
}
