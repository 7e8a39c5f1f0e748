//! `topt upload`, `topt doctor` and `topt ci` against the machine's limits, measured in one run:
//!
//! * **Throughput** (10,000 realistic payload files, best of 3 rounds): the uploader into
//!   `topt intake` next to the raw limit into the same intake (read every file and POST it as
//!   it is, same files, same number of kept-alive connections) and into a bare sink; the doctor
//!   next to reading every file and parsing it as JSON into a `serde_json::Value`, and next to
//!   reading and validating it only, building nothing (as many threads as cores). Every
//!   program is a process of its own, measured by `wait4(2)`; the intake's CPU time is read
//!   from `/proc` around each run (what it costs per request).
//! * **Growth** (1,000 / 10,000 / 100,000 files and a 1 GB tree of large payloads): time and
//!   peak RSS of upload, doctor and `topt ci -- true`; the figures are also written to
//!   `target/bench/upload.json`, which `cargo xtask bench` plots into `target/bench/growth.png`.
//!
//! Trees are generated on tmpfs (`/dev/shm`) unless `TOPT_BENCH_TREES` names another directory,
//! and deleted at the end. Knobs: `TOPT_BENCH_FILES` (10000), `TOPT_BENCH_WORKERS` (8),
//! `TOPT_BENCH_ROUNDS` (3), `TOPT_BENCH_GROWTH` (`1000,10000,100000`), `TOPT_BENCH_GB_MB`
//! (size of the large-payload tree in MB, 1000; 0 skips it).
//!
//! Run: `cargo xtask bench` (or `cargo build --release -p topt-cli --bin topt --examples` and
//! `target/release/examples/bench_upload`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod child;
mod raw;
#[path = "../common/raw_post.rs"]
mod raw_post;
mod tree;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use child::Usage;
use serde_json::json;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("raw-post") => raw::post_main(&args[1..]),
        Some("raw-parse") => raw::parse_main(&args[1..]),
        Some("sink") => raw::sink_main(&args[1..]),
        // `gen DIR FILES [TEST_EVENTS]`: a tree to profile by hand.
        Some("gen") => {
            let dir = Path::new(&args[1]);
            let events = args.get(3).map_or(2, |e| e.parse().unwrap());
            let t = tree::generate(
                &dir.join("bazel-testlogs"),
                args[2].parse().unwrap(),
                events,
            );
            std::fs::write(dir.join("context.json"), tree::context().to_string()).unwrap();
            println!("{t:?}");
        }
        _ => bench(),
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What every measurement shares.
struct Bench {
    topt: PathBuf,
    me: PathBuf,
    work: tempfile::TempDir,
    workers: usize,
    cores: usize,
    intake: Server,
    sink: Server,
}

