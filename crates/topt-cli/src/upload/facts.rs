//! Telemetry augmentation inputs: `telemetry_facts.json` files (`--telemetry-facts`, and the one
//! next to every context) and the tracer telemetry files they are matched with.

use std::path::{Path, PathBuf};

use topt_core::payloads::context::ContextSet;
use topt_core::payloads::kind::Kind;
use topt_core::payloads::schema;
use topt_core::payloads::telemetry::{self, Facts, Plan, TracerFile};

use super::work::Work;

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

/// Reads the plain telemetry files about to be sent and plans the augmentation.
pub fn plan(facts: &[Facts], work: &[Work], run_id: &str, max_bytes: u64) -> Plan {
    let files: Vec<TracerFile> = work
        .iter()
        .filter_map(|w| match w {
            Work::File { item, .. } if item.kind == Kind::Telemetry => {
                let bytes = item.open_dir().ok()?.read(&item.name, max_bytes).ok()?;
                let body = schema::parse_json(&bytes).ok()?;
                Some(TracerFile::of(item.path.display().to_string(), &body))
            }
            _ => None,
        })
        .collect();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    telemetry::plan(facts, &files, now, run_id)
}
