//! `topt upload --bep` and `topt doctor --bep`: the attempts of a BEP file, outputs read in place
//! or fetched from a CAS on 127.0.0.1 (real gRPC), uploaded into a real `topt intake`; the upload
//! ledger across re-runs and a kill -9; each fault an error of its own test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bep_support;
mod upload_support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use bep_support::{Bep, INVOCATION, Result as R, Zip, cas, cas_of, outputs_zip, sha256};
use serde_json::Value;
use upload_support::*;

/// A scene: a temp dir holding an output base (for the default ledger) and the BEP file.
struct Scene {
    dir: tempfile::TempDir,
}

impl Scene {
    fn new() -> Scene {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("ob/execroot/__main__")).unwrap();
        Scene { dir }
    }

    fn output_base(&self) -> PathBuf {
        self.dir.path().join("ob")
    }

    fn bep_path(&self) -> PathBuf {
        self.dir.path().join("bep.json")
    }

    fn ledger(&self) -> PathBuf {
        self.output_base().join("topt-uploaded.ledger")
    }

    fn bep(&self, remote: &str, results: Vec<R>) -> Bep {
        let b = Bep {
            output_base: self.output_base(),
            remote: remote.to_string(),
            results,
        };
        b.write(&self.bep_path());
        b
    }

    fn ledger_lines(&self) -> usize {
        std::fs::read_to_string(self.ledger())
            .map(|t| t.lines().count())
            .unwrap_or(0)
    }

    fn context(&self) -> PathBuf {
        let p = self.dir.path().join("context.json");
        std::fs::write(&p, git_context().to_string()).unwrap();
        p
    }
}

/// `topt upload --bep` with the clean environment of `upload_cmd` (no --testlogs).
fn upload_bep(scene: &Scene, intake: &Intake, extra: &[&str]) -> Command {
    let tree = Tree::new();
    let base = upload_cmd(&tree, &intake.url);
    let mut c = Command::new(topt());
    for (k, v) in base.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    // Fetched outputs are staged under TMPDIR: in the scene, so a killed run leaves nothing behind.
    c.env("TMPDIR", scene.dir.path())
        .args(["upload", "--no-progress", "--json", "--remote-retries", "1"])
        .arg("--bep")
        .arg(scene.bep_path())
        .arg("--context")
        .arg(scene.context())
        .args(extra);
    c
}

fn doctor_bep(scene: &Scene, extra: &[&str]) -> Output {
    let mut c = Command::new(topt());
    c.env_remove("TESTLOGS_DIR")
        .env_remove("TOPT_REMOTE_CACHE")
        .env("TMPDIR", scene.dir.path())
        .args([
            "doctor",
            "--json",
            "--no-bazelrc-check",
            "--remote-retries",
            "1",
        ])
        .arg("--bep")
        .arg(scene.bep_path())
        .arg("--context")
        .arg(scene.context())
        .args(extra);
    run(c)
}

fn summary(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .map_err(|e| format!("{e}: {}", text(o)))
        .unwrap()
}

fn markers(intake: &Intake) -> Vec<String> {
    let mut m = intake.accepted_markers();
    m.sort();
    m
}

fn payloads(prefix: &str, n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| test_payload(&format!("{prefix}{i}"), 1))
        .collect()
}

