//! Telemetry augmentation inputs: `telemetry_facts.json` files (`--telemetry-facts`, and the one
//! next to every context) and the tracer telemetry files they are matched with.

use std::path::{Path, PathBuf};

use topt_core::payloads::context::ContextSet;
use topt_core::payloads::kind::Kind;
use topt_core::payloads::schema;
use topt_core::payloads::telemetry::{self, Facts, Plan, TracerFile};

use crate::outputs::{Attempt, payloads};

/// Explicit files plus `telemetry_facts.json` beside each context (sync writes them together).
pub fn load(explicit: &[PathBuf], contexts: &ContextSet, warnings: &mut Vec<String>) -> Vec<Facts> {
    let mut paths: Vec<PathBuf> = explicit.to_vec();
    let siblings = contexts
        .override_ctx
        .iter()
        .chain(&contexts.contexts)
        .filter_map(|c| {
            let p = Path::new(&c.source).parent()?.join("telemetry_facts.json");
            p.is_file().then_some(p)
        });
    for p in siblings {
        if !paths.contains(&p) {
            paths.push(p);
        }
    }
    paths
        .iter()
        .filter_map(|p| {
            let shown = p.display().to_string();
            let parsed = std::fs::read(p)
                .map_err(|e| e.to_string())
                .and_then(|b| schema::parse_json(&b))
                .and_then(|v| telemetry::parse_facts(&v, &shown));
            parsed
                .map_err(|e| warnings.push(format!("ignoring telemetry facts {shown}: {e}")))
                .ok()
        })
        .collect()
}

/// Reads the plain telemetry files about to be sent and plans the augmentation (only when there
/// are facts: a run without them reads each file once, when sending it).
pub fn plan(facts: &[Facts], attempts: &[Attempt], run_id: &str, max_bytes: u64) -> Plan {
    let mut files: Vec<TracerFile> = Vec::new();
    for a in attempts {
        let (kinds, _) = payloads::list(&a.dir);
        for k in kinds.iter().filter(|k| k.kind == Kind::Telemetry) {
            files.extend(k.names.iter().filter_map(|(name, _)| {
                let bytes = k.dir.read(name, max_bytes).ok()?;
                let body = schema::parse_json(&bytes).ok()?;
                let shown = k.dir.path().join(name).display().to_string();
                Some(TracerFile::of(shown, &body))
            }));
        }
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    telemetry::plan(facts, &files, now, run_id)
}
