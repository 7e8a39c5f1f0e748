//! Counting results per target and printing them: one line per target (or JSON), totals, rate.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};
use topt_core::payloads::kind::Kind;

use super::work::{FileResult, Status};

#[derive(Debug, Default, Clone)]
pub struct TargetSummary {
    pub label: String,
    pub dir: String,
    pub context: Option<String>,
    /// (status, kind) → count
    pub counts: BTreeMap<(&'static str, &'static str), u64>,
    pub problems: Vec<Value>,
}

#[derive(Debug, Default)]
pub struct Summary {
    pub targets: Vec<TargetSummary>,
    /// Attempts the BEP says came from a cache, or whose outputs were already uploaded:
    /// `{"label", "why"}`, nothing sent for them.
    pub cached: Vec<Value>,
    pub totals: BTreeMap<&'static str, u64>,
    pub bytes: u64,
    pub files_sent: u64,
}

impl Summary {
    pub fn add(&mut self, r: &FileResult) {
        *self.totals.entry(r.status.name()).or_default() += 1;
        if matches!(r.status, Status::Uploaded) {
            self.bytes += r.bytes;
            self.files_sent += 1;
        }
        let Some(t) = self.targets.get_mut(r.dir) else {
            return;
        };
        *t.counts
            .entry((r.status.name(), r.kind.dir_name()))
            .or_default() += 1;
        let fine = matches!(
            r.status,
            Status::Uploaded | Status::Checked | Status::AlreadyUploaded
        );
        if !fine || !r.warnings.is_empty() {
            t.problems.push(
                json!({"file": r.file, "kind": r.kind.dir_name(), "status": r.status.name(),
                "detail": r.detail, "warnings": r.warnings}),
            );
        }
    }

    /// Every result counted so far.
    pub fn results(&self) -> u64 {
        self.totals.values().sum()
    }

    pub fn count(&self, s: Status) -> u64 {
        self.totals.get(s.name()).copied().unwrap_or(0)
    }

    /// Failures that make the exit status 1 (files left unsent by `--max-run-sec` included).
    pub fn failures(&self) -> u64 {
        self.count(Status::Failed) + self.count(Status::Rejected) + self.count(Status::Deadline)
    }

    /// `//pkg:t: 3 uploaded (2 tests, 1 coverage), 1 failed (1 tests)`.
    pub fn target_lines(&self) -> Vec<String> {
        let order = [
            "uploaded",
            "checked",
            "skipped",
            "failed",
            "rejected",
            "taken",
            "not_attempted",
            "deadline",
            "already_uploaded",
        ];
        self.targets
            .iter()
            .filter(|t| !t.counts.is_empty())
            .map(|t| {
                let parts: Vec<String> = order
                    .iter()
                    .filter_map(|st| {
                        let by_kind: Vec<String> = Kind::ALL
                            .iter()
                            .filter_map(|k| {
                                t.counts
                                    .get(&(*st, k.dir_name()))
                                    .map(|n| format!("{n} {}", k.dir_name()))
                            })
                            .collect();
                        let total: u64 = Kind::ALL
                            .iter()
                            .filter_map(|k| t.counts.get(&(*st, k.dir_name())))
                            .sum();
                        (total > 0).then(|| {
                            format!("{total} {} ({})", st.replace('_', " "), by_kind.join(", "))
                        })
                    })
                    .collect();
                format!("{}: {}", t.label, parts.join(", "))
            })
            .collect()
    }

    pub fn to_json(
        &self,
        dry_run: bool,
        mode: &str,
        elapsed: Duration,
        interrupted: bool,
    ) -> Value {
        let secs = elapsed.as_secs_f64();
        let targets: Vec<Value> = self
            .targets
            .iter()
            .map(|t| {
                let counts: BTreeMap<String, u64> = t.counts.iter().map(|((s, k), n)| (format!("{s}.{k}"), *n)).collect();
                json!({"label": t.label, "dir": t.dir, "context": t.context, "counts": counts, "problems": t.problems})
            })
            .collect();
        json!({
            "ok": self.failures() == 0 && !interrupted,
            "dry_run": dry_run,
            "mode": mode,
            "interrupted": interrupted,
            "elapsed_sec": secs,
            "files_per_sec": if secs > 0.0 { self.files_sent as f64 / secs } else { 0.0 },
            "bytes_sent": self.bytes,
            "totals": self.totals,
            "targets": targets,
            "cached": self.cached,
        })
    }
}
