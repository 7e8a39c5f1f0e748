//! The benchmark's `bazel-testlogs`: targets of 100 payload files each (70 test payloads, 25
//! coverage, 5 telemetry), with the sidecar and `test.log` Bazel and the wrapper leave.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// Files per target, as in a mid-sized Bazel test target with coverage on.
pub const PER_TARGET: usize = 100;

/// What one generated tree holds.
#[derive(Debug, Clone, Copy)]
pub struct Tree {
    pub files: usize,
    pub bytes: u64,
    pub targets: usize,
}

/// `tests_events`: test events per test payload (2 is a typical flush; 300 makes ~1 MB files).
pub fn generate(testlogs: &Path, n: usize, test_events: usize) -> Tree {
    let mut bytes = 0;
    for i in 0..n {
        let (t, j) = (i / PER_TARGET, i % PER_TARGET);
        let target = testlogs.join(format!("services/svc{t:04}/unit_test"));
        let out = target.join("test.outputs");
        if j == 0 {
            for k in ["tests", "coverage", "telemetry"] {
                std::fs::create_dir_all(out.join("payloads").join(k)).unwrap();
            }
            std::fs::write(target.join("test.log"), "ok\n").unwrap();
            let side = json!({"bazel.package": format!("//services/svc{t:04}"),
                "bazel.target": format!("//services/svc{t:04}:unit_test"),
                "bazel.test_optimization.repo_name": "test_optimization_data",
                "bazel.test_optimization.runtime_name": "python",
                "bazel.test_optimization.service_name": "svc"});
            std::fs::write(out.join("bazel_target_metadata.json"), side.to_string()).unwrap();
        }
        let (kind, body) = match j {
            0..70 => ("tests", test_payload(i, test_events)),
            70..95 => ("coverage", coverage(i)),
            _ => ("telemetry", telemetry(i)),
        };
        let p = out
            .join("payloads")
            .join(kind)
            .join(format!("{kind}-{i:020}-4242-1730000000000000000.json"));
        bytes += body.len() as u64;
        std::fs::write(&p, body).unwrap();
    }
    Tree {
        files: n,
        bytes,
        targets: n.div_ceil(PER_TARGET),
    }
}

/// The payload files below `testlogs` (as the raw baselines find them: a plain walk).
pub fn payload_files(testlogs: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(testlogs, &mut out);
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "json")
            && p.parent()
                .and_then(Path::parent)
                .is_some_and(|d| d.ends_with("payloads"))
        {
            out.push(p);
        }
    }
}

fn test_payload(i: usize, test_events: usize) -> Vec<u8> {
    let base: u64 = 1_730_000_000_123_456_789 + i as u64;
    let mut events = Vec::new();
    for k in 0..test_events as u64 {
        events.push(json!({"type": "test", "version": 2, "content": {
            "trace_id": 18_000_000_000_000_000_000u64 + i as u64 * 1000 + k, "span_id": 9_223_372_036_854_775_809u64 + k,
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

/// The sync's `context.json` the test payloads are enriched with.
pub fn context() -> Value {
    json!({"env": "ci", "git.branch": "main", "git.commit.sha": "9f2c1e7a3b5d4c6e8f0a1b2c3d4e5f6a7b8c9d0e",
        "git.repository_url": "https://github.com/acme/checkout.git", "os.platform": "linux", "runtime.name": "CPython",
        "runtime.version": "3.11.4", "service.name": "checkout-api", "ci.provider.name": "github"})
}
