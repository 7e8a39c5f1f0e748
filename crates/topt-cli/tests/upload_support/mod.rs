//! Shared helpers for the doctor/upload/intake/ci integration tests: a real `topt intake` child
//! process on 127.0.0.1, a fake `bazel-testlogs` tree, and realistic payloads.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const API_KEY: &str = "topt-test-api-key-7f3e9c2d1b";

pub fn topt() -> &'static str {
    env!("CARGO_BIN_EXE_topt")
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A running `topt intake` that records to a JSONL file; killed on drop.
pub struct Intake {
    child: Child,
    pub url: String,
    pub record: PathBuf,
    _dir: tempfile::TempDir,
}

impl Intake {
    pub fn start(extra: &[&str]) -> Intake {
        let dir = tempfile::tempdir().unwrap();
        let addr = dir.path().join("addr");
        let record = dir.path().join("record.jsonl");
        let child = Command::new(topt())
            .args(["intake", "--port", "0", "--quiet", "--addr-file"])
            .arg(&addr)
            .arg("--record")
            .arg(&record)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while !addr.exists() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "intake did not start"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        let url = std::fs::read_to_string(&addr).unwrap().trim().to_string();
        Intake {
            child,
            url,
            record,
            _dir: dir,
        }
    }

    pub fn records(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.record)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Records the intake answered 2xx to.
    pub fn accepted(&self) -> Vec<Value> {
        self.records()
            .into_iter()
            .filter(|r| {
                r["status"]
                    .as_u64()
                    .is_some_and(|s| (200..300).contains(&s))
            })
            .collect()
    }

    /// `marker` meta tag of accepted test payloads (each test file carries a unique one).
    pub fn accepted_markers(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .accepted()
            .iter()
            .filter(|r| r["kind"] == "citestcycle")
            .map(|r| {
                r["body"]["events"][0]["content"]["meta"]["marker"]
                    .as_str()
                    .unwrap_or("?")
                    .to_string()
            })
            .collect();
        out.sort();
        out
    }
}

impl Drop for Intake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fake `bazel-testlogs` tree.
pub struct Tree {
    pub dir: tempfile::TempDir,
}

impl Tree {
    pub fn new() -> Tree {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("bazel-testlogs")).unwrap();
        Tree { dir }
    }

    pub fn testlogs(&self) -> PathBuf {
        self.dir.path().join("bazel-testlogs")
    }

    /// `bazel-testlogs/<pkg>/<name>/test.outputs`, with a test.log next to it.
    pub fn target(&self, pkg: &str, name: &str) -> PathBuf {
        let t = self.testlogs().join(pkg).join(name);
        let out = t.join("test.outputs");
        for k in ["tests", "coverage", "telemetry"] {
            std::fs::create_dir_all(out.join("payloads").join(k)).unwrap();
        }
        std::fs::write(t.join("test.log"), "ok\n").unwrap();
        out
    }

    pub fn sidecar(&self, outputs: &Path, pkg: &str, name: &str, repo: &str, extra: Value) {
        let mut m = json!({
            "bazel.package": format!("//{pkg}"),
            "bazel.target": format!("//{pkg}:{name}"),
            "bazel.test_optimization.repo_name": repo,
            "bazel.test_optimization.runtime_name": "python",
            "bazel.test_optimization.service_name": "svc",
        });
        if let (Some(m), Some(e)) = (m.as_object_mut(), extra.as_object()) {
            m.extend(e.clone());
        }
        std::fs::write(outputs.join("bazel_target_metadata.json"), m.to_string()).unwrap();
    }

    pub fn context(&self, name: &str, tags: Value) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, tags.to_string()).unwrap();
        p
    }

    /// Every regular file under the tree (relative), sorted.
    pub fn files(&self) -> Vec<String> {
        let mut out = Vec::new();
        walk(self.testlogs().as_path(), &self.testlogs(), &mut out);
        out.sort();
        out
    }

    /// Payload file names left under any `payloads/<kind>/` (claims included).
    pub fn payload_files(&self) -> Vec<String> {
        self.files()
            .into_iter()
            .filter(|f| f.contains("/payloads/"))
            .collect()
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let ft = e.file_type().unwrap();
        if ft.is_dir() {
            walk(root, &e.path(), out);
        } else {
            out.push(
                e.path()
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            );
        }
    }
}

