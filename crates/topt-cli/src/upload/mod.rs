//! `topt upload`: discover payload files under `bazel-testlogs` (or take the test attempts of a
//! BEP file, `from_bep.rs`), wait for quiescence, enrich test payloads, upload everything
//! concurrently, delete only what the intake accepted.

mod args;
mod claim;
mod endpoints;
mod facts;
mod from_bep;
pub(crate) mod interrupt;
mod ledger;
mod log;
mod multipart;
mod owners;
mod plan;
mod pool;
mod prepare;
mod quiesce;
mod send;
mod summary;
mod work;
mod zipped;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use topt_core::payloads::context::ContextSet;
use topt_core::payloads::kind::{Kind, PAYLOADS_DIR};

use crate::ledger::{Ledger, synthetic_key};
use crate::outputs::cached;
use crate::outputs::file::TreeDir;
use crate::outputs::{Attempt, FromBep, contexts, testlogs};
pub use args::Args;
pub(crate) use args::endpoint_env;
use endpoints::{Endpoints, EnvInputs, Mode};
use log::{Log, env_bool};
use prepare::Settings;
use summary::{Summary, TargetSummary};
use work::{Ctx, Status};

pub fn run(mut args: Args) -> ExitCode {
    args.keep_payloads |= env_bool("DD_TEST_OPTIMIZATION_KEEP_PAYLOADS");
    args.filter_prefix |= env_bool("DD_TEST_OPTIMIZATION_FILTER_PREFIX");
    args.gzip |= env_bool("DD_TEST_OPTIMIZATION_GZIP");
    args.debug |= env_bool("DD_TEST_OPTIMIZATION_DEBUG");
    let log = Log {
        json: args.json,
        debug: args.debug,
    };
    if args.validate_enrichment && !args.dry_run {
        log.error("--validate-enrichment requires --dry-run");
        return ExitCode::from(2);
    }
    interrupt::install();
    let deadline =
        (args.max_run_sec > 0).then(|| Instant::now() + Duration::from_secs(args.max_run_sec));
    let (endpoints, contexts) = match configure(&args, &log) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Some(bep) = args.bep.clone() {
        return from_bep::run(&args, &log, &bep, endpoints, &contexts, deadline);
    }
    let root = match testlogs_root(&args, &log) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let start = match args.invocation_start.as_deref().map(cached::parse_start) {
        None => None,
        Some(Ok(t)) => Some(t),
        Some(Err(e)) => {
            log.error(&e);
            return ExitCode::from(2);
        }
    };
    let mut scan_warnings = Vec::new();
    let found = testlogs::find_outputs(&root, args.max_depth, None, &mut scan_warnings);
    recover_claims(&found, &log);
    // The wait for writers counts against --max-run-sec too.
    let max_wait = Duration::from_secs(args.max_wait_sec);
    let timing = quiesce::Timing {
        quiescent: Duration::from_secs(args.quiescent_sec),
        max_wait: deadline.map_or(max_wait, |d| {
            max_wait.min(d.saturating_duration_since(Instant::now()))
        }),
        poll: Duration::from_millis(args.poll_ms.max(10)),
    };
    let outcome = quiesce::wait(
        &root,
        args.max_depth,
        start,
        timing,
        &|m| log.line(m),
        &mut scan_warnings,
    );
    for w in &scan_warnings {
        log.warn(w);
    }
    match outcome {
        quiesce::Outcome::Ready { attempts, files } => {
            let extra = Extra {
                files,
                ..Extra::default()
            };
            upload(
                &args, &log, endpoints, &contexts, &attempts, deadline, extra,
            )
        }
        quiesce::Outcome::Interrupted => {
            log.warn("interrupted while waiting; nothing was sent");
            ExitCode::from(130)
        }
        quiesce::Outcome::Nothing {
            results,
            cached,
            dirs,
        } => nothing(&args, &log, results, cached, dirs),
    }
}

/// Configuration errors first, before any waiting (the reference found them only after it):
/// endpoints and key, contexts. `Err` is the exit code to return.
fn configure(args: &Args, log: &Log) -> Result<(Endpoints, ContextSet), ExitCode> {
    let fail = |e: String| {
        log.error(&e);
        ExitCode::from(2)
    };
    let endpoints = endpoints::resolve(&EnvInputs::from_env(), args.dry_run).map_err(fail)?;
    let mut warnings = Vec::new();
    let contexts = contexts::context_set(
        &args.context,
        args.context_manifest.as_deref(),
        &mut warnings,
    )
    .map_err(fail)?;
    for w in warnings {
        log.warn(&w);
    }
    check_key_parity(log, &endpoints, &contexts);
    Ok((endpoints, contexts))
}

