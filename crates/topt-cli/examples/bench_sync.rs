//! Benchmark of the `topt sync` split: 500 modules × 400 tests of known tests, matching test
//! management and flaky tests, checked, split module by module and written as the full tree
//! into a temporary directory (on tmpfs, `/dev/shm`, unless `TOPT_BENCH_TREES` names another
//! directory), by the same `tree::write_tree` the sync uses; next to
//! the raw cost of writing the same files (same paths, same bytes, same threads, no fsync as in
//! the sync, the top-level files through a temporary name and a rename as in the sync), measured
//! in the same run, best of `TOPT_BENCH_ROUNDS` (3) rounds. Each side is a process of its own.
//!
//! Run: `cargo run --release -p topt-cli --example bench_sync [modules] [tests]`.
//! Prints the response check time (`response::check`: UTF-8, depth, shape), the split+write
//! time, the raw write time and their ratio (target ≤ 1.5×), the CPU time of all threads
//! (comparable on a busy machine) and the peak RSS of the measured process.

use std::time::Instant;

use serde_json::{Map, Value, json};

#[allow(dead_code)]
#[path = "../src/sync/canonical.rs"]
mod canonical;
#[allow(dead_code)]
#[path = "../src/sync/json.rs"]
mod json;
#[allow(dead_code)]
#[path = "../src/json_text.rs"]
mod json_text;
#[allow(dead_code)]
#[path = "../src/sync/requests.rs"]
mod requests;
#[allow(dead_code)]
#[path = "../src/sync/response.rs"]
mod response;
#[allow(dead_code)]
#[path = "../src/sync/shape.rs"]
mod shape;
#[allow(dead_code)]
#[path = "../src/sync/skim.rs"]
mod skim;
#[allow(dead_code)]
#[path = "../src/sync/split.rs"]
mod split;
#[allow(dead_code)]
#[path = "../src/sync/tree.rs"]
mod tree;

fn module_name(m: usize) -> String {
    format!("github.com/acme/monorepo/services/svc_{m:03}/pkg")
}

fn responses(modules: usize, tests: usize) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let suites = 20;
    let per_suite = tests.div_ceil(suites);
    let mut known = Map::new();
    let mut managed = Map::new();
    let mut flaky = Vec::new();
    for m in 0..modules {
        let mut k_suites = Map::new();
        let mut m_suites = Map::new();
        for s in 0..suites {
            let suite = format!("TestSuite{s:02}");
            let names: Vec<String> = (0..per_suite)
                .map(|t| format!("{suite}/case_{t:03}_does_something_useful"))
                .collect();
            let mut m_tests = Map::new();
            for (i, name) in names.iter().enumerate() {
                m_tests.insert(
                    name.clone(),
                    json!({"properties": {"quarantined": i % 7 == 0, "disabled": i % 11 == 0, "attempt_to_fix": i % 13 == 0}}),
                );
                if i % 40 == 0 {
                    flaky.push(json!({"id": format!("f{m}-{s}-{i}"), "type": "flaky_test",
                        "attributes": {"name": name, "suite": suite,
                        "configurations": {"test": {"bundle": module_name(m)}}}}));
                }
            }
            k_suites.insert(suite.clone(), json!(names));
            m_suites.insert(suite, json!({"tests": m_tests}));
        }
        known.insert(module_name(m), Value::Object(k_suites));
        managed.insert(module_name(m), json!({"suites": m_suites}));
    }
    let total = flaky.len();
    let known = json!({"data": {"id": "kt", "type": "ci_app_libraries_tests", "attributes": {"tests": known}}});
    let managed = json!({"data": {"id": "tm", "type": "ci_app_libraries_tests", "attributes": {"modules": managed}}});
    let flaky = json!({"data": flaky, "meta": {"total": total}});
    (
        known.to_string().into_bytes(),
        managed.to_string().into_bytes(),
        flaky.to_string().into_bytes(),
    )
}

/// Peak RSS of this process in KiB (VmHWM), 0 when unknown.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.trim_start_matches("VmHWM:")
                    .trim()
                    .trim_end_matches(" kB")
                    .parse()
                    .ok()
            })
        })
        .unwrap_or(0)
}

/// User + system CPU time of this process so far: comparable across runs even when other jobs
/// share the machine (wall time is not).
fn cpu_time() -> std::time::Duration {
    // SAFETY: getrusage only writes the struct we pass; zeroed is a valid rusage.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let tv = |t: libc::timeval| {
        std::time::Duration::from_secs(t.tv_sec as u64)
            + std::time::Duration::from_micros(t.tv_usec as u64)
    };
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

