//! `topt upload --bep FILE`: the test attempts of one invocation, as its Build Event Protocol
//! file names them. No quiescence wait (Bazel wrote each result when its test had ended). Cached
//! attempts are reported and sent nothing; outputs not on this machine are fetched from the remote
//! cache (`crate::bep::resolve`); every accepted payload is recorded in the upload ledger before
//! anything else happens to it, so a re-run sends nothing twice.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

use serde_json::json;
use topt_core::payloads::context::ContextSet;

use super::args::Args;
use super::endpoints::Endpoints;
use super::log::Log;
use super::{Extra, recover_claims, upload};
use crate::bep::Invocation;
use crate::bep::resolve::{Resolved, Source};
use crate::ledger::Ledger;

pub fn run(
    args: &Args,
    log: &Log,
    bep: &Path,
    endpoints: Endpoints,
    contexts: &ContextSet,
    deadline: Option<Instant>,
) -> ExitCode {
    let source = match Source::open(
        bep,
        &args.remote,
        args.testlogs.as_deref(),
        args.max_bytes(),
        deadline,
    ) {
        Ok(s) => s,
        Err(e) => {
            log.error(&e);
            return ExitCode::from(2);
        }
    };
    for w in &source.warnings {
        log.warn(w);
    }
    // A dry run writes nothing, the ledger included.
    let ledger = if args.dry_run {
        None
    } else {
        let path = ledger_path(args.ledger.as_deref(), &source.invocation, bep);
        match Ledger::open(&path) {
            Ok(l) => Some(Mutex::new(l)),
            Err(e) => {
                log.error(&format!(
                    "cannot use the upload ledger {}: {e} (choose another with --ledger)",
                    path.display()
                ));
                return ExitCode::from(2);
            }
        }
    };
    if let Some(l) = &ledger
        && log.debug
        && let Ok(l) = l.lock()
    {
        log.line(&format!(
            "upload ledger {}: {} payload(s) recorded, {} unreadable line(s) ignored",
            l.path().display(),
            l.len(),
            l.ignored_lines
        ));
    }
    let mut extra = Extra {
        ledger: ledger.as_ref(),
        invocation: source.invocation.info.uuid.clone(),
        ..Extra::default()
    };
    let (mut attempts, mut idle) = (Vec::new(), 0usize);
    for r in source.resolved {
        match r {
            Resolved::Ready(a) => attempts.push(a),
            Resolved::Cached { label, cached } => {
                log.line(&format!("{label}: {}", cached.describe()));
                extra
                    .cached
                    .push(json!({"label": label, "why": cached.describe()}));
            }
            Resolved::Uploaded { label } => {
                let why = "already uploaded: its outputs are gone and topt upload's marker is in its test.outputs";
                log.line(&format!("{label}: {why}"));
                extra.cached.push(json!({"label": label, "why": why}));
            }
            Resolved::Failed { label, errors } => extra.failed.push((label, errors)),
            Resolved::NoOutputs { label, status } => {
                idle += 1;
                if log.debug {
                    log.line(&format!("{label}: {status}, no undeclared outputs"));
                }
            }
        }
    }
    // Only outputs read in place can hold claims of an uploader that died.
    let local: Vec<_> = attempts
        .iter()
        .filter(|a| a.bep.as_ref().is_some_and(|b| b.fetched_from.is_none()))
        .cloned()
        .collect();
    recover_claims(&local, log);
    if attempts.is_empty() && extra.failed.is_empty() {
        return nothing(args, log, extra.cached.len(), idle);
    }
    // For the progress bar's length, as after a quiescence wait.
    extra.files = crate::outputs::testlogs::activity(&attempts, false).0;
    upload(args, log, endpoints, contexts, &attempts, deadline, extra)
}

/// `--ledger`, else the output base the BEP names (when it is on this machine), else next to
/// the BEP file.
pub fn ledger_path(explicit: Option<&Path>, inv: &Invocation, bep: &Path) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    match inv.info.output_base().filter(|ob| ob.is_dir()) {
        Some(ob) => Ledger::default_path(&ob),
        None => {
            let mut name = bep.as_os_str().to_os_string();
            name.push(".topt-ledger");
            PathBuf::from(name)
        }
    }
}

/// Nothing executed that has outputs: fine (cached, already uploaded), or a hint.
fn nothing(args: &Args, log: &Log, cached: usize, idle: usize) -> ExitCode {
    if idle > 0 {
        log.warn(&format!(
            "{idle} executed test attempt(s) have no undeclared outputs: no payloads"
        ));
        log.line(
            "hint: check that DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES=true is set for the tests",
        );
    }
    log.line(&format!(
        "nothing to upload: {cached} test attempt(s) cached or already uploaded, {idle} without payloads"
    ));
    if args.json {
        println!(
            "{}",
            json!({"ok": true, "nothing_to_upload": true, "cached_results": cached,
                "without_outputs": idle})
        );
    }
    if idle > 0 && args.fail_on_error {
        log.error("--fail-on-error is set; failing due to missing payloads");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
