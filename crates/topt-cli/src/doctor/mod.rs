//! `topt doctor`: every check of the reference doctor, reported all at once, grouped by target,
//! each finding with its severity, file, what is wrong and how to fix it.

mod collect;
mod config;
mod from_bep;
mod inspect;
mod parallel;
mod report;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use topt_core::payloads::checks::{self, Finding, Severity};
use topt_core::payloads::context::{Context, ContextSet, missing_git_metadata};

use crate::outputs::{Attempt, cached, contexts, testlogs as discover};
use crate::remote::RemoteArgs;
use config::Config;
use report::{Group, Report};

const EXAMPLES: &str = "\
Examples:
  # After `bazel test //...`, before `topt upload` (which deletes what it sent); context.json is
  # in the sync repository under Bazel's output base (see topt upload --help):
  CTX=$(bazel info output_base)/external/test_optimization_data/.testoptimization/context.json
  topt doctor --context \"$CTX\"

  # Several sync repos; require two targets; allow the full-bundle fallback:
  topt doctor --context test_optimization_data_go=ctx_go.json \\
              --context test_optimization_data_py=ctx_py.json \\
              --expected-target //svc/api:api_test --expected-target //svc/web:web_test \\
              --allow-full-bundle-no-match

  # The reference rule's generated config file works as is; machine-readable output:
  topt doctor --config doctor.config.json --json

  # Exactly the test attempts of one invocation, outputs read from the remote cache when they
  # are not on this machine (remote execution, --remote_download_minimal):
  topt doctor --bep /tmp/bep.json --context \"$CTX\" --remote-cache grpcs://cache.example.com

Checks: TESTLOGS_DIR / bazel-testlogs; forbidden --test_env in .bazelrc files; contexts and their
Git metadata (URL, SHA, branch or tag); expected targets; per test.outputs (plain or outputs.zip):
msgpack payloads, missing/invalid JSON, {} placeholders, citestcycle envelope (warning), telemetry
fields, bazel_target_metadata.json (at the outputs root, where topt upload reads it), Go
payload-selection states, and which context each target's payloads will be enriched with.
With --bep, every executed test attempt the file names instead of every test.outputs directory:
cached attempts are info, never errors; an output that cannot be read from the remote cache is
an error of its test.

Exit status: 0 no errors (warnings allowed unless --strict); 1 at least one error; 2 usage error.";

#[derive(Debug, Clone, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The reference doctor's config JSON (expected_targets, require_* flags, selections, context manifest).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// bazel-testlogs directory (default: $BUILD_WORKSPACE_DIRECTORY/bazel-testlogs, ./bazel-testlogs).
    /// With --bep: where local copies of outputs are looked for (default: the BEP's exec root).
    #[arg(long, env = "TESTLOGS_DIR", value_name = "DIR")]
    pub testlogs: Option<PathBuf>,
    /// Build Event Protocol file of the `bazel test` (--build_event_json_file): check exactly
    /// its executed test attempts, reading outputs from the remote cache when they are not here.
    #[arg(long, value_name = "FILE")]
    pub bep: Option<PathBuf>,
    /// Workspace root whose .bazelrc files are scanned (default: $BUILD_WORKSPACE_DIRECTORY, else cwd).
    #[arg(long, value_name = "DIR")]
    pub workspace: Option<PathBuf>,
    /// context.json as PATH or REPO_KEY=PATH (repeatable).
    #[arg(long = "context", value_name = "[KEY=]PATH")]
    pub context: Vec<String>,
    /// Context manifest written by the Bazel rules.
    #[arg(long, value_name = "FILE")]
    pub context_manifest: Option<PathBuf>,
    /// Target that must have outputs, as //pkg:name (repeatable).
    #[arg(long = "expected-target", value_name = "LABEL")]
    pub expected_target: Vec<String>,
    /// Allowed Go payload selections (repeatable; default: module, module_override, full_bundle_disabled).
    #[arg(long = "allowed-payload-selection", value_name = "SELECTION")]
    pub allowed_payload_selection: Vec<String>,
    /// Required selection for a target, as //pkg:name=SELECTION (repeatable).
    #[arg(long = "expected-payload-selection", value_name = "LABEL=SELECTION")]
    pub expected_payload_selection: Vec<String>,
    /// Accept bazel.go.payload_selection=full_bundle_no_match.
    #[arg(long)]
    pub allow_full_bundle_no_match: bool,
    /// Do not require git URL/SHA/branch-or-tag in contexts (nor any context).
    #[arg(long)]
    pub no_require_git_metadata: bool,
    /// Do not require bazel_target_metadata.json in every output directory.
    #[arg(long)]
    pub no_require_bazel_metadata: bool,
    /// Do not require JSON payloads in every output directory.
    #[arg(long)]
    pub no_require_json_payloads: bool,
    /// Do not reject *.msgpack payloads.
    #[arg(long)]
    pub allow_msgpack: bool,
    /// Do not scan .bazelrc files for forbidden --test_env.
    #[arg(long)]
    pub no_bazelrc_check: bool,
    /// Unix time (seconds) the `bazel test` invocation started: results older than that came
    /// from Bazel's cache, so their missing payloads are not errors (topt ci passes it).
    #[arg(long, env = "TOPT_INVOCATION_START", value_name = "SECONDS")]
    pub invocation_start: Option<String>,
    /// Files larger than this are errors, never read whole (match topt upload's --max-payload-mb).
    #[arg(long, default_value_t = 64, value_name = "MB")]
    pub max_payload_mb: u64,
    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,
    /// Also show informational findings (context chosen per target, zipped outputs).
    #[arg(long, short)]
    pub verbose: bool,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    #[command(flatten, next_help_heading = "Remote cache (with --bep)")]
    pub remote: RemoteArgs,
}

