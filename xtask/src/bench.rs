//! `cargo xtask bench`: every benchmark in release mode, each printing its figures next to the
//! raw limit of this machine measured in the same run, then the growth plot. Benchmarks are
//! programs, not timed tests, so a slow machine never turns CI red.

use std::path::PathBuf;
use std::process::Command;

use crate::{Result, plot, root};

/// (package, example) pairs; an example that does not exist yet is skipped with a note.
const BENCHES: &[(&str, &str)] = &[
    ("topt-core", "bench_core"),
    ("topt-cli", "bench_sync"),
    ("topt-cli", "bench_upload"),
    // Fetching outputs from a local BuildGrid against reading them locally (skips itself
    // without BuildGrid).
    ("topt-cli", "bench_remote"),
];

/// Where the benchmarks write their figures (and the plot): `<target dir>/bench`.
pub(crate) fn out_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| if t.is_relative() { root().join(t) } else { t })
        .unwrap_or_else(|| root().join("target"))
        .join("bench")
}

fn cargo(args: &[&str]) -> Result {
    let status = Command::new(env!("CARGO"))
        .current_dir(root())
        .args(args)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo {} failed ({status})", args.join(" ")))
    }
}

pub(crate) fn run() -> Result {
    let root = root();
    // bench_upload measures the release `topt` binary, which `cargo run --example` does not build.
    cargo(&[
        "build",
        "--release",
        "--quiet",
        "-p",
        "topt-cli",
        "--bin",
        "topt",
    ])?;
    let out = out_dir();
    for (package, example) in BENCHES {
        let dir = if *package == "topt-core" {
            "crates/topt-core"
        } else {
            "crates/topt-cli"
        };
        let examples = root.join(dir).join("examples");
        if !examples.join(format!("{example}.rs")).is_file()
            && !examples.join(example).join("main.rs").is_file()
        {
            println!("(skipping {package}/{example}: not present)");
            continue;
        }
        println!("\n== {package} {example}");
        let status = Command::new(env!("CARGO"))
            .current_dir(&root)
            .args([
                "run",
                "--release",
                "--quiet",
                "-p",
                package,
                "--example",
                example,
            ])
            .env("TOPT_BENCH_DIR", std::env::temp_dir())
            .env("TOPT_BENCH_OUT", &out)
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !status.success() {
            return Err(format!("{package}/{example} failed ({status})"));
        }
    }
    let plot = plot::growth(&out)?;
    println!("\ngrowth plot: {}", plot.display());
    Ok(())
}
