//! Where Bazel keeps an attempt's outputs under `bazel-testlogs` when they are on this machine,
//! so a `bytestream://` output can be read from the local copy when there is one (tests that ran
//! locally with a remote cache, or whose outputs were downloaded).
//!
//! `bazel-testlogs/<package>/<name>[/<shard_S_of_N_run_R_of_M>]/`, holding `test.log`, `test.xml`
//! and `test.outputs/outputs.zip` for the last attempt of a run / shard, and
//! `test_attempts/attempt_<A>.{log,xml,outputs/outputs.zip}` for the attempts before it.
//! External targets (`@repo//pkg:name`) live under `external/repo/pkg/name`.

use std::path::PathBuf;

use super::{Invocation, OutputKind, OutputRef, TestAttempt};

impl Invocation {
    /// The path, relative to `bazel-testlogs`, where Bazel keeps this output of this attempt;
    /// `None` for an output name without a fixed place or a label that cannot be a path.
    pub fn testlogs_path(&self, attempt: &TestAttempt, output: &OutputRef) -> Option<PathBuf> {
        let mut dir = target_dir(&attempt.label)?;
        let summary = self
            .summaries
            .iter()
            .find(|s| s.label == attempt.label && s.configuration == attempt.configuration);
        let shards = summary.map_or(0, |s| s.shard_count);
        let runs = summary.map_or(0, |s| s.run_count);
        match (shards > 1, runs > 1) {
            (true, true) => dir.push(format!(
                "shard_{}_of_{shards}_run_{}_of_{runs}",
                attempt.shard, attempt.run
            )),
            (true, false) => dir.push(format!("shard_{}_of_{shards}", attempt.shard)),
            (false, true) => dir.push(format!("run_{}_of_{runs}", attempt.run)),
            (false, false) => {}
        }
        let last_attempt = self
            .attempts
            .iter()
            .filter(|a| {
                a.label == attempt.label
                    && a.configuration == attempt.configuration
                    && a.run == attempt.run
                    && a.shard == attempt.shard
            })
            .map(|a| a.attempt)
            .max()
            .unwrap_or(attempt.attempt);
        let earlier = attempt.attempt < last_attempt;
        let prefix = format!("test_attempts/attempt_{}", attempt.attempt);
        let rel = match (output.kind(), earlier) {
            (OutputKind::Log, false) => "test.log".to_string(),
            (OutputKind::Log, true) => format!("{prefix}.log"),
            (OutputKind::Xml, false) => "test.xml".to_string(),
            (OutputKind::Xml, true) => format!("{prefix}.xml"),
            (OutputKind::UndeclaredOutputsZip, false) => "test.outputs/outputs.zip".to_string(),
            (OutputKind::UndeclaredOutputsZip, true) => format!("{prefix}.outputs/outputs.zip"),
            (OutputKind::UndeclaredOutput(p), false) if safe_relative(p) => {
                format!("test.outputs/{p}")
            }
            (OutputKind::UndeclaredOutput(p), true) if safe_relative(p) => {
                format!("{prefix}.outputs/{p}")
            }
            _ => return None,
        };
        dir.push(rel);
        Some(dir)
    }
}

/// `//pkg/sub:name` → `pkg/sub/name`; `@repo//pkg:name` → `external/repo/pkg/name`.
fn target_dir(label: &str) -> Option<PathBuf> {
    let (repo, rest) = match label.split_once("//") {
        Some((r, rest)) => (r.strip_prefix('@').unwrap_or(r), rest),
        None => return None,
    };
    let (pkg, name) = rest.split_once(':')?;
    let mut dir = PathBuf::new();
    if !repo.is_empty() {
        if !safe_relative(repo) || repo.contains('/') {
            return None;
        }
        dir.push("external");
        dir.push(repo);
    }
    if !pkg.is_empty() {
        if !safe_relative(pkg) {
            return None;
        }
        dir.push(pkg);
    }
    if !safe_relative(name) {
        return None;
    }
    dir.push(name);
    Some(dir)
}

/// A relative path with no empty, `.` or `..` segment.
pub(super) fn safe_relative(p: &str) -> bool {
    !p.is_empty()
        && p.split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
}
