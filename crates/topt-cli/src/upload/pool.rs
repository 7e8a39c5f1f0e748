//! The worker pool: `--workers` threads take work items in order; the main thread prints and
//! counts every result as it arrives (through the progress bar when one is drawn).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use topt_core::payloads::kind::{OUTPUTS_ZIP, zip_entry_payload};

use super::args::Args;
use super::log::Log;
use super::summary::Summary;
use super::work::{self, Ctx, FileResult, Status, Work};
use super::zipped;
use crate::outputs::file::TreeDir;
use crate::outputs::zip::Archive;

/// Runs every work item on `workers` threads; results land in `summary`.
pub fn run(
    args: &Args,
    log: &Log,
    ctx: &Ctx<'_>,
    work: &[Work],
    workers: usize,
    summary: &mut Summary,
) {
    let bar = progress_bar(args, expected_results(work));
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<FileResult>();
    std::thread::scope(|s| {
        for _ in 0..workers.min(work.len()) {
            let tx = tx.clone();
            let next = &next;
            s.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(w) = work.get(i) else { break };
                    run_one(ctx, w, &|r| {
                        let _ = tx.send(r);
                    });
                }
            });
        }
        drop(tx);
        for r in rx {
            report_file(log, &bar, args.dry_run, &r);
            bar.inc(1);
            summary.add(&r);
        }
    });
    bar.finish_and_clear();
}

/// One work item: a file, a zip, or a blocked directory to report.
fn run_one(ctx: &Ctx<'_>, work: &Work, emit: &dyn Fn(FileResult)) {
    match work {
        Work::File { dir, item } => emit(work::run_file(ctx, *dir, item)),
        Work::Zip { dir, zip, shown } => zipped::run(ctx, *dir, zip, shown, emit),
        Work::Blocked {
            dir,
            kind,
            path,
            why,
        } => emit(work::result(
            *dir,
            *kind,
            path.display().to_string(),
            Status::Failed,
            Some(format!("{why}; nothing below it is read")),
        )),
    }
}

/// A zip yields one result per payload entry: count them for an honest progress bar.
fn expected_results(work: &[Work]) -> u64 {
    work.iter()
        .map(|w| match w {
            Work::File { .. } | Work::Blocked { .. } => 1,
            Work::Zip { zip, .. } => zip
                .parent()
                .and_then(|d| TreeDir::open(d).ok())
                .and_then(|d| Archive::open(&d, OUTPUTS_ZIP).ok())
                .map(|a| {
                    a.entries()
                        .iter()
                        .filter(|e| zip_entry_payload(&e.name).is_some())
                        .count() as u64
                })
                .unwrap_or(1)
                .max(1),
        })
        .sum()
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