/// The testlogs root to discover attempts under (without `--bep`).
fn testlogs_root(args: &Args, log: &Log) -> Result<PathBuf, ExitCode> {
    match testlogs::resolve_testlogs(args.testlogs.as_deref()) {
        Ok(Some(r)) => Ok(r),
        Ok(None) => {
            log.warn("testlogs dir not found (nothing to upload); run from the Bazel workspace or pass --testlogs");
            Err(ExitCode::from(if args.fail_on_error { 2 } else { 0 }))
        }
        Err(e) => {
            log.error(&e);
            Err(ExitCode::from(2))
        }
    }
}

/// Gives back files whose uploader died mid-run, before counting.
fn recover_claims(attempts: &[Attempt], log: &Log) {
    let recovered: usize = attempts
        .iter()
        .filter_map(|d| TreeDir::open(&d.dir).ok())
        .flat_map(|t| Kind::ALL.map(|k| t.dirs(PAYLOADS_DIR, &[k.dir_name()]).ok()))
        .flatten()
        .map(|d| claim::recover_stale(&d))
        .sum();
    if recovered > 0 {
        log.line(&format!(
            "recovered {recovered} file(s) claimed by an uploader that is no longer running"
        ));
    }
}

/// No payload files at all: fine when nothing ran or every result came from a cache; a hint when
/// tests ran, exit 1 only with `--fail-on-error`.
fn nothing(args: &Args, log: &Log, results: usize, cached: usize, dirs: usize) -> ExitCode {
    let tests_ran = results > 0;
    if results > 0 && cached == results {
        log.line(&format!(
            "nothing to upload: {cached} test result(s) came from Bazel's cache, and their payloads were sent by the run that executed them"
        ));
    } else if tests_ran || dirs > 0 {
        log.warn("tests ran but no payload files found");
        log.line(
            "hint: check that DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES=true is set for the tests",
        );
        if args.fail_on_error {
            log.error("--fail-on-error is set; failing due to missing payloads");
            return ExitCode::from(1);
        }
    } else {
        log.line("no payload files found and no test execution detected; nothing to upload");
    }
    if args.max_depth > 0 && dirs == 0 {
        log.warn("DD_TEST_OPTIMIZATION_MAX_DEPTH may be too shallow");
    }
    if args.json {
        println!(
            "{}",
            serde_json::json!({"ok": true, "nothing_to_upload": true, "tests_ran": tests_ran,
                "cached_results": cached})
        );
    }
    ExitCode::SUCCESS
}

/// What the caller knows beyond the attempts: how many payload files it saw, and what a BEP
/// run adds.
#[derive(Debug, Default)]
struct Extra<'a> {
    /// Payload files seen while discovering (the progress bar's length; the run counts anew).
    files: usize,
    /// The upload ledger (not in a dry run).
    ledger: Option<&'a Mutex<Ledger>>,
    /// Attempts whose outputs could not be read: label and one message per output. Failures.
    failed: Vec<(String, Vec<String>)>,
    /// Attempts with nothing to send (`{"label", "why"}`), for the JSON summary.
    cached: Vec<serde_json::Value>,
    /// The BEP's invocation id: synthetic telemetry goes once per invocation.
    invocation: Option<String>,
}

/// The HTTP client of the workers, with the run's retry policy and timeouts.
fn client(args: &Args, workers: usize) -> send::Client {
    send::Client::new(
        send::RetryPolicy {
            max_attempts: args.max_attempts.max(1),
            base: Duration::from_millis(args.retry_base_ms),
            cap: Duration::from_millis(args.retry_max_ms.max(1)),
        },
        Duration::from_secs(args.timeout_sec.max(1)),
        Duration::from_secs(10.min(args.timeout_sec.max(1))),
        workers,
    )
}

