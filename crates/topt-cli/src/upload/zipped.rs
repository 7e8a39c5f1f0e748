//! What a worker does with one `outputs.zip`: lock it, skip the entries the ledger says were
//! accepted, send the rest one by one (each accepted entry recorded before the next), and delete
//! the zip only when every payload entry was accepted and it holds nothing else.

use std::path::Path;

use topt_core::payloads::kind::{self, Disposition, Kind, SIDECAR};

use super::interrupt;
use super::ledger;
use super::prepare::{self, DirCtx};
use super::work::{self, Ctx, FileResult, Status, dir_ctx, result};
use crate::outputs::sidecar;
use crate::outputs::zip::Archive;

/// Whether the zip can go once the run is over.
struct Tally {
    all_accepted: bool,
    only_payloads: bool,
}

pub fn run(ctx: &Ctx<'_>, dir: usize, zip: &Path, emit: &dyn Fn(FileResult)) {
    let zshown = zip.display().to_string();
    let whole = |status, detail: &str| {
        emit(result(
            dir,
            Kind::Tests,
            zshown.clone(),
            status,
            Some(detail.to_string()),
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
                    "outputs.zip is being uploaded by another process",
                );
            }
            Err(e) => return whole(Status::Failed, &format!("cannot lock outputs.zip: {e}")),
        }
    };
    if !zip.exists() {
        // Another uploader sent every entry and removed it after we listed it.
        return whole(
            Status::Taken,
            "outputs.zip was completed by another process",
        );
    }
    let mut archive = match Archive::open(zip) {
        Ok(a) => a,
        Err(e) => return whole(Status::Failed, &e),
    };
    let names = archive.names();
    let dctx = zip_dir_ctx(ctx, dir, &mut archive, &names);
    let done = ledger::read_ledger(zip);
    let mut tally = Tally {
        all_accepted: true,
        only_payloads: true,
    };
    for name in &names {
        let Some((kind, file)) = kind::zip_entry_payload(name) else {
            tally.only_payloads &= name == SIDECAR;
            continue;
        };
        let disposition = kind::disposition(kind, file);
        if disposition == Disposition::Ignore {
            tally.only_payloads = false;
            continue;
        }
        if done.contains(name.as_str()) {
            continue;
        }
        let shown = format!("{zshown}!{name}");
        let res = entry(ctx, dir, &dctx, &mut archive, zip, name, kind, file, shown);
        tally.all_accepted &= res.status == Status::Uploaded;
        emit(res);
    }
    if !ctx.dry_run && !ctx.keep && tally.all_accepted && tally.only_payloads {
        let _ = std::fs::remove_file(zip);
        let _ = std::fs::remove_file(ledger::ledger_path(zip));
    }
}

/// The sidecar inside the zip wins over none; a plain one next to it is used otherwise.
fn zip_dir_ctx(ctx: &Ctx<'_>, dir: usize, archive: &mut Archive, names: &[String]) -> DirCtx {
    let sidecar = if names.iter().any(|n| n == SIDECAR) {
        archive
            .read(SIDECAR)
            .ok()
            .and_then(|b| sidecar::parse(&b).ok())
    } else {
        ctx.dirs[dir].sidecar.clone()
    };
    dir_ctx(ctx.dirs[dir].label.clone(), sidecar, ctx.contexts).0
}

/// One payload entry: checks, read, prepare, send, ledger.
#[allow(clippy::too_many_arguments)]
fn entry(
    ctx: &Ctx<'_>,
    dir: usize,
    dctx: &DirCtx,
    archive: &mut Archive,
    zip: &Path,
    name: &str,
    kind: Kind,
    file: &str,
    shown: String,
) -> FileResult {
    let r = |status, detail: Option<String>| result(dir, kind, shown.clone(), status, detail);
    if interrupt::requested() {
        return r(Status::NotAttempted, None);
    }
    if kind::disposition(kind, file) == Disposition::RejectMsgpack {
        return r(
            Status::Failed,
            Some("raw msgpack test payload is not supported in Bazel file mode".into()),
        );
    }
    if name.contains('\n') {
        return r(Status::Failed, Some("entry name contains a newline".into()));
    }
    match archive.size(name) {
        Ok(s) if s > ctx.max_bytes => {
            return r(
                Status::Failed,
                Some(format!("{s} bytes exceeds --max-payload-mb")),
            );
        }
        Err(e) => return r(Status::Failed, Some(e)),
        Ok(_) => {}
    }
    let bytes = match archive.read(name) {
        Ok(b) => b,
        Err(e) => return r(Status::Failed, Some(e)),
    };
    let mut warnings = Vec::new();
    let prepared = prepare::prepare(
        kind,
        file,
        &shown,
        &bytes,
        dctx,
        ctx.settings,
        &mut warnings,
    );
    let mut res = if ctx.dry_run {
        work::dry_run_result(dir, kind, shown.clone(), prepared)
    } else {
        let mut res = r(Status::Failed, None);
        (res.status, res.detail, res.bytes) = work::send(ctx, kind, prepared);
        if res.status == Status::Uploaded
            && let Err(e) = ledger::record_accepted(zip, name)
        {
            res.warnings.push(format!(
                "accepted but the ledger write failed ({e}); a re-run may send it again"
            ));
        }
        res
    };
    res.warnings.extend(warnings);
    res
}
