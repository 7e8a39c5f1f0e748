//! The ByteStream client against a real remote cache: BuildGrid (`bgd server start`) with
//! in-memory LRU storage serving the ActionCache, CAS and ByteStream on a free 127.0.0.1 port.
//! Blobs are written with ByteStream `Write` and CAS `BatchUpdateBlobs` by the test itself.
//!
//! `#[ignore]`d in the `rust` suite; the `remote` suite (scripts/test.sh remote) runs them with
//! `--ignored`, `TOPT_BGD` naming the `bgd` tests/remote/setup.sh installed.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bazel_remote_apis::build::bazel::remote::execution::v2 as reapi;
use bazel_remote_apis::google::bytestream::WriteRequest;
use bazel_remote_apis::google::bytestream::byte_stream_client::ByteStreamClient;
use reapi::content_addressable_storage_client::ContentAddressableStorageClient;
use tonic::codegen::tokio_stream;

use super::*;

/// tests/remote/buildgrid.yml.in, shared with tests/remote/capture.sh.
fn config(port: u16) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/remote/buildgrid.yml.in");
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    text.replace("@PORT@", &port.to_string())
}

/// A running `bgd server start`; stopped (SIGTERM, then SIGKILL) when dropped.
pub struct BuildGrid {
    child: Option<Child>,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl BuildGrid {
    /// `TOPT_BGD`: tests/remote/run.sh sets it from `tests/remote/setup.sh --bgd`.
    pub fn bgd() -> PathBuf {
        match std::env::var_os("TOPT_BGD") {
            Some(p) => PathBuf::from(p),
            None => panic!(
                "TOPT_BGD is unset: run tests/remote/run.sh, or set TOPT_BGD=\"$(tests/remote/setup.sh --bgd)\""
            ),
        }
    }

    pub fn start() -> BuildGrid {
        let bgd = BuildGrid::bgd();
        assert!(
            bgd.exists(),
            "no BuildGrid at {}: run tests/remote/setup.sh",
            bgd.display()
        );
        let mut dir = tempfile::tempdir().unwrap();
        // The port is free when chosen; another process may take it before bgd binds: retry.
        for _ in 0..3 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let config = dir.path().join("buildgrid.yml");
            std::fs::write(&config, self::config(port)).unwrap();
            let log = std::fs::File::create(dir.path().join("bgd.log")).unwrap();
            let child = Command::new(&bgd)
                .args(["server", "start"])
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .unwrap();
            let mut bg = BuildGrid {
                child: Some(child),
                port,
                dir,
            };
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return bg;
                }
                if let Some(status) = bg.child.as_mut().and_then(|c| c.try_wait().unwrap()) {
                    eprintln!("bgd exited ({status}): {}", bg.log());
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            bg.stop();
            dir = std::mem::replace(&mut bg.dir, tempfile::tempdir().unwrap());
        }
        panic!(
            "BuildGrid did not start: {}",
            std::fs::read_to_string(dir.path().join("bgd.log")).unwrap_or_default()
        );
    }

