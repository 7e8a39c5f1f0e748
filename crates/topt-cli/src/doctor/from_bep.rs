//! `topt doctor --bep FILE`: the test attempts of one invocation, as its Build Event Protocol file
//! names them, instead of every `test.outputs` under `bazel-testlogs`. Cached attempts are info
//! (their payloads were sent by the run that executed them); an attempt whose outputs cannot be
//! read (not on this machine, and the remote cache fails) is an error of its test; everything
//! that could be read is checked as `bazel-testlogs` is.

use std::path::Path;

use topt_core::payloads::checks::{Finding, Severity};
use topt_core::payloads::context::ContextSet;

use super::config::Config;
use super::report::{Group, Report};
use super::{Args, global, inspect_all};
use crate::bep::resolve::{Resolved, Source};
use crate::outputs::Attempt;

const FIX_FETCH: &str = "check --remote-cache, --remote-header and --remote-instance-name against Bazel's flags; a blob the cache no longer has needs the test run again (bazel test --nocache_test_results)";

pub fn check(args: &Args, bep: &Path, cfg: &Config, contexts: &ContextSet, report: &mut Report) {
    let Some(source) = open(args, bep, cfg, report) else {
        return;
    };
    let mut selected: Vec<(Attempt, Option<String>)> = Vec::new();
    for r in &source.resolved {
        let expected = expected_label(cfg, r.target());
        if let Some(a) = report_attempt(r, expected.is_some(), report) {
            selected.push((a.clone(), expected));
        }
    }
    missing_expected_targets(&source.resolved, bep, cfg, report);
    inspect_all(&selected, cfg, contexts, report);
    nothing_checked(source.resolved.len(), bep, cfg, report);
}

/// Reads the BEP file and resolves its attempts; `None` (with the error reported) when unusable.
fn open(args: &Args, bep: &Path, cfg: &Config, report: &mut Report) -> Option<Source> {
    let source = Source::open(
        bep,
        &args.remote,
        args.testlogs.as_deref(),
        cfg.max_bytes,
        None,
    );
    match source {
        Ok(s) => {
            for w in &s.warnings {
                global(report, None, Finding::new(Severity::Warning, w.clone(), ""));
            }
            Some(s)
        }
        Err(e) => {
            let fix = "pass the file `bazel test --build_event_json_file=FILE` wrote, and usable --remote-* settings";
            global(report, None, Finding::new(Severity::Error, e, fix));
            None
        }
    }
}

fn expected_label(cfg: &Config, target: &str) -> Option<String> {
    cfg.expected_targets
        .iter()
        .find(|e| same_label(e, target))
        .cloned()
}

/// Reports an attempt that is cached, already uploaded, unreadable or without outputs; returns
/// the attempt to check when its outputs could be read.
fn report_attempt<'a>(r: &'a Resolved, expected: bool, report: &mut Report) -> Option<&'a Attempt> {
    let group = |severity: Severity, msg: &str, fix: &str| Group {
        label: r.label().to_string(),
        dir: None,
        items: vec![(None, Finding::new(severity, msg, fix))],
    };
    match r {
        Resolved::Ready(a) => return Some(a),
        Resolved::Cached { cached, .. } => {
            report
                .targets
                .push(group(Severity::Info, cached.describe(), ""));
            report.cached_dirs += 1;
        }
        Resolved::Uploaded { .. } => {
            let msg = "already uploaded: its outputs are gone and topt upload's marker is in its test.outputs";
            report.targets.push(group(Severity::Info, msg, ""));
            report.cached_dirs += 1;
        }
        Resolved::Failed { errors, .. } => {
            let mut g = group(Severity::Info, "", "");
            g.items = errors
                .iter()
                .map(|e| (None, Finding::new(Severity::Error, e.clone(), FIX_FETCH)))
                .collect();
            report.targets.push(g);
            report.validated_dirs += 1;
        }
        Resolved::NoOutputs { status, .. } if expected => {
            let msg = format!("{status}, without undeclared outputs: no payloads");
            let fix =
                "run this exact instrumented target and make sure its tracer writes payload files";
            report.targets.push(group(Severity::Error, &msg, fix));
            report.validated_dirs += 1;
        }
        Resolved::NoOutputs { .. } => {}
    }
    None
}

fn file_error(report: &mut Report, bep: &Path, message: String, fix: &str) {
    let finding = Finding::new(Severity::Error, message, fix);
    global(report, Some(bep.display().to_string()), finding);
}

/// Every expected target must be among the invocation's test results.
fn missing_expected_targets(resolved: &[Resolved], bep: &Path, cfg: &Config, report: &mut Report) {
    for label in &cfg.expected_targets {
        if !resolved.iter().any(|r| same_label(label, r.target())) {
            file_error(
                report,
                bep,
                format!("expected target {label} is not among the test results of this invocation"),
                "run this exact instrumented test target in the `bazel test` that wrote the file",
            );
        }
    }
}

/// An invocation with nothing to check is an error, unless its results came from a cache.
fn nothing_checked(results: usize, bep: &Path, cfg: &Config, report: &mut Report) {
    if report.validated_dirs == 0 && cfg.expected_targets.is_empty() && report.cached_dirs == 0 {
        file_error(
            report,
            bep,
            format!(
                "no test attempt of this invocation has Test Optimization outputs ({results} test result(s))"
            ),
            "run `bazel test` on instrumented targets (dd_topt_<lang>_test) with --build_event_json_file",
        );
    } else if report.validated_dirs == 0 && report.cached_dirs > 0 {
        let msg = format!(
            "no test output directories with payloads: {} test result(s) came from Bazel's cache, and their payloads were sent by the run that executed them",
            report.cached_dirs
        );
        global(report, None, Finding::new(Severity::Info, msg, ""));
    }
}

/// `//pkg:t` and `@//pkg:t` / `@@//pkg:t` (how later Bazels name the main repository) alike.
fn same_label(a: &str, b: &str) -> bool {
    let main = |l: &str| {
        l.strip_prefix("@@")
            .or_else(|| l.strip_prefix('@'))
            .filter(|r| r.starts_with("//"))
            .unwrap_or(l)
            .to_string()
    };
    main(a) == main(b)
}
