//! libtopt's hot paths, measured (run by `cargo xtask bench` in release mode):
//! context creation against a 200,000-line runfiles manifest (Bzlmod and WORKSPACE), the one
//! verification pass a first miss costs, cache-read latency, and atomic payload writes per second,
//! each printed next to the raw limit of this machine measured in the same run (opening and
//! reading the same bytes; write+rename with and without fsync on the same disk).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use topt_core::cache::CacheFile;
use topt_core::config::{Config, Overrides};
use topt_core::context::Context;
use topt_core::payload::{PayloadFormat, PayloadKind};

const LINES: usize = 200_000;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(f());
                start.elapsed()
            })
            .collect(),
    )
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

/// A realistic runfiles manifest: long source and target paths, the synced tree in the middle.
fn write_manifest(dir: &Path, repo_mapping: bool) -> std::path::PathBuf {
    let tree = dir.join("external/test_optimization_data/.testoptimization");
    fs::create_dir_all(tree.join("cache/http/module_github_com_acme_pkg_cart")).unwrap();
    fs::write(tree.join("manifest.txt"), "version=1\n").unwrap();
    fs::write(
        tree.join("cache/http/settings.json"),
        "{\"data\":{\"attributes\":{}}}\n",
    )
    .unwrap();
    let mut tests = serde_json::Map::new();
    for m in 0..200 {
        let suites: serde_json::Map<String, serde_json::Value> = (0..20)
            .map(|s| {
                (
                    format!("Suite{s}"),
                    serde_json::json!((0..10).map(|t| format!("Test{t}")).collect::<Vec<_>>()),
                )
            })
            .collect();
        tests.insert(format!("github.com/acme/pkg/m{m}"), suites.into());
    }
    tests.insert(
        "github.com/acme/pkg/cart".into(),
        serde_json::json!({"Cart": ["TestAdd"]}),
    );
    let bundle = serde_json::json!({"data": {"attributes": {"tests": tests}, "type": "ci_app_libraries_tests"}});
    fs::write(tree.join("cache/http/known_tests.json"), bundle.to_string()).unwrap();
    fs::write(
        tree.join("cache/http/module_github_com_acme_pkg_cart/known_tests.json"),
        r#"{"data":{"attributes":{"tests":{"github.com/acme/pkg/cart":{"Cart":["TestAdd"]}}}}}"#,
    )
    .unwrap();

    // Bazel writes manifests sorted by runfiles path.
    let real = "/home/ci/.cache/bazel/_bazel_ci/3f9c2a1b7d4e5f60718293a4b5c6d7e8/execroot/_main/bazel-out/k8-fastbuild/bin";
    let mut lines: Vec<String> = (0..LINES)
        .map(|i| {
            let rel = format!(
                "third_party/py/site-packages/pkg{}/module_{i:06}/file_{i}.py",
                i % 97
            );
            format!("_main/{rel} {real}/{rel}")
        })
        .collect();
    for rel in [
        "manifest.txt",
        "cache/http/settings.json",
        "cache/http/known_tests.json",
        "cache/http/module_github_com_acme_pkg_cart/known_tests.json",
    ] {
        lines.push(format!(
            "test_optimization_data/.testoptimization/{rel} {}/{rel}",
            tree.display()
        ));
    }
    if repo_mapping {
        // Bzlmod: every runfiles tree has a _repo_mapping.
        fs::write(
            dir.join("repo_mapping"),
            ",test_optimization_data,test_optimization_data\n",
        )
        .unwrap();
        lines.push(format!("_repo_mapping {}/repo_mapping", dir.display()));
    }
    lines.sort();
    let path = dir.join(if repo_mapping {
        "MANIFEST"
    } else {
        "MANIFEST.workspace"
    });
    let mut out = std::io::BufWriter::new(fs::File::create(&path).unwrap());
    for line in &lines {
        writeln!(out, "{line}").unwrap();
    }
    out.flush().unwrap();
    path
}

fn context(manifest: &Path, outputs: &Path) -> Context {
    Context::new(Config::from_lookup(&|_| None).with(Overrides {
        runfiles_manifest_file: Some(manifest.into()),
        manifest_file: Some("test_optimization_data/.testoptimization/manifest.txt".into()),
        payloads_in_files: Some("true".into()),
        undeclared_outputs_dir: Some(outputs.into()),
        argv0: Some("".into()),
        ..Overrides::default()
    }))
    .unwrap()
}