    pub fn url(&self) -> String {
        format!("grpc://127.0.0.1:{}", self.port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("bgd.log")).unwrap_or_default()
    }

    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if let Ok(pid) = i32::try_from(child.id()) {
            // SAFETY: signalling our own child by its pid.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for BuildGrid {
    fn drop(&mut self) {
        self.stop();
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn http(bg: &BuildGrid) -> String {
    format!("http://127.0.0.1:{}", bg.port)
}

/// ByteStream `Write` of one blob, in `chunk`-byte messages.
pub fn write_bytestream(bg: &BuildGrid, instance: &str, data: &[u8], chunk: usize) {
    let d = Digest::of_bytes(data);
    let prefix = if instance.is_empty() {
        String::new()
    } else {
        format!("{instance}/")
    };
    let resource = format!(
        "{prefix}uploads/{:016x}/blobs/{}/{}",
        fastrand::u64(..),
        d.hash,
        d.size
    );
    let pieces: Vec<&[u8]> = data.chunks(chunk).collect();
    let n = pieces.len();
    let requests: Vec<WriteRequest> = pieces
        .into_iter()
        .enumerate()
        .map(|(i, piece)| WriteRequest {
            resource_name: if i == 0 {
                resource.clone()
            } else {
                String::new()
            },
            write_offset: (i * chunk) as i64,
            finish_write: i + 1 == n,
            data: piece.to_vec(),
        })
        .collect();
    let committed = runtime().block_on(async {
        let mut client = ByteStreamClient::connect(http(bg)).await.unwrap();
        client
            .write(tokio_stream::iter(requests))
            .await
            .unwrap()
            .into_inner()
            .committed_size
    });
    assert_eq!(committed, data.len() as i64);
}

/// CAS `BatchUpdateBlobs` of small blobs.
pub fn batch_update(bg: &BuildGrid, instance: &str, blobs: &[&[u8]]) {
    let requests = blobs
        .iter()
        .map(|data| {
            let d = Digest::of_bytes(data);
            reapi::batch_update_blobs_request::Request {
                digest: Some(reapi::Digest {
                    hash: d.hash,
                    size_bytes: d.size as i64,
                }),
                data: data.to_vec(),
                compressor: 0,
            }
        })
        .collect();
    let response = runtime().block_on(async {
        let mut client = ContentAddressableStorageClient::connect(http(bg))
            .await
            .unwrap();
        client
            .batch_update_blobs(reapi::BatchUpdateBlobsRequest {
                instance_name: instance.to_string(),
                requests,
                digest_function: 0,
            })
            .await
            .unwrap()
            .into_inner()
    });
    assert_eq!(response.responses.len(), blobs.len());
    for r in response.responses {
        assert_eq!(r.status.map(|s| s.code), Some(0));
    }
}

#[test]
#[ignore = "needs BuildGrid: scripts/test.sh remote"]
fn buildgrid_serves_what_bytestream_write_and_batch_update_stored() {
    let bg = BuildGrid::start();
    let big = blob(3 * 1024 * 1024 + 17, 21);
    let small: Vec<Vec<u8>> = (0..5).map(|i| blob(100 + i * 1000, 30 + i as u8)).collect();
    write_bytestream(&bg, "", &big, 256 * 1024);
    batch_update(
        &bg,
        "",
        &small.iter().map(Vec::as_slice).collect::<Vec<_>>(),
    );

    let dir = tempfile::tempdir().unwrap();
    let f = Fetcher::new(quick(&bg.url())).unwrap();
    // The authority Bazel wrote is ignored when --remote-cache says where the cache is.
    for data in std::iter::once(&big).chain(&small) {
        let got = f
            .fetch_blob(&uri_for("127.0.0.1:1", "", data), dir.path())
            .unwrap();
        assert_eq!(&std::fs::read(&got.path).unwrap(), data);
        assert_eq!(Digest::of_file(&got.path).unwrap(), Digest::of_bytes(data));
    }
    // Without --remote-cache, a URI naming the server is read over plain gRPC only when told so.
    let f = Fetcher::new(Settings {
        remote_cache: Some(format!("127.0.0.1:{}", bg.port)),
        ..quick("x")
    })
    .unwrap();
    let e = f
        .fetch_blob(&uri_for("x", "", &small[0]), dir.path())
        .unwrap_err();
    assert!(
        matches!(e.kind, ErrorKind::Unreachable { .. }),
        "a bare host:port means TLS: {e}"
    );
}

#[test]
#[ignore = "needs BuildGrid: scripts/test.sh remote"]
fn buildgrid_instances_and_missing_blobs() {
    let bg = BuildGrid::start();
    let data = blob(70_000, 22);
    write_bytestream(&bg, "main", &data, 16 * 1024);
    let dir = tempfile::tempdir().unwrap();
    let f = Fetcher::new(quick(&bg.url())).unwrap();

    // The instance from the URI, as Bazel writes it with --remote_instance_name=main.
    let got = f
        .fetch_blob(&uri_for("h", "main", &data), dir.path())
        .unwrap();
    assert_eq!(std::fs::read(&got.path).unwrap(), data);
    drop(got);
    // A URI without one takes --remote-instance-name.
    let f_main = Fetcher::new(Settings {
        instance_name: "main".into(),
        ..quick(&bg.url())
    })
    .unwrap();
    f_main
        .fetch_blob(&uri_for("h", "", &data), dir.path())
        .unwrap();

    // The default instance never saw it: NOT_FOUND, not retried, nothing left behind.
    let e = fetch_err(&f, &uri_for("h", "", &data), dir.path());
    assert!(
        matches!(e.kind, ErrorKind::NotFound { .. }),
        "{e}\n{}",
        bg.log()
    );
    // A digest nobody wrote.
    let e = fetch_err(&f, &uri_for("h", "main", b"never written"), dir.path());
    assert!(matches!(e.kind, ErrorKind::NotFound { .. }), "{e}");
    assert!(e.to_string().contains(&bg.url()), "{e}");
}

#[test]
#[ignore = "needs BuildGrid: scripts/test.sh remote"]
fn buildgrid_gone_is_unreachable() {
    let mut bg = BuildGrid::start();
    let data = blob(1000, 23);
    batch_update(&bg, "", &[&data]);
    let dir = tempfile::tempdir().unwrap();
    let f = Fetcher::new(quick(&bg.url())).unwrap();
    f.fetch_blob(&uri_for("h", "", &data), dir.path()).unwrap();

    bg.stop();
    // The channel from the first read is reused: the lost server shows on it, then on reconnect.
    let e = fetch_err(&f, &uri_for("h", "", &data), dir.path());
    assert!(
        matches!(
            e.kind,
            ErrorKind::Unreachable { .. }
                | ErrorKind::Status {
                    code: Code::Unavailable,
                    ..
                }
        ),
        "{e}"
    );
    let fresh = Fetcher::new(quick(&bg.url())).unwrap();
    let e = fetch_err(&fresh, &uri_for("h", "", &data), dir.path());
    assert!(matches!(e.kind, ErrorKind::Unreachable { .. }), "{e}");
    assert!(e.to_string().contains("unreachable"), "{e}");
}