pub fn git_context() -> Value {
    json!({
        "bazel.arch": "x86_64", "bazel.os": "linux", "bazel.rule_name": "datadog-rules-test-optimization",
        "bazel.rule_version": "1.1.0", "ci.provider.name": "github", "env": "ci",
        "git.branch": "main", "git.commit.sha": "9f2c1e7a3b5d4c6e8f0a1b2c3d4e5f6a7b8c9d0e",
        "git.repository_url": "https://github.com/acme/checkout.git", "os.platform": "linux",
        "runtime.name": "CPython", "runtime.version": "3.11.4", "service.name": "checkout-api",
        "topt.api_key_fingerprint": "0badf00d"
    })
}

/// A realistic citestcycle body: session/module/suite ends plus `n_tests` tests, 64-bit ids,
/// ns timestamps; `marker` lands in every event's meta so the intake record can be traced back.
pub fn test_payload(marker: &str, n_tests: usize) -> Value {
    let base: u64 = 1_730_000_000_123_456_789;
    let mut events = vec![];
    for i in 0..n_tests {
        events.push(json!({"type": "test", "version": 2, "content": {
            "trace_id": 18_446_744_073_709_551_615u64 - i as u64, "span_id": 9_223_372_036_854_775_809u64 + i as u64,
            "parent_id": 0, "test_session_id": 6_301_962_813_668_051_734u64, "test_module_id": 1_234_567_890_123_456_789u64,
            "test_suite_id": 8_765_432_109_876_543_210u64, "error": 0, "name": "pytest.test",
            "service": "checkout-api", "resource": format!("tests/test_cart.py.test_case_{i}"),
            "start": base + i as u64 * 1_000_001, "duration": 1_234_567, "type": "test",
            "meta": {"marker": marker, "test.name": format!("test_case_{i}"), "test.suite": "tests/test_cart.py",
                     "test.framework": "pytest", "test.status": "pass", "env": "tracer-env",
                     "test.source.file": "tests/test_cart.py"},
            "metrics": {"test.source.start": 10 + i, "test.source.end": 20 + i}
        }}));
    }
    events.push(json!({"type": "test_suite_end", "version": 1, "content": {
        "test_session_id": 6_301_962_813_668_051_734u64, "test_module_id": 1_234_567_890_123_456_789u64,
        "test_suite_id": 8_765_432_109_876_543_210u64, "error": 0, "name": "pytest.test_suite",
        "service": "checkout-api", "resource": "tests/test_cart.py", "start": base, "duration": 99_999_999,
        "type": "test_suite_end", "meta": {"marker": marker, "test.status": "pass"}, "metrics": {}}}));
    events.push(json!({"type": "test_module_end", "version": 1, "content": {
        "test_session_id": 6_301_962_813_668_051_734u64, "test_module_id": 1_234_567_890_123_456_789u64,
        "error": 0, "name": "pytest.test_module", "service": "checkout-api", "resource": "checkout",
        "start": base, "duration": 99_999_999, "type": "test_module_end", "meta": {"marker": marker}, "metrics": {}}}));
    events.push(
        json!({"type": "test_session_end", "version": 1, "content": {
        "test_session_id": 6_301_962_813_668_051_734u64, "error": 0, "name": "pytest.test_session",
        "service": "checkout-api", "resource": "pytest", "start": base, "duration": 99_999_999,
        "type": "test_session_end", "meta": {"marker": marker}, "metrics": {}}}),
    );
    // The marker must be on events[0]: tests come first.
    json!({"version": 1, "metadata": {"*": {"language": "python", "runtime-id": "4f0c1f5e-8d2b-4a57-9f0e-3c4d5e6f7a8b",
        "library_version": "3.9.0", "language_version": "3.11.4", "runtime_name": "CPython"}},
        "events": events})
}

pub fn coverage_payload() -> Value {
    json!({"version": "1", "files": [{"filename": "tests/test_cart.py", "segments": [[1, 0, 1, 0, 3]]}]})
}

pub fn telemetry_payload(seq: u64) -> Value {
    json!({"api_version": "v2", "request_type": "app-started", "runtime_id": "4f0c1f5e-8d2b-4a57-9f0e-3c4d5e6f7a8b",
        "seq_id": seq, "tracer_time": 1_730_000_000u64, "host": {"hostname": "ci"},
        "application": {"service_name": "checkout-api", "language_name": "python", "tracer_version": "3.9.0", "env": "ci"},
        "payload": {"configuration": []}})
}

