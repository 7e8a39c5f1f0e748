//! The doctor's report: findings grouped by target, human text or JSON.

use serde_json::{Value, json};
use topt_core::payloads::checks::{Finding, Severity};

use topt_core::payloads::kind::SIDECAR;
use topt_core::payloads::selection::SELECTION_KEY;

use crate::counted::counted;

/// What the reference's doctor puts before each of its lines, and docs/doctor.md promises.
pub const PREFIX: &str = "[dd-test-optimization-doctor]";

#[derive(Debug, Default)]
pub struct Group {
    pub label: String,
    pub dir: Option<String>,
    pub items: Vec<(Option<String>, Finding)>,
}

#[derive(Debug, Default)]
pub struct Report {
    pub global: Group,
    pub targets: Vec<Group>,
    pub selections: std::collections::BTreeMap<String, u64>,
    pub validated_dirs: usize,
    /// Attempts with nothing to check because their results came from a cache.
    pub cached_dirs: usize,
}

impl Report {
    pub fn count(&self, s: Severity) -> usize {
        std::iter::once(&self.global)
            .chain(&self.targets)
            .flat_map(|g| &g.items)
            .filter(|(_, f)| f.severity == s)
            .count()
    }

    fn selection_summary(&self) -> String {
        if self.selections.is_empty() {
            // Only Go targets report which cache file their payloads were selected from.
            return format!("none (no {SIDECAR} has {SELECTION_KEY}: only Go targets report one)");
        }
        self.selections
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Human output: every line starts with `[dd-test-optimization-doctor]` (the prefix the
    /// reference's messages carry); errors, their target's header and the failure summary go to
    /// stderr, everything else to stdout.
    pub fn print_human(&self, verbose: bool) {
        let out = |line: &str| println!("{PREFIX} {line}");
        let err = |line: &str| eprintln!("{PREFIX} {line}");
        for g in std::iter::once(&self.global).chain(&self.targets) {
            let header = match &g.dir {
                Some(d) => format!("{}  ({d})", g.label),
                None => g.label.clone(),
            };
            let (mut header_out, mut header_err) = (false, false);
            for (file, f) in &g.items {
                if !verbose && f.severity == Severity::Info {
                    continue;
                }
                let (print, shown): (&dyn Fn(&str), &mut bool) = if f.severity == Severity::Error {
                    (&err, &mut header_err)
                } else {
                    (&out, &mut header_out)
                };
                if !*shown {
                    print(&header);
                    *shown = true;
                }
                let loc = file
                    .as_deref()
                    .map(|x| format!("{x}: "))
                    .unwrap_or_default();
                print(&format!("  {:<7} {loc}{}", f.severity.name(), f.message));
                if !f.fix.is_empty() {
                    print(&format!("          fix: {}", f.fix));
                }
            }
        }
        out(&format!(
            "payload selection summary: {}",
            self.selection_summary()
        ));
        let (e, w) = (self.count(Severity::Error), self.count(Severity::Warning));
        if e == 0 {
            let cached = if self.cached_dirs > 0 {
                format!(
                    "; {} with nothing left to upload",
                    counted(self.cached_dirs, "cached result", "cached results")
                )
            } else {
                String::new()
            };
            out(&format!(
                "OK: validated {}{cached}{}",
                counted(
                    self.validated_dirs,
                    "test output directory",
                    "test output directories"
                ),
                if w > 0 {
                    format!(" ({})", counted(w, "warning", "warnings"))
                } else {
                    String::new()
                }
            ));
        } else {
            err(&format!(
                "FAILED: {}, {}",
                counted(e, "error", "errors"),
                counted(w, "warning", "warnings")
            ));
        }
    }

    pub fn to_json(&self) -> Value {
        let group = |g: &Group| {
            json!({"target": g.label, "dir": g.dir, "findings": g.items.iter().map(|(file, f)| json!({
                "severity": f.severity.name(), "file": file, "message": f.message, "fix": f.fix})).collect::<Vec<_>>()})
        };
        json!({
            "ok": self.count(Severity::Error) == 0,
            "errors": self.count(Severity::Error),
            "warnings": self.count(Severity::Warning),
            "validated_dirs": self.validated_dirs,
            "cached_dirs": self.cached_dirs,
            "payload_selections": self.selections,
            "global": group(&self.global),
            "targets": self.targets.iter().map(group).collect::<Vec<_>>(),
        })
    }
}
