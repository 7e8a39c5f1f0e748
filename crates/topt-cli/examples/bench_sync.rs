//! Benchmark of the `topt sync` split: 500 modules × 400 tests of known tests, matching test
//! management and flaky tests, checked, split module by module and written as the full tree
//! into a temporary directory (`TMPDIR`), by the same `tree::write_tree` the sync uses.
//!
//! Run: `cargo run --release -p topt-cli --example bench_sync [modules] [tests]`.
//! Prints the response check time (`response::check`: UTF-8, depth, shape), the split+write time (target < 300 ms), the CPU time of all
//! threads (comparable on a busy machine) and the peak RSS of the measured process.

use std::time::Instant;

use serde_json::{Map, Value, json};

#[allow(dead_code)]
#[path = "../src/sync/json.rs"]
mod json;
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

fn peak_rss_kib() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_owned())
        })
        .unwrap_or_else(|| "n/a".to_owned())
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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--run") {
        let dir = std::path::PathBuf::from(args.get(1).ok_or("--run needs a directory")?);
        return run(&dir);
    }
    let modules: usize = args.first().map_or(Ok(500), |a| a.parse())?;
    let tests: usize = args.get(1).map_or(Ok(400), |a| a.parse())?;
    let input = tempfile::tempdir()?;
    {
        let (known, managed, flaky) = responses(modules, tests);
        let mib = |b: &Vec<u8>| b.len() as f64 / (1024.0 * 1024.0);
        println!(
            "input: {modules} modules x {tests} tests; known tests {:.1} MiB, test management {:.1} MiB, flaky {:.1} MiB",
            mib(&known),
            mib(&managed),
            mib(&flaky)
        );
        std::fs::write(input.path().join("known_tests.json"), known)?;
        std::fs::write(input.path().join("test_management.json"), managed)?;
        std::fs::write(input.path().join("flaky_tests.json"), flaky)?;
    }
    // A fresh process, so its peak RSS is the sync's alone, not the generator's.
    let status = std::process::Command::new(std::env::current_exe()?)
        .arg("--run")
        .arg(input.path())
        .status()?;
    if !status.success() {
        return Err("the measured run failed".into());
    }
    Ok(())
}

/// The measured part: decode the three responses (as `topt sync` does after each request),
/// then split and write the whole tree.
fn run(input: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let read = |name: &str| std::fs::read(input.join(name));
    let (known, managed, flaky) = (
        read("known_tests.json")?,
        read("test_management.json")?,
        read("flaky_tests.json")?,
    );
    let out = tempfile::tempdir()?;
    let cpu_started = cpu_time();
    let started = Instant::now();
    // What `topt sync` does with each response: check it, keep the text.
    let parse = |endpoint, raw: Vec<u8>| -> Result<tree::Bundle, Box<dyn std::error::Error>> {
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
    let summary = tree::write_tree(out.path(), input)?;
    let total = started.elapsed();
    let cpu = cpu_time() - cpu_started;
    println!(
        "check: {:.0} ms; split+write: {:.0} ms (target < 300 ms); check+split+write: {:.0} ms; {} labels, {} files",
        decoded.as_secs_f64() * 1e3,
        (total - decoded).as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3,
        summary.labels.len(),
        summary.files
    );
    println!(
        "CPU time (user+sys, all threads): check {:.0} ms, total {:.0} ms; peak RSS of the measured \
         process (VmHWM): {}",
        check_cpu.as_secs_f64() * 1e3,
        cpu.as_secs_f64() * 1e3,
        peak_rss_kib()
    );
    Ok(())
}