pub fn run(args: Args) -> ExitCode {
    let report = diagnose(&args);
    if args.json {
        println!("{}", report.to_json());
    } else {
        report.print_human(args.verbose);
    }
    let errors = report.count(Severity::Error)
        + if args.strict {
            report.count(Severity::Warning)
        } else {
            0
        };
    if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn global(report: &mut Report, file: Option<String>, f: Finding) {
    report.global.items.push((file, f));
}

fn diagnose(args: &Args) -> Report {
    let mut report = Report {
        global: Group {
            label: "global".into(),
            ..Group::default()
        },
        ..Report::default()
    };
    let mut cfg = Config::default();
    if let Some(path) = &args.config
        && let Err(e) = config::load_file(path, &mut cfg)
    {
        global(
            &mut report,
            None,
            Finding::new(
                Severity::Error,
                e,
                "pass the config file the doctor rule generated",
            ),
        );
        return report;
    }
    apply_flags(args, &mut cfg, &mut report);
    let root = match &args.bep {
        Some(_) => None,
        None => match testlogs(args, &mut report) {
            Some(r) => Some(r),
            None => return report,
        },
    };
    let workspace = args
        .workspace
        .clone()
        .or_else(|| {
            std::env::var_os("BUILD_WORKSPACE_DIRECTORY")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .unwrap_or_else(|| PathBuf::from("."));
    if cfg.forbid_dd_git_test_env {
        scan_bazelrc(&workspace, &mut report);
    }
    let contexts = check_contexts(args, &cfg, &mut report);
    for e in cfg.policy.validate() {
        global(
            &mut report,
            None,
            Finding::new(Severity::Error, e, "fix the doctor's selection policy"),
        );
    }
    match (&args.bep, root) {
        (Some(bep), _) => from_bep::check(args, bep, &cfg, &contexts, &mut report),
        (None, Some(root)) => from_testlogs(&root, &cfg, &contexts, &mut report),
        (None, None) => {}
    }
    report
}

/// Every `test.outputs` directory under `bazel-testlogs` (or those of the expected targets).
fn from_testlogs(root: &Path, cfg: &Config, contexts: &ContextSet, report: &mut Report) {
    let mut warnings = Vec::new();
    let dirs = discover::find_outputs(root, 0, cfg.invocation_start, &mut warnings);
    for w in warnings {
        global(report, None, Finding::new(Severity::Warning, w, ""));
    }
    let selected: Vec<(Attempt, Option<String>)> = if cfg.expected_targets.is_empty() {
        dirs.into_iter().map(|d| (d, None)).collect()
    } else {
        expected_dirs(cfg, root, &dirs, report)
    };
    inspect_all(&selected, cfg, contexts, report);
    if report.validated_dirs == 0 && cfg.expected_targets.is_empty() {
        nothing_found(root, cfg, report);
    }
}

/// No directory with payloads: fine when every result came from a cache (its payloads were sent
/// by the run that executed it), else the reference's error.
fn nothing_found(root: &Path, cfg: &Config, report: &mut Report) {
    let cached = cached::results(root, cfg.invocation_start)
        .iter()
        .filter(|r| r.cached.is_some())
        .count()
        .max(report.cached_dirs);
    if cached > 0 {
        let msg = format!(
            "no test output directories with payloads: {cached} test result(s) came from Bazel's cache, and their payloads were sent by the run that executed them"
        );
        global(report, None, Finding::new(Severity::Info, msg, ""));
        return;
    }
    global(
        report,
        None,
        Finding::new(
            Severity::Error,
            format!(
                "no Test Optimization output directories found under {}",
                root.display()
            ),
            "run `bazel test` on instrumented targets first (and run the doctor before topt upload, which deletes what it sent); with a warm cache, pass --invocation-start (topt ci does)",
        ),
    );
}

/// Inspects every selected directory, as many at once as there are cores (each reads and parses
/// its files one at a time); one group per directory that qualifies (or was expected), in order.
fn inspect_all(
    selected: &[(Attempt, Option<String>)],
    cfg: &Config,
    contexts: &ContextSet,
    report: &mut Report,
) {
    let inspected = parallel::map(selected, |(d, expected)| {
        let fetched_from = d.bep.as_ref().and_then(|b| b.fetched_from.clone());
        let mut group = Group {
            label: d.label.clone(),
            dir: Some(fetched_from.unwrap_or_else(|| d.dir.display().to_string())),
            items: Vec::new(),
        };
        let mut selections = std::collections::BTreeMap::new();
        let ins = inspect::inspect(
            d,
            cfg,
            contexts,
            &mut group,
            &mut selections,
            expected.as_deref(),
        );
        (group, ins, selections)
    });
    for ((d, expected), (mut group, ins, selections)) in selected.iter().zip(inspected) {
        for (k, n) in selections {
            *report.selections.entry(k).or_default() += n;
        }
        if !ins.qualifies
            && let Some(c) = d.cached
        {
            group
                .items
                .push((None, Finding::new(Severity::Info, c.describe(), "")));
            report.cached_dirs += 1;
            report.targets.push(group);
            continue;
        }
        if !ins.qualifies && expected.is_none() {
            continue;
        }
        if let Some(t) = ins.target {
            group.label = t;
        }
        if !ins.qualifies {
            group.items.push((None, Finding::new(Severity::Error, "no payloads and no bazel_target_metadata.json", "run this exact instrumented target and make sure its tracer writes payload files")));
        }
        report.validated_dirs += 1;
        report.targets.push(group);
    }
}

fn apply_flags(args: &Args, cfg: &mut Config, report: &mut Report) {
    cfg.expected_targets
        .extend(args.expected_target.iter().cloned());
    cfg.require_git_metadata &= !args.no_require_git_metadata;
    cfg.require_bazel_metadata &= !args.no_require_bazel_metadata;
    cfg.require_json_payloads &= !args.no_require_json_payloads;
    cfg.forbid_msgpack_payloads &= !args.allow_msgpack;
    cfg.forbid_dd_git_test_env &= !args.no_bazelrc_check;
    cfg.policy.forbid_full_bundle_no_match &= !args.allow_full_bundle_no_match;
    cfg.policy
        .allowed
        .extend(args.allowed_payload_selection.iter().cloned());
    for spec in &args.expected_payload_selection {
        match spec.rsplit_once('=') {
            Some((label, sel)) => {
                cfg.policy
                    .expected_by_target
                    .insert(label.to_string(), sel.to_string());
            }
            None => global(
                report,
                None,
                Finding::new(
                    Severity::Error,
                    format!("--expected-payload-selection needs LABEL=SELECTION: {spec}"),
                    "",
                ),
            ),
        }
    }
    if args.context_manifest.is_some() {
        cfg.context_manifest = args.context_manifest.clone();
    }
    cfg.max_bytes = args.max_payload_mb.saturating_mul(1 << 20);
    if let Some(s) = &args.invocation_start {
        match cached::parse_start(s) {
            Ok(t) => cfg.invocation_start = Some(t),
            Err(e) => global(
                report,
                None,
                Finding::new(
                    Severity::Error,
                    e,
                    "pass $(date +%s) taken before `bazel test`",
                ),
            ),
        }
    }
}

fn testlogs(args: &Args, report: &mut Report) -> Option<PathBuf> {
    match discover::resolve_testlogs(args.testlogs.as_deref()) {
        Ok(Some(r)) => Some(r),
        Ok(None) => {
            global(
                report,
                None,
                Finding::new(
                    Severity::Error,
                    "could not find bazel-testlogs",
                    "set TESTLOGS_DIR (or --testlogs) or run from the Bazel workspace root",
                ),
            );
            None
        }
        Err(e) => {
            global(
                report,
                None,
                Finding::new(
                    Severity::Error,
                    e,
                    "point TESTLOGS_DIR at `bazel info bazel-testlogs`",
                ),
            );
            None
        }
    }
}

fn scan_bazelrc(ws: &Path, report: &mut Report) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(ws)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".bazelrc") && e.path().is_file())
        .map(|e| e.path())
        .collect();
    files.extend(
        std::fs::read_dir(ws.join("tools/bazelrc"))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".bazelrc"))
            .map(|e| e.path()),
    );
    files.sort();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            if let Some(name) = checks::forbidden_test_env(line) {
                global(
                    report,
                    Some(format!("{}:{}", f.display(), i + 1)),
                    Finding::new(
                        Severity::Error,
                        format!(
                            "sets {name} with --test_env (tests must stay hermetic and secrets must not reach them)"
                        ),
                        "use --repo_env for sync metadata and pass upload credentials only to topt upload",
                    ),
                );
            }
        }
    }
}

