//! What a worker does with one file (claim → read → prepare → send → delete or give back), and
//! the types every worker shares; one `outputs.zip` is `zipped.rs`.

use std::ffi::OsStr;
use std::fs::File;
use std::sync::Mutex;
use std::time::Instant;

use serde_json::{Map, Value};
use topt_core::payloads::context::{Choice, ContextSet};
use topt_core::payloads::kind::{Kind, PAYLOADS_DIR};

use super::claim;
use super::interrupt;
use super::prepare::{self, DirCtx, Prepared, Settings};
use super::send::{self, Client};
use crate::ledger::{Ledger, payload_key};
use crate::outputs::FromBep;
use crate::outputs::file::{EntryType, Problem, TreeDir};
use crate::outputs::verdict;
use crate::remote::Digest;

/// One attempt while its payloads are in flight: what they are enriched with. Shared by its
/// work units and dropped with the last one, so a run holds only the attempts being worked on.
#[derive(Debug)]
pub struct Target {
    /// Index of the attempt (and of its summary).
    pub index: usize,
    pub dctx: DirCtx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Uploaded,
    /// Dry-run: prepared (and validated) but not sent.
    Checked,
    Skipped,
    Failed,
    Rejected,
    /// Another uploader claimed it first.
    Taken,
    /// Ctrl-C before it was accepted; left in place.
    NotAttempted,
    /// `--max-run-sec` ran out before it was accepted; left in place, a failure.
    Deadline,
    /// The upload ledger says an earlier run sent it (with `--bep`): not sent again.
    AlreadyUploaded,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Uploaded => "uploaded",
            Status::Checked => "checked",
            Status::Skipped => "skipped",
            Status::Failed => "failed",
            Status::Rejected => "rejected",
            Status::Taken => "taken",
            Status::NotAttempted => "not_attempted",
            Status::Deadline => "deadline",
            Status::AlreadyUploaded => "already_uploaded",
        }
    }
}

#[derive(Debug, Clone)]
pub struct FileResult {
    pub dir: usize,
    pub kind: Kind,
    pub file: String,
    pub status: Status,
    pub detail: Option<String>,
    pub warnings: Vec<String>,
    pub bytes: u64,
}

/// Shared, read-only inputs of the workers.
#[derive(Debug)]
pub struct Ctx<'a> {
    pub settings: &'a Settings,
    pub client: &'a Client,
    pub contexts: &'a ContextSet,
    pub dry_run: bool,
    pub keep: bool,
    pub max_bytes: u64,
    /// End of `--max-run-sec`: nothing starts after it, and no request runs past it.
    pub deadline: Option<Instant>,
    /// The upload ledger (`--bep`, not in a dry run) and a descriptor to fsync it with.
    pub ledger: Option<(&'a Mutex<Ledger>, &'a File)>,
    /// What the BEP says of each attempt (by `dir`): its identity, whether it was fetched.
    pub bep: &'a [Option<FromBep>],
}

impl Ctx<'_> {
    pub fn past_deadline(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// The key the ledger knows a payload of attempt `dir` by, when there is a ledger.
    pub fn ledger_key(&self, dir: usize, entry: &str, bytes: &[u8]) -> Option<Digest> {
        self.ledger?;
        let id = &self.bep.get(dir)?.as_ref()?.identity;
        Some(payload_key(id, entry, bytes))
    }

    /// Whether the attempt's outputs were fetched into a temp directory (nothing there outlives
    /// the run, so nothing there needs to be durable).
    pub fn fetched(&self, dir: usize) -> bool {
        self.bep
            .get(dir)
            .is_some_and(|b| b.as_ref().is_some_and(|b| b.fetched_from.is_some()))
    }

    /// Whether an earlier run recorded this payload as accepted.
    pub fn already_uploaded(&self, key: Option<&Digest>) -> bool {
        match (self.ledger, key) {
            (Some((l, _)), Some(k)) => l.lock().is_ok_and(|l| l.contains(k)),
            _ => false,
        }
    }

    /// Records an accepted payload, durably, before anything else happens to it; a warning when
    /// that fails (a re-run may then send it again). The fsync runs outside the lock, so the
    /// workers' fsyncs overlap instead of queueing.
    pub fn record_uploaded(&self, key: Option<&Digest>) -> Option<String> {
        let (Some((l, sync)), Some(k)) = (self.ledger, key) else {
            return None;
        };
        let appended = match l.lock() {
            Ok(mut l) => l.append(k).map_err(|e| e.to_string()),
            Err(_) => Err("the ledger is unusable after a panic".to_string()),
        };
        let result = appended.and_then(|()| sync.sync_data().map_err(|e| e.to_string()));
        result.err().map(|e| {
            format!("accepted but the upload ledger write failed ({e}); a re-run may send it again")
        })
    }
}

