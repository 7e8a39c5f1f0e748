//! What a worker does with one file (claim → read → prepare → send → delete or give back) or one
//! `outputs.zip` (lock → ledger → send entries → delete zip only when all were accepted).

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use topt_core::payloads::context::{Choice, ContextSet};
use topt_core::payloads::kind::{self, Disposition, Kind, SIDECAR};

use super::claim;
use super::interrupt;
use super::ledger;
use super::prepare::{self, DirCtx, Prepared, Settings};
use super::send::{self, Client};
use crate::outputs::sidecar;
use crate::outputs::testlogs::Listed;
use crate::outputs::zip::Archive;

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
        Work::Zip { dir, zip } => run_zip(ctx, *dir, zip, emit),
    }
}

fn result(
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
    if item.disposition == Disposition::RejectMsgpack {
        return r(Status::Failed, Some("raw msgpack test payload is not supported in Bazel file mode; tests must write JSON".into()));
    }
    match std::fs::metadata(&item.path) {
        // Listed a moment ago and gone now: another uploader claimed it.
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                && std::fs::symlink_metadata(&item.path).is_err() =>
        {
            return r(Status::Taken, None);
        }
        Err(e) => return r(Status::Failed, Some(format!("cannot read: {e}"))),
        Ok(m) if m.len() > ctx.max_bytes => {
            return r(
                Status::Failed,
                Some(format!(
                    "{} bytes exceeds --max-payload-mb; kept and not sent",
                    m.len()
                )),
            );
        }
        Ok(_) => {}
    }
    if interrupt::requested() {
        return r(Status::NotAttempted, None);
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
        return finish_dry_run(ctx, dir, item.kind, shown, &name, &bytes);
    }
    let claimed = match claim::claim(&item.path) {
        Ok(Some(c)) => c,
        Ok(None) => return r(Status::Taken, None),
        Err(e) => return r(Status::Failed, Some(format!("cannot claim: {e}"))),
    };
    let give_back = |mut res: FileResult| {
        if let Err(e) = claim::release(&claimed, &item.path) {
            res.warnings
                .push(format!("could not rename {} back: {e}", claimed.display()));
        }
        res
    };
    let bytes = match std::fs::read(&claimed) {
        Ok(b) => b,
        Err(e) => return give_back(r(Status::Failed, Some(format!("cannot read: {e}")))),
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
    let mut res = match prepared {
        Prepared::Skip(why) => give_back(r(Status::Skipped, Some(why))),
        Prepared::Fail(why) => give_back(r(Status::Failed, Some(why))),
        Prepared::Send { headers, body } => {
            let req = send::Request {
                url: ctx.settings.endpoints.url(item.kind),
                headers,
                body,
            };
            let sent = req.body.len() as u64;
            match ctx.client.send(&req) {
                send::Outcome::Accepted => {
                    let mut ok = r(Status::Uploaded, None);
                    ok.bytes = sent;
                    if let Err(e) = claim::finish(&claimed, &item.path, ctx.keep) {
                        ok.warnings.push(format!(
                            "accepted by the intake but could not remove {}: {e}",
                            claimed.display()
                        ));
                    }
                    ok
                }
                send::Outcome::Rejected { detail } => give_back(r(Status::Rejected, Some(detail))),
                send::Outcome::Failed { reason } | send::Outcome::DeadlineReached { reason } => {
                    give_back(r(Status::Failed, Some(reason)))
                }
                send::Outcome::Interrupted => {
                    give_back(r(Status::NotAttempted, Some("interrupted".into())))
                }
            }
        }
    };
    res.warnings.extend(warnings);
    res
}

fn finish_dry_run(
    ctx: &Ctx<'_>,
    dir: usize,
    kind: Kind,
    shown: String,
    name: &str,
    bytes: &[u8],
) -> FileResult {
    let mut warnings = Vec::new();
    let mut res = match prepare::prepare(
        kind,
        name,
        &shown,
        bytes,
        &ctx.dirs[dir],
        ctx.settings,
        &mut warnings,
    ) {
        Prepared::Skip(why) => result(dir, kind, shown, Status::Skipped, Some(why)),
        Prepared::Fail(why) => result(dir, kind, shown, Status::Failed, Some(why)),
        Prepared::Send { body, .. } => {
            let mut r = result(dir, kind, shown, Status::Checked, None);
            r.bytes = body.len() as u64;
            r
        }
    };
    res.warnings = warnings;
    res
}

fn run_zip(ctx: &Ctx<'_>, dir: usize, zip: &Path, emit: &dyn Fn(FileResult)) {
    let zshown = zip.display().to_string();
    let whole = |status, detail: String| {
        emit(result(
            dir,
            Kind::Tests,
            zshown.clone(),
            status,
            Some(detail),
        ))
    };
    let _lock = if ctx.dry_run {
        None
    } else {
        match ledger::lock(zip) {
            Ok(Some(l)) => Some(l),
            Ok(None) => {
                return whole(
                    Status::Taken,
                    "outputs.zip is being uploaded by another process".into(),
                );
            }
            Err(e) => return whole(Status::Failed, format!("cannot lock outputs.zip: {e}")),
        }
    };
    if !zip.exists() {
        // Another uploader sent every entry and removed it after we listed it.
        return whole(
            Status::Taken,
            "outputs.zip was completed by another process".into(),
        );
    }
    let mut archive = match Archive::open(zip) {
        Ok(a) => a,
        Err(e) => return whole(Status::Failed, e),
    };
    let names = archive.names();
    // The sidecar inside the zip wins over none; a plain one next to it is used otherwise.
    let sidecar = if names.iter().any(|n| n == SIDECAR) {
        archive
            .read(SIDECAR)
            .ok()
            .and_then(|b| sidecar::parse(&b).ok())
    } else {
        ctx.dirs[dir].sidecar.clone()
    };
    let (dctx, _) = dir_ctx(ctx.dirs[dir].label.clone(), sidecar, ctx.contexts);
    let done = ledger::read_ledger(zip);
    let mut all_accepted = true;
    let mut only_payloads = true;
    for name in &names {
        let Some((kind, file)) = kind::zip_entry_payload(name) else {
            if name != SIDECAR {
                only_payloads = false;
            }
            continue;
        };
        let disposition = kind::disposition(kind, file);
        if disposition == Disposition::Ignore {
            only_payloads = false;
            continue;
        }
        if done.contains(name.as_str()) {
            continue;
        }
        let shown = format!("{zshown}!{name}");
        let r = |status, detail: Option<String>| result(dir, kind, shown.clone(), status, detail);
        if interrupt::requested() {
            all_accepted = false;
            emit(r(Status::NotAttempted, None));
            continue;
        }
        if disposition == Disposition::RejectMsgpack {
            all_accepted = false;
            emit(r(
                Status::Failed,
                Some("raw msgpack test payload is not supported in Bazel file mode".into()),
            ));
            continue;
        }
        if name.contains('\n') {
            all_accepted = false;
            emit(r(
                Status::Failed,
                Some("entry name contains a newline".into()),
            ));
            continue;
        }
        match archive.size(name) {
            Ok(s) if s > ctx.max_bytes => {
                all_accepted = false;
                emit(r(
                    Status::Failed,
                    Some(format!("{s} bytes exceeds --max-payload-mb")),
                ));
                continue;
            }
            Err(e) => {
                all_accepted = false;
                emit(r(Status::Failed, Some(e)));
                continue;
            }
            Ok(_) => {}
        }
        let bytes = match archive.read(name) {
            Ok(b) => b,
            Err(e) => {
                all_accepted = false;
                emit(r(Status::Failed, Some(e)));
                continue;
            }
        };
        let mut warnings = Vec::new();
        let mut res = match prepare::prepare(
            kind,
            file,
            &shown,
            &bytes,
            &dctx,
            ctx.settings,
            &mut warnings,
        ) {
            Prepared::Skip(why) => r(Status::Skipped, Some(why)),
            Prepared::Fail(why) => r(Status::Failed, Some(why)),
            Prepared::Send { body, .. } if ctx.dry_run => {
                let mut ok = r(Status::Checked, None);
                ok.bytes = body.len() as u64;
                ok
            }
            Prepared::Send { headers, body } => {
                let req = send::Request {
                    url: ctx.settings.endpoints.url(kind),
                    headers,
                    body,
                };
                match ctx.client.send(&req) {
                    send::Outcome::Accepted => {
                        let mut ok = r(Status::Uploaded, None);
                        ok.bytes = req.body.len() as u64;
                        if let Err(e) = ledger::record_accepted(zip, name) {
                            ok.warnings.push(format!("accepted but the ledger write failed ({e}); a re-run may send it again"));
                        }
                        ok
                    }
                    send::Outcome::Rejected { detail } => r(Status::Rejected, Some(detail)),
                    send::Outcome::Failed { reason }
                    | send::Outcome::DeadlineReached { reason } => r(Status::Failed, Some(reason)),
                    send::Outcome::Interrupted => {
                        r(Status::NotAttempted, Some("interrupted".into()))
                    }
                }
            }
        };
        if res.status != Status::Uploaded {
            all_accepted = false;
        }
        res.warnings.extend(warnings);
        emit(res);
    }
    if !ctx.dry_run && !ctx.keep && all_accepted && only_payloads {
        let _ = std::fs::remove_file(zip);
        let _ = std::fs::remove_file(ledger::ledger_path(zip));
    }
}