fn check_contexts(args: &Args, cfg: &Config, report: &mut Report) -> ContextSet {
    let loaded = match contexts::load_all(&args.context, cfg.context_manifest.as_deref()) {
        Ok(l) => l,
        Err(e) => {
            global(
                report,
                None,
                Finding::new(Severity::Error, e, "fix the context manifest"),
            );
            Vec::new()
        }
    };
    if cfg.require_git_metadata && loaded.is_empty() {
        global(
            report,
            None,
            Finding::new(
                Severity::Error,
                "require_git_metadata is on but no context.json was provided",
                "pass --context <sync repo>/.testoptimization/context.json (or --no-require-git-metadata)",
            ),
        );
    }
    let mut ok = Vec::new();
    for l in loaded {
        let file = Some(l.path.display().to_string());
        match l.tags {
            Err(e) => global(
                report,
                file,
                Finding::new(Severity::Error, e, "re-run topt sync"),
            ),
            Ok(tags) => {
                let missing = missing_git_metadata(&tags);
                if cfg.require_git_metadata && !missing.is_empty() {
                    global(
                        report,
                        file.clone(),
                        Finding::new(
                            Severity::Error,
                            format!(
                                "context {} is missing required git metadata: {}",
                                l.key,
                                missing.join(", ")
                            ),
                            "sync with git available or set DD_GIT_REPOSITORY_URL, DD_GIT_COMMIT_SHA, DD_GIT_BRANCH/DD_GIT_TAG via --repo_env",
                        ),
                    );
                }
                global(
                    report,
                    file.clone(),
                    Finding::new(
                        Severity::Info,
                        format!("context '{}' loaded ({} tags)", l.key, tags.len()),
                        "",
                    ),
                );
                ok.push(Context {
                    key: l.key,
                    source: l.path.display().to_string(),
                    tags,
                });
            }
        }
    }
    ContextSet::new(None, ok)
}

