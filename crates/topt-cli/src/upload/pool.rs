//! The worker pool. One thread plans the attempts one at a time and queues their units of work
//! (a bounded queue: planning stays a few units ahead of sending); `--workers` threads take them
//! in order; the main thread prints and counts every result as it arrives (through the progress
//! bar when one is drawn). So nothing per file outlives its result, and what a run holds grows
//! with the attempts in flight, not with the tree.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};

use topt_core::payloads::context::ContextSet;

use super::args::Args;
use super::log::Log;
use super::plan::{self, Work};
use super::summary::{Summary, TargetSummary};
use super::work::{self, Ctx, FileResult, Status};
use super::zipped;
use crate::outputs::Attempt;

/// What the main thread hears, in order: an attempt's summary entry before any of its results.
enum Msg {
    Target(TargetSummary),
    Warn(String),
    /// The results of one unit of work (one message per unit, not per file: every message
    /// wakes the main thread).
    Results(Vec<FileResult>),
}

/// Runs the payloads of every attempt on `workers` threads; results land in `summary` (one
/// target per attempt, in order). `expected` sizes the progress bar.
#[allow(clippy::too_many_arguments)]
pub fn run(
    args: &Args,
    log: &Log,
    ctx: &Ctx<'_>,
    attempts: &[Attempt],
    expected: u64,
    workers: usize,
    summary: &mut Summary,
) {
    let bar = progress_bar(args, expected);
    let (work_tx, work_rx) = mpsc::sync_channel::<Work>(workers);
    let work_rx = Mutex::new(work_rx);
    let (tx, rx) = mpsc::channel::<Msg>();
    std::thread::scope(|s| {
        let planner_tx = tx.clone();
        s.spawn(move || plan_all(args, ctx.contexts, attempts, &work_tx, &planner_tx));
        for _ in 0..workers {
            let tx = tx.clone();
            let work_rx = &work_rx;
            s.spawn(move || worker(ctx, work_rx, &tx));
        }
        drop(tx);
        for m in rx {
            match m {
                Msg::Target(t) => summary.targets.push(t),
                Msg::Warn(w) => bar.suspend(|| log.warn(&w)),
                Msg::Results(results) => {
                    for r in &results {
                        report_file(log, &bar, args.dry_run, r);
                        summary.add(r);
                    }
                    let n = results.len() as u64;
                    if let Some(short) = (bar.position() + n).checked_sub(bar.length().unwrap_or(0))
                    {
                        bar.inc_length(short);
                    }
                    bar.inc(n);
                }
            }
        }
    });
    bar.finish_and_clear();
}

/// Plans each attempt just before its files are queued; the queue being bounded, this runs only
/// a few units ahead of the workers. Dropping `work` when done lets the workers finish.
fn plan_all(
    args: &Args,
    contexts: &ContextSet,
    attempts: &[Attempt],
    work: &SyncSender<Work>,
    tx: &Sender<Msg>,
) {
    for (i, a) in attempts.iter().enumerate() {
        let p = plan::target(args, contexts, i, a);
        let sent = tx.send(Msg::Target(p.summary)).is_ok()
            && p.warning.is_none_or(|w| tx.send(Msg::Warn(w)).is_ok())
            && (p.blocked.is_empty() || tx.send(Msg::Results(p.blocked)).is_ok())
            && p.work.into_iter().all(|w| work.send(w).is_ok());
        if !sent {
            return;
        }
    }
}

fn worker(ctx: &Ctx<'_>, work: &Mutex<Receiver<Work>>, tx: &Sender<Msg>) {
    loop {
        // The lock is held only while waiting for the next unit, never while working on one.
        let next = work.lock().ok().and_then(|rx| rx.recv().ok());
        let Some(w) = next else { return };
        let mut results = Vec::new();
        match &w {
            Work::Files {
                target,
                kind,
                dir,
                names,
            } => {
                for (name, listed) in names {
                    results.push(work::run_file(ctx, target, *kind, dir, name, *listed));
                }
            }
            Work::Zip { target, zip, shown } => {
                zipped::run(ctx, target, zip, shown, &mut |r| results.push(r))
            }
        }
        drop(w);
        if tx.send(Msg::Results(results)).is_err() {
            return;
        }
    }
}

/// Prints what a result says: problems always, successes with `--debug` (dry-run: always).
pub fn report_file(log: &Log, bar: &indicatif::ProgressBar, dry_run: bool, r: &FileResult) {
    let noun = r.kind.noun();
    let line = match r.status {
        Status::Uploaded if log.debug => Some(format!("uploaded {noun} payload: {}", r.file)),
        Status::Checked if log.debug || dry_run => {
            Some(format!("dry-run validated {noun} payload: {}", r.file))
        }
        Status::Skipped => Some(format!(
            "skipping {noun} payload: {}: {}",
            r.file,
            r.detail.as_deref().unwrap_or("")
        )),
        Status::Failed => Some(format!(
            "error: {noun} payload {}: {}",
            r.file,
            r.detail.as_deref().unwrap_or("failed")
        )),
        Status::Rejected => Some(format!(
            "error: intake rejected {noun} payload {} ({}); kept",
            r.file,
            r.detail.as_deref().unwrap_or("")
        )),
        Status::Taken if log.debug => Some(format!("{}: taken by another uploader", r.file)),
        Status::AlreadyUploaded if log.debug => Some(format!(
            "{noun} payload {}: already uploaded (the upload ledger has it); not sent again",
            r.file
        )),
        // In flight when the deadline came (the rest are counted in the summary).
        Status::Deadline if log.debug || r.detail.is_some() => Some(format!(
            "error: {noun} payload {}: not sent before --max-run-sec ({}); kept",
            r.file,
            r.detail.as_deref().unwrap_or("not started")
        )),
        _ => None,
    };
    let mut lines: Vec<String> = line.into_iter().collect();
    // Enriched-envelope notes of accepted payloads are noise unless debugging.
    let quiet_schema = !log.debug && r.status == Status::Uploaded;
    lines.extend(
        r.warnings
            .iter()
            .filter(|w| !(quiet_schema && w.starts_with("schema:")))
            .map(|w| format!("warning: {}: {w}", r.file)),
    );
    for l in lines {
        let msg = format!("[topt upload] {l}");
        if bar.is_hidden() {
            if log.json || l.starts_with("error") || l.starts_with("warning") {
                eprintln!("{msg}");
            } else {
                println!("{msg}");
            }
        } else {
            bar.println(msg);
        }
    }
}

fn progress_bar(args: &Args, len: u64) -> indicatif::ProgressBar {
    if args.json || args.no_progress || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} [{bar:40}] {pos}/{len} files  {per_sec}  eta {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
