//! `topt`: sync backend metadata, inspect what libtopt sees, validate and upload payloads.
//!
//! The binary (`src/main.rs`) only calls [`main`]. The library target exists so integration tests
//! and fuzz targets can call the code that reads untrusted files ([`outputs`]) without spawning
//! the binary.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

mod bep;
mod ci;
mod completions;
mod counted;
mod doctor;
mod http;
mod inspect;
mod intake;
mod json_text;
mod ledger;
pub mod outputs;
mod remote;
mod sync;
mod upload;

const EXAMPLES: &str = "\
Examples:
  # Once per CI run, before the tests: fetch the backend metadata (the Bazel repository rule
  # runs this for you; see docs/bazel.md):
  DD_API_KEY=... topt sync --service checkout-api --runtime-name go

  # Run the tests, check their payloads, upload them, in one step:
  CTX=$(bazel info output_base)/external/test_optimization_data/.testoptimization/context.json
  DD_API_KEY=... topt ci --context \"$CTX\" -- bazel test //...

  # The same step by step, after `bazel test //...`:
  topt doctor --context \"$CTX\"
  DD_API_KEY=... topt upload --context \"$CTX\"

  # Everything without a Datadog account, against a local stand-in (see scripts/demo.sh):
  topt intake --port 0 --addr-file /tmp/intake.url &
  DD_TEST_OPTIMIZATION_AGENTLESS_URL=$(cat /tmp/intake.url) DD_API_KEY=local topt upload --dry-run

  # What libtopt sees in a test's environment:
  topt inspect

Each command's flags, environment, exit status and examples: topt <command> --help.
Shell completions: topt completions bash|zsh|fish; man pages: cargo xtask man (target/man/).";

/// Datadog Test Optimization for Bazel: hermetic, offline, cache-friendly.
#[derive(Debug, Parser)]
#[command(name = "topt", version, long_about = None, propagate_version = true,
    after_help = EXAMPLES)]
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
    /// Print the completion script for bash, zsh, fish, elvish or PowerShell.
    Completions(completions::Args),
}

/// The whole command tree, as `--help`, `topt completions` and the man pages show it. Variables
/// are named but their values never shown (`[env: DD_API_KEY]`, not its value or a bare `=`).
pub fn command() -> clap::Command {
    fn hide_env_values(command: clap::Command) -> clap::Command {
        command
            .mut_args(|arg| arg.hide_env_values(true))
            .mut_subcommands(hide_env_values)
    }
    hide_env_values(Cli::command())
}

/// Parses the command line and runs the subcommand.
pub fn main() -> ExitCode {
    let cli = match Cli::from_arg_matches(&command().get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    match cli.command {
        Command::Sync(args) => sync::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Doctor(args) => doctor::run(args),
        Command::Upload(args) => upload::run(args),
        Command::Ci(args) => ci::run(args),
        Command::Intake(args) => intake::run(args),
        Command::Completions(args) => completions::run(&args, command()),
    }
}
