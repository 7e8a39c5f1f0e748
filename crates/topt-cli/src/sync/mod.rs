//! `topt sync`: fetch settings, known tests, test management and flaky tests once and write the
//! sync repository (docs/sync.md). The Bazel repository rule only runs this.
//!
//! Flow: validate every input (exit 2 before any request) → collect git/CI metadata → per
//! service: settings, kill-switches, gated feature requests → `<out_dir>` tree → generated
//! `BUILD`/`export.bzl`/`module_runfiles.bzl` → (several services) the aggregator.

mod args;
mod canonical;
mod context;
mod env;
mod fetch;
mod generate;
mod git;
mod github_event;
mod http;
mod inputs;
mod json;
mod log;
mod meta;
mod multi;
mod plan;
mod providers;
mod requests;
mod response;
mod run;
mod runtimes;
mod service;
mod settings;
mod shape;
mod site;
mod skim;
mod split;
mod telemetry;
pub mod tree;

pub use args::Args;
pub use run::run;