pub fn write_payload(outputs: &Path, kind: &str, name: &str, v: &Value) -> PathBuf {
    let p = outputs.join("payloads").join(kind).join(name);
    std::fs::write(&p, serde_json::to_vec(v).unwrap()).unwrap();
    p
}

/// `topt upload` against an intake, no waiting, millisecond backoffs, clean DD_* environment.
pub fn upload_cmd(tree: &Tree, intake_url: &str) -> Command {
    let mut c = Command::new(topt());
    c.arg("upload")
        .arg("--testlogs")
        .arg(tree.testlogs())
        .args(["--no-progress"]);
    for (k, _) in std::env::vars() {
        if k.starts_with("DD_")
            || k.starts_with("TOPT_")
            || k == "TESTLOGS_DIR"
            || k == "BUILD_WORKSPACE_DIRECTORY"
        {
            c.env_remove(k);
        }
    }
    c.env("DD_API_KEY", API_KEY)
        .env("DD_TEST_OPTIMIZATION_AGENTLESS_URL", intake_url)
        .env("DD_TEST_OPTIMIZATION_QUIESCENT_SEC", "0")
        .env("DD_TEST_OPTIMIZATION_MAX_WAIT_SEC", "30")
        .env("TOPT_UPLOAD_RETRY_BASE_MS", "5")
        .env("TOPT_UPLOAD_RETRY_MAX_MS", "50")
        .env("TOPT_UPLOAD_POLL_MS", "50");
    c
}

pub fn run(mut c: Command) -> Output {
    let out = c.output().unwrap();
    eprintln!(
        "--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A tree of `n` one-event test payloads spread over `targets` targets of package `pkg`, and the
/// sorted markers the intake must end up with.
#[allow(dead_code)]
pub fn tree_of(n: usize, targets: usize) -> (Tree, Vec<String>) {
    let tree = Tree::new();
    let mut markers = Vec::new();
    for t in 0..targets {
        let out = tree.target("pkg", &format!("t{t}"));
        for i in (t..n).step_by(targets) {
            let m = format!("m{i:04}");
            write_payload(
                &out,
                "tests",
                &format!("tests-{i:020}-1-1.json"),
                &test_payload(&m, 1),
            );
            markers.push(m);
        }
    }
    markers.sort();
    (tree, markers)
}

/// Runs `c` with a 1.5 GiB address-space limit and a wall-clock limit: a command that hangs is
/// killed (and `timed_out` is true); one that tries to read without bound aborts instead of
/// eating the machine's memory.
pub fn run_bounded(mut c: Command, limit: Duration) -> (Output, bool) {
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        c.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: 1536 << 20,
                rlim_max: 1536 << 20,
            };
            libc::setrlimit(libc::RLIMIT_AS, &lim);
            Ok(())
        });
    }
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let ro = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = so.read_to_end(&mut b);
        b
    });
    let re = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = se.read_to_end(&mut b);
        b
    });
    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > limit {
            timed_out = true;
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = Output {
        status,
        stdout: ro.join().unwrap(),
        stderr: re.join().unwrap(),
    };
    eprintln!(
        "--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, timed_out)
}

/// `topt doctor --json` over a tree with a clean DD_* environment.
pub fn doctor_cmd(tree: &Tree, args: &[&str]) -> Command {
    let mut c = Command::new(topt());
    c.arg("doctor")
        .arg("--testlogs")
        .arg(tree.testlogs())
        .arg("--workspace")
        .arg(tree.dir.path());
    for (k, _) in std::env::vars() {
        if k.starts_with("DD_") || k == "TESTLOGS_DIR" || k == "BUILD_WORKSPACE_DIRECTORY" {
            c.env_remove(k);
        }
    }
    c.args(args);
    c
}

/// Every finding of a doctor JSON report as `severity|target|file|message`.
pub fn doctor_findings(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let targets = v["targets"].as_array().cloned().unwrap_or_default();
    for g in std::iter::once(&v["global"]).chain(targets.iter()) {
        for f in g["findings"].as_array().into_iter().flatten() {
            out.push(format!(
                "{}|{}|{}|{}",
                f["severity"].as_str().unwrap_or("?"),
                g["target"].as_str().unwrap_or("?"),
                f["file"].as_str().unwrap_or("-"),
                f["message"].as_str().unwrap_or("?")
            ));
        }
    }
    out
}

/// A zip written byte by byte, so tests can build what no zip library writes: sizes that lie,
/// two entries with one name, raw deflate streams.
#[derive(Default)]
pub struct RawZip {
    local: Vec<u8>,
    central: Vec<u8>,
    count: u16,
}

pub struct RawEntry<'a> {
    pub name: &'a [u8],
    /// 0 stored, 8 deflated.
    pub method: u16,
    pub data: &'a [u8],
    pub crc: u32,
    /// Uncompressed size written in both headers (may lie).
    pub declared_size: u32,
}

