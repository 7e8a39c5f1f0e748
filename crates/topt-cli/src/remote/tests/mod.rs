//! The ByteStream client against servers the tests start on 127.0.0.1: a scripted tonic server
//! that can lie ([`fake`]), a proxy that drops the connection ([`proxy`]), a TLS server with a
//! certificate made by openssl, and BuildGrid ([`buildgrid`] and [`live`], `#[ignore]`d: the
//! `remote` suite runs them, after tests/remote/setup.sh installed it).

mod buildgrid;
mod fake;
mod live;
mod proxy;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use tonic::Code;

use super::*;
use crate::bep::{ByteStreamUri, Location};
use fake::{FakeServer, Reply};

/// Deterministic, incompressible-looking content.
pub fn blob(len: usize, seed: u8) -> Vec<u8> {
    let mut x = u32::from(seed) | 0x9e37_0000;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 8) as u8
        })
        .collect()
}

pub fn uri_for(authority: &str, instance: &str, data: &[u8]) -> ByteStreamUri {
    let d = Digest::of_bytes(data);
    let prefix = if instance.is_empty() {
        String::new()
    } else {
        format!("{instance}/")
    };
    ByteStreamUri::parse(&format!(
        "bytestream://{authority}/{prefix}blobs/{}/{}",
        d.hash, d.size
    ))
    .unwrap()
}

fn quick(remote: &str) -> Settings {
    Settings {
        remote_cache: Some(remote.to_string()),
        retries: 2,
        backoff: Duration::from_millis(10),
        connect_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_secs(5),
        ..Settings::default()
    }
}

/// Nothing but what the test put there: a failed fetch leaves no temp file behind.
fn entries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect()
}

fn fetch_err(f: &Fetcher, uri: &ByteStreamUri, dir: &Path) -> FetchError {
    let e = f
        .fetch_blob(uri, dir)
        .err()
        .unwrap_or_else(|| panic!("{uri} was fetched"));
    assert!(entries(dir).is_empty(), "left behind: {:?}", entries(dir));
    e
}

#[test]
fn reads_a_blob_in_chunks_verifies_it_and_sends_the_headers() {
    let data = blob(100_003, 1);
    let server = FakeServer::start(vec![Reply::Serve {
        data: data.clone(),
        chunk: 777,
    }]);
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        headers: vec![
            ("X-API-Key".into(), "secret".into()),
            ("x-other".into(), "a=b".into()),
        ],
        instance_name: "ci/main".into(),
        ..quick(&server.url())
    };
    let f = Fetcher::new(settings).unwrap();
    let uri = uri_for("cache.example:443", "", &data);
    let got = f.fetch_blob(&uri, dir.path()).unwrap();
    assert_eq!(std::fs::read(&got.path).unwrap(), data);
    assert_eq!(Digest::of_file(&got.path).unwrap(), Digest::of_bytes(&data));
    assert!(got.path.starts_with(dir.path()));

    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    // No instance in the URI: the configured one.
    assert_eq!(
        seen[0].resource_name,
        format!("ci/main/blobs/{}/100003", uri.hash)
    );
    assert_eq!(seen[0].read_offset, 0);
    assert!(
        seen[0]
            .headers
            .contains(&("x-api-key".into(), "secret".into()))
    );
    assert!(seen[0].headers.contains(&("x-other".into(), "a=b".into())));

    // Dropping the result removes the download.
    let path = got.path.to_path_buf();
    drop(got);
    assert!(!path.exists());
}

#[test]
fn a_server_that_lies_about_the_bytes_is_a_digest_mismatch() {
    let data = blob(5000, 2);
    let mut lie = data.clone();
    lie[4321] ^= 1;
    let server = FakeServer::start(vec![Reply::Serve {
        data: lie.clone(),
        chunk: 1000,
    }]);
    let dir = tempfile::tempdir().unwrap();
    let f = Fetcher::new(quick(&server.url())).unwrap();
    let uri = uri_for("h:1", "", &data);
    let e = fetch_err(&f, &uri, dir.path());
    let ErrorKind::DigestMismatch { expected, actual } = &e.kind else {
        panic!("{e}")
    };
    assert_eq!(expected, &format!("{}/5000", uri.hash));
    assert_eq!(actual, &Digest::of_bytes(&lie).to_string());
    let msg = e.to_string();
    assert!(
        msg.starts_with(&uri.to_string()) && msg.contains("digest mismatch"),
        "{msg}"
    );
    assert_eq!(server.seen().len(), 1, "a mismatch is not retried");
}

