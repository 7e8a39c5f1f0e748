//! Per-`test.outputs` checks: payload files (plain or inside outputs.zip), the sidecar, the Go
//! selection state, and which context the target's payloads will be enriched with. Every
//! per-file verdict comes from `crate::outputs` (the uploader's rules); the doctor adds its
//! policy checks (msgpack, required JSON payloads and sidecar, Go selections) on top.

use serde_json::{Map, Value};
use topt_core::payloads::checks::{self, Finding, Severity};
use topt_core::payloads::context::{Choice, ContextSet};
use topt_core::payloads::kind::{FileClass, Kind, SIDECAR, classify};
use topt_core::payloads::selection::SELECTION_KEY;

use super::collect::{self, Item, Place};
use super::config::Config;
use super::report::Group;
use crate::outputs::cached::Cached;
use crate::outputs::verdict::{self, Parsed, Verdict};
use crate::outputs::{Attempt, sidecar};

const FIX_FILE: &str =
    "payloads must be regular files written inside the test's outputs (no links, FIFOs or devices)";

/// What the walk found; `qualifies` = the reference's "Test Optimization output directory".
#[derive(Debug)]
pub struct Inspection {
    pub qualifies: bool,
    /// The sidecar's `bazel.target`: the label the uploader reports this directory under.
    pub target: Option<String>,
}

/// What the items of one outputs dir say, before any policy is applied.
#[derive(Default)]
struct Scan {
    /// msgpack files the per-file verdict did not already refuse (the policy may).
    msgpack: Vec<String>,
    json_payloads: usize,
    any: bool,
    sidecar: Option<Result<Map<String, Value>, String>>,
    misplaced_sidecars: Vec<String>,
    findings: Vec<(Option<String>, Finding)>,
}

/// Runs every per-directory check; `label` is the target label to report and match policies with.
pub fn inspect(
    dir: &Attempt,
    cfg: &Config,
    contexts: &ContextSet,
    group: &mut Group,
    selections: &mut std::collections::BTreeMap<String, u64>,
    expected_label: Option<&str>,
) -> Inspection {
    let mut scan = Scan::default();
    // Each item is judged as it is read and its bytes dropped: one file in memory at a time.
    let zipped = collect::collect(dir, cfg.max_bytes, &mut |item| scan_item(item, &mut scan));
    if zipped {
        group.items.push((
            Some("outputs.zip".into()),
            Finding::new(
                Severity::Info,
                "zipped undeclared outputs (Bazel <= 7); topt upload reads them in place",
                "",
            ),
        ));
    }
    let qualifies = scan.any;
    if !qualifies {
        return Inspection {
            qualifies,
            target: None,
        };
    }
    payload_policy(&scan, cfg, dir.cached, group);
    group.items.append(&mut scan.findings);
    let sidecar_map = sidecar_findings(scan, cfg, group);
    check_selection(sidecar_map.as_ref(), cfg, group, selections, expected_label);
    context_finding(contexts, sidecar_map.as_ref(), group);
    let target = sidecar_map
        .as_ref()
        .and_then(sidecar::target)
        .map(str::to_string);
    Inspection { qualifies, target }
}

fn error(message: impl Into<String>, fix: &str) -> Finding {
    Finding::new(Severity::Error, message, fix)
}

/// One item: its per-file findings, and what it adds to the directory's counts.
fn scan_item(item: Item, scan: &mut Scan) {
    scan.any = true;
    let file = Some(item.rel.clone());
    match item.place {
        Place::Sidecar => {
            scan.sidecar = Some(item.data.and_then(|b| sidecar::parse(&b)));
        }
        Place::MisplacedSidecar => scan.misplaced_sidecars.push(item.rel),
        Place::Blocked | Place::Zip => {
            let why = item.data.err().unwrap_or_default();
            let fix = if item.place == Place::Zip {
                "re-run the tests; or use --nozip_undeclared_test_outputs"
            } else {
                FIX_FILE
            };
            scan.findings.push((file, error(why, fix)));
        }
        Place::Nested(class) => {
            if matches!(class, FileClass::Msgpack | FileClass::MsgpackGz) {
                scan.msgpack.push(item.rel);
            }
            scan.findings.push((
                file,
                Finding::new(
                    Severity::Warning,
                    "never uploaded: only files directly in payloads/{tests,coverage,telemetry}/ are sent",
                    "write payloads at depth 1 of the kind directory",
                ),
            ));
        }
        Place::Payload(kind, name) => {
            let msgpack = classify(&name) == FileClass::Msgpack;
            if !msgpack {
                scan.json_payloads += 1;
            } else if verdict::by_name(kind, &name).is_none() {
                scan.msgpack.push(item.rel.clone());
            }
            for f in payload_findings(kind, &name, item.data) {
                scan.findings.push((file.clone(), f));
            }
        }
    }
}

