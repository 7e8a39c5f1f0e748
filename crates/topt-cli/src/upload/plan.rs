//! Planning a run before anything is sent: per attempt its sidecar, the context its test payloads
//! get and the files to send; run-wide the CODEOWNERS rules, telemetry augmentation and headers.

use serde_json::Value;
use topt_core::payloads::codeowners::Codeowners;
use topt_core::payloads::context::ContextSet;
use topt_core::payloads::enrich::DEFAULT_EXPECTED_TAGS;
use topt_core::payloads::kind::{Kind, passes_prefix_filter};

use super::args::Args;
use super::endpoints::Endpoints;
use super::log::Log;
use super::prepare::{self, DirCtx, Settings};
use super::summary::{Summary, TargetSummary};
use super::work::{self, Work};
use super::{facts, owners};
use crate::outputs::{self, Attempt, payloads};

/// What the workers get: one `DirCtx` per attempt (indexed by `Work::*::dir`) and the work list.
#[derive(Debug, Default)]
pub struct Plan {
    pub summary: Summary,
    pub dirs: Vec<DirCtx>,
    pub work: Vec<Work>,
}

/// Sidecar, context and files of every attempt; tests first, then coverage, telemetry, zips.
pub fn targets(args: &Args, log: &Log, contexts: &ContextSet, attempts: &[Attempt]) -> Plan {
    let mut plan = Plan::default();
    for (i, d) in attempts.iter().enumerate() {
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
        let (files, stops) = payloads::list(&d.dir);
        if files.iter().any(|f| f.kind == Kind::Coverage) {
            // Coverage requests carry the same headers as the target's test requests.
            dctx.test_headers = files
                .iter()
                .filter(|f| f.kind == Kind::Tests)
                .find_map(|f| {
                    let bytes = f.open_dir().ok()?.read(&f.name, args.max_bytes()).ok()?;
                    prepare::test_headers(&bytes, &dctx)
                });
        }
        let has_work = !files.is_empty() || d.zip.is_some();
        if let (Some(n), true) = (note, has_work) {
            log.warn(&format!("{label}: {n}"));
        }
        let fetched_from = d.bep.as_ref().and_then(|b| b.fetched_from.clone());
        plan.summary.targets.push(TargetSummary {
            label,
            dir: fetched_from
                .clone()
                .unwrap_or_else(|| d.dir.display().to_string()),
            context: dctx.context.as_ref().map(|(k, _)| k.clone()),
            ..TargetSummary::default()
        });
        plan.dirs.push(dctx);
        for b in stops {
            plan.work.push(Work::Blocked {
                dir: i,
                kind: b.kind,
                path: b.path,
                why: b.problem.to_string(),
            });
        }
        for item in files {
            if args.filter_prefix && !passes_prefix_filter(item.kind, &item.name_lossy()) {
                continue;
            }
            plan.work.push(Work::File { dir: i, item });
        }
        if let Some(z) = &d.zip {
            plan.work.push(Work::Zip {
                dir: i,
                zip: z.clone(),
                shown: fetched_from.unwrap_or_else(|| z.display().to_string()),
            });
        }
    }
    // Tests first, then coverage, then telemetry (reference order), zips last.
    plan.work.sort_by_key(|w| match w {
        Work::File { item, .. } => item.kind as usize,
        Work::Blocked { kind, .. } => *kind as usize,
        Work::Zip { .. } => 3,
    });
    plan
}

/// Run-wide settings for preparing requests.
pub fn settings(
    args: &Args,
    log: &Log,
    endpoints: Endpoints,
    contexts: &ContextSet,
    work: &[Work],
) -> Settings {
    let run_id = uuid4();
    let mut facts_warnings = Vec::new();
    let facts = facts::load(&args.telemetry_facts, contexts, &mut facts_warnings);
    let telemetry_plan =
        (!facts.is_empty()).then(|| facts::plan(&facts, work, &run_id, args.max_bytes()));
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
