//! Per-`test.outputs` checks: payload files (plain or inside outputs.zip), the sidecar, the Go
//! selection state, and which context the target's payloads will be enriched with.

use std::path::Path;

use serde_json::{Map, Value};
use topt_core::payloads::checks::{self, Finding, Severity};
use topt_core::payloads::context::{Choice, ContextSet};
use topt_core::payloads::kind::{self, FileClass, Kind, SIDECAR};
use topt_core::payloads::schema;
use topt_core::payloads::selection::SELECTION_KEY;

use super::config::Config;
use super::report::Group;
use crate::outputs::zip::Archive;
use crate::outputs::{Attempt, sidecar};

/// Files larger than this are not parsed (the uploader refuses them by default as well).
const MAX_BYTES: u64 = 64 << 20;

/// One file found under an outputs dir: path relative to `test.outputs` and how to get its bytes.
struct Entry {
    rel: String,
    size: Result<u64, String>,
    source: Source,
}

enum Source {
    File(std::path::PathBuf),
    Zip(String),
}

/// What the walk found; `qualifies` = the reference's "Test Optimization output directory".
pub struct Inspection {
    pub qualifies: bool,
    /// The sidecar's `bazel.target`: the label the uploader reports this directory under.
    pub target: Option<String>,
}

fn collect(dir: &Attempt, group: &mut Group) -> (Vec<Entry>, Option<Archive>) {
    let mut out = Vec::new();
    walk(&dir.dir, &dir.dir, 0, &mut out);
    let mut archive = None;
    if let Some(z) = &dir.zip {
        match Archive::open(z) {
            Ok(mut a) => {
                for name in a.names() {
                    let size = a.size(&name);
                    out.push(Entry {
                        rel: name.clone(),
                        size,
                        source: Source::Zip(name),
                    });
                }
                group.items.push((
                    Some("outputs.zip".into()),
                    Finding::new(
                        Severity::Info,
                        "zipped undeclared outputs (Bazel <= 7); topt upload reads them in place",
                        "",
                    ),
                ));
                archive = Some(a);
            }
            Err(e) => group.items.push((
                Some("outputs.zip".into()),
                Finding::new(
                    Severity::Error,
                    e,
                    "re-run the tests; or use --nozip_undeclared_test_outputs",
                ),
            )),
        }
    }
    (out, archive)
}

fn walk(root: &Path, dir: &Path, depth: usize, out: &mut Vec<Entry>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let path = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if depth < 16 {
                walk(root, &path, depth + 1, out);
            }
            continue;
        }
        let rel = path
            .strip_prefix(root)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let size = std::fs::metadata(&path)
            .map(|m| m.len())
            .map_err(|e| format!("cannot read: {e}"));
        out.push(Entry {
            rel,
            size,
            source: Source::File(path),
        });
    }
}

fn read(e: &Entry, archive: &mut Option<Archive>) -> Result<Vec<u8>, String> {
    match &e.source {
        Source::File(p) => std::fs::read(p).map_err(|err| format!("cannot read: {err}")),
        Source::Zip(name) => archive.as_mut().ok_or("zip not readable")?.read(name),
    }
}

/// What the walk over one outputs dir found, before any policy is applied.
#[derive(Default)]
struct Scan {
    msgpack: Vec<String>,
    json_payloads: usize,
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
    let (entries, mut archive) = collect(dir, group);
    let mut scan = Scan::default();
    for e in &entries {
        scan_entry(e, &mut archive, &mut scan);
    }
    let has_any_sidecar = scan.sidecar.is_some() || !scan.misplaced_sidecars.is_empty();
    let qualifies = scan.json_payloads > 0 || !scan.msgpack.is_empty() || has_any_sidecar;
    if !qualifies {
        return Inspection {
            qualifies,
            target: None,
        };
    }
    payload_policy(&scan, cfg, group);
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

/// Classifies one file below `test.outputs` and checks it if it is a payload.
fn scan_entry(e: &Entry, archive: &mut Option<Archive>, scan: &mut Scan) {
    let name = e.rel.rsplit('/').next().unwrap_or("");
    if e.rel == SIDECAR {
        scan.sidecar = Some(read(e, archive).and_then(|b| sidecar::parse(&b)));
        return;
    }
    if name == SIDECAR {
        scan.misplaced_sidecars.push(e.rel.clone());
        return;
    }
    let Some(under) = e.rel.strip_prefix("payloads/") else {
        return;
    };
    match kind::classify(name) {
        FileClass::Msgpack | FileClass::MsgpackGz => {
            scan.msgpack.push(e.rel.clone());
            return;
        }
        FileClass::Json => {}
        FileClass::Other => return,
    }
    scan.json_payloads += 1;
    let depth1 = under
        .split_once('/')
        .and_then(|(d, f)| (!f.contains('/')).then(|| Kind::from_dir_name(d)))
        .flatten();
    let file = Some(e.rel.clone());
    match &e.size {
        Err(err) => {
            scan.findings.push((
                file,
                Finding::new(
                    Severity::Error,
                    err.clone(),
                    "make the file readable (check permissions and symlinks)",
                ),
            ));
            return;
        }
        Ok(s) if *s > MAX_BYTES => {
            scan.findings.push((
                file,
                Finding::new(
                    Severity::Error,
                    format!(
                        "{s} bytes: too large to validate or upload (limit {} MB)",
                        MAX_BYTES >> 20
                    ),
                    "split the payload; tracers flush before ~5 MB",
                ),
            ));
            return;
        }
        Ok(_) => {}
    }
    let bytes = match read(e, archive) {
        Ok(b) => b,
        Err(err) => {
            scan.findings.push((
                file,
                Finding::new(Severity::Error, err, "make the file readable"),
            ));
            return;
        }
    };
    match depth1 {
        Some(k) => {
            for f in checks::check_payload(k, &bytes) {
                scan.findings.push((file.clone(), f));
            }
        }
        None => {
            if let Err(err) = schema::parse_json(&bytes) {
                scan.findings.push((
                    file.clone(),
                    Finding::new(Severity::Error, format!("invalid JSON: {err}"), ""),
                ));
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
    }
}

/// Directory-level payload requirements: no msgpack, at least one JSON payload.
fn payload_policy(scan: &Scan, cfg: &Config, group: &mut Group) {
    if cfg.forbid_msgpack_payloads && !scan.msgpack.is_empty() {
        group.items.push((
            None,
            Finding::new(
                Severity::Error,
                format!("raw msgpack payloads are not supported in Bazel file mode: {}", scan.msgpack.join(", ")),
                "tests must write JSON payloads (DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES mode transcodes to JSON)",
            ),
        ));
    }
    if cfg.require_json_payloads && scan.json_payloads == 0 {
        group.items.push((
            None,
            Finding::new(
                Severity::Error,
                "missing JSON payloads (no *.json under payloads/)",
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
