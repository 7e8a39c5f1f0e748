//! `cargo xtask bench`: every benchmark in release mode, each printing its figures next to the
//! raw limit of this machine measured in the same run. Benchmarks are programs, not timed tests,
//! so a slow machine never turns CI red.

use std::process::Command;

use crate::{Result, root};

/// (package, example) pairs; an example that does not exist yet is skipped with a note.
const BENCHES: &[(&str, &str)] = &[
    ("topt-core", "bench_core"),
    ("topt-cli", "bench_sync"),
    ("topt-cli", "bench_upload"),
    // Fetching outputs from a local BuildGrid against reading them locally (skips itself
    // without BuildGrid).
    ("topt-cli", "bench_remote"),
];

pub(crate) fn run() -> Result {
    let root = root();
    for (package, example) in BENCHES {
        let dir = if *package == "topt-core" {
            "crates/topt-core"
        } else {
            "crates/topt-cli"
        };
        if !root
            .join(dir)
            .join("examples")
            .join(format!("{example}.rs"))
            .is_file()
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
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !status.success() {
            return Err(format!("{package}/{example} failed ({status})"));
        }
    }
    Ok(())
}