#[test]
fn outputs_from_the_cache_are_uploaded_once_and_cached_attempts_are_reported() {
    let scene = Scene::new();
    let a = outputs_zip("//pkg:a", &payloads("a", 2));
    // Two shards writing byte-identical payloads: two payloads all the same.
    let shard = outputs_zip("//pkg:s", &[test_payload("same", 1)]);
    let server = cas_of(&[&a, &shard]);
    let mut s2 = R::new("//pkg:s", Zip::of(&shard));
    s2.shard = 2;
    let mut remote_hit = R::new("//pkg:hit", Zip::None);
    remote_hit.cached_remotely = true;
    let mut local_hit = R::new("//pkg:old", Zip::of(b"never read"));
    local_hit.cached_locally = true;
    scene.bep(
        &server.url(),
        vec![
            R::new("//pkg:a", Zip::of(&a)),
            R::new("//pkg:s", Zip::of(&shard)),
            s2,
            remote_hit,
            local_hit,
        ],
    );
    let intake = Intake::start(&[]);
    let o = run(upload_bep(&scene, &intake, &[]));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(markers(&intake), ["a0", "a1", "same", "same"]);
    let s = summary(&o);
    assert_eq!(s["totals"]["uploaded"], 4, "{s}");
    let cached: Vec<&str> = s["cached"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    assert_eq!(cached, ["//pkg:hit", "//pkg:old"]);
    let t = text(&o);
    assert!(
        t.contains("//pkg:hit: cached (remotely, says the BEP): its payloads were sent by the run that executed it"),
        "{t}"
    );
    // Read without --remote-cache: the scheme of the BEP's own --remote_cache, plaintext.
    let resources: Vec<String> = server.seen().into_iter().map(|s| s.resource_name).collect();
    assert_eq!(resources.len(), 3, "{resources:?}");
    assert!(!resources.iter().any(|r| r.contains(&sha256(b"never read"))));
    // The ledger of the output base has one record per payload.
    assert_eq!(scene.ledger_lines(), 4);

    // Again: nothing is sent twice.
    let o = run(upload_bep(&scene, &intake, &[]));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(markers(&intake).len(), 4);
    let s = summary(&o);
    assert_eq!(s["totals"]["already_uploaded"], 4, "{s}");
    assert_eq!(s["totals"].get("uploaded"), None, "{s}");
    assert_eq!(scene.ledger_lines(), 4);

    // Another ledger is another history: everything goes again.
    let other = scene.dir.path().join("other.ledger");
    let o = run(upload_bep(
        &scene,
        &intake,
        &["--ledger", other.to_str().unwrap()],
    ));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(markers(&intake).len(), 8);

    // The doctor agrees: 3 attempts checked, 2 cached; no error.
    let d = doctor_bep(&scene, &[]);
    assert_eq!(d.status.code(), Some(0), "{}", text(&d));
    let r = summary(&d);
    assert_eq!(
        (r["validated_dirs"].as_u64(), r["cached_dirs"].as_u64()),
        (Some(3), Some(2)),
        "{r}"
    );
    // Groups of fetched outputs name their URI.
    assert!(r.to_string().contains("bytestream://"), "{r}");
    // Expected targets: executed or cached, both fine; one the invocation never tested is not.
    let expect = |labels: &[&str]| {
        let args: Vec<&str> = labels
            .iter()
            .flat_map(|l| ["--expected-target", l])
            .collect();
        doctor_bep(&scene, &args)
    };
    assert_eq!(expect(&["//pkg:a", "//pkg:hit"]).status.code(), Some(0));
    let d = expect(&["//pkg:a", "//pkg:nope"]);
    assert_eq!(d.status.code(), Some(1), "{}", text(&d));
    assert!(
        text(&d).contains("expected target //pkg:nope is not among the test results"),
        "{}",
        text(&d)
    );
}

#[test]
fn every_fault_is_an_error_of_its_test_and_nothing_of_it_is_recorded() {
    let scene = Scene::new();
    let good = outputs_zip("//pkg:good", &payloads("good", 1));
    let lied = outputs_zip("//pkg:lied", &payloads("lied", 1));
    let short = outputs_zip("//pkg:short", &payloads("short", 1));
    let gone = outputs_zip("//pkg:gone", &payloads("gone", 1));
    let mut blobs = BTreeMap::new();
    blobs.insert(sha256(&good), good.clone());
    // Stored under its hash, but one byte flipped: a digest mismatch.
    let mut flipped = lied.clone();
    flipped[30] ^= 1;
    blobs.insert(sha256(&lied), flipped);
    // Stored short: the stream ends before the digest's size.
    blobs.insert(sha256(&short), short[..short.len() - 10].to_vec());
    let server = cas(blobs);
    scene.bep(
        &server.url(),
        vec![
            R::new("//pkg:good", Zip::of(&good)),
            R::new("//pkg:lied", Zip::of(&lied)),
            R::new("//pkg:short", Zip::of(&short)),
            R::new("//pkg:gone", Zip::of(&gone)),
        ],
    );
    let intake = Intake::start(&[]);
    let o = run(upload_bep(&scene, &intake, &[]));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    for (label, why) in [
        ("//pkg:lied", "digest mismatch"),
        ("//pkg:short", "stopped after"),
        ("//pkg:gone", "does not have this blob"),
    ] {
        let line = t
            .lines()
            .find(|l| l.contains(label) && l.contains("cannot read its outputs"))
            .ok_or_else(|| format!("no error for {label}: {t}"))
            .unwrap();
        assert!(line.contains(why), "{line}");
        assert!(line.contains("bytestream://"), "{line}");
    }
    assert_eq!(markers(&intake), ["good0"]);
    assert_eq!(scene.ledger_lines(), 1, "only the good test's payload");
    assert_eq!(summary(&o)["totals"]["failed"], 3);

    // The doctor: the same three errors, one per test.
    let d = doctor_bep(&scene, &[]);
    assert_eq!(d.status.code(), Some(1), "{}", text(&d));
    let r = summary(&d);
    let failing: Vec<&str> = r["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| {
            g["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["severity"] == "error")
        })
        .map(|g| g["target"].as_str().unwrap())
        .collect();
    assert_eq!(failing, ["//pkg:lied", "//pkg:short", "//pkg:gone"], "{r}");

    // The cache unreachable: every test an error, nothing sent, the ledger untouched.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = format!("grpc://127.0.0.1:{port}");
    let fresh = scene.dir.path().join("fresh.ledger");
    let o = run(upload_bep(
        &scene,
        &intake,
        &[
            "--remote-cache",
            &dead,
            "--remote-timeout",
            "2",
            "--ledger",
            fresh.to_str().unwrap(),
        ],
    ));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let errors = text(&o)
        .lines()
        .filter(|l| l.contains("cannot read its outputs") && l.contains("unreachable"))
        .count();
    assert_eq!(errors, 4, "{}", text(&o));
    assert_eq!(markers(&intake), ["good0"]);
    assert_eq!(std::fs::read_to_string(&fresh).unwrap(), "");
}

#[test]
fn local_copies_are_read_in_place_only_when_they_have_the_uris_digest() {
    let scene = Scene::new();
    let here = outputs_zip("//pkg:here", &payloads("here", 2));
    let stale_remote = outputs_zip("//pkg:stale", &payloads("fresh", 1));
    let server = cas_of(&[&here, &stale_remote]);
    let bep = scene.bep(
        &server.url(),
        vec![
            R::new("//pkg:here", Zip::of(&here)),
            R::new("//pkg:stale", Zip::of(&stale_remote)),
        ],
    );
    // Where Bazel leaves outputs of tests that ran here: the same bytes, and an earlier run's.
    for (label, data) in [
        ("//pkg:here", here.clone()),
        (
            "//pkg:stale",
            outputs_zip("//pkg:stale", &payloads("old", 1)),
        ),
    ] {
        let z = bep.local_zip(label);
        std::fs::create_dir_all(z.parent().unwrap()).unwrap();
        std::fs::write(&z, data).unwrap();
    }
    let intake = Intake::start(&[]);
    let o = run(upload_bep(&scene, &intake, &[]));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(markers(&intake), ["fresh0", "here0", "here1"]);
    let read: Vec<String> = server.seen().into_iter().map(|s| s.resource_name).collect();
    assert_eq!(
        read,
        [format!(
            "blobs/{}/{}",
            sha256(&stale_remote),
            stale_remote.len()
        )]
    );
    // The local zip was read in place: deleted once every payload was accepted, marker written.
    let here_zip = bep.local_zip("//pkg:here");
    assert!(!here_zip.exists());
    assert!(here_zip.with_file_name(".topt-uploaded").exists());
    assert!(
        bep.local_zip("//pkg:stale").exists(),
        "an earlier run's file is not touched"
    );

    // A re-run finds no local copy and fetches it: the ledger knows its payloads.
    let o = run(upload_bep(&scene, &intake, &[]));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(markers(&intake).len(), 3);
    assert_eq!(summary(&o)["totals"]["already_uploaded"], 3);
    assert_eq!(server.seen().len(), 3);
}

#[test]
fn file_outputs_are_read_in_place_and_once_uploaded_are_not_missing() {
    let scene = Scene::new();
    let dir = scene.dir.path().join("testlogs/pkg/t/test.outputs");
    std::fs::create_dir_all(&dir).unwrap();
    let zip = dir.join("outputs.zip");
    std::fs::write(&zip, outputs_zip("//pkg:t", &payloads("t", 1))).unwrap();
    scene.bep(
        "grpc://127.0.0.1:1",
        vec![R::new("//pkg:t", Zip::File(zip.clone()))],
    );
    let intake = Intake::start(&[]);
    let o = run(upload_bep(&scene, &intake, &[]));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(markers(&intake), ["t0"]);
    assert!(!zip.exists());
    // Gone, with the marker: uploaded, not an error.
    let o = run(upload_bep(&scene, &intake, &[]));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("//pkg:t: already uploaded"),
        "{}",
        text(&o)
    );
    assert_eq!(doctor_bep(&scene, &[]).status.code(), Some(0));
    // Gone without it: an error of that test.
    std::fs::remove_file(dir.join(".topt-uploaded")).unwrap();
    let o = run(upload_bep(&scene, &intake, &[]));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("not on this machine"), "{}", text(&o));
    assert_eq!(markers(&intake), ["t0"]);
}