/// Plans, sends with the worker pool, then the synthetic telemetry; prints the summary.
fn upload(
    args: &Args,
    log: &Log,
    endpoints: Endpoints,
    contexts: &ContextSet,
    attempts: &[Attempt],
    deadline: Option<Instant>,
    extra: Extra<'_>,
) -> ExitCode {
    let mode = match endpoints.mode {
        Mode::Agentless(_) => "agentless",
        Mode::Evp => "evp",
    };
    let settings = plan::settings(args, log, endpoints, contexts, attempts);
    if log.debug {
        log.line(&format!("mode: {}", settings.endpoints.describe()));
    }
    let workers = args.workers.clamp(1, 64);
    let client = client(args, workers);
    let bep: Vec<Option<FromBep>> = attempts.iter().map(|a| a.bep.clone()).collect();
    let sync = match extra.ledger.map(ledger_sync_handle).transpose() {
        Ok(sync) => sync,
        Err(e) => {
            log.error(&format!("cannot use the upload ledger: {e}"));
            return ExitCode::from(2);
        }
    };
    let ctx = Ctx {
        settings: &settings,
        client: &client,
        contexts,
        dry_run: args.dry_run,
        keep: args.keep_payloads,
        max_bytes: args.max_bytes(),
        deadline,
        ledger: extra.ledger.zip(sync.as_ref()),
        bep: &bep,
    };
    let mut summary = Summary {
        cached: extra.cached,
        ..Summary::default()
    };
    let start = Instant::now();
    pool::run(
        args,
        log,
        &ctx,
        attempts,
        extra.files as u64,
        workers,
        &mut summary,
    );
    // After the attempts' own summaries, so that their indices stay the attempts'.
    let had_work = summary.results() > 0;
    report_unreadable(log, &mut summary, extra.failed);
    if !had_work {
        if summary.failures() > 0 {
            return finish(args, log, &summary, mode, Duration::ZERO, false);
        }
        log.line("no payload files found; nothing to upload");
        return ExitCode::SUCCESS;
    }
    if !args.dry_run && !args.keep_payloads {
        mark_uploaded(attempts, &summary);
    }
    let synthetic_ledger = extra.ledger.zip(extra.invocation.as_deref());
    send_synthetic(
        args,
        log,
        &settings,
        &client,
        deadline,
        synthetic_ledger,
        &mut summary,
    );
    finish(
        args,
        log,
        &summary,
        mode,
        start.elapsed(),
        interrupt::requested(),
    )
}

/// Attempts whose outputs could not be read: one failed result per output, nothing sent.
fn report_unreadable(log: &Log, summary: &mut Summary, failed: Vec<(String, Vec<String>)>) {
    for (label, errors) in failed {
        summary.targets.push(TargetSummary {
            label: label.clone(),
            ..TargetSummary::default()
        });
        for e in errors {
            log.error(&format!(
                "{label}: cannot read its outputs, nothing of it uploaded: {e}"
            ));
            summary.add(&work::result(
                summary.targets.len() - 1,
                Kind::Tests,
                label.clone(),
                Status::Failed,
                Some(e),
            ));
        }
    }
}

/// A second handle on the ledger's file, so workers fsync without holding its lock.
fn ledger_sync_handle(ledger: &Mutex<Ledger>) -> Result<std::fs::File, String> {
    match ledger.lock() {
        Ok(l) => l.sync_handle().map_err(|e| e.to_string()),
        Err(_) => Err("poisoned".to_string()),
    }
}

/// Marks every attempt some payloads were sent (and deleted) from, so that a later cached result
/// of the same test is not mistaken for a test that wrote nothing.
fn mark_uploaded(attempts: &[Attempt], summary: &Summary) {
    for (a, t) in attempts.iter().zip(&summary.targets) {
        let sent: u64 = t
            .counts
            .iter()
            .filter(|((status, _), _)| *status == Status::Uploaded.name())
            .map(|(_, n)| *n)
            .sum();
        if sent > 0 {
            cached::mark_uploaded(&a.dir, sent);
        }
    }
}