type Res<T = ()> = Result<T, Box<dyn std::error::Error>>;

fn main() -> Res {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--run") => return run(path_arg(&args, 1)?, path_arg(&args, 2)?),
        Some("--raw-write") => return raw_write(path_arg(&args, 1)?, path_arg(&args, 2)?),
        // `--generate DIR`: the three responses, to profile `--run DIR OUT` by hand.
        Some("--generate") => return generate(path_arg(&args, 1)?, 500, 400),
        _ => {}
    }
    let modules: usize = args.first().map_or(Ok(500), |a| a.parse())?;
    let tests: usize = args.get(1).map_or(Ok(400), |a| a.parse())?;
    let rounds: usize = std::env::var("TOPT_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(1);
    let trees = std::env::var_os("TOPT_BENCH_TREES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            let shm = std::path::PathBuf::from("/dev/shm");
            if shm.is_dir() {
                shm
            } else {
                std::env::temp_dir()
            }
        });
    let tmp = || tempfile::tempdir_in(&trees);
    let input = tmp()?;
    generate(input.path(), modules, tests)?;
    let me = std::env::current_exe()?;
    let (mut sync, mut raw): (Option<Figures>, Option<Figures>) = (None, None);
    for _ in 0..rounds {
        // Fresh processes, so each peak RSS is its own, not the generator's.
        let out = tmp()?;
        let f = child(&me, &["--run"], input.path(), out.path())?;
        if sync
            .as_ref()
            .is_none_or(|b| f.get("split_write_ms") < b.get("split_write_ms"))
        {
            sync = Some(f);
        }
        let copy = tmp()?;
        let f = child(&me, &["--raw-write"], out.path(), copy.path())?;
        if raw
            .as_ref()
            .is_none_or(|b| f.get("write_ms") < b.get("write_ms"))
        {
            raw = Some(f);
        }
    }
    let (Some(sync), Some(raw)) = (sync, raw) else {
        return Err("no round ran".into());
    };
    report(&sync, &raw, rounds, &trees);
    Ok(())
}

/// The figures of the best rounds, with the ratio against the raw write.
fn report(sync: &Figures, raw: &Figures, rounds: usize, trees: &std::path::Path) {
    println!("written under {}", trees.display());
    println!(
        "check: {:.0} ms; split+write: {:.0} ms; check+split+write: {:.0} ms; {} labels, {} files (best of {rounds})",
        sync.get("check_ms"),
        sync.get("split_write_ms"),
        sync.get("total_ms"),
        sync.get("labels"),
        sync.get("files")
    );
    println!(
        "raw write of the same {} files ({:.1} MB, {} threads, no fsync): {:.0} ms",
        raw.get("files"),
        raw.get("bytes") / 1e6,
        raw.get("threads"),
        raw.get("write_ms")
    );
    println!(
        "split+write / raw write: {:.2}x (target <= 1.5x)",
        sync.get("split_write_ms") / raw.get("write_ms").max(1e-9)
    );
    println!(
        "CPU time (user+sys, all threads): check {:.0} ms, total {:.0} ms (raw write {:.0} ms); peak RSS of the measured process: {:.0} MB",
        sync.get("check_cpu_ms"),
        sync.get("cpu_ms"),
        raw.get("cpu_ms"),
        sync.get("rss_kib") / 1024.0
    );
}

fn generate(dir: &std::path::Path, modules: usize, tests: usize) -> Res {
    let (known, managed, flaky) = responses(modules, tests);
    let mib = |b: &Vec<u8>| b.len() as f64 / (1024.0 * 1024.0);
    println!(
        "input: {modules} modules x {tests} tests; known tests {:.1} MiB, test management {:.1} MiB, flaky {:.1} MiB",
        mib(&known),
        mib(&managed),
        mib(&flaky)
    );
    std::fs::write(dir.join("known_tests.json"), known)?;
    std::fs::write(dir.join("test_management.json"), managed)?;
    std::fs::write(dir.join("flaky_tests.json"), flaky)?;
    Ok(())
}

fn path_arg(args: &[String], i: usize) -> Res<&std::path::Path> {
    args.get(i)
        .map(std::path::Path::new)
        .ok_or_else(|| format!("argument {i} missing").into())
}

/// `key=value` figures a child prints on its last line.
struct Figures(Vec<(String, f64)>);

impl Figures {
    fn get(&self, key: &str) -> f64 {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map_or(f64::NAN, |(_, v)| *v)
    }
}

