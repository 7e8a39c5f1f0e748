//! What a worker does with one file (claim → read → prepare → send → delete or give back); one
//! `outputs.zip` is `zipped.rs`.

use std::path::PathBuf;

use serde_json::{Map, Value};
use topt_core::payloads::context::{Choice, ContextSet};
use topt_core::payloads::kind::{Disposition, Kind};

use super::claim;
use super::interrupt;
use super::prepare::{self, DirCtx, Prepared, Settings};
use super::send::{self, Client};
use super::zipped;
use crate::outputs::testlogs::Listed;

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

/// Unit of work handed to a worker.
#[derive(Debug, Clone)]
pub enum Work {
    File { dir: usize, item: Listed },
    Zip { dir: usize, zip: PathBuf },
}

/// Shared, read-only inputs of the workers.
#[derive(Debug)]
pub struct Ctx<'a> {
    pub settings: &'a Settings,
    pub client: &'a Client,
    pub contexts: &'a ContextSet,
    pub dirs: &'a [DirCtx],
    pub dry_run: bool,
    pub keep: bool,
    pub max_bytes: u64,
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
        },
        note,
    )
}

pub fn run(ctx: &Ctx<'_>, work: &Work, emit: &dyn Fn(FileResult)) {
    match work {
        Work::File { dir, item } => emit(run_file(ctx, *dir, item)),
        Work::Zip { dir, zip } => zipped::run(ctx, *dir, zip, emit),
    }
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

fn run_file(ctx: &Ctx<'_>, dir: usize, item: &Listed) -> FileResult {
    let shown = item.path.display().to_string();
    let r = |status, detail: Option<String>| result(dir, item.kind, shown.clone(), status, detail);
    if let Some(early) = precheck(ctx, item) {
        return r(early.0, early.1);
    }
    let name = item
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if ctx.dry_run {
        let bytes = match std::fs::read(&item.path) {
            Ok(b) => b,
            Err(e) => return r(Status::Failed, Some(format!("cannot read: {e}"))),
        };
        let mut warnings = Vec::new();
        let prepared = prepare::prepare(
            item.kind,
            &name,
            &shown,
            &bytes,
            &ctx.dirs[dir],
            ctx.settings,
            &mut warnings,
        );
        let mut res = dry_run_result(dir, item.kind, shown, prepared);
        res.warnings = warnings;
        return res;
    }
    let claimed = match claim::claim(&item.path) {
        Ok(Some(c)) => c,
        Ok(None) => return r(Status::Taken, None),
        Err(e) => return r(Status::Failed, Some(format!("cannot claim: {e}"))),
    };
    let bytes = match std::fs::read(&claimed) {
        Ok(b) => b,
        Err(e) => {
            let res = r(Status::Failed, Some(format!("cannot read: {e}")));
            return give_back(res, &claimed, &item.path);
        }
    };
    let mut warnings = Vec::new();
    let prepared = prepare::prepare(
        item.kind,
        &name,
        &shown,
        &bytes,
        &ctx.dirs[dir],
        ctx.settings,
        &mut warnings,
    );
    let mut res = r(Status::Failed, None);
    (res.status, res.detail, res.bytes) = send(ctx, item.kind, prepared);
    let mut res = if res.status == Status::Uploaded {
        if let Err(e) = claim::finish(&claimed, &item.path, ctx.keep) {
            res.warnings.push(format!(
                "accepted by the intake but could not remove {}: {e}",
                claimed.display()
            ));
        }
        res
    } else {
        give_back(res, &claimed, &item.path)
    };
    res.warnings.extend(warnings);
    res
}

/// Reasons not to touch a listed file at all: msgpack test payload, gone (taken), too large,
/// interrupted.
fn precheck(ctx: &Ctx<'_>, item: &Listed) -> Option<(Status, Option<String>)> {
    if item.disposition == Disposition::RejectMsgpack {
        return Some((Status::Failed, Some("raw msgpack test payload is not supported in Bazel file mode; tests must write JSON".into())));
    }
    match std::fs::metadata(&item.path) {
        // Listed a moment ago and gone now: another uploader claimed it.
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                && std::fs::symlink_metadata(&item.path).is_err() =>
        {
            return Some((Status::Taken, None));
        }
        Err(e) => return Some((Status::Failed, Some(format!("cannot read: {e}")))),
        Ok(m) if m.len() > ctx.max_bytes => {
            return Some((
                Status::Failed,
                Some(format!(
                    "{} bytes exceeds --max-payload-mb; kept and not sent",
                    m.len()
                )),
            ));
        }
        Ok(_) => {}
    }
    interrupt::requested().then_some((Status::NotAttempted, None))
}

/// A claimed file that was not accepted goes back under its name.
fn give_back(
    mut res: FileResult,
    claimed: &std::path::Path,
    original: &std::path::Path,
) -> FileResult {
    if let Err(e) = claim::release(claimed, original) {
        res.warnings
            .push(format!("could not rename {} back: {e}", claimed.display()));
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
    match ctx.client.send(&req) {
        send::Outcome::Accepted => (Status::Uploaded, None, req.body.len() as u64),
        send::Outcome::Rejected { detail } => (Status::Rejected, Some(detail), 0),
        send::Outcome::Failed { reason } | send::Outcome::DeadlineReached { reason } => {
            (Status::Failed, Some(reason), 0)
        }
        send::Outcome::Interrupted => (Status::NotAttempted, Some("interrupted".into()), 0),
    }
}
