//! `topt upload --bep` with outputs in a remote cache (a local BuildGrid) against the same
//! outputs read locally, printed next to the raw limits measured in the same run: ByteStream
//! `Read` of the same blobs with no processing, and reading + POSTing the same payloads.
//!
//! Run: `cargo build --release -p topt-cli && cargo run --release -p topt-cli --example bench_remote`
//! (`TOPT_BENCH_ZIPS=200` outputs.zip of `TOPT_BENCH_PAYLOADS=20` test payloads each). Needs
//! BuildGrid (`tests/remote/setup.sh`, or `TOPT_BGD`); without it, says so and exits 0.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/raw_post.rs"]
mod raw_post;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bazel_remote_apis::google::bytestream::byte_stream_client::ByteStreamClient;
use bazel_remote_apis::google::bytestream::{ReadRequest, WriteRequest};
use serde_json::json;
use tonic::codegen::tokio_stream;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let Some(bgd) = bgd() else {
        println!(
            "(skipping bench_remote: no BuildGrid; run tests/remote/setup.sh or set TOPT_BGD)"
        );
        return;
    };
    let (zips, per_zip) = (
        env_usize("TOPT_BENCH_ZIPS", 200),
        env_usize("TOPT_BENCH_PAYLOADS", 20),
    );
    let topt = topt_binary();
    let dir = tempfile::tempdir().unwrap();
    let mut grid = BuildGrid::start(&bgd, dir.path());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let fx = Fixture::new(&rt, &grid, dir.path(), zips, per_zip);
    // Raw fetch limit: the same blobs, one Read after the other (as topt reads them), no
    // processing, into memory.
    let raw_fetch = rt.block_on(read_blobs(&grid.url_http(), &fx.blobs));
    let m = measure(&topt, &fx, dir.path(), raw_fetch);
    grid.stop();
    print_results(&fx, &m);
}

/// The same outputs.zip files, on disk (file:// BEP) and in the CAS (bytestream:// BEP).
struct Fixture {
    blobs: Vec<Vec<u8>>,
    local: PathBuf,
    remote_bep: PathBuf,
    local_bep: PathBuf,
    payloads: usize,
    payload_bytes: usize,
}

impl Fixture {
    fn new(
        rt: &tokio::runtime::Runtime,
        grid: &BuildGrid,
        dir: &Path,
        zips: usize,
        per_zip: usize,
    ) -> Fixture {
        let t0 = Instant::now();
        let blobs: Vec<Vec<u8>> = (0..zips).map(|i| outputs_zip(i, per_zip)).collect();
        let zip_bytes: usize = blobs.iter().map(Vec::len).sum();
        let payload_bytes: usize = (0..zips)
            .flat_map(|i| (0..per_zip).map(move |j| test_payload(i, j).len()))
            .sum();
        let local = dir.join("testlogs");
        for (i, b) in blobs.iter().enumerate() {
            let p = zip_path(&local, i);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, b).unwrap();
        }
        rt.block_on(write_blobs(&grid.url_http(), &blobs));
        let ob = dir.join("ob");
        std::fs::create_dir_all(&ob).unwrap();
        let remote_bep = dir.join("remote.json");
        let local_bep = dir.join("local.json");
        write_bep(&remote_bep, &ob, &grid.authority(), &blobs, None);
        write_bep(&local_bep, &ob, &grid.authority(), &blobs, Some(&local));
        println!(
            "generated {zips} outputs.zip x {per_zip} test payloads ({:.1} MB of payloads, {:.1} MB zipped), stored in BuildGrid in {:.1} s",
            payload_bytes as f64 / 1e6,
            zip_bytes as f64 / 1e6,
            t0.elapsed().as_secs_f64()
        );
        Fixture {
            blobs,
            local,
            remote_bep,
            local_bep,
            payloads: zips * per_zip,
            payload_bytes,
        }
    }

    fn zips(&self) -> usize {
        self.blobs.len()
    }
}

struct Measured {
    from_cache: Duration,
    from_disk: Duration,
    raw_fetch: Duration,
    raw_post: Duration,
    doctor_cache: Duration,
    doctor_disk: Duration,
}