#[test]
fn headers_go_only_to_the_remote_cache_named_on_the_command_line() {
    let scene = Scene::new();
    let z = outputs_zip("//pkg:t", &payloads("t", 1));
    let server = cas_of(&[&z]);
    scene.bep(&server.url(), vec![R::new("//pkg:t", Zip::of(&z))]);
    let intake = Intake::start(&[]);
    // A header without --remote-cache: refused before anything is read.
    let o = run(upload_bep(
        &scene,
        &intake,
        &["--remote-header", "x-api-key=s3cr3t"],
    ));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("--remote-header needs --remote-cache"),
        "{}",
        text(&o)
    );
    assert!(server.seen().is_empty());
    let d = doctor_bep(&scene, &["--remote-header", "x-api-key=s3cr3t"]);
    assert_eq!(d.status.code(), Some(1));
    assert!(server.seen().is_empty());
    // Named: the header goes with every read.
    let o = run(upload_bep(
        &scene,
        &intake,
        &[
            "--remote-header",
            "x-api-key=s3cr3t",
            "--remote-cache",
            &server.url(),
            "--dry-run",
        ],
    ));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert!(
        seen[0]
            .headers
            .contains(&("x-api-key".into(), "s3cr3t".into()))
    );
    assert!(!text(&o).contains("s3cr3t"), "{}", text(&o));
    // A dry run records nothing.
    assert_eq!(scene.ledger_lines(), 0);
    assert!(intake.records().is_empty());
}