/// A server child (the intake, the sink), killed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(cmd: &mut Command, addr_file: &Path) -> Server {
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        while !addr_file.exists() {
            std::thread::sleep(Duration::from_millis(10));
        }
        let url = std::fs::read_to_string(addr_file)
            .unwrap()
            .trim()
            .to_string();
        Server { child, url }
    }

    fn cpu(&self) -> Duration {
        child::cpu_of(self.child.id())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One tree: its `bazel-testlogs`, the context and what was generated.
struct Case {
    dir: PathBuf,
    files: usize,
    test_events: usize,
    tree: tree::Tree,
}

impl Case {
    fn new(dir: PathBuf, files: usize, test_events: usize) -> Case {
        let mut c = Case {
            dir,
            files,
            test_events,
            tree: tree::Tree {
                files: 0,
                bytes: 0,
                targets: 0,
            },
        };
        c.regenerate();
        c
    }

    fn testlogs(&self) -> PathBuf {
        self.dir.join("bazel-testlogs")
    }

    fn context(&self) -> PathBuf {
        self.dir.join("context.json")
    }

    /// A fresh tree (the upload deleted the last one's payloads).
    fn regenerate(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        std::fs::create_dir_all(&self.dir).unwrap();
        std::fs::write(self.context(), tree::context().to_string()).unwrap();
        self.tree = tree::generate(&self.testlogs(), self.files, self.test_events);
    }

    fn mb(&self) -> f64 {
        self.tree.bytes as f64 / 1e6
    }

    fn left(&self) -> usize {
        tree::payload_files(&self.testlogs()).len()
    }
}

impl Bench {
    fn log(&self, name: &str) -> PathBuf {
        self.work.path().join(format!("{name}.log"))
    }

    fn doctor(&self, c: &Case) -> Usage {
        child::run(
            Command::new(&self.topt)
                .args(["doctor", "--testlogs"])
                .arg(c.testlogs())
                .arg("--context")
                .arg(c.context()),
            &self.log("doctor"),
        )
    }

    /// `topt upload` into the intake; returns its usage and the intake's CPU time meanwhile.
    fn upload(&self, c: &Case) -> (Usage, Duration) {
        let before = self.intake.cpu();
        let u = child::run(
            self.with_intake(Command::new(&self.topt).args([
                "upload",
                "--no-progress",
                "--quiescent-sec",
                "0",
                "--workers",
                &self.workers.to_string(),
            ]))
            .arg("--testlogs")
            .arg(c.testlogs())
            .arg("--context")
            .arg(c.context()),
            &self.log("upload"),
        );
        let left = c.left();
        assert_eq!(left, 0, "topt upload left {left} payload files");
        (u, self.intake.cpu().saturating_sub(before))
    }

    /// `topt ci -- true`: doctor, dry-run and upload of a tree the "tests" left.
    fn ci(&self, c: &Case) -> Usage {
        let u = child::run(
            self.with_intake(Command::new(&self.topt).arg("ci"))
                .arg("--testlogs")
                .arg(c.testlogs())
                .arg("--context")
                .arg(c.context())
                .args(["--", "true"]),
            &self.log("ci"),
        );
        let left = c.left();
        assert_eq!(left, 0, "topt ci left {left} payload files");
        u
    }

    fn with_intake<'c>(&self, cmd: &'c mut Command) -> &'c mut Command {
        cmd.env("DD_API_KEY", "bench")
            .env("DD_TEST_OPTIMIZATION_AGENTLESS_URL", &self.intake.url)
            .env_remove("DD_TEST_OPTIMIZATION_AGENT_URL")
            .env_remove("DD_SITE")
    }

    /// The raw read+POST of every payload file to `server`; returns the server's CPU meanwhile.
    fn raw_post(&self, c: &Case, server: &Server, url: &str) -> (Usage, Duration) {
        let before = server.cpu();
        let u = child::run(
            Command::new(&self.me)
                .arg("raw-post")
                .arg(url)
                .arg(c.testlogs())
                .arg(self.workers.to_string()),
            &self.log("raw-post"),
        );
        (u, server.cpu().saturating_sub(before))
    }

    /// Read + parse into `serde_json::Value`, or (`validate`) read + check only, building nothing.
    fn raw_parse(&self, c: &Case, validate: bool) -> Usage {
        child::run(
            Command::new(&self.me)
                .arg("raw-parse")
                .arg(c.testlogs())
                .arg(self.cores.to_string())
                .args(validate.then_some("validate")),
            &self.log("raw-parse"),
        )
    }
}

fn bench() {
    let me = std::env::current_exe().unwrap();
    let release = me.parent().and_then(Path::parent).unwrap().to_path_buf();
    let topt = release.join("topt");
    assert!(
        topt.exists(),
        "build the binary first: cargo build --release -p topt-cli ({} missing)",
        topt.display()
    );
    let trees = std::env::var_os("TOPT_BENCH_TREES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let shm = PathBuf::from("/dev/shm");
            if shm.is_dir() {
                shm
            } else {
                std::env::temp_dir()
            }
        });
    let work = tempfile::Builder::new()
        .prefix("topt-bench-upload-")
        .tempdir_in(&trees)
        .unwrap();
    let intake_addr = work.path().join("intake.url");
    let intake = Server::start(
        Command::new(&topt)
            .args(["intake", "--quiet", "--addr-file"])
            .arg(&intake_addr),
        &intake_addr,
    );
    let sink_addr = work.path().join("sink.url");
    let sink = Server::start(Command::new(&me).arg("sink").arg(&sink_addr), &sink_addr);
    let b = Bench {
        topt,
        me,
        workers: env_or("TOPT_BENCH_WORKERS", 8),
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        work,
        intake,
        sink,
    };
    println!(
        "trees in {} ({}), {} cores, {} upload workers",
        trees.display(),
        fs_name(&trees),
        b.cores,
        b.workers
    );
    let throughput = throughput(&b);
    let growth = growth(&b);
    let out = std::env::var_os("TOPT_BENCH_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| release.parent().unwrap().join("bench"));
    std::fs::create_dir_all(&out).unwrap();
    let report =
        json!({"cores": b.cores, "workers": b.workers, "throughput": throughput, "growth": growth});
    std::fs::write(out.join("upload.json"), report.to_string()).unwrap();
    println!("figures written to {}", out.join("upload.json").display());
}

