//! One test attempt and where its outputs are: the unit every source of attempts produces.

use std::path::PathBuf;

use super::cached::Cached;

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
    pub cached: Option<Cached>,
}
