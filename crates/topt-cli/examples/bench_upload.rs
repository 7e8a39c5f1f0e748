//! Uploader and doctor throughput on 10,000 realistic payload files against a local intake,
//! printed next to the machine's raw limit measured in the same run (read the same bytes, POST
//! them over loopback with no processing).
//!
//! Run: `cargo build --release -p topt-cli && cargo run --release -p topt-cli --example bench_upload`
//! (`TOPT_BENCH_FILES=2000` for a shorter run, `TOPT_BENCH_WORKERS=8`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

fn main() {
    let n: usize = std::env::var("TOPT_BENCH_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let workers: usize = std::env::var("TOPT_BENCH_WORKERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let topt = topt_binary();
    let dir = tempfile::tempdir().unwrap();
    let testlogs = dir.path().join("bazel-testlogs");
    let t0 = Instant::now();
    let (files, bytes) = generate(&testlogs, n);
    println!(
        "generated {} files, {:.1} MB in {:.1} s ({} targets)",
        files.len(),
        bytes as f64 / 1e6,
        t0.elapsed().as_secs_f64(),
        n / 100
    );
    let ctx = dir.path().join("context.json");
    std::fs::write(&ctx, context().to_string()).unwrap();

    // Doctor over the whole tree.
    let t = Instant::now();
    let o = Command::new(&topt)
        .args(["doctor", "--testlogs"])
        .arg(&testlogs)
        .arg("--context")
        .arg(&ctx)
        .output()
        .unwrap();
    let doctor = t.elapsed();
    assert!(
        o.status.success(),
        "doctor failed: {}",
        String::from_utf8_lossy(&o.stdout)
    );

    // Raw limit: same bytes, same concurrency, loopback, no processing on either side.
    let sink = start_sink();
    let raw = raw_post(&files, &format!("http://{sink}/sink"), workers);
    // The same raw client against `topt intake` (what the intake itself costs).
    let (mut intake, url) = start_intake(&topt);
    let raw_intake = raw_post(&files, &format!("{url}/api/v2/citestcycle"), workers);

    // The real thing: discovery, claims, enrichment, multipart, retries machinery, deletion.
    let t = Instant::now();
    let o = Command::new(&topt)
        .args([
            "upload",
            "--no-progress",
            "--quiescent-sec",
            "0",
            "--workers",
            &workers.to_string(),
            "--testlogs",
        ])
        .arg(&testlogs)
        .arg("--context")
        .arg(&ctx)
        .env("DD_API_KEY", "bench")
        .env("DD_TEST_OPTIMIZATION_AGENTLESS_URL", &url)
        .env_remove("DD_TEST_OPTIMIZATION_AGENT_URL")
        .output()
        .unwrap();
    let upload = t.elapsed();
    assert!(
        o.status.success(),
        "upload failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let left = count_files(&testlogs.join(""), "payloads");
    let _ = intake.kill();
    let _ = intake.wait();

    let mb = bytes as f64 / 1e6;
    let rate = |d: Duration| (files.len() as f64 / d.as_secs_f64(), mb / d.as_secs_f64());
    let (uf, um) = rate(upload);
    let (rf, rm) = rate(raw);
    let (rif, rim) = rate(raw_intake);
    println!();
    println!(
        "machine: {} cores; {} workers; {} files, {:.1} MB",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        workers,
        files.len(),
        mb
    );
    println!(
        "topt upload -> topt intake   {:>8.2} s  {:>8.0} files/s  {:>7.1} MB/s   (payload files left: {left})",
        upload.as_secs_f64(),
        uf,
        um
    );
    println!(
        "raw read+POST -> bare sink   {:>8.2} s  {:>8.0} files/s  {:>7.1} MB/s   (machine limit)",
        raw.as_secs_f64(),
        rf,
        rm
    );
    println!(
        "raw read+POST -> topt intake {:>8.2} s  {:>8.0} files/s  {:>7.1} MB/s   (limit with this intake)",
        raw_intake.as_secs_f64(),
        rif,
        rim
    );
    println!(
        "topt doctor (same tree)      {:>8.2} s  {:>8.0} files/s",
        doctor.as_secs_f64(),
        files.len() as f64 / doctor.as_secs_f64()
    );
    println!(
        "upload / raw-to-intake: {:.0} %",
        100.0 * raw_intake.as_secs_f64() / upload.as_secs_f64()
    );
}

fn topt_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = dir.join(if cfg!(windows) { "topt.exe" } else { "topt" });
    assert!(
        bin.exists(),
        "build the binary first: cargo build --release -p topt-cli ({} missing)",
        bin.display()
    );
    bin
}

/// 100 files per target: 70 test payloads (6 events, ~17 KB like the reference's snapshot),
/// 25 coverage files, 5 telemetry files.
fn generate(testlogs: &Path, n: usize) -> (Vec<PathBuf>, u64) {
    let mut files = Vec::with_capacity(n);
    let mut bytes = 0;
    for i in 0..n {
        let (t, j) = (i / 100, i % 100);
        let out = testlogs.join(format!("services/svc{t:03}/unit_test/test.outputs"));
        if j == 0 {
            for k in ["tests", "coverage", "telemetry"] {
                std::fs::create_dir_all(out.join("payloads").join(k)).unwrap();
            }
            std::fs::write(
                out.join("test.xml")
                    .parent()
                    .unwrap()
                    .parent()
                    .unwrap()
                    .join("test.log"),
                "ok\n",
            )
            .unwrap();
            let side = json!({"bazel.package": format!("//services/svc{t:03}"), "bazel.target": format!("//services/svc{t:03}:unit_test"),
                "bazel.test_optimization.repo_name": "test_optimization_data", "bazel.test_optimization.runtime_name": "python",
                "bazel.test_optimization.service_name": "svc"});
            std::fs::write(out.join("bazel_target_metadata.json"), side.to_string()).unwrap();
        }
        let (kind, body) = match j {
            0..70 => ("tests", test_payload(i)),
            70..95 => ("coverage", coverage(i)),
            _ => ("telemetry", telemetry(i)),
        };
        let p = out
            .join("payloads")
            .join(kind)
            .join(format!("{kind}-{i:020}-4242-1730000000000000000.json"));
        bytes += body.len() as u64;
        std::fs::write(&p, body).unwrap();
        files.push(p);
    }
    (files, bytes)
}

fn test_payload(i: usize) -> Vec<u8> {
    let base: u64 = 1_730_000_000_123_456_789 + i as u64;
    let mut events = Vec::new();
    for k in 0..2u64 {
        events.push(json!({"type": "test", "version": 2, "content": {
            "trace_id": 18_000_000_000_000_000_000u64 + i as u64 * 10 + k, "span_id": 9_223_372_036_854_775_809u64 + k,
            "parent_id": 0, "test_session_id": 6_301_962_813_668_051_734u64, "test_module_id": 1_234_567_890_123_456_789u64,
            "test_suite_id": 8_765_432_109_876_543_210u64, "error": 0, "name": "pytest.test", "service": "checkout-api",
            "resource": format!("tests/test_mod_{i}.py.test_case_{k}"), "start": base, "duration": 1_234_567, "type": "test",
            "meta": {"test.name": format!("test_case_{k}"), "test.suite": format!("tests/test_mod_{i}.py"), "test.framework": "pytest",
                     "test.framework_version": "8.3.3", "test.status": "pass", "test.type": "test", "span.kind": "test",
                     "test.source.file": format!("tests/test_mod_{i}.py"), "test.command": "pytest --ddtrace",
                     "test.codeowners": "[\"@acme/checkout\"]", "component": "pytest", "language": "python",
                     "_dd.p.dm": "-0", "test.parameters": "{\"arguments\":{\"x\":\"1\"},\"metadata\":{}}",
                     "description": "x".repeat(2500)},
            "metrics": {"test.source.start": 10, "test.source.end": 42, "_dd.top_level": 1, "_sampling_priority_v1": 1}}}));
    }
    for (ty, name) in [
        ("test_suite_end", "pytest.test_suite"),
        ("test_module_end", "pytest.test_module"),
        ("test_session_end", "pytest.test_session"),
    ] {
        let mut content = json!({"test_session_id": 6_301_962_813_668_051_734u64, "error": 0, "name": name, "service": "checkout-api",
            "resource": "r", "start": base, "duration": 99_999_999, "type": ty,
            "meta": {"test.status": "pass", "test.command": "pytest --ddtrace", "description": "y".repeat(1500)}, "metrics": {}});
        if ty != "test_session_end" {
            content["test_module_id"] = json!(1_234_567_890_123_456_789u64);
        }
        if ty == "test_suite_end" {
            content["test_suite_id"] = json!(8_765_432_109_876_543_210u64);
        }
        events.push(json!({"type": ty, "version": 1, "content": content}));
    }
    let p = json!({"version": 1, "metadata": {"*": {"language": "python", "runtime-id": "4f0c1f5e-8d2b-4a57-9f0e-3c4d5e6f7a8b",
        "library_version": "3.9.0", "language_version": "3.11.4"}}, "events": events});
    serde_json::to_vec(&p).unwrap()
}

fn coverage(i: usize) -> Vec<u8> {
    let files: Vec<_> = (0..8).map(|f| json!({"filename": format!("src/mod_{i}/file_{f}.py"), "segments": [[1, 0, 30, 0, 4], [40, 0, 55, 0, 1]]})).collect();
    serde_json::to_vec(&json!({"version": "1", "files": files})).unwrap()
}

fn telemetry(i: usize) -> Vec<u8> {
    serde_json::to_vec(&json!({"api_version": "v2", "request_type": "generate-metrics", "runtime_id": "4f0c1f5e-8d2b-4a57-9f0e-3c4d5e6f7a8b",
        "seq_id": i, "tracer_time": 1_730_000_000u64, "application": {"service_name": "checkout-api", "language_name": "python", "tracer_version": "3.9.0"},
        "host": {"hostname": "ci"}, "payload": {"namespace": "civisibility", "series": [{"metric": "event_created", "points": [[1_730_000_000u64, 1]], "tags": ["provider:bazel"]}]}}))
    .unwrap()
}

fn context() -> serde_json::Value {
    json!({"env": "ci", "git.branch": "main", "git.commit.sha": "9f2c1e7a3b5d4c6e8f0a1b2c3d4e5f6a7b8c9d0e",
        "git.repository_url": "https://github.com/acme/checkout.git", "os.platform": "linux", "runtime.name": "CPython",
        "runtime.version": "3.11.4", "service.name": "checkout-api", "ci.provider.name": "github"})
}

fn count_files(dir: &Path, marker: &str) -> usize {
    let mut n = 0;
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            n += count_files(&p, marker);
        } else if p.to_string_lossy().contains(marker) {
            n += 1;
        }
    }
    n
}