/// The enrichment inputs for a directory, given its sidecar.
pub fn dir_ctx(
    label: String,
    sidecar: Option<Map<String, Value>>,
    contexts: &ContextSet,
) -> (DirCtx, Option<String>) {
    let (context, note) = match contexts.choose(sidecar.as_ref()) {
        Choice::Context(c) => (Some((c.key.clone(), c.tags.clone())), None),
        Choice::Skip(why) => (
            None,
            Some(format!("skipping context enrichment because {why}")),
        ),
        Choice::NoneConfigured => (None, None),
    };
    (
        DirCtx {
            label,
            sidecar,
            context,
            blocked: None,
            test_headers: None,
        },
        note,
    )
}

pub(super) fn result(
    dir: usize,
    kind: Kind,
    file: String,
    status: Status,
    detail: Option<String>,
) -> FileResult {
    FileResult {
        dir,
        kind,
        file,
        status,
        detail,
        warnings: Vec::new(),
        bytes: 0,
    }
}

/// One file `name` of the kind directory `kdir` of `target`, `listed` as that type.
pub fn run_file(
    ctx: &Ctx<'_>,
    target: &Target,
    kind: Kind,
    kdir: &TreeDir,
    name: &OsStr,
    listed: EntryType,
) -> FileResult {
    let shown = kdir.path().join(name).display().to_string();
    let dir = target.index;
    let r = |status, detail: Option<String>| result(dir, kind, shown.clone(), status, detail);
    let name_text = name.to_string_lossy();
    if let Some(refused) = refused(ctx, target, kind, listed, name, &r) {
        return refused;
    }
    if ctx.dry_run {
        return match kdir.read(name, ctx.max_bytes) {
            Ok(bytes) => prepared_dry_run(ctx, target, kind, shown, &name_text, &bytes),
            Err(Problem::Missing) => r(Status::Taken, None),
            Err(p) => r(Status::Failed, Some(format!("{p}; kept"))),
        };
    }
    let claimed = match claim::claim(kdir, name) {
        Ok(Some(c)) => c,
        Ok(None) => return r(Status::Taken, None),
        Err(e) => return r(Status::Failed, Some(format!("cannot claim: {e}"))),
    };
    let bytes = match kdir.read_claimed(&claimed, ctx.max_bytes) {
        Ok(b) => b,
        Err(p) => {
            let res = r(Status::Failed, Some(format!("{p}; kept")));
            return give_back(res, kdir, &claimed, name);
        }
    };
    let key = ctx.ledger.and_then(|_| {
        let entry = format!("{PAYLOADS_DIR}/{}/{name_text}", kind.dir_name());
        ctx.ledger_key(target.index, &entry, &bytes)
    });
    let mut warnings = Vec::new();
    let mut res = if ctx.already_uploaded(key.as_ref()) {
        // Sent by a run that stopped before deleting it.
        r(Status::AlreadyUploaded, None)
    } else {
        let prepared = prepare::prepare(
            kind,
            &name_text,
            &shown,
            &bytes,
            &target.dctx,
            ctx.settings,
            &mut warnings,
        );
        drop(bytes);
        let mut res = r(Status::Failed, None);
        (res.status, res.detail, res.bytes) = send(ctx, kind, prepared);
        if res.status == Status::Uploaded {
            res.warnings.extend(ctx.record_uploaded(key.as_ref()));
        }
        res
    };
    let mut res = if matches!(res.status, Status::Uploaded | Status::AlreadyUploaded) {
        if let Err(e) = claim::finish(kdir, &claimed, name, ctx.keep) {
            res.warnings.push(format!(
                "accepted by the intake but could not remove {}: {e}",
                kdir.path().join(&claimed).display()
            ));
        }
        res
    } else {
        give_back(res, kdir, &claimed, name)
    };
    res.warnings.extend(warnings);
    res
}