impl RawZip {
    /// Adds an honest stored (uncompressed) entry.
    pub fn stored(&mut self, name: &[u8], data: &[u8]) -> &mut Self {
        self.add(&RawEntry {
            name,
            method: 0,
            data,
            crc: crc32(data),
            declared_size: data.len() as u32,
        })
    }

    pub fn add(&mut self, e: &RawEntry) -> &mut Self {
        let offset = self.local.len() as u32;
        let csize = e.data.len() as u32;
        let common = |v: &mut Vec<u8>| {
            v.extend(e.method.to_le_bytes());
            v.extend([0, 0, 0x21, 0]); // time, date
            v.extend(e.crc.to_le_bytes());
            v.extend(csize.to_le_bytes());
            v.extend(e.declared_size.to_le_bytes());
            v.extend((e.name.len() as u16).to_le_bytes());
            v.extend([0, 0]); // extra length
        };
        self.local.extend([0x50, 0x4b, 3, 4, 20, 0, 0, 0]);
        common(&mut self.local);
        self.local.extend(e.name);
        self.local.extend(e.data);
        self.central.extend([0x50, 0x4b, 1, 2, 20, 3, 20, 0, 0, 0]);
        common(&mut self.central);
        self.central.extend([0, 0, 0, 0, 0, 0, 0, 0, 0xa4, 0x81]); // comment, disk, attrs
        self.central.extend(offset.to_le_bytes());
        self.central.extend(e.name);
        self.count += 1;
        self
    }

    pub fn bytes(&self) -> Vec<u8> {
        let mut out = self.local.clone();
        let cd_start = out.len() as u32;
        out.extend(&self.central);
        out.extend([0x50, 0x4b, 5, 6, 0, 0, 0, 0]);
        out.extend(self.count.to_le_bytes());
        out.extend(self.count.to_le_bytes());
        out.extend((self.central.len() as u32).to_le_bytes());
        out.extend(cd_start.to_le_bytes());
        out.extend([0, 0]);
        out
    }
}

/// CRC-32 (IEEE) of `data`, for RawZip entries that tell the truth.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A raw deflate stream (fixed Huffman) that inflates to `1 + 258 * n` zero bytes: one literal 0,
/// then `n` copies of length 258 at distance 1. 13 bits per 258 bytes, so 2 GiB fit in ~13 MB.
pub fn deflate_zeros(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n * 13 / 8 + 8);
    let (mut acc, mut bits) = (0u64, 0u32);
    let mut put = |value: u64, len: u32, out: &mut Vec<u8>| {
        acc |= value << bits;
        bits += len;
        while bits >= 8 {
            out.push(acc as u8);
            acc >>= 8;
            bits -= 8;
        }
    };
    // Huffman codes go most significant bit first: reverse them into the LSB-first stream.
    let code = |c: u64, len: u32| c.reverse_bits() >> (64 - len);
    put(0b1, 1, &mut out); // BFINAL
    put(0b01, 2, &mut out); // BTYPE = fixed Huffman
    put(code(0x30, 8), 8, &mut out); // literal 0
    for _ in 0..n {
        put(code(0xc5, 8), 8, &mut out); // length symbol 285 = 258
        put(0, 5, &mut out); // distance symbol 0 = 1
    }
    put(0, 7, &mut out); // end of block (256)
    put(0, 7, &mut out); // flush
    out
}

/// Runs two commands at the same time (two uploaders on one tree) and returns both outputs.
pub fn two_at_once(mut a: Command, mut b: Command) -> (Output, Output) {
    let spawn = |c: &mut Command| {
        c.stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (ca, cb) = (spawn(&mut a), spawn(&mut b));
    let (oa, ob) = (
        ca.wait_with_output().unwrap(),
        cb.wait_with_output().unwrap(),
    );
    for o in [&oa, &ob] {
        eprintln!("--- stderr\n{}", String::from_utf8_lossy(&o.stderr));
    }
    (oa, ob)
}