fn main() {
    let dir =
        tempfile::tempdir_in(std::env::var_os("TOPT_BENCH_DIR").unwrap_or_else(|| ".".into()))
            .unwrap();
    let manifest = write_manifest(dir.path(), true);
    let workspace_manifest = write_manifest(dir.path(), false);
    let size = fs::metadata(&manifest).unwrap().len();
    let outputs = dir.path().join("outputs");

    println!(
        "libtopt core benchmark ({} lines, {:.1} MB runfiles manifest)",
        LINES,
        size as f64 / 1e6
    );
    println!(
        "{:<52} {:>14} {:>30} {:>8}",
        "operation", "median", "raw limit (same run)", "ratio"
    );
    // Raw limits: opening the file and reading its first and last blocks (what creation must
    // touch), and reading every byte once in the chunks a verification pass uses.
    let raw_open = time(30, || {
        let mut f = fs::File::open(&manifest).unwrap();
        let mut block = [0u8; 4096];
        f.read_exact(&mut block).unwrap();
        std::io::Seek::seek(&mut f, std::io::SeekFrom::End(-4096)).unwrap();
        f.read_exact(&mut block).unwrap();
        block[0]
    });
    let raw_pass = time(30, || {
        let mut f = fs::File::open(&manifest).unwrap();
        let mut chunk = vec![0u8; 256 * 1024];
        let mut total = 0;
        loop {
            let n = f.read(&mut chunk).unwrap();
            if n == 0 {
                break total;
            }
            total += n;
        }
    });
    let create = time(30, || context(&manifest, &outputs));
    let create_ws = time(30, || context(&workspace_manifest, &outputs));
    let first_ws = time(30, || {
        let ctx = context(&workspace_manifest, &outputs);
        ctx.read_cache(CacheFile::Settings, None).unwrap()
    });
    let first_miss = time(30, || {
        let ctx = context(&manifest, &outputs);
        ctx.rlocation("_main/not/a/runfile").unwrap_err()
    });
    let ratio = |ours: Duration, raw: Duration| ours.as_secs_f64() / raw.as_secs_f64();
    let row = |what: &str, ours: Duration, raw_name: &str, raw: Duration| {
        println!(
            "{what:<52} {:>14} {:>30} {:>7.2}x",
            ms(ours),
            format!("{raw_name}: {}", ms(raw)),
            ratio(ours, raw)
        );
    };
    row(
        "context creation, Bzlmod (has _repo_mapping)",
        create,
        "open + 2 blocks",
        raw_open,
    );
    row(
        "context creation, WORKSPACE (no _repo_mapping)",
        create_ws,
        "open + 2 blocks",
        raw_open,
    );
    row(
        "creation + first cache read, WORKSPACE (1 pass)",
        first_ws,
        "read every byte",
        raw_pass,
    );
    row(
        "creation + first miss, Bzlmod (1 verification pass)",
        first_miss,
        "read every byte",
        raw_pass,
    );

    let ctx = context(&manifest, &outputs);
    assert!(ctx.manifest().enabled, "{:?}", ctx.manifest().diagnostic);
    let settings = time(200, || ctx.read_cache(CacheFile::Settings, None).unwrap());
    let module_file = time(200, || {
        ctx.read_cache(CacheFile::KnownTests, Some("github.com/acme/pkg/cart"))
            .unwrap()
    });
    let filtered = time(20, || {
        ctx.read_cache(CacheFile::KnownTests, Some("github.com/acme/pkg/m7"))
            .unwrap()
    });
    let bundle = fs::metadata(
        dir.path()
            .join("external/test_optimization_data/.testoptimization/cache/http/known_tests.json"),
    )
    .unwrap()
    .len();
    let raw_bundle =
        time(20, || {
            fs::read(dir.path().join(
                "external/test_optimization_data/.testoptimization/cache/http/known_tests.json",
            ))
            .unwrap()
            .len()
        });
    println!(
        "{:<52} {:>14}",
        "cache read: settings (canonical)",
        ms(settings)
    );
    println!(
        "{:<52} {:>14}",
        "cache read: known tests, module file",
        ms(module_file)
    );
    row(
        &format!(
            "cache read: known tests filtered from {:.1} MB bundle",
            bundle as f64 / 1e6
        ),
        filtered,
        "read bundle",
        raw_bundle,
    );

    let payload = br#"{"version":1,"metadata":{"*":{"language":"go"}},"events":[{"type":"test","version":2,"content":{"trace_id":1,"span_id":2,"name":"TestAdd","resource":"Cart.TestAdd","meta":{"test.status":"pass"}}}]}"#;
    let n = 400;
    let start = Instant::now();
    for _ in 0..n {
        ctx.write_payload(PayloadKind::Tests, PayloadFormat::Json, payload)
            .unwrap();
    }
    let ours = n as f64 / start.elapsed().as_secs_f64();
    let raw_dir = dir.path().join("raw");
    fs::create_dir_all(&raw_dir).unwrap();
    // The same disk without libtopt: 0 = write+rename, 1 = +fsync, 2 = +fsync of the directory.
    let raw = |level: u8| {
        let start = Instant::now();
        for i in 0..n {
            let tmp = raw_dir.join(format!(".{i}.tmp"));
            let mut f = fs::File::create(&tmp).unwrap();
            f.write_all(payload).unwrap();
            if level >= 1 {
                f.sync_all().unwrap();
            }
            fs::rename(&tmp, raw_dir.join(format!("{i}-{level}.json"))).unwrap();
            if level >= 2 {
                fs::File::open(&raw_dir).unwrap().sync_all().unwrap();
            }
        }
        n as f64 / start.elapsed().as_secs_f64()
    };
    let (raw0, raw1, raw2) = (raw(0), raw(1), raw(2));
    println!(
        "{:<52} {:>14} {:>30} {:>7.2}x",
        "atomic payload writes (temp, fsync, rename, dir fsync)",
        format!("{ours:.0}/s"),
        format!("same steps raw: {raw2:.0}/s"),
        raw2 / ours
    );
    println!(
        "{:<52} {:>14} {:>30}",
        "  raw write+rename / +fsync (no durability / file only)",
        "",
        format!("{raw0:.0}/s / {raw1:.0}/s")
    );
}