/// The shared verdict on one payload, as findings (plus the envelope warnings of a test payload).
fn payload_findings(kind: Kind, name: &str, data: Result<Vec<u8>, String>) -> Vec<Finding> {
    let bytes = match data {
        Ok(b) => b,
        Err(why) => return vec![error(why, FIX_FILE)],
    };
    match verdict::payload(kind, name, &bytes) {
        Verdict::Reject(r) => vec![error(r.message, r.fix)],
        Verdict::Skip(why) => vec![Finding::new(
            Severity::Warning,
            why,
            "remove the placeholder, or check that the tracer flushed its events",
        )],
        // What the shared verdict sends, core's checks can only warn about (the citestcycle
        // envelope: the intake may drop such events). The verdict's parse is reused.
        Verdict::Send(Parsed::Test(v)) => checks::check_test(v),
        Verdict::Send(_) => Vec::new(),
    }
}

/// Directory-level payload requirements: no msgpack, at least one JSON payload.
fn payload_policy(scan: &Scan, cfg: &Config, cached: Option<Cached>, group: &mut Group) {
    if cfg.forbid_msgpack_payloads && !scan.msgpack.is_empty() {
        group.items.push((
            None,
            error(
                format!("raw msgpack payloads are not supported in Bazel file mode: {}", scan.msgpack.join(", ")),
                "tests must write JSON payloads (DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES mode transcodes to JSON)",
            ),
        ));
    }
    if scan.json_payloads == 0
        && let Some(c) = cached
    {
        group
            .items
            .push((None, Finding::new(Severity::Info, c.describe(), "")));
    } else if cfg.require_json_payloads && scan.json_payloads == 0 {
        group.items.push((
            None,
            error(
                "missing JSON payloads (no *.json directly in payloads/{tests,coverage,telemetry}/)",
                "check DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES=true reaches the test and the tracer supports Bazel file mode; run the doctor before topt upload deletes payloads",
            ),
        ));
    }
}

/// Misplaced, broken or missing sidecars; returns the usable one.
fn sidecar_findings(scan: Scan, cfg: &Config, group: &mut Group) -> Option<Map<String, Value>> {
    for m in &scan.misplaced_sidecars {
        group.items.push((
            Some(m.clone()),
            Finding::new(
                Severity::Error,
                "bazel_target_metadata.json is not at the outputs root, so topt upload will not use it",
                "the wrapper must copy it to $TEST_UNDECLARED_OUTPUTS_DIR/bazel_target_metadata.json",
            ),
        ));
    }
    match scan.sidecar {
        Some(Ok(m)) => Some(m),
        Some(Err(e)) => {
            group.items.push((
                Some(SIDECAR.into()),
                Finding::new(
                    Severity::Error,
                    e,
                    "regenerate it (bazel clean of the target, re-run)",
                ),
            ));
            None
        }
        None => {
            if cfg.require_bazel_metadata {
                group.items.push((
                    None,
                    Finding::new(
                        Severity::Error,
                        "missing bazel_target_metadata.json",
                        "run the target through its dd_topt_<lang>_test macro (the wrapper copies the sidecar) or pass --no-require-bazel-metadata",
                    ),
                ));
            }
            None
        }
    }
}

/// Which context the target's test payloads will be enriched with.
fn context_finding(contexts: &ContextSet, sidecar: Option<&Map<String, Value>>, group: &mut Group) {
    match contexts.choose(sidecar) {
        Choice::Context(c) => group.items.push((
            None,
            Finding::new(Severity::Info, format!("test payloads will be enriched with context '{}' ({})", c.key, c.source), ""),
        )),
        Choice::Skip(why) => group.items.push((
            None,
            Finding::new(
                Severity::Warning,
                format!("no context for this target: {why}; its payloads will be uploaded without git/CI tags"),
                "pass the context of the sync repo named in bazel.test_optimization.repo_name (--context REPO=PATH)",
            ),
        )),
        Choice::NoneConfigured => {}
    }
}

fn check_selection(
    sidecar: Option<&Map<String, Value>>,
    cfg: &Config,
    group: &mut Group,
    selections: &mut std::collections::BTreeMap<String, u64>,
    expected_label: Option<&str>,
) {
    let sel = sidecar
        .and_then(|m| m.get(SELECTION_KEY))
        .and_then(Value::as_str);
    let label = sidecar.and_then(sidecar::target).or(expected_label);
    if let Some(s) = sel {
        *selections.entry(s.to_string()).or_default() += 1;
    }
    for msg in cfg.policy.check(sel, label) {
        group.items.push((
            Some(SIDECAR.into()),
            Finding::new(
                Severity::Error,
                msg,
                "full_bundle_no_match means no per-module bundle matched the Go importpath: set importpath or module_label_override, or allow it explicitly",
            ),
        ));
    }
}