fn child(
    me: &std::path::Path,
    mode: &[&str],
    a: &std::path::Path,
    b: &std::path::Path,
) -> Res<Figures> {
    let out = std::process::Command::new(me)
        .args(mode)
        .arg(a)
        .arg(b)
        .output()?;
    if !out.status.success() {
        return Err(format!("{mode:?} failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or("");
    Ok(Figures(
        line.split_whitespace()
            .filter_map(|kv| kv.split_once('='))
            .filter_map(|(k, v)| Some((k.to_string(), v.parse().ok()?)))
            .collect(),
    ))
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The measured part: decode the three responses (as `topt sync` does after each request),
/// then split and write the whole tree into `out`.
fn run(input: &std::path::Path, out: &std::path::Path) -> Res {
    let read = |name: &str| std::fs::read(input.join(name));
    let (known, managed, flaky) = (
        read("known_tests.json")?,
        read("test_management.json")?,
        read("flaky_tests.json")?,
    );
    let cpu_started = cpu_time();
    let started = Instant::now();
    // What `topt sync` does with each response: check it, keep the text.
    let parse = |endpoint, raw: Vec<u8>| -> Res<tree::Bundle> {
        response::check(endpoint, &raw).map_err(|e| e.reason().to_owned())?;
        Ok(tree::Bundle::Fetched(String::from_utf8(raw)?))
    };
    let input = tree::TreeInput {
        out_dir: ".testoptimization".to_owned(),
        settings: b"{\"data\":{\"attributes\":{\"known_tests_enabled\":true}}}\n".to_vec(),
        context: json!({"service.name": "bench"}),
        known_tests: parse(requests::Endpoint::KnownTests, known)?,
        test_management: parse(requests::Endpoint::TestManagement, managed)?,
        flaky_tests: parse(requests::Endpoint::FlakyTests, flaky)?,
    };
    let decoded = started.elapsed();
    let check_cpu = cpu_time() - cpu_started;
    let summary = tree::write_tree(out, input)?;
    let total = started.elapsed();
    let cpu = cpu_time() - cpu_started;
    println!(
        "check_ms={} split_write_ms={} total_ms={} labels={} files={} check_cpu_ms={} cpu_ms={} rss_kib={}",
        ms(decoded),
        ms(total - decoded),
        ms(total),
        summary.labels.len(),
        summary.files,
        ms(check_cpu),
        ms(cpu),
        peak_rss_kib()
    );
    Ok(())
}

/// The raw cost of writing what `run` wrote: every file under `src` loaded first (not timed),
/// then the same directories and files written under `dst` with the bytes as they are, on the
/// same number of threads as `tree::write_tree`'s writers, the top-level files through a
/// temporary name and a rename like the sync's, and no fsync (the sync does none).
fn raw_write(src: &std::path::Path, dst: &std::path::Path) -> Res {
    let mut files = Vec::new();
    load(src, std::path::Path::new(""), &mut files)?;
    let mut dirs: Vec<std::path::PathBuf> = files
        .iter()
        .filter_map(|(p, _)| p.parent().map(std::path::Path::to_path_buf))
        .collect();
    dirs.sort();
    dirs.dedup();
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get() * 2)
        .clamp(2, 8);
    let cpu_started = cpu_time();
    let started = Instant::now();
    for d in &dirs {
        std::fs::create_dir_all(dst.join(d))?;
    }
    let (modules, top): (Vec<_>, Vec<_>) = files.iter().partition(|(p, _)| {
        p.components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with("module_"))
    });
    for (p, b) in &top {
        let tmp = dst.join(p).with_extension("tmp-raw");
        std::fs::write(&tmp, b)?;
        std::fs::rename(&tmp, dst.join(p))?;
    }
    std::thread::scope(|s| -> Res {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let modules = &modules;
                s.spawn(move || -> std::io::Result<()> {
                    for (p, b) in modules.iter().skip(t).step_by(threads) {
                        std::fs::write(dst.join(p), b)?;
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            h.join().map_err(|_| "a writer panicked")??;
        }
        Ok(())
    })?;
    let elapsed = started.elapsed();
    let cpu = cpu_time() - cpu_started;
    println!(
        "write_ms={} files={} bytes={bytes} threads={threads} cpu_ms={}",
        ms(elapsed),
        files.len(),
        ms(cpu)
    );
    Ok(())
}

fn load(
    root: &std::path::Path,
    rel: &std::path::Path,
    out: &mut Vec<(std::path::PathBuf, Vec<u8>)>,
) -> Res {
    for e in std::fs::read_dir(root.join(rel))? {
        let e = e?;
        let rel = rel.join(e.file_name());
        if e.file_type()?.is_dir() {
            load(root, &rel, out)?;
        } else {
            out.push((rel.clone(), std::fs::read(root.join(&rel))?));
        }
    }
    Ok(())
}
