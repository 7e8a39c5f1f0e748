//! The test outputs of test attempts, shared by `topt doctor` and `topt upload`: where each
//! attempt's undeclared outputs are ([`Attempt`], found by [`testlogs`] today), what a payload
//! file is and how it is read ([`file`], [`payloads`]), how a Bazel ≤ 7 `outputs.zip` is read
//! ([`zip`]), what is valid ([`verdict`]), the target metadata sidecar ([`sidecar`]) and the
//! `context.json` files payloads are enriched with ([`contexts`]).
//!
//! An [`Attempt`] is the one abstraction for "where the outputs of one test attempt come from":
//! today every `test.outputs` directory under `bazel-testlogs`, its cache evidence inferred
//! ([`cached`]); a Build Event Protocol reader can produce the same values from the invocation's
//! exact list of attempts, each marked cached or not by Bazel itself.

pub mod cached;
pub mod contexts;
pub mod file;
pub mod payloads;
pub mod sidecar;
pub mod testlogs;
pub mod verdict;
pub mod zip;

use std::path::PathBuf;

/// One test attempt (a target, or one shard / run of it) and where its undeclared outputs are.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// `//pkg:name`, derived from the path (shards/runs keep their suffix).
    pub label: String,
    /// The attempt's `test.outputs` directory: payload files are read only below it.
    pub dir: PathBuf,
    /// `outputs.zip` inside it, if Bazel zipped the undeclared outputs.
    pub zip: Option<PathBuf>,
    /// Set when the attempt's result came from a cache: its payloads were the executing run's.
    pub cached: Option<cached::Cached>,
}
