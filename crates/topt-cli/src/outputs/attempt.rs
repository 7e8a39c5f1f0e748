//! One test attempt and where its outputs are: the unit every source of attempts produces.

use std::path::PathBuf;

use super::cached::Cached;

/// One test attempt (a target, or one shard / run of it) and where its undeclared outputs are.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// `//pkg:name` (shards, runs and retries keep a suffix saying which).
    pub label: String,
    /// The attempt's `test.outputs` directory: payload files are read only below it.
    pub dir: PathBuf,
    /// `outputs.zip` inside it, if Bazel zipped the undeclared outputs.
    pub zip: Option<PathBuf>,
    /// Set when the attempt's result came from a cache: its payloads were the executing run's.
    pub cached: Option<Cached>,
    /// Set for an attempt the Build Event Protocol named.
    pub bep: Option<FromBep>,
}

/// What the Build Event Protocol says about an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromBep {
    pub identity: Identity,
    /// The `bytestream://` URI its outputs were fetched from (into a temp `dir`), for messages;
    /// `None` when they were read where Bazel left them.
    pub fetched_from: Option<String>,
}

/// Which attempt of which test, as the BEP names it: with an entry's name and bytes, the key the
/// upload ledger remembers a sent payload by (`crate::ledger::payload_key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub label: String,
    pub configuration: Option<String>,
    pub run: u32,
    pub shard: u32,
    pub attempt: u32,
}
