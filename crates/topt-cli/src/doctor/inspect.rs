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
    let mut msgpack = Vec::new();
    let mut json_payloads = 0;
    let mut sidecar: Option<Result<Map<String, Value>, String>> = None;
    let mut misplaced_sidecars = Vec::new();
    let mut file_findings: Vec<(Option<String>, Finding)> = Vec::new();
    for e in &entries {
        let name = e.rel.rsplit('/').next().unwrap_or("");
        if e.rel == SIDECAR {
            sidecar = Some(read(e, &mut archive).and_then(|b| sidecar::parse(&b)));
            continue;
        }
        if name == SIDECAR {
            misplaced_sidecars.push(e.rel.clone());
            continue;
        }
        let Some(under) = e.rel.strip_prefix("payloads/") else {
            continue;
        };
        match kind::classify(name) {
            FileClass::Msgpack | FileClass::MsgpackGz => {
                msgpack.push(e.rel.clone());
                continue;
            }
            FileClass::Json => {}
            FileClass::Other => continue,
        }
        json_payloads += 1;
        let depth1 = under
            .split_once('/')
            .and_then(|(d, f)| (!f.contains('/')).then(|| Kind::from_dir_name(d)))
            .flatten();
        let file = Some(e.rel.clone());
        match &e.size {
            Err(err) => {
                file_findings.push((
                    file,
                    Finding::new(
                        Severity::Error,
                        err.clone(),
                        "make the file readable (check permissions and symlinks)",
                    ),
                ));
                continue;
            }
            Ok(s) if *s > MAX_BYTES => {
                file_findings.push((
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
                continue;
            }
            Ok(_) => {}
        }
        let bytes = match read(e, &mut archive) {
            Ok(b) => b,
            Err(err) => {
                file_findings.push((
                    file,
                    Finding::new(Severity::Error, err, "make the file readable"),
                ));
                continue;
            }
        };
        match depth1 {
            Some(k) => {
                for f in checks::check_payload(k, &bytes) {
                    file_findings.push((file.clone(), f));
                }
            }
            None => {
                if let Err(err) = schema::parse_json(&bytes) {
                    file_findings.push((
                        file.clone(),
                        Finding::new(Severity::Error, format!("invalid JSON: {err}"), ""),
                    ));
                }
                file_findings.push((
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
    let has_any_sidecar = sidecar.is_some() || !misplaced_sidecars.is_empty();
    let qualifies = json_payloads > 0 || !msgpack.is_empty() || has_any_sidecar;
    if !qualifies {
        return Inspection {
            qualifies,
            target: None,
        };
    }
    if cfg.forbid_msgpack_payloads && !msgpack.is_empty() {
        group.items.push((
            None,
            Finding::new(
                Severity::Error,
                format!("raw msgpack payloads are not supported in Bazel file mode: {}", msgpack.join(", ")),
                "tests must write JSON payloads (DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES mode transcodes to JSON)",
            ),
        ));
    }
    if cfg.require_json_payloads && json_payloads == 0 {
        group.items.push((
            None,
            Finding::new(
                Severity::Error,
                "missing JSON payloads (no *.json under payloads/)",
                "check DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES=true reaches the test and the tracer supports Bazel file mode; run the doctor before topt upload deletes payloads",
            ),
        ));
    }
    group.items.extend(file_findings);
    for m in &misplaced_sidecars {
        group.items.push((
            Some(m.clone()),
            Finding::new(
                Severity::Error,
                "bazel_target_metadata.json is not at the outputs root, so topt upload will not use it",
                "the wrapper must copy it to $TEST_UNDECLARED_OUTPUTS_DIR/bazel_target_metadata.json",
            ),
        ));
    }
    let sidecar_map = match sidecar {
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
    };
    check_selection(sidecar_map.as_ref(), cfg, group, selections, expected_label);
    match contexts.choose(sidecar_map.as_ref()) {
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
    let target = sidecar_map
        .as_ref()
        .and_then(|m| m.get("bazel.target"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    Inspection { qualifies, target }
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
    let label = sidecar
        .and_then(|m| m.get("bazel.target"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .or(expected_label);
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
