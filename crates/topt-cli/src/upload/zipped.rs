//! What a worker does with one `outputs.zip`: lock it, skip the entries the zip's ledger (or,
//! with `--bep`, the upload ledger) says were accepted, send the rest one by one (each accepted
//! entry recorded in both before the next), and delete the zip only when every payload entry was
//! accepted and it holds nothing else.

use std::path::Path;

use topt_core::payloads::kind::{self, Disposition, Kind, OUTPUTS_ZIP, SIDECAR};

use super::interrupt;
use super::ledger;
use super::prepare::{self, DirCtx};
use super::work::{self, Ctx, FileResult, Status, Target, dir_ctx, result};
use crate::outputs::file::TreeDir;
use crate::outputs::sidecar;
use crate::outputs::verdict;
use crate::outputs::zip::{Archive, Entry};

/// One zip being worked on.
struct Job<'a> {
    ctx: &'a Ctx<'a>,
    dir: usize,
    root: &'a TreeDir,
    shown: String,
    dctx: DirCtx,
}

pub fn run(
    ctx: &Ctx<'_>,
    target: &Target,
    zip: &Path,
    shown: &str,
    emit: &mut dyn FnMut(FileResult),
) {
    let dir = target.index;
    let shown = shown.to_string();
    let mut whole = |status, detail: &str| {
        emit(result(
            dir,
            Kind::Tests,
            shown.clone(),
            status,
            Some(detail.to_string()),
        ))
    };
    let root = match TreeDir::open(zip.parent().unwrap_or(Path::new("."))) {
        Ok(r) => r,
        Err(p) => return whole(Status::Failed, &format!("its directory {p}")),
    };
    let _lock = if ctx.dry_run {
        None
    } else {
        match ledger::lock(&root) {
            Ok(Some(l)) => Some(l),
            Ok(None) => {
                return whole(
                    Status::Taken,
                    "outputs.zip is being uploaded by another process",
                );
            }
            Err(e) => return whole(Status::Failed, &format!("cannot lock outputs.zip: {e}")),
        }
    };
    if root.entry_type(OUTPUTS_ZIP).is_err() {
        // Another uploader sent every entry and removed it after we listed it.
        return whole(
            Status::Taken,
            "outputs.zip was completed by another process",
        );
    }
    let mut archive = match Archive::open(&root, OUTPUTS_ZIP) {
        Ok(a) => a,
        Err(e) => return whole(Status::Failed, &e),
    };
    let done = match ledger::read_ledger(&root) {
        Ok(d) => d,
        Err(e) => return whole(Status::Failed, &e),
    };
    let job = Job {
        ctx,
        dir,
        root: &root,
        dctx: zip_dir_ctx(ctx, &target.dctx, &mut archive),
        shown,
    };
    let (mut all_accepted, mut only_payloads) = (true, true);
    for e in archive.entries().to_vec() {
        let Some((kind, file)) = kind::zip_entry_payload(&e.name) else {
            only_payloads &= e.name == SIDECAR;
            continue;
        };
        if kind::disposition(kind, file) == Disposition::Ignore {
            only_payloads = false;
            continue;
        }
        if done.contains(e.name.as_str()) {
            continue;
        }
        let res = job.entry(&mut archive, &e, kind, file);
        all_accepted &= matches!(res.status, Status::Uploaded | Status::AlreadyUploaded);
        emit(res);
    }
    if !ctx.dry_run && !ctx.keep && all_accepted && only_payloads {
        let _ = root.remove(OUTPUTS_ZIP);
        let _ = root.remove(ledger::LEDGER);
    }
}

/// The sidecar inside the zip wins over none; a plain one next to it is used otherwise. A broken
/// sidecar inside blocks the zip's payloads, as a broken plain one blocks the directory's.
fn zip_dir_ctx(ctx: &Ctx<'_>, plain: &DirCtx, archive: &mut Archive) -> DirCtx {
    if !archive.has(SIDECAR) {
        return plain.clone();
    }
    match archive
        .read(SIDECAR, ctx.max_bytes)
        .and_then(|b| sidecar::parse(&b))
    {
        Ok(m) => dir_ctx(plain.label.clone(), Some(m), ctx.contexts).0,
        Err(e) => DirCtx {
            blocked: Some(format!("outputs.zip!{SIDECAR}: {e}")),
            ..plain.clone()
        },
    }
}

impl Job<'_> {
    /// One payload entry: checks, bounded read, prepare, send, ledger.
    fn entry(&self, archive: &mut Archive, e: &Entry, kind: Kind, file: &str) -> FileResult {
        let shown = format!("{}!{}", self.shown, e.shown);
        let r =
            |status, detail: Option<String>| result(self.dir, kind, shown.clone(), status, detail);
        if interrupt::requested() {
            return r(Status::NotAttempted, None);
        }
        if self.ctx.past_deadline() {
            return r(Status::Deadline, None);
        }
        if let Some(p) = &e.problem {
            return r(Status::Failed, Some(format!("{p}; zip kept")));
        }
        if let Some(rej) = verdict::by_name(kind, file) {
            return r(Status::Failed, Some(rej.message));
        }
        let bytes = match archive.read(&e.name, self.ctx.max_bytes) {
            Ok(b) => b,
            Err(err) => return r(Status::Failed, Some(format!("{err}; zip kept"))),
        };
        let key = self.ctx.ledger_key(self.dir, &e.name, &bytes);
        if self.ctx.already_uploaded(key.as_ref()) {
            let mut res = r(Status::AlreadyUploaded, None);
            // The zip's own ledger catches up, so the zip can be completed.
            if !self.ctx.fetched(self.dir)
                && let Err(err) = ledger::record_accepted(self.root, &e.name)
            {
                res.warnings
                    .push(format!("the zip's ledger write failed ({err})"));
            }
            return res;
        }
        let mut warnings = Vec::new();
        let prepared = prepare::prepare(
            kind,
            file,
            &shown,
            &bytes,
            &self.dctx,
            self.ctx.settings,
            &mut warnings,
        );
        let mut res = if self.ctx.dry_run {
            work::dry_run_result(self.dir, kind, shown.clone(), prepared)
        } else {
            let mut res = r(Status::Failed, None);
            (res.status, res.detail, res.bytes) = work::send(self.ctx, kind, prepared);
            if res.status == Status::Uploaded {
                res.warnings.extend(self.ctx.record_uploaded(key.as_ref()));
            }
            // A fetched zip is a temp file: the upload ledger is its only memory.
            if res.status == Status::Uploaded
                && !self.ctx.fetched(self.dir)
                && let Err(err) = ledger::record_accepted(self.root, &e.name)
            {
                res.warnings.push(format!(
                    "accepted but the ledger write failed ({err}); a re-run may send it again"
                ));
            }
            res
        };
        res.warnings.extend(warnings);
        res
    }
}