/// A bare HTTP sink: reads each request (Content-Length body) and answers 200, nothing else.
fn start_sink() -> std::net::SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            std::thread::spawn(move || {
                let _ = s.set_nodelay(true);
                let mut w = s.try_clone().unwrap();
                let mut r = BufReader::new(s);
                loop {
                    let mut len = 0usize;
                    let mut line = String::new();
                    let mut first = true;
                    loop {
                        line.clear();
                        if r.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" && !first {
                            break;
                        }
                        first = false;
                        let lower = line.to_ascii_lowercase();
                        if let Some(v) = lower.strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; len];
                    if r.read_exact(&mut body).is_err() {
                        return;
                    }
                    if w.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    addr
}

fn start_intake(topt: &Path) -> (std::process::Child, String) {
    let dir = std::env::temp_dir().join(format!("topt-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let addr = dir.join("addr");
    let _ = std::fs::remove_file(&addr);
    let child = Command::new(topt)
        .args(["intake", "--quiet", "--addr-file"])
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

/// Reads each file and POSTs it as-is, `workers` kept-alive connections.
fn raw_post(files: &[PathBuf], url: &str, workers: usize) -> Duration {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_idle_connections_per_host(workers * 2)
        .build()
        .into();
    let next = AtomicUsize::new(0);
    let t = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                while let Some(p) = files.get(next.fetch_add(1, Ordering::SeqCst)) {
                    let body = std::fs::read(p).unwrap();
                    let mut resp = agent
                        .post(url)
                        .header("DD-API-KEY", "bench")
                        .header("Content-Type", "application/json")
                        .header("Datadog-Meta-Lang", "python")
                        .header("Datadog-Meta-Tracer-Version", "3.9.0")
                        .send(&body[..])
                        .unwrap();
                    let _ = resp.body_mut().read_to_string();
                }
            });
        }
    });
    t.elapsed()
}
