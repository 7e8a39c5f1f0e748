//! `topt`: sync backend metadata, inspect what libtopt sees, validate and upload payloads.
//!
//! The binary (`src/main.rs`) only calls [`main`]. The library target exists so integration tests
//! and fuzz targets can call the code that reads untrusted files ([`outputs`]) without spawning
//! the binary.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

// bep, ledger and remote are not yet used by upload/doctor/ci (they read bazel-testlogs today): their
// unused items are allowed until they are wired in.
#[allow(dead_code, unused_imports)]
mod bep;
mod ci;
mod counted;
mod doctor;
mod http;
mod inspect;
mod intake;
#[allow(dead_code, unused_imports)]
mod ledger;
pub mod outputs;
#[allow(dead_code, unused_imports)]
mod remote;
mod sync;
mod upload;

/// Datadog Test Optimization for Bazel: hermetic, offline, cache-friendly.
#[derive(Debug, Parser)]
#[command(name = "topt", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fetch settings, known tests, test management and flaky tests once; write the synced tree.
    Sync(sync::Args),
    /// Show what libtopt sees in the current environment (manifest, cache files, payload dir).
    Inspect(inspect::Args),
    /// Validate payloads, target metadata, contexts and Git metadata after `bazel test`.
    Doctor(doctor::Args),
    /// Upload payload files from bazel-testlogs; delete only what the intake accepted.
    Upload(upload::Args),
    /// Run tests, then doctor, then a dry-run enrichment, then the real upload.
    Ci(ci::Args),
    /// Run a local stand-in for the Datadog intake / agent EVP proxy that records what it gets.
    Intake(intake::Args),
}

/// Parses the command line and runs the subcommand.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Sync(args) => sync::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Doctor(args) => doctor::run(args),
        Command::Upload(args) => upload::run(args),
        Command::Ci(args) => ci::run(args),
        Command::Intake(args) => intake::run(args),
    }
}