fn expected_dirs(
    cfg: &Config,
    root: &Path,
    dirs: &[Attempt],
    report: &mut Report,
) -> Vec<(Attempt, Option<String>)> {
    let mut out = Vec::new();
    for label in &cfg.expected_targets {
        let (pkg, name) = match checks::parse_expected_label(label) {
            Ok(x) => x,
            Err(e) => {
                global(
                    report,
                    None,
                    Finding::new(
                        Severity::Error,
                        e,
                        "use //pkg:name labels of this workspace",
                    ),
                );
                continue;
            }
        };
        let target_root = root.join(&pkg).join(&name);
        if !target_root.is_dir() {
            global(
                report,
                None,
                Finding::new(
                    Severity::Error,
                    format!(
                        "expected target output root not found for {label}: {}",
                        target_root.display()
                    ),
                    "run this exact instrumented test target (on remote execution, check with --bep instead: outputs stay in the remote cache)",
                ),
            );
            continue;
        }
        let found: Vec<&Attempt> = dirs
            .iter()
            .filter(|d| d.dir.starts_with(&target_root))
            .collect();
        if found.is_empty() {
            global(
                report,
                None,
                Finding::new(
                    Severity::Error,
                    format!("expected target test.outputs directory not found for {label}"),
                    "the test ran but wrote no undeclared outputs; check the tracer's Bazel file mode",
                ),
            );
        }
        out.extend(found.into_iter().map(|d| (d.clone(), Some(label.clone()))));
    }
    out
}