fn measure(topt: &Path, fx: &Fixture, dir: &Path, raw_fetch: Duration) -> Measured {
    let ctx = dir.join("context.json");
    std::fs::write(&ctx, context().to_string()).unwrap();
    let (mut intake, url) = start_intake(topt, dir);
    let from_cache = upload(
        topt,
        &fx.remote_bep,
        &ctx,
        &url,
        &dir.join("l1"),
        fx.payloads,
    );
    let (doctor_cache, doctor_disk) = (
        doctor(topt, &fx.remote_bep, &ctx),
        doctor(topt, &fx.local_bep, &ctx),
    );
    let raw_post = raw_read_post(
        &fx.local,
        fx.zips(),
        &format!("{url}/api/v2/citestcycle"),
        8,
    );
    // Last: a local upload deletes what it sent.
    let from_disk = upload(
        topt,
        &fx.local_bep,
        &ctx,
        &url,
        &dir.join("l2"),
        fx.payloads,
    );
    let _ = intake.kill();
    let _ = intake.wait();
    Measured {
        from_cache,
        from_disk,
        raw_fetch,
        raw_post,
        doctor_cache,
        doctor_disk,
    }
}

fn print_results(fx: &Fixture, m: &Measured) {
    let (zips, payloads) = (fx.zips(), fx.payloads);
    let mb = fx.payload_bytes as f64 / 1e6;
    let row = |name: &str, d: Duration, note: &str| {
        let line = format!(
            "{name:<40} {:>7.2} s  {:>7.0} outputs.zip/s  {:>7.0} payloads/s  {:>6.1} MB/s  {note}",
            d.as_secs_f64(),
            zips as f64 / d.as_secs_f64(),
            payloads as f64 / d.as_secs_f64(),
            mb / d.as_secs_f64()
        );
        println!("{}", line.trim_end());
    };
    println!();
    println!(
        "machine: {} cores; {zips} outputs.zip, {payloads} payloads, {mb:.1} MB",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    row(
        "topt upload --bep, from BuildGrid",
        m.from_cache,
        "(fetch, verify, read, enrich, send, ledger)",
    );
    row(
        "topt upload --bep, local files",
        m.from_disk,
        "(read in place, enrich, send, ledger, delete)",
    );
    row(
        "raw ByteStream Read from BuildGrid",
        m.raw_fetch,
        "(fetch limit: no verify, no disk)",
    );
    row(
        "raw read + POST -> topt intake",
        m.raw_post,
        "(send limit: 8 connections, no processing)",
    );
    row("topt doctor --bep, from BuildGrid", m.doctor_cache, "");
    row("topt doctor --bep, local files", m.doctor_disk, "");
    let per_zip =
        |a: Duration, b: Duration| 1e3 * (a.as_secs_f64() - b.as_secs_f64()) / zips as f64;
    println!(
        "fetching costs {:.1} ms per outputs.zip in the upload, {:.1} ms in the doctor (raw Read: {:.2} ms)",
        per_zip(m.from_cache, m.from_disk),
        per_zip(m.doctor_cache, m.doctor_disk),
        1e3 * m.raw_fetch.as_secs_f64() / zips as f64
    );
}

fn doctor(topt: &Path, bep: &Path, ctx: &Path) -> Duration {
    let t = Instant::now();
    let o = Command::new(topt)
        .args(["doctor", "--no-bazelrc-check", "--bep"])
        .arg(bep)
        .arg("--context")
        .arg(ctx)
        .env_remove("TOPT_REMOTE_CACHE")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "doctor: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    t.elapsed()
}

fn upload(topt: &Path, bep: &Path, ctx: &Path, url: &str, ledger: &Path, want: usize) -> Duration {
    let t = Instant::now();
    let o = Command::new(topt)
        .args(["upload", "--no-progress", "--json", "--bep"])
        .arg(bep)
        .arg("--context")
        .arg(ctx)
        .arg("--ledger")
        .arg(ledger)
        .env("DD_API_KEY", "bench")
        .env("DD_TEST_OPTIMIZATION_AGENTLESS_URL", url)
        .env_remove("DD_TEST_OPTIMIZATION_AGENT_URL")
        .env_remove("TOPT_REMOTE_CACHE")
        .output()
        .unwrap();
    let d = t.elapsed();
    assert!(
        o.status.success(),
        "upload: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["totals"]["uploaded"], want, "{s}");
    d
}

fn bgd() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TOPT_BGD") {
        return Some(PathBuf::from(p));
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    let p = cache.join("topt-tests/buildgrid-0.4.4/bin/bgd");
    p.exists().then_some(p)
}

fn topt_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().and_then(Path::parent).unwrap().join("topt");
    assert!(
        bin.exists(),
        "build the binary first: cargo build --release -p topt-cli ({} missing)",
        bin.display()
    );
    bin
}