/// Why `name` is reported without being claimed: a bad name, a blocked target, Ctrl-C, the
/// deadline, or an entry listed as something that breaks the payload-file rule (nothing such is
/// renamed, read or deleted; what is claimed is checked again when it is opened, so an entry
/// replaced since the listing is given back unread).
fn refused(
    ctx: &Ctx<'_>,
    target: &Target,
    kind: Kind,
    listed: EntryType,
    name: &OsStr,
    r: &dyn Fn(Status, Option<String>) -> FileResult,
) -> Option<FileResult> {
    if let Some(rej) = verdict::by_name(kind, &name.to_string_lossy()) {
        return Some(r(Status::Failed, Some(rej.message)));
    }
    if let Some(why) = &target.dctx.blocked {
        return Some(r(
            Status::Failed,
            Some(format!("{why}; kept until it is fixed")),
        ));
    }
    if interrupt::requested() {
        return Some(r(Status::NotAttempted, None));
    }
    if ctx.past_deadline() {
        return Some(r(Status::Deadline, None));
    }
    // Nothing that breaks the payload-file rule is renamed, read or deleted.
    listed
        .problem()
        .map(|p| r(Status::Failed, Some(format!("{p}; kept"))))
}

fn prepared_dry_run(
    ctx: &Ctx<'_>,
    target: &Target,
    kind: Kind,
    shown: String,
    name: &str,
    bytes: &[u8],
) -> FileResult {
    let mut warnings = Vec::new();
    let prepared = prepare::prepare(
        kind,
        name,
        &shown,
        bytes,
        &target.dctx,
        ctx.settings,
        &mut warnings,
    );
    let mut res = dry_run_result(target.index, kind, shown, prepared);
    res.warnings = warnings;
    res
}

/// A claimed file that was not accepted goes back (under another name if its own was taken).
fn give_back(mut res: FileResult, kdir: &TreeDir, claimed: &OsStr, name: &OsStr) -> FileResult {
    match claim::release(kdir, claimed, name, claim::own_pid()) {
        Ok(back) if back != name => res.warnings.push(format!(
            "a new file took its name meanwhile; kept as {}",
            kdir.path().join(back).display()
        )),
        Ok(_) => {}
        Err(e) => res.warnings.push(format!(
            "could not rename {} back: {e}",
            kdir.path().join(claimed).display()
        )),
    }
    res
}

/// The dry-run result of a prepared payload.
pub(super) fn dry_run_result(
    dir: usize,
    kind: Kind,
    shown: String,
    prepared: Prepared,
) -> FileResult {
    match prepared {
        Prepared::Skip(why) => result(dir, kind, shown, Status::Skipped, Some(why)),
        Prepared::Fail(why) => result(dir, kind, shown, Status::Failed, Some(why)),
        Prepared::Send { body, .. } => {
            let mut r = result(dir, kind, shown, Status::Checked, None);
            r.bytes = body.len() as u64;
            r
        }
    }
}

/// Sends a prepared payload: (status, detail, bytes sent when accepted).
pub(super) fn send(ctx: &Ctx<'_>, kind: Kind, prepared: Prepared) -> (Status, Option<String>, u64) {
    let (headers, body) = match prepared {
        Prepared::Skip(why) => return (Status::Skipped, Some(why), 0),
        Prepared::Fail(why) => return (Status::Failed, Some(why), 0),
        Prepared::Send { headers, body } => (headers, body),
    };
    let req = send::Request {
        url: ctx.settings.endpoints.url(kind),
        headers,
        body,
    };
    match ctx.client.send_until(&req, ctx.deadline) {
        send::Outcome::Accepted => (Status::Uploaded, None, req.body.len() as u64),
        send::Outcome::Rejected { detail } => (Status::Rejected, Some(detail), 0),
        send::Outcome::Failed { reason } => (Status::Failed, Some(reason), 0),
        send::Outcome::DeadlineReached { reason } => (Status::Deadline, Some(reason), 0),
        send::Outcome::Interrupted => (Status::NotAttempted, Some("interrupted".into()), 0),
    }
}