/// The file system type of `dir` (`tmpfs`, `ext4`, …), from /proc/mounts.
fn fs_name(dir: &Path) -> String {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    mounts
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() > 2 && dir.starts_with(f[1])).then(|| (f[1].len(), f[2].to_string()))
        })
        .max()
        .map_or_else(|| "unknown".into(), |(_, t)| t)
}

/// Best (shortest) of several runs, with the server CPU measured during it.
#[derive(Default, Clone, Copy)]
struct Best {
    usage: Option<Usage>,
    server_cpu: Duration,
}

impl Best {
    fn add(&mut self, u: Usage, server_cpu: Duration) {
        if self.usage.is_none_or(|b| u.wall < b.wall) {
            *self = Best {
                usage: Some(u),
                server_cpu,
            };
        }
    }

    fn get(&self) -> Usage {
        self.usage.unwrap()
    }
}

fn throughput(b: &Bench) -> serde_json::Value {
    let n = env_or("TOPT_BENCH_FILES", 10_000);
    let rounds = env_or("TOPT_BENCH_ROUNDS", 3).max(1);
    let mut c = Case::new(b.work.path().join("throughput"), n, 2);
    let [
        mut parse,
        mut validate,
        mut doctor,
        mut sink,
        mut raw,
        mut upload,
    ] = [Best::default(); 6];
    let url = format!("{}/api/v2/citestcycle", b.intake.url);
    for round in 0..rounds {
        if round > 0 {
            c.regenerate();
        }
        parse.add(b.raw_parse(&c, false), Duration::ZERO);
        validate.add(b.raw_parse(&c, true), Duration::ZERO);
        doctor.add(b.doctor(&c), Duration::ZERO);
        let (u, s) = b.raw_post(&c, &b.sink, &b.sink.url);
        sink.add(u, s);
        let (u, s) = b.raw_post(&c, &b.intake, &url);
        raw.add(u, s);
        let (u, s) = b.upload(&c);
        upload.add(u, s);
    }
    println!(
        "\n== throughput: {} payload files ({:.1} MB, {} targets), best of {rounds} rounds",
        c.tree.files,
        c.mb(),
        c.tree.targets
    );
    println!(
        "{:<34} {:>8} {:>9} {:>7} {:>8} {:>8}  server CPU per request",
        "", "wall", "files/s", "MB/s", "CPU", "peak RSS"
    );
    let line = |what: &str, best: &Best, server: bool| {
        let u = best.get();
        let secs = u.wall.as_secs_f64();
        let extra = if server {
            format!(
                "{:.0} µs",
                best.server_cpu.as_secs_f64() * 1e6 / c.tree.files as f64
            )
        } else {
            String::new()
        };
        println!(
            "{what:<34} {:>6.3} s {:>9.0} {:>7.1} {:>6.2} s {:>5.1} MB  {extra}",
            secs,
            c.tree.files as f64 / secs,
            c.mb() / secs,
            u.cpu.as_secs_f64(),
            u.rss_mb()
        );
    };
    line("raw read+POST -> bare sink", &sink, true);
    line("raw read+POST -> topt intake", &raw, true);
    line("topt upload -> topt intake", &upload, true);
    let up_ratio = raw.get().wall.as_secs_f64() / upload.get().wall.as_secs_f64();
    println!(
        "  upload / raw read+POST into the same intake: {:.0} % (target >= 50 %)",
        100.0 * up_ratio
    );
    line(
        &format!("raw read+parse JSON ({} threads)", b.cores),
        &parse,
        false,
    );
    line("topt doctor", &doctor, false);
    line(
        &format!("raw read+validate only ({} threads)", b.cores),
        &validate,
        false,
    );
    let doc_ratio = parse.get().wall.as_secs_f64() / doctor.get().wall.as_secs_f64();
    let strict_ratio = validate.get().wall.as_secs_f64() / doctor.get().wall.as_secs_f64();
    println!(
        "  doctor / raw read+parse into a Value: {:.0} % (target >= 50 %); / read+validate only: {:.0} %",
        100.0 * doc_ratio,
        100.0 * strict_ratio
    );
    let fig = |best: &Best| {
        let u = best.get();
        json!({"wall_s": u.wall.as_secs_f64(), "cpu_s": u.cpu.as_secs_f64(), "rss_kib": u.rss_kib,
            "server_cpu_s": best.server_cpu.as_secs_f64()})
    };
    json!({"files": c.tree.files, "bytes": c.tree.bytes, "rounds": rounds,
        "raw_post_sink": fig(&sink), "raw_post_intake": fig(&raw), "upload": fig(&upload),
        "raw_parse": fig(&parse), "raw_validate": fig(&validate), "doctor": fig(&doctor),
        "upload_ratio": up_ratio, "doctor_ratio": doc_ratio, "doctor_validate_ratio": strict_ratio})
}