/// Synthetic telemetry batches (facts that matched no tracer batch) go last, once; with `--bep`,
/// once per invocation (the ledger keeps them by the BEP's invocation id).
fn send_synthetic(
    args: &Args,
    log: &Log,
    settings: &Settings,
    client: &send::Client,
    deadline: Option<Instant>,
    ledger: Option<(&Mutex<Ledger>, &str)>,
    summary: &mut Summary,
) {
    let Some(plan) = &settings.telemetry_plan else {
        return;
    };
    for (anchor, body) in &plan.synthetic {
        let service = body["application"]["service_name"].as_str().unwrap_or("");
        let why =
            format!("no tracer telemetry batch of service '{service}' to append the facts to");
        if args.dry_run {
            log.line(&format!(
                "dry-run validated synthetic telemetry augmentation for: {anchor} ({why}; the upload sends them as a batch of their own)"
            ));
            continue;
        }
        log.line(&format!(
            "sending the facts of {anchor} as a synthetic telemetry batch ({why})"
        ));
        if interrupt::requested() {
            return;
        }
        let key = ledger.map(|(l, invocation)| (l, synthetic_key(invocation, anchor)));
        let sent_before = key
            .as_ref()
            .is_some_and(|(l, k)| l.lock().is_ok_and(|l| l.contains(k)));
        let mut r = work::FileResult {
            dir: synthetic_target(summary),
            kind: Kind::Telemetry,
            file: format!("synthetic telemetry for {anchor}"),
            status: Status::AlreadyUploaded,
            detail: None,
            warnings: Vec::new(),
            bytes: 0,
        };
        if !sent_before {
            let bytes = serde_json::to_vec(body).unwrap_or_default();
            let prepare::Prepared::Send { headers, body } =
                prepare::prepare_telemetry("", body.clone(), &bytes, settings)
            else {
                continue;
            };
            let req = send::Request {
                url: settings.endpoints.url(Kind::Telemetry),
                headers,
                body,
            };
            (r.status, r.detail) = match client.send_until(&req, deadline) {
                send::Outcome::Accepted => (Status::Uploaded, None),
                send::Outcome::Rejected { detail } => (Status::Rejected, Some(detail)),
                send::Outcome::Failed { reason } => (Status::Failed, Some(reason)),
                send::Outcome::DeadlineReached { reason } => (Status::Deadline, Some(reason)),
                send::Outcome::Interrupted => (Status::NotAttempted, None),
            };
            r.bytes = req.body.len() as u64;
            if let (Status::Uploaded, Some((l, k))) = (r.status, &key)
                && let Err(e) = l
                    .lock()
                    .map_err(|_| "poisoned".to_string())
                    .and_then(|mut l| l.record(k).map_err(|e| e.to_string()))
            {
                r.warnings.push(format!(
                    "accepted but the upload ledger write failed ({e}); a re-run may send it again"
                ));
            }
        }
        pool::report_file(log, &indicatif::ProgressBar::hidden(), args.dry_run, &r);
        summary.add(&r);
    }
}

/// The summary's "(synthetic telemetry)" target, added once.
fn synthetic_target(summary: &mut Summary) -> usize {
    if summary
        .targets
        .last()
        .is_none_or(|t| t.label != "(synthetic telemetry)")
    {
        summary.targets.push(TargetSummary {
            label: "(synthetic telemetry)".into(),
            ..TargetSummary::default()
        });
    }
    summary.targets.len() - 1
}

fn finish(
    args: &Args,
    log: &Log,
    summary: &Summary,
    mode: &str,
    elapsed: Duration,
    interrupted: bool,
) -> ExitCode {
    if args.json {
        println!(
            "{}",
            summary.to_json(args.dry_run, mode, elapsed, interrupted)
        );
    } else {
        for l in summary.target_lines() {
            log.line(&l);
        }
        let secs = elapsed.as_secs_f64().max(1e-9);
        if !args.dry_run {
            log.line(&format!(
                "uploaded {} payloads ({:.1} MB) in {:.2} s ({:.0} files/s) [{mode}]",
                summary.files_sent,
                summary.bytes as f64 / 1e6,
                secs,
                summary.files_sent as f64 / secs
            ));
        }
    }
    let failures = summary.failures();
    let unsent = summary.count(Status::Deadline);
    if unsent > 0 {
        log.warn(&format!(
            "--max-run-sec ({} s) reached: {unsent} payload(s) not sent were kept; re-run to send them",
            args.max_run_sec
        ));
    }
    if interrupted {
        log.warn(&format!(
            "interrupted: {} payload(s) not sent were left in place; re-run to send them",
            summary.count(Status::NotAttempted)
        ));
        return ExitCode::from(130);
    }
    if failures > 0 {
        log.line(&format!("done with {failures} upload failures"));
        return ExitCode::from(1);
    }
    log.line(if args.dry_run { "dry-run done" } else { "done" });
    ExitCode::SUCCESS
}

/// Warns when the primary context was synced with another API key (never fatal, like the reference).
fn check_key_parity(log: &Log, endpoints: &Endpoints, contexts: &ContextSet) {
    let Some(fp) = contexts
        .primary()
        .and_then(|c| c.tags.get(topt_core::payloads::context::FINGERPRINT_KEY))
        .and_then(|v| v.as_str())
    else {
        return;
    };
    match &endpoints.mode {
        Mode::Agentless(Some(key)) => {
            if topt_core::payloads::fingerprint::api_key_fingerprint(key.expose()) != fp {
                log.warn("DD_API_KEY mismatch between fetch and uploader (context.json was synced with another key)");
            }
        }
        Mode::Evp => log
            .warn("DD_API_KEY fingerprint present but uploader running in EVP mode; check skipped"),
        Mode::Agentless(None) => {}
    }
}