#[test]
fn a_stream_that_ends_early_is_truncated_and_one_that_runs_over_is_refused() {
    let data = blob(9000, 3);
    let dir = tempfile::tempdir().unwrap();
    let uri = uri_for("h:1", "", &data);

    let server = FakeServer::start(vec![Reply::EndAfter {
        data: data.clone(),
        upto: 8000,
    }]);
    let f = Fetcher::new(quick(&server.url())).unwrap();
    let e = fetch_err(&f, &uri, dir.path());
    assert!(
        matches!(
            e.kind,
            ErrorKind::Truncated {
                received: 8000,
                size: 9000
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string().contains("stopped after 8000 of 9000 bytes"),
        "{e}"
    );

    let mut more = data.clone();
    more.extend_from_slice(b"trailing");
    let server = FakeServer::start(vec![Reply::Serve {
        data: more,
        chunk: 4096,
    }]);
    let f = Fetcher::new(quick(&server.url())).unwrap();
    let e = fetch_err(&f, &uri, dir.path());
    assert!(matches!(e.kind, ErrorKind::Oversized { size: 9000 }), "{e}");
}

#[test]
fn a_blob_over_the_limit_is_refused_before_any_request() {
    let data = blob(2048, 4);
    let server = FakeServer::start(vec![Reply::Serve {
        data: data.clone(),
        chunk: 100,
    }]);
    let dir = tempfile::tempdir().unwrap();
    let f = Fetcher::new(Settings {
        max_blob_size: 2047,
        ..quick(&server.url())
    })
    .unwrap();
    let e = fetch_err(&f, &uri_for("h:1", "", &data), dir.path());
    assert!(
        matches!(
            e.kind,
            ErrorKind::TooLarge {
                size: 2048,
                limit: 2047
            }
        ),
        "{e}"
    );
    assert!(server.seen().is_empty());
    // At the limit it is fine.
    let f = Fetcher::new(Settings {
        max_blob_size: 2048,
        ..quick(&server.url())
    })
    .unwrap();
    f.fetch_blob(&uri_for("h:1", "", &data), dir.path())
        .unwrap();
}

#[test]
fn transient_errors_are_retried_and_a_retry_resumes_at_the_offset_received() {
    let data = blob(50_000, 5);
    let server = FakeServer::start(vec![
        Reply::Fail(Code::ResourceExhausted),
        Reply::FailAfter {
            data: data.clone(),
            upto: 12_288,
            code: Code::Unavailable,
        },
        Reply::Fail(Code::DeadlineExceeded),
        Reply::Serve {
            data: data.clone(),
            chunk: 5000,
        },
    ]);
    let dir = tempfile::tempdir().unwrap();
    let f = Fetcher::new(Settings {
        retries: 3,
        ..quick(&server.url())
    })
    .unwrap();
    let got = f
        .fetch_blob(&uri_for("h:1", "", &data), dir.path())
        .unwrap();
    assert_eq!(std::fs::read(&got.path).unwrap(), data);
    let offsets: Vec<i64> = server.seen().iter().map(|s| s.read_offset).collect();
    assert_eq!(offsets, [0, 0, 12_288, 12_288]);
}

#[test]
fn retries_run_out_and_other_codes_are_not_retried() {
    let data = blob(10, 6);
    let dir = tempfile::tempdir().unwrap();
    let uri = uri_for("h:1", "", &data);

    let server = FakeServer::start(vec![Reply::Fail(Code::Unavailable)]);
    let f = Fetcher::new(quick(&server.url())).unwrap();
    let e = fetch_err(&f, &uri, dir.path());
    assert!(
        matches!(
            e.kind,
            ErrorKind::Status {
                code: Code::Unavailable,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(server.seen().len(), 3, "the call and 2 retries");

    let server = FakeServer::start(vec![Reply::Fail(Code::NotFound)]);
    let f = Fetcher::new(quick(&server.url())).unwrap();
    let e = fetch_err(&f, &uri, dir.path());
    assert!(matches!(e.kind, ErrorKind::NotFound { .. }), "{e}");
    assert!(e.to_string().contains("does not have this blob"), "{e}");
    assert_eq!(server.seen().len(), 1);

    let server = FakeServer::start(vec![Reply::Fail(Code::Unauthenticated)]);
    let f = Fetcher::new(quick(&server.url())).unwrap();
    let e = fetch_err(&f, &uri, dir.path());
    assert!(e.to_string().contains("--remote-header"), "{e}");
    assert_eq!(server.seen().len(), 1);
}

#[test]
fn a_silent_server_times_out_and_the_retry_resumes() {
    let data = blob(30_000, 7);
    let server = FakeServer::start(vec![
        Reply::StallAfter {
            data: data.clone(),
            upto: 8192,
        },
        Reply::Serve {
            data: data.clone(),
            chunk: 4096,
        },
    ]);
    let dir = tempfile::tempdir().unwrap();
    let settings = |server: &FakeServer| Settings {
        read_timeout: Duration::from_millis(300),
        ..quick(&server.url())
    };
    let f = Fetcher::new(settings(&server)).unwrap();
    let got = f
        .fetch_blob(&uri_for("h:1", "", &data), dir.path())
        .unwrap();
    assert_eq!(std::fs::read(&got.path).unwrap(), data);
    let offsets: Vec<i64> = server.seen().iter().map(|s| s.read_offset).collect();
    assert_eq!(offsets, [0, 8192]);

    drop(got);
    let server = FakeServer::start(vec![Reply::StallAfter {
        data: data.clone(),
        upto: 0,
    }]);
    let f = Fetcher::new(Settings {
        retries: 1,
        ..settings(&server)
    })
    .unwrap();
    let start = Instant::now();
    let e = fetch_err(&f, &uri_for("h:1", "", &data), dir.path());
    assert!(matches!(e.kind, ErrorKind::Timeout { .. }), "{e}");
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(server.seen().len(), 2);
}

#[test]
fn a_connection_lost_mid_stream_is_retried_from_the_offset_received() {
    let data = blob(400_000, 8);
    let server = FakeServer::start(vec![Reply::Serve {
        data: data.clone(),
        chunk: 16_384,
    }]);
    let cut = proxy::CutProxy::start(server.addr, 100_000);
    let dir = tempfile::tempdir().unwrap();
    let f = Fetcher::new(quick(&format!("grpc://{}", cut.addr))).unwrap();
    let got = f
        .fetch_blob(&uri_for("h:1", "", &data), dir.path())
        .unwrap();
    assert_eq!(std::fs::read(&got.path).unwrap(), data);
    let seen = server.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(
        seen[1].read_offset > 0 && seen[1].read_offset < 100_000,
        "{seen:?}"
    );
    assert!(cut.connections.load(std::sync::atomic::Ordering::SeqCst) >= 2);
}

#[test]
fn an_unreachable_cache_is_a_clear_error_after_the_retries() {
    // A port nobody listens on: bind, note it, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let f = Fetcher::new(quick(&format!("grpc://127.0.0.1:{port}"))).unwrap();
    let e = fetch_err(&f, &uri_for("h:1", "", b"x"), dir.path());
    assert!(matches!(e.kind, ErrorKind::Unreachable { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains(&format!("grpc://127.0.0.1:{port} is unreachable")),
        "{msg}"
    );
    assert!(msg.to_lowercase().contains("refused"), "{msg}");
    // Known unreachable: the next read fails at once, with the same cause.
    let start = Instant::now();
    let e = fetch_err(&f, &uri_for("h:1", "", b"y"), dir.path());
    assert!(
        start.elapsed() < Duration::from_millis(50),
        "{:?}",
        start.elapsed()
    );
    assert!(matches!(e.kind, ErrorKind::Unreachable { .. }), "{e}");
    assert!(e.to_string().contains("not tried again"), "{e}");
    assert!(e.to_string().to_lowercase().contains("refused"), "{e}");
}

#[test]
fn headers_need_a_named_remote_cache() {
    let e = Fetcher::new(Settings {
        remote_cache: None,
        headers: vec![("x-api-key".into(), "k".into())],
        ..Settings::default()
    })
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("--remote-header needs --remote-cache"),
        "{e}"
    );
}

#[test]
fn the_bep_remote_for_a_uris_host_gives_its_scheme_and_never_the_headers() {
    let data = blob(2000, 11);
    let server = FakeServer::start(vec![Reply::Serve {
        data: data.clone(),
        chunk: 500,
    }]);
    let dir = tempfile::tempdir().unwrap();
    let authority = server.addr.to_string();
    let f = Fetcher::new(Settings {
        remote_cache: None,
        known_remotes: vec![
            "grpcs://other.example:443".into(),
            format!("grpc://{authority}"),
        ],
        ..quick("unused")
    })
    .unwrap();
    let uri = uri_for(&authority, "", &data);
    assert_eq!(f.route(&uri), (format!("grpc://{authority}"), false));
    let got = f.fetch_blob(&uri, dir.path()).unwrap();
    assert_eq!(std::fs::read(&got.path).unwrap(), data);
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert!(
        !seen[0].headers.iter().any(|(k, _)| k.starts_with("x-")),
        "{seen:?}"
    );
    // Another host than any the BEP names: TLS; grpcs:// entries stay TLS.
    assert_eq!(
        f.route(&uri_for("cache.example:443", "", &data)).0,
        "grpcs://cache.example:443"
    );
    assert_eq!(
        f.route(&uri_for("other.example:443", "", &data)).0,
        "grpcs://other.example:443"
    );
    // The user's --remote-cache wins, with the headers.
    let named = Fetcher::new(quick(&server.url())).unwrap();
    assert_eq!(named.route(&uri), (server.url(), true));
}

#[test]
fn without_a_remote_cache_setting_the_uri_authority_is_dialled_over_tls() {
    // The fake speaks plaintext: a TLS client must fail to handshake with it, not read from it.
    let server = FakeServer::start(vec![Reply::Serve {
        data: b"abc".to_vec(),
        chunk: 1,
    }]);
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        remote_cache: None,
        ..quick("unused")
    };
    let f = Fetcher::new(settings).unwrap();
    let e = fetch_err(
        &f,
        &uri_for(&server.addr.to_string(), "", b"abc"),
        dir.path(),
    );
    assert!(matches!(e.kind, ErrorKind::Unreachable { .. }), "{e}");
    assert!(
        e.to_string().contains(&format!("grpcs://{}", server.addr)),
        "{e}"
    );
    assert!(server.seen().is_empty());
}

/// A CA and a server certificate for 127.0.0.1 signed by it, made by openssl (EC P-256).
fn make_certs(dir: &Path) -> (PathBuf, Vec<u8>, Vec<u8>) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    run(&[
        &["req", "-x509"],
        &ec[..],
        &[
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=topt test CA",
        ],
    ]
    .concat());
    run(&[
        &["req"],
        &ec[..],
        &[
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    ]
    .concat());
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
    let read = |n: &str| std::fs::read(dir.join(n)).unwrap();
    (dir.join("ca.pem"), read("server.pem"), read("server.key"))
}

#[test]
fn grpcs_verifies_the_server_certificate() {
    let certs = tempfile::tempdir().unwrap();
    let (ca, cert, key) = make_certs(certs.path());
    let data = blob(3000, 9);
    let server = FakeServer::start_with(
        vec![Reply::Serve {
            data: data.clone(),
            chunk: 1000,
        }],
        Some((cert, key)),
    );
    let dir = tempfile::tempdir().unwrap();
    let remote = format!("grpcs://{}", server.addr);
    let uri = uri_for("h:1", "", &data);

    // Signed by a CA the system does not know: refused.
    let f = Fetcher::new(quick(&remote)).unwrap();
    let e = fetch_err(&f, &uri, dir.path());
    assert!(matches!(e.kind, ErrorKind::Unreachable { .. }), "{e}");
    assert!(e.to_string().to_lowercase().contains("certificate"), "{e}");
    assert!(server.seen().is_empty());

    // Trusted with --tls-certificate: read.
    let f = Fetcher::new(Settings {
        tls_certificate: Some(ca),
        ..quick(&remote)
    })
    .unwrap();
    let got = f.fetch_blob(&uri, dir.path()).unwrap();
    assert_eq!(std::fs::read(&got.path).unwrap(), data);
}

#[test]
fn a_digest_function_other_than_sha256_is_refused_before_any_request() {
    let server = FakeServer::start(vec![Reply::Fail(Code::Internal)]);
    let dir = tempfile::tempdir().unwrap();
    let f = Fetcher::new(quick(&server.url())).unwrap();
    let blake = ByteStreamUri::parse("bytestream://h/blobs/blake3/abcd/4").unwrap();
    let e = fetch_err(&f, &blake, dir.path());
    assert!(matches!(e.kind, ErrorKind::UnsupportedDigest(_)), "{e}");
    assert!(e.to_string().contains("not SHA-256"), "{e}");
    assert!(server.seen().is_empty());
}

#[test]
fn the_empty_blob_needs_no_server() {
    let dir = tempfile::tempdir().unwrap();
    let f = Fetcher::new(quick("grpc://127.0.0.1:1")).unwrap();
    let got = f.fetch_blob(&uri_for("h:1", "", b""), dir.path()).unwrap();
    assert_eq!(std::fs::read(&got.path).unwrap(), b"");
}

#[test]
fn settings_from_the_command_line() {
    use clap::Parser;
    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        remote: RemoteArgs,
    }
    let cli = Cli::try_parse_from([
        "t",
        "--remote-cache=grpc://127.0.0.1:9",
        "--remote-header=X-API-Key=k=v",
        "--remote-header",
        "authorization=Bearer t",
        "--remote-instance-name=main",
        "--remote-timeout=7",
        "--remote-retries=0",
    ])
    .unwrap();
    let s = cli.remote.settings().unwrap();
    assert_eq!(
        s.headers,
        [
            ("x-api-key".into(), "k=v".into()),
            ("authorization".into(), "Bearer t".into())
        ]
    );
    assert_eq!((s.instance_name.as_str(), s.retries), ("main", 0));
    assert_eq!(s.read_timeout, Duration::from_secs(7));
    assert_eq!(s.max_blob_size, settings::DEFAULT_MAX_BLOB_SIZE);

    for bad in [
        "novalue",
        "=v",
        "grpc-timeout=1",
        "x-bin=1",
        "a b=1",
        "x=\u{7f}",
        "x=\n",
    ] {
        assert!(parse_header(bad).is_err(), "{bad}");
    }
    assert_eq!(endpoint_url("grpc://h:1"), Ok(("http://h:1".into(), false)));
    assert_eq!(
        endpoint_url("grpcs://h:1/"),
        Ok(("https://h:1".into(), true))
    );
    assert_eq!(endpoint_url("h:1"), Ok(("https://h:1".into(), true)));
    for bad in [
        "http://h:1",
        "grpc://",
        "grpc://h:1/inst",
        "grpc://u@h:1",
        "unix:///s",
    ] {
        assert!(endpoint_url(bad).is_err(), "{bad}");
    }
    let cli = Cli::try_parse_from(["t", "--remote-cache=https://h"]).unwrap();
    assert!(cli.remote.settings().is_err());
    assert!(
        Fetcher::new(Settings {
            headers: vec![("bad name".into(), "v".into())],
            ..Settings::default()
        })
        .is_err()
    );
}

#[test]
fn digests() {
    assert_eq!(Digest::of_bytes(b"").hash, bytestream::EMPTY_SHA256);
    let d = Digest::of_bytes(b"abc");
    assert_eq!(
        d.to_string(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad/3"
    );
    assert_eq!(Digest::parse(&d.to_string()), Some(d.clone()));
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("f");
    std::fs::write(&p, blob(200_000, 1)).unwrap();
    assert_eq!(
        Digest::of_file(&p).unwrap(),
        Digest::of_bytes(&blob(200_000, 1))
    );
    for bad in [
        "",
        "ab/1",
        &format!("{}/", d.hash),
        &format!("{}/x", d.hash),
        &format!("{}/1", d.hash.to_uppercase()),
    ] {
        assert_eq!(Digest::parse(bad), None, "{bad}");
    }
    let b = bytestream::backoff(Duration::from_millis(100), 1);
    assert!(
        b >= Duration::from_millis(50) && b <= Duration::from_millis(100),
        "{b:?}"
    );
    assert!(bytestream::backoff(Duration::from_millis(100), 30) <= Duration::from_secs(5));
}