/// `bgd server start` with tests/remote/buildgrid.yml.in (in-memory CAS) on a free port.
struct BuildGrid {
    child: Child,
    port: u16,
}

impl BuildGrid {
    fn start(bgd: &Path, dir: &Path) -> BuildGrid {
        let template =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/remote/buildgrid.yml.in");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = dir.join("buildgrid.yml");
        let text = std::fs::read_to_string(template).unwrap();
        // Room for the bench's blobs.
        let text = text
            .replace("@PORT@", &port.to_string())
            .replace("256MB", "2048MB");
        std::fs::write(&config, text).unwrap();
        let child = Command::new(bgd)
            .args(["server", "start"])
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "BuildGrid did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        BuildGrid { child, port }
    }

    fn authority(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn url_http(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sha256(data: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, data)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn write_blobs(url: &str, blobs: &[Vec<u8>]) {
    let mut client = ByteStreamClient::connect(url.to_string()).await.unwrap();
    for (i, b) in blobs.iter().enumerate() {
        let req = WriteRequest {
            resource_name: format!("uploads/bench-{i}/blobs/{}/{}", sha256(b), b.len()),
            write_offset: 0,
            finish_write: true,
            data: b.clone(),
        };
        let r = client.write(tokio_stream::iter(vec![req])).await.unwrap();
        assert_eq!(r.into_inner().committed_size, b.len() as i64);
    }
}

async fn read_blobs(url: &str, blobs: &[Vec<u8>]) -> Duration {
    let mut client = ByteStreamClient::connect(url.to_string())
        .await
        .unwrap()
        .max_decoding_message_size(64 << 20);
    let t = Instant::now();
    for b in blobs {
        let req = ReadRequest {
            resource_name: format!("blobs/{}/{}", sha256(b), b.len()),
            read_offset: 0,
            read_limit: 0,
        };
        let mut stream = client.read(req).await.unwrap().into_inner();
        let mut got = 0;
        while let Some(m) = stream.message().await.unwrap() {
            got += m.data.len();
        }
        assert_eq!(got, b.len());
    }
    t.elapsed()
}

fn zip_path(testlogs: &Path, i: usize) -> PathBuf {
    testlogs.join(format!("svc/t{i:04}/test.outputs/outputs.zip"))
}

fn label(i: usize) -> String {
    format!("//svc:t{i:04}")
}

/// A BEP naming each zip by its bytestream URI, or (`local`) by its file there.
fn write_bep(path: &Path, ob: &Path, authority: &str, blobs: &[Vec<u8>], local: Option<&Path>) {
    let mut out = String::new();
    let mut line = |v: serde_json::Value| {
        out.push_str(&v.to_string());
        out.push('\n');
    };
    line(json!({"id": {"started": {}}, "started": {"uuid": "bench", "command": "test"}}));
    line(json!({"id": {"optionsParsed": {}}, "optionsParsed": {
        "startupOptions": [format!("--output_base={}", ob.display())],
        "cmdLine": [format!("--remote_cache=grpc://{authority}")]}}));
    for (i, b) in blobs.iter().enumerate() {
        let uri = match local {
            Some(root) => format!("file://{}", zip_path(root, i).display()),
            None => format!("bytestream://{authority}/blobs/{}/{}", sha256(b), b.len()),
        };
        line(
            json!({"id": {"testResult": {"label": label(i), "run": 1, "shard": 1, "attempt": 1,
            "configuration": {"id": "c"}}}, "testResult": {"status": "PASSED",
            "executionInfo": {"strategy": "remote"},
            "testActionOutput": [{"name": "test.outputs__outputs.zip", "uri": uri}]}}),
        );
    }
    line(json!({"id": {"buildFinished": {}}, "lastMessage": true}));
    std::fs::write(path, out).unwrap();
}

fn outputs_zip(i: usize, per_zip: usize) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    let side = json!({"bazel.target": label(i), "bazel.package": "//svc",
        "bazel.test_optimization.repo_name": "test_optimization_data"});
    w.start_file("bazel_target_metadata.json", opts).unwrap();
    w.write_all(side.to_string().as_bytes()).unwrap();
    for j in 0..per_zip {
        w.start_file(format!("payloads/tests/tests-{j:04}.json"), opts)
            .unwrap();
        w.write_all(&test_payload(i, j)).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// About 8 KB: two tests and the suite/module/session ends.
fn test_payload(i: usize, j: usize) -> Vec<u8> {
    let base: u64 = 1_730_000_000_123_456_789 + (i * 1000 + j) as u64;
    let mut events = Vec::new();
    for k in 0..2u64 {
        events.push(json!({"type": "test", "version": 2, "content": {
            "trace_id": base + k, "span_id": base + 10 + k, "parent_id": 0,
            "test_session_id": 6_301_962_813_668_051_734u64, "test_module_id": 1_234_567_890_123_456_789u64,
            "test_suite_id": 8_765_432_109_876_543_210u64, "error": 0, "name": "pytest.test",
            "service": "checkout-api", "resource": format!("tests/test_{i}_{j}.py.case_{k}"),
            "start": base, "duration": 1_234_567, "type": "test",
            "meta": {"test.name": format!("case_{k}"), "test.suite": format!("tests/test_{i}_{j}.py"),
                     "test.framework": "pytest", "test.status": "pass", "description": "x".repeat(3000)},
            "metrics": {"test.source.start": 10, "test.source.end": 42}}}));
    }
    events.push(
        json!({"type": "test_session_end", "version": 1, "content": {
        "test_session_id": 6_301_962_813_668_051_734u64, "error": 0, "name": "pytest.test_session",
        "service": "checkout-api", "resource": "pytest", "start": base, "duration": 99_999_999,
        "type": "test_session_end", "meta": {"test.status": "pass"}, "metrics": {}}}),
    );
    serde_json::to_vec(
        &json!({"version": 1, "metadata": {"*": {"language": "python",
        "runtime-id": "4f0c1f5e-8d2b-4a57-9f0e-3c4d5e6f7a8b", "library_version": "3.9.0"}},
        "events": events}),
    )
    .unwrap()
}

fn context() -> serde_json::Value {
    json!({"env": "ci", "git.branch": "main", "git.commit.sha": "9f2c1e7a3b5d4c6e8f0a1b2c3d4e5f6a7b8c9d0e",
        "git.repository_url": "https://github.com/acme/checkout.git", "service.name": "checkout-api"})
}

fn start_intake(topt: &Path, dir: &Path) -> (Child, String) {
    let addr = dir.join("intake.addr");
    let child = Command::new(topt)
        .args(["intake", "--quiet", "--port", "0", "--addr-file"])
        .arg(&addr)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    while !addr.exists() {
        std::thread::sleep(Duration::from_millis(10));
    }
    (
        child,
        std::fs::read_to_string(&addr).unwrap().trim().to_string(),
    )
}

/// Reads each local zip, inflates its payloads and POSTs each as-is, `workers` connections.
fn raw_read_post(testlogs: &Path, zips: usize, url: &str, workers: usize) -> Duration {
    let agent = raw_post::agent(workers);
    let next = AtomicUsize::new(0);
    let t = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= zips {
                        break;
                    }
                    let f = std::fs::File::open(zip_path(testlogs, i)).unwrap();
                    let mut z = zip::ZipArchive::new(f).unwrap();
                    for k in 0..z.len() {
                        let mut e = z.by_index(k).unwrap();
                        if !e.name().starts_with("payloads/") {
                            continue;
                        }
                        let mut body = Vec::new();
                        e.read_to_end(&mut body).unwrap();
                        raw_post::post(&agent, url, &body);
                    }
                }
            });
        }
    });
    t.elapsed()
}