fn growth(b: &Bench) -> serde_json::Value {
    let sizes: Vec<usize> = std::env::var("TOPT_BENCH_GROWTH")
        .unwrap_or_else(|_| "1000,10000,100000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    // ~1 MB test payloads (300 test events): 70 of every 100 files.
    let gb_mb: usize = env_or("TOPT_BENCH_GB_MB", 1000);
    let mut cases: Vec<(String, usize, usize)> = sizes
        .iter()
        .map(|&n| (format!("{} files", thousands(n)), n, 2))
        .collect();
    if gb_mb > 0 {
        let n = (gb_mb * 100 / 70).max(1);
        cases.push((format!("{} MB tree", thousands(gb_mb)), n, 300));
    }
    println!(
        "\n== growth: time and peak RSS (wait4) of each process; ci = topt ci -- true (doctor, dry-run, upload)"
    );
    println!(
        "{:<18} {:>7} {:>8} | {:>8} {:>9} {:>8} | {:>8} {:>9} {:>8} | {:>8} {:>8}",
        "tree", "files", "MB", "upload", "files/s", "RSS", "doctor", "files/s", "RSS", "ci", "RSS"
    );
    let mut rows = Vec::new();
    for (label, n, events) in cases {
        let mut c = Case::new(b.work.path().join("growth"), n, events);
        let doctor = b.doctor(&c);
        let (upload, _) = b.upload(&c);
        c.regenerate();
        let ci = b.ci(&c);
        let rate = |u: &Usage| c.tree.files as f64 / u.wall.as_secs_f64();
        println!(
            "{label:<18} {:>7} {:>8.1} | {:>6.2} s {:>9.0} {:>5.1} MB | {:>6.2} s {:>9.0} {:>5.1} MB | {:>6.2} s {:>5.1} MB",
            c.tree.files,
            c.mb(),
            upload.wall.as_secs_f64(),
            rate(&upload),
            upload.rss_mb(),
            doctor.wall.as_secs_f64(),
            rate(&doctor),
            doctor.rss_mb(),
            ci.wall.as_secs_f64(),
            ci.rss_mb()
        );
        let fig = |u: &Usage| json!({"wall_s": u.wall.as_secs_f64(), "cpu_s": u.cpu.as_secs_f64(), "rss_kib": u.rss_kib});
        rows.push(json!({"label": label, "files": c.tree.files, "bytes": c.tree.bytes,
            "large_payloads": events > 2, "upload": fig(&upload), "doctor": fig(&doctor), "ci": fig(&ci)}));
        let _ = std::fs::remove_dir_all(&c.dir);
    }
    serde_json::Value::Array(rows)
}

/// `100000` → `100,000`.
fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}
