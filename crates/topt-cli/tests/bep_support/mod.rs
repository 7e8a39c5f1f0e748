//! Shared by the `--bep` tests: BEP files as Bazel writes them, `outputs.zip` blobs, and a CAS
//! on 127.0.0.1 (the ByteStream server of the unit tests, `src/remote/tests/fake.rs`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value, json};

#[path = "../../src/remote/tests/fake.rs"]
pub mod fake;

use fake::{FakeServer, Reply};

pub const CONFIG: &str = "d8d1ca7c832e57d58180ef5f9da6598b6cdf8f1c214b32fe1eff6ab59d4435ce";

/// The invocation id every BEP file here has (`started.uuid`).
pub const INVOCATION: &str = "bbd7cbf9-dc25-4dfa-a1da-6c1a37fb42f6";

/// Lower-case hex SHA-256.
pub fn sha256(data: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, data);
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// An `outputs.zip` as Bazel 4 writes it: the sidecar at the root, payloads below.
pub fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// The sidecar the wrapper copies to the outputs root.
pub fn sidecar(label: &str) -> Vec<u8> {
    let (pkg, name) = label
        .trim_start_matches("//")
        .split_once(':')
        .unwrap_or(("", ""));
    serde_json::to_vec(
        &json!({"bazel.target": label, "bazel.package": pkg, "bazel.name": name,
        "bazel.test_optimization.repo_name": "test_optimization_data"}),
    )
    .unwrap()
}

/// A zip holding the sidecar of `label` and one test payload per marker.
pub fn outputs_zip(label: &str, payloads: &[Value]) -> Vec<u8> {
    let mut entries = vec![("bazel_target_metadata.json", sidecar(label))];
    let names: Vec<String> = (0..payloads.len())
        .map(|i| format!("payloads/tests/tests-{i}.json"))
        .collect();
    for (n, p) in names.iter().zip(payloads) {
        entries.push((n.as_str(), serde_json::to_vec(p).unwrap()));
    }
    zip_of(&entries)
}

/// A CAS on 127.0.0.1 holding `blobs` under the hash given (so a test can store lies).
pub fn cas(blobs: BTreeMap<String, Vec<u8>>) -> FakeServer {
    FakeServer::start(vec![Reply::Cas(Arc::new(blobs))])
}

/// A CAS holding each blob under its own hash.
pub fn cas_of(blobs: &[&[u8]]) -> FakeServer {
    cas(blobs.iter().map(|b| (sha256(b), b.to_vec())).collect())
}

/// Where an attempt's outputs.zip is, as the BEP says.
#[derive(Debug, Clone)]
pub enum Zip {
    /// `bytestream://AUTHORITY/blobs/<sha256 of data>/<len>` (`hash`/`size` given for lies).
    Remote {
        hash: String,
        size: u64,
    },
    File(PathBuf),
    None,
}

impl Zip {
    pub fn of(data: &[u8]) -> Zip {
        Zip::Remote {
            hash: sha256(data),
            size: data.len() as u64,
        }
    }
}

/// One `testResult`.
#[derive(Debug, Clone)]
pub struct Result {
    pub label: String,
    pub shard: u32,
    pub run: u32,
    pub attempt: u32,
    pub cached_locally: bool,
    pub cached_remotely: bool,
    pub zip: Zip,
}

impl Result {
    pub fn new(label: &str, zip: Zip) -> Result {
        Result {
            label: label.into(),
            shard: 1,
            run: 1,
            attempt: 1,
            cached_locally: false,
            cached_remotely: false,
            zip,
        }
    }
}

/// A BEP file: where the invocation ran (`output_base`, exec root, the remote cache Bazel
/// used), its results and summaries, and `lastMessage`.
pub struct Bep {
    pub output_base: PathBuf,
    /// `grpc://127.0.0.1:PORT`, what Bazel's `--remote_cache` was (its URIs' authority).
    pub remote: String,
    pub results: Vec<Result>,
}

impl Bep {
    pub fn exec_root(&self) -> PathBuf {
        self.output_base.join("execroot/__main__")
    }

    /// Where Bazel keeps an (unsharded, single-attempt) target's outputs.zip locally.
    pub fn local_zip(&self, label: &str) -> PathBuf {
        let (pkg, name) = label.trim_start_matches("//").split_once(':').unwrap();
        self.exec_root()
            .join("bazel-out/k8-fastbuild/testlogs")
            .join(pkg)
            .join(name)
            .join("test.outputs/outputs.zip")
    }

    pub fn text(&self) -> String {
        let authority = self
            .remote
            .trim_start_matches("grpc://")
            .trim_start_matches("grpcs://");
        let mut lines = vec![
            json!({"id": {"started": {}}, "started": {"command": "test", "uuid": INVOCATION,
                "workspaceDirectory": "/ws", "startTimeMillis": "1796122759432"}}),
            json!({"id": {"optionsParsed": {}}, "optionsParsed": {
                "startupOptions": ["--batch", format!("--output_base={}", self.output_base.display())],
                "cmdLine": [format!("--remote_cache={}", self.remote), "--remote_download_minimal"]}}),
            json!({"id": {"workspace": {}}, "workspaceInfo": {"localExecRoot": self.exec_root()}}),
            json!({"id": {"configuration": {"id": CONFIG}}, "configuration": {"mnemonic": "k8-fastbuild"}}),
        ];
        let mut shards: BTreeMap<&str, u32> = BTreeMap::new();
        for r in &self.results {
            let e = shards.entry(&r.label).or_default();
            *e = (*e).max(r.shard);
            let mut outputs = vec![json!({"name": "test.log", "uri": format!(
                "bytestream://{authority}/blobs/{}/3", sha256(b"log"))})];
            match &r.zip {
                Zip::Remote { hash, size } => outputs
                    .push(json!({"name": "test.outputs__outputs.zip",
                    "uri": format!("bytestream://{authority}/blobs/{hash}/{size}")})),
                Zip::File(p) => outputs.push(json!({"name": "test.outputs__outputs.zip",
                    "uri": format!("file://{}", p.display())})),
                Zip::None => {}
            }
            let mut info = json!({"strategy": "linux-sandbox"});
            if r.cached_remotely {
                info = json!({"strategy": "remote cache hit", "cachedRemotely": true});
            }
            let mut result = json!({"testActionOutput": outputs, "status": "PASSED",
                "executionInfo": info});
            if r.cached_locally {
                result["cachedLocally"] = json!(true);
                result["executionInfo"] = json!({});
            }
            lines.push(json!({"id": {"testResult": {"label": r.label, "run": r.run,
                "shard": r.shard, "attempt": r.attempt, "configuration": {"id": CONFIG}}},
                "testResult": result}));
        }
        for (label, shard_count) in shards {
            let mut s = json!({"overallStatus": "PASSED", "runCount": 1});
            if shard_count > 1 {
                s["shardCount"] = json!(shard_count);
            }
            lines.push(json!({"id": {"testSummary": {"label": label,
                "configuration": {"id": CONFIG}}}, "testSummary": s}));
        }
        lines.push(json!({"id": {"buildFinished": {}}, "lastMessage": true,
            "finished": {"exitCode": {"name": "SUCCESS"}}}));
        lines
            .iter()
            .map(|l| format!("{l}\n"))
            .collect::<Vec<_>>()
            .concat()
    }

    pub fn write(&self, path: &Path) {
        std::fs::write(path, self.text()).unwrap();
    }
}
