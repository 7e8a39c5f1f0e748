//! Planning a run: run-wide the CODEOWNERS rules, telemetry augmentation and headers, before
//! anything is sent; per attempt, just before its files are sent, its sidecar, the context its
//! test payloads get and the files, in units of work.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use topt_core::payloads::codeowners::Codeowners;
use topt_core::payloads::context::ContextSet;
use topt_core::payloads::enrich::DEFAULT_EXPECTED_TAGS;
use topt_core::payloads::kind::{Kind, passes_prefix_filter};

use super::args::Args;
use super::endpoints::Endpoints;
use super::log::Log;
use super::prepare::{self, Settings};
use super::summary::TargetSummary;
use super::work::{self, Target};
use super::{facts, owners};
use crate::outputs::file::{EntryType, TreeDir};
use crate::outputs::{self, Attempt, payloads};

/// Files of one kind directory handed to one worker: enough to amortise taking the work, few
/// enough that the workers share a target's files.
pub const BATCH: usize = 32;

/// A unit of work for one worker.
#[derive(Debug)]
pub enum Work {
    /// Up to [`BATCH`] files of one kind directory, opened once for all of them, each with its
    /// type as listed.
    Files {
        target: Arc<Target>,
        kind: Kind,
        dir: Arc<TreeDir>,
        names: Vec<(OsString, EntryType)>,
    },
    Zip {
        target: Arc<Target>,
        zip: PathBuf,
        /// How it is named in messages (its `bytestream://` URI when it was fetched).
        shown: String,
    },
}

/// One attempt, planned: its summary entry, a warning to print, the results of directories that
/// break the payload-file rule (reported, untouched), and its work in upload order (tests, then
/// coverage, then telemetry, the zip last).
#[derive(Debug)]
pub struct Planned {
    pub summary: TargetSummary,
    pub warning: Option<String>,
    pub blocked: Vec<work::FileResult>,
    pub work: Vec<Work>,
}

/// Sidecar, context and files of attempt `index`.
pub fn target(args: &Args, contexts: &ContextSet, index: usize, d: &Attempt) -> Planned {
    let (sidecar, blocked) = match outputs::sidecar::read(&d.dir, args.max_bytes()) {
        Ok(m) => (m, None),
        Err(e) => (None, Some(e)),
    };
    let label = sidecar
        .as_ref()
        .and_then(outputs::sidecar::target)
        .map_or_else(|| d.label.clone(), str::to_string);
    let (mut dctx, note) = work::dir_ctx(label.clone(), sidecar, contexts);
    dctx.blocked = blocked;
    let (kinds, stops) = payloads::list(&d.dir);
    if kinds
        .iter()
        .any(|k| k.kind == Kind::Coverage && !k.names.is_empty())
    {
        // Coverage requests carry the same headers as the target's test requests.
        dctx.test_headers = kinds
            .iter()
            .filter(|k| k.kind == Kind::Tests)
            .flat_map(|k| k.names.iter().map(move |(n, _)| (&k.dir, n)))
            .find_map(|(dir, name)| {
                let bytes = dir.read(name, args.max_bytes()).ok()?;
                prepare::test_headers(&bytes, &dctx)
            });
    }
    let has_work = kinds.iter().any(|k| !k.names.is_empty()) || d.zip.is_some();
    let fetched_from = d.bep.as_ref().and_then(|b| b.fetched_from.clone());
    let summary = TargetSummary {
        label: label.clone(),
        dir: fetched_from
            .clone()
            .unwrap_or_else(|| d.dir.display().to_string()),
        context: dctx.context.as_ref().map(|(k, _)| k.clone()),
        ..TargetSummary::default()
    };
    let blocked = stops
        .into_iter()
        .map(|b| {
            work::result(
                index,
                b.kind,
                b.path.display().to_string(),
                work::Status::Failed,
                Some(format!("{}; nothing below it is read", b.problem)),
            )
        })
        .collect();
    let target = Arc::new(Target { index, dctx });
    let mut units = Vec::new();
    for k in kinds {
        let names: Vec<(OsString, EntryType)> = k
            .names
            .into_iter()
            .filter(|(n, _)| {
                !args.filter_prefix || passes_prefix_filter(k.kind, &n.to_string_lossy())
            })
            .collect();
        let dir = Arc::new(k.dir);
        for chunk in names.chunks(BATCH) {
            units.push(Work::Files {
                target: Arc::clone(&target),
                kind: k.kind,
                dir: Arc::clone(&dir),
                names: chunk.to_vec(),
            });
        }
    }
    if let Some(z) = &d.zip {
        units.push(Work::Zip {
            target,
            zip: z.clone(),
            shown: fetched_from.unwrap_or_else(|| z.display().to_string()),
        });
    }
    Planned {
        summary,
        warning: note.filter(|_| has_work).map(|n| format!("{label}: {n}")),
        blocked,
        work: units,
    }
}

/// Run-wide settings for preparing requests.
pub fn settings(
    args: &Args,
    log: &Log,
    endpoints: Endpoints,
    contexts: &ContextSet,
    attempts: &[Attempt],
) -> Settings {
    let run_id = uuid4();
    let mut facts_warnings = Vec::new();
    let facts = facts::load(&args.telemetry_facts, contexts, &mut facts_warnings);
    let telemetry_plan =
        (!facts.is_empty()).then(|| facts::plan(&facts, attempts, &run_id, args.max_bytes()));
    for w in facts_warnings
        .iter()
        .chain(telemetry_plan.iter().flat_map(|p| &p.warnings))
    {
        log.warn(w);
    }
    Settings {
        endpoints,
        gzip: args.gzip,
        validate: args.validate_enrichment,
        expected_tags: if args.expected_enriched_tag.is_empty() {
            DEFAULT_EXPECTED_TAGS
                .iter()
                .map(|s| s.to_string())
                .collect()
        } else {
            args.expected_enriched_tag.clone()
        },
        run_id,
        telemetry_plan,
        codeowners: codeowners(args, log, contexts),
        provider: primary_tag(contexts, &["ci.provider.name", "ci_provider_name"]),
    }
}

/// The CODEOWNERS rules and the roots source paths are made relative to.
fn codeowners(args: &Args, log: &Log, contexts: &ContextSet) -> Option<(Codeowners, Vec<String>)> {
    let ci_ws = primary_tag(contexts, &["ci.workspace_path"]);
    let ws_root = owners::workspace_root(args.testlogs.as_deref());
    let (path, rules) = owners::find(ci_ws.as_deref(), &ws_root)?;
    if log.debug {
        log.line(&format!("CODEOWNERS: {}", path.display()));
    }
    let roots = ci_ws
        .iter()
        .cloned()
        .chain([ws_root.display().to_string()])
        .chain(
            std::fs::canonicalize(&ws_root)
                .ok()
                .map(|p| p.display().to_string()),
        )
        .collect();
    Some((rules, roots))
}

/// The first non-empty string among `keys` in the primary context.
fn primary_tag(contexts: &ContextSet, keys: &[&str]) -> Option<String> {
    let c = contexts.primary()?;
    keys.iter().find_map(|k| {
        c.tags
            .get(*k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    })
}

/// Random UUIDv4 text: the per-run fallback runtime-id / telemetry session id.
fn uuid4() -> String {
    let a = fastrand::u128(..);
    let a = (a & !(0xF << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62);
    let h = format!("{a:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}