#[test]
fn a_bep_naming_another_host_is_read_over_tls_and_without_headers() {
    let scene = Scene::new();
    let z = outputs_zip("//pkg:t", &payloads("t", 1));
    let server = cas_of(&[&z]);
    // Bazel's --remote_cache names another host than the URIs: the URI's host, over TLS (the
    // plaintext fake cannot answer a TLS handshake), so nothing is read.
    let bep = Bep {
        output_base: scene.output_base(),
        remote: format!("grpc://{}", server.addr),
        results: vec![R::new("//pkg:t", Zip::of(&z))],
    };
    let text_bep = bep.text().replace(
        &format!("--remote_cache=grpc://{}", server.addr),
        "--remote_cache=grpc://elsewhere:1",
    );
    std::fs::write(scene.bep_path(), text_bep).unwrap();
    let intake = Intake::start(&[]);
    let o = run(upload_bep(&scene, &intake, &["--remote-timeout", "2"]));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains(&format!("grpcs://{}", server.addr)),
        "{}",
        text(&o)
    );
    assert!(server.seen().is_empty());
}

#[test]
fn killed_mid_upload_a_rerun_sends_only_what_the_ledger_lacks() {
    let scene = Scene::new();
    let mut blobs = BTreeMap::new();
    let mut results = Vec::new();
    let mut all = Vec::new();
    for t in 0..6 {
        let label = format!("//pkg:t{t}");
        let ps = payloads(&format!("t{t}-"), 8);
        all.extend((0..8).map(|i| format!("t{t}-{i}")));
        let z = outputs_zip(&label, &ps);
        results.push(R::new(&label, Zip::of(&z)));
        blobs.insert(sha256(&z), z);
    }
    all.sort();
    let server = cas(blobs);
    scene.bep(&server.url(), results);
    let slow = Intake::start(&["--stall-first", "100000", "--stall-ms", "60"]);
    let mut child = upload_bep(&scene, &slow, &["--workers", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(900));
    child.kill().unwrap();
    child.wait().unwrap();
    let first = markers(&slow);
    assert!(
        !first.is_empty() && first.len() < all.len(),
        "killed mid-run: {}",
        first.len()
    );
    let recorded = scene.ledger_lines();
    // Accepted, but killed before the record: the at-least-once window (one per worker at most).
    assert!(
        first.len() - recorded <= 2,
        "{} accepted, {recorded} recorded",
        first.len()
    );
    let clean = Intake::start(&[]);
    let o = run(upload_bep(&scene, &clean, &[]));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let second = markers(&clean);
    assert_eq!(
        second.len(),
        all.len() - recorded,
        "exactly what the ledger lacks"
    );
    let mut union = first.clone();
    union.extend(second);
    union.sort();
    union.dedup();
    assert_eq!(union, all, "nothing lost across the crash");
    assert_eq!(scene.ledger_lines(), all.len());
}

#[test]
fn max_run_sec_bounds_the_downloads_too() {
    let scene = Scene::new();
    let z = outputs_zip("//pkg:t", &payloads("t", 1));
    // A cache that sends a few bytes, then nothing, ever.
    let server = bep_support::fake::FakeServer::start(vec![bep_support::fake::Reply::StallAfter {
        data: z.clone(),
        upto: 100,
    }]);
    let other = outputs_zip("//pkg:u", &payloads("u", 1));
    scene.bep(
        &server.url(),
        vec![
            R::new("//pkg:t", Zip::of(&z)),
            R::new("//pkg:u", Zip::of(&other)),
        ],
    );
    let intake = Intake::start(&[]);
    let start = std::time::Instant::now();
    let o = run(upload_bep(
        &scene,
        &intake,
        &["--max-run-sec", "2", "--remote-timeout", "60"],
    ));
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let n = text(&o)
        .lines()
        .filter(|l| l.contains("cannot read its outputs") && l.contains("--max-run-sec"))
        .count();
    assert_eq!(n, 2, "{}", text(&o));
    assert!(intake.records().is_empty());
    assert_eq!(scene.ledger_lines(), 0);
}

#[test]
fn synthetic_telemetry_goes_once_per_invocation() {
    let scene = Scene::new();
    let z = outputs_zip("//pkg:t", &payloads("t", 1));
    let server = cas_of(&[&z]);
    scene.bep(&server.url(), vec![R::new("//pkg:t", Zip::of(&z))]);
    // Facts of a service no tracer telemetry names: sent as a synthetic batch.
    let facts = scene.dir.path().join("facts.json");
    std::fs::write(
        &facts,
        serde_json::json!({"schema_version": 1, "service_name": "lonely-svc",
            "runtime_name": "python", "env": "ci",
            "counts": [{"name": "known_tests.request", "tags": [], "value": 1}]})
        .to_string(),
    )
    .unwrap();
    let telemetry = |intake: &Intake| {
        intake
            .accepted()
            .iter()
            .filter(|r| r["kind"] == "apmtelemetry")
            .count()
    };
    let intake = Intake::start(&[]);
    let with_facts = ["--telemetry-facts", facts.to_str().unwrap()];
    for _ in 0..2 {
        let o = run(upload_bep(&scene, &intake, &with_facts));
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        assert_eq!((markers(&intake).len(), telemetry(&intake)), (1, 1));
    }
    // Another invocation of the same tests: its own synthetic batch.
    let other = std::fs::read_to_string(scene.bep_path())
        .unwrap()
        .replace(INVOCATION, "another-invocation");
    std::fs::write(scene.bep_path(), other).unwrap();
    let o = run(upload_bep(&scene, &intake, &with_facts));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!((markers(&intake).len(), telemetry(&intake)), (1, 2));
}

#[test]
fn an_unreadable_bep_is_a_configuration_error() {
    let scene = Scene::new();
    let intake = Intake::start(&[]);
    let o = run(upload_bep(&scene, &intake, &[]));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("cannot read the build event file"),
        "{}",
        text(&o)
    );
    let d = doctor_bep(&scene, &[]);
    assert_eq!(d.status.code(), Some(1));
    // A torn, unfinished file is read as far as it goes, and says so.
    let z = outputs_zip("//pkg:t", &payloads("t", 1));
    let server = cas_of(&[&z]);
    let bep = scene.bep(&server.url(), vec![R::new("//pkg:t", Zip::of(&z))]);
    let full = bep.text();
    // Into the last line, the one with lastMessage.
    let cut = full.trim_end().rfind('\n').unwrap() + 10;
    std::fs::write(scene.bep_path(), &full[..cut]).unwrap();
    let o = run(upload_bep(&scene, &intake, &[]));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("cut short"), "{}", text(&o));
    assert!(text(&o).contains("no lastMessage"), "{}", text(&o));
    assert_eq!(markers(&intake), ["t0"]);
}
