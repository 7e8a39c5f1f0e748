//! The doctor's report: findings grouped by target, human text or JSON.

use serde_json::{Value, json};
use topt_core::payloads::checks::{Finding, Severity};

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
            return "none".into();
        }
        self.selections
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn print_human(&self, verbose: bool) {
        for g in std::iter::once(&self.global).chain(&self.targets) {
            let shown: Vec<&(Option<String>, Finding)> = g
                .items
                .iter()
                .filter(|(_, f)| verbose || f.severity != Severity::Info)
                .collect();
            if shown.is_empty() {
                continue;
            }
            match &g.dir {
                Some(d) => println!("{}  ({d})", g.label),
                None => println!("{}", g.label),
            }
            for (file, f) in shown {
                let loc = file
                    .as_deref()
                    .map(|x| format!("{x}: "))
                    .unwrap_or_default();
                println!("  {:<7} {loc}{}", f.severity.name(), f.message);
                if !f.fix.is_empty() {
                    println!("          fix: {}", f.fix);
                }
            }
        }
        println!("payload selection summary: {}", self.selection_summary());
        let (e, w) = (self.count(Severity::Error), self.count(Severity::Warning));
        if e == 0 {
            let cached = if self.cached_dirs > 0 {
                format!(
                    "; {} cached result(s) with nothing left to upload",
                    self.cached_dirs
                )
            } else {
                String::new()
            };
            println!(
                "OK: validated {} test output directorie(s){cached}{}",
                self.validated_dirs,
                if w > 0 {
                    format!(" ({w} warning(s))")
                } else {
                    String::new()
                }
            );
        } else {
            eprintln!("[dd-test-optimization-doctor] FAILED: {e} error(s), {w} warning(s)");
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
