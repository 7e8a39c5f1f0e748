//! From the test attempts of a BEP file to the [`Attempt`]s the doctor and the uploader read.
//!
//! * A cached attempt (`cachedLocally`, `cachedRemotely`) is only reported: its payloads were sent
//!   by the run that executed it.
//! * An executed attempt's undeclared outputs (`test.outputs__outputs.zip`, or
//!   `test.outputs/<path>` each) are read where Bazel left them when they are on this machine: a
//!   `file://` output in place; a `bytestream://` one from its place under the exec root's
//!   `bazel-out/<mnemonic>/testlogs` (or `--testlogs`), when that file's size and SHA-256 are the
//!   URI's digest — a stale copy of an earlier run is never taken for it.
//! * Otherwise they are fetched from the remote cache (verified before anything reads them) into a
//!   staging directory shaped like `test.outputs`, so everything downstream reads them as it
//!   reads `bazel-testlogs`.
//! * A `file://` output that is gone, with `topt upload`'s marker in its `test.outputs`, was
//!   uploaded (and deleted) already.

use std::path::{Path, PathBuf};

use super::layout::safe_relative;
use super::{Cached as BepCached, Invocation, Location, OutputKind, OutputRef, TestAttempt};
use super::{TestStatus, TestSummary};
use crate::outputs::cached::{self, Cached};
use crate::outputs::file::TreeDir;
use crate::outputs::{Attempt, FromBep, Identity};
use crate::remote::{Digest, Fetcher, RemoteArgs};
use topt_core::payloads::kind::OUTPUTS_ZIP;

/// A BEP file read and its attempts resolved. Fetched outputs live in a temp directory that is
/// removed when this is dropped.
#[derive(Debug)]
pub struct Source {
    pub invocation: Invocation,
    pub resolved: Vec<Resolved>,
    /// What is wrong with the file itself (never fatal).
    pub warnings: Vec<String>,
    _staging: tempfile::TempDir,
}

impl Source {
    /// Reads `path`, then resolves every attempt: in place, or fetched with `remote`'s settings
    /// (plus the remote caches the BEP says Bazel used, see `remote::Settings::known_remotes`);
    /// no download runs past `deadline`.
    /// `Err` when the file cannot be read or the settings cannot work.
    pub fn open(
        path: &Path,
        remote: &RemoteArgs,
        testlogs: Option<&Path>,
        max_bytes: u64,
        deadline: Option<std::time::Instant>,
    ) -> Result<Source, String> {
        let invocation = super::read(path).map_err(|e| e.to_string())?;
        let mut settings = remote.settings()?;
        settings.known_remotes = invocation.info.remotes.clone();
        settings.deadline = deadline;
        let fetcher = Fetcher::new(settings).map_err(|e| e.to_string())?;
        let staging = tempfile::Builder::new()
            .prefix("topt-bep-")
            .tempdir()
            .map_err(|e| format!("cannot create a directory for fetched outputs: {e}"))?;
        let opts = Options {
            fetcher: &fetcher,
            testlogs,
            staging: staging.path(),
            max_bytes,
        };
        let resolved = resolve(&invocation, &opts);
        Ok(Source {
            warnings: warnings(&invocation, path),
            invocation,
            resolved,
            _staging: staging,
        })
    }
}

/// What became of one attempt.
#[derive(Debug)]
pub enum Resolved {
    /// Its outputs are on this machine (in place or fetched), ready to be read.
    Ready(Attempt),
    /// Served from a cache: nothing to read, nothing to send.
    Cached { label: String, cached: Cached },
    /// Its `file://` outputs are gone and `topt upload`'s marker says it sent them.
    Uploaded { label: String },
    /// Its outputs could not be had: one message per output (URI and cause).
    Failed { label: String, errors: Vec<String> },
    /// No undeclared outputs (a test that writes none, one that did not run).
    NoOutputs { label: String, status: TestStatus },
}

impl Resolved {
    pub fn label(&self) -> &str {
        match self {
            Resolved::Ready(a) => &a.label,
            Resolved::Cached { label, .. }
            | Resolved::Uploaded { label }
            | Resolved::Failed { label, .. }
            | Resolved::NoOutputs { label, .. } => label,
        }
    }

    /// The BEP's label, without the run / shard / attempt suffix.
    pub fn target(&self) -> &str {
        let l = self.label();
        l.split_once(" (").map_or(l, |(t, _)| t)
    }
}

/// Where to look and where to put things.
#[derive(Debug)]
pub struct Options<'a> {
    pub fetcher: &'a Fetcher,
    /// `--testlogs`: where local copies of `bytestream://` outputs are looked for, instead of the
    /// exec root the BEP names.
    pub testlogs: Option<&'a Path>,
    /// An empty directory the caller owns (and removes): fetched outputs go there.
    pub staging: &'a Path,
    /// Bound on one local file copied into the staging directory.
    pub max_bytes: u64,
}

/// Every attempt of the invocation, in the file's order.
pub fn resolve(inv: &Invocation, opts: &Options<'_>) -> Vec<Resolved> {
    inv.attempts
        .iter()
        .enumerate()
        .map(|(i, a)| resolve_one(inv, a, opts, &opts.staging.join(i.to_string())))
        .collect()
}

/// What is wrong with the file itself, for the report (never fatal).
pub fn warnings(inv: &Invocation, path: &Path) -> Vec<String> {
    let f = path.display();
    let mut w = Vec::new();
    if inv.torn_tail {
        w.push(format!(
            "{f}: the last line is cut short (Bazel stopped while writing it)"
        ));
    }
    if !inv.complete {
        w.push(format!(
            "{f}: no lastMessage event: Bazel did not finish the stream, test results after the cut are missing"
        ));
    }
    if inv.malformed_count > 0 {
        w.push(format!(
            "{f}: {} malformed line(s) skipped (lines {:?})",
            inv.malformed_count, inv.malformed_lines
        ));
    }
    if !inv.oversized_lines.is_empty() {
        w.push(format!(
            "{f}: line(s) {:?} over the line limit skipped",
            inv.oversized_lines
        ));
    }
    if inv.duplicates > 0 {
        w.push(format!(
            "{f}: {} repeated test result event(s) ignored (the first of each is used)",
            inv.duplicates
        ));
    }
    w
}

/// `//pkg:t`, with `(shard 1 of 2, run 2 of 3, attempt 2)` as far as they tell attempts apart.
pub fn label(inv: &Invocation, a: &TestAttempt) -> String {
    let summary: Option<&TestSummary> = inv
        .summaries
        .iter()
        .find(|s| s.label == a.label && s.configuration == a.configuration);
    let (shards, runs) = summary.map_or((0, 0), |s| (s.shard_count, s.run_count));
    let mut parts = Vec::new();
    if shards > 1 {
        parts.push(format!("shard {} of {shards}", a.shard));
    } else if a.shard > 1 {
        parts.push(format!("shard {}", a.shard));
    }
    if runs > 1 {
        parts.push(format!("run {} of {runs}", a.run));
    } else if a.run > 1 {
        parts.push(format!("run {}", a.run));
    }
    let retried = inv.attempts.iter().any(|b| {
        b.label == a.label
            && b.configuration == a.configuration
            && b.run == a.run
            && b.shard == a.shard
            && b.attempt != a.attempt
    });
    if retried || a.attempt > 1 {
        parts.push(format!("attempt {}", a.attempt));
    }
    if parts.is_empty() {
        a.label.clone()
    } else {
        format!("{} ({})", a.label, parts.join(", "))
    }
}

/// Where one output is on this machine.
enum Found {
    /// A regular file, read where it is.
    Local(PathBuf),
    /// Downloaded and verified into the staging directory (at its final place there).
    Fetched,
    /// A `file://` output that is not there, in a `test.outputs` holding the upload marker.
    Uploaded,
}

fn resolve_one(inv: &Invocation, a: &TestAttempt, opts: &Options<'_>, stage: &Path) -> Resolved {
    let label = label(inv, a);
    let cached = match a.cached {
        BepCached::Locally => Some(Cached::Locally),
        BepCached::Remotely => Some(Cached::Remotely),
        BepCached::No => None,
    };
    if let Some(cached) = cached {
        return Resolved::Cached { label, cached };
    }
    let outputs: Vec<&OutputRef> = a.undeclared_outputs().collect();
    if outputs.is_empty() {
        return Resolved::NoOutputs {
            label,
            status: a.status.clone(),
        };
    }
    let found = match locate_outputs(inv, a, &outputs, opts, stage) {
        Ok(found) => found,
        Err(errors) => return Resolved::Failed { label, errors },
    };
    if found.iter().any(|(_, f)| matches!(f, Found::Uploaded)) {
        return Resolved::Uploaded { label };
    }
    let identity = Identity {
        label: a.label.clone(),
        configuration: a.configuration.clone(),
        run: a.run,
        shard: a.shard,
        attempt: a.attempt,
    };
    let has_zip = found.iter().any(|(rel, _)| rel == OUTPUTS_ZIP);
    // In place when everything is a local file of one test.outputs directory.
    let (dir, fetched_from) = match one_local_dir(&found) {
        Some(dir) => (dir, None),
        None => {
            if let Err(errors) = stage_local_copies(&found, stage, opts.max_bytes) {
                return Resolved::Failed { label, errors };
            }
            (stage.to_path_buf(), first_bytestream_uri(&outputs))
        }
    };
    Resolved::Ready(Attempt {
        label,
        zip: has_zip.then(|| dir.join(OUTPUTS_ZIP)),
        dir,
        cached: None,
        bep: Some(FromBep {
            identity,
            fetched_from,
        }),
    })
}

/// Each output of the attempt, read in place, fetched into `stage` (the directory standing for
/// its test.outputs), or found already uploaded; every output that cannot be is an error.
fn locate_outputs(
    inv: &Invocation,
    a: &TestAttempt,
    outputs: &[&OutputRef],
    opts: &Options<'_>,
    stage: &Path,
) -> Result<Vec<(String, Found)>, Vec<String>> {
    let local_root = opts.testlogs.map(Path::to_path_buf).or_else(|| {
        inv.info
            .testlogs(a.configuration.as_deref())
            .filter(|p| p.is_dir())
    });
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for o in outputs {
        let Some(rel) = relative(o) else {
            errors.push(format!(
                "{}: not a usable name for an undeclared output",
                o.name
            ));
            continue;
        };
        let local_copy = local_root
            .as_ref()
            .and_then(|r| inv.testlogs_path(a, o).map(|p| r.join(p)));
        match find(o, &rel, local_copy.as_deref(), stage, opts) {
            Ok(f) => found.push((rel, f)),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(found)
    } else {
        Err(errors)
    }
}

/// Copies the outputs read locally next to the fetched ones, so one directory holds them all.
fn stage_local_copies(
    found: &[(String, Found)],
    stage: &Path,
    max_bytes: u64,
) -> Result<(), Vec<String>> {
    let errors: Vec<String> = found
        .iter()
        .filter_map(|(rel, f)| match f {
            Found::Local(path) => copy_into(path, &stage.join(rel), max_bytes).err(),
            _ => None,
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn first_bytestream_uri(outputs: &[&OutputRef]) -> Option<String> {
    outputs.iter().find_map(|o| match &o.location {
        Location::ByteStream(u) => Some(u.to_string()),
        _ => None,
    })
}

/// The output's path below `test.outputs`: `outputs.zip`, or the unzipped output's own.
fn relative(o: &OutputRef) -> Option<String> {
    match o.kind() {
        OutputKind::UndeclaredOutputsZip => Some(OUTPUTS_ZIP.to_string()),
        OutputKind::UndeclaredOutput(p) if safe_relative(p) => Some(p.to_string()),
        _ => None,
    }
}

fn find(
    o: &OutputRef,
    rel: &str,
    local_copy: Option<&Path>,
    stage_dir: &Path,
    opts: &Options<'_>,
) -> Result<Found, String> {
    match &o.location {
        Location::File(path) => {
            if is_regular(path) {
                return Ok(Found::Local(path.clone()));
            }
            let outputs_dir = strip_suffix(path, rel);
            if outputs_dir.as_deref().is_some_and(cached::has_marker) {
                return Ok(Found::Uploaded);
            }
            Err(format!(
                "{}: not on this machine, or not a regular file (the BEP names it as a local file)",
                path.display()
            ))
        }
        Location::ByteStream(uri) => {
            if let Some(p) = local_copy
                && is_regular(p)
                && Digest::of_file(p).is_ok_and(|d| d.hash == uri.hash && d.size == uri.size)
            {
                return Ok(Found::Local(p.to_path_buf()));
            }
            let dest = stage_dir.join(rel);
            let parent = dest.parent().unwrap_or(stage_dir);
            if !parent.is_dir() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
            }
            let fetched = opts
                .fetcher
                .fetch_blob(uri, parent)
                .map_err(|e| e.to_string())?;
            fetched
                .path
                .persist(&dest)
                .map_err(|e| format!("cannot keep the download as {}: {e}", dest.display()))?;
            Ok(Found::Fetched)
        }
        Location::Unsupported(u) => Err(format!(
            "{u}: neither a file:// nor a bytestream:// URI; cannot be read"
        )),
    }
}

/// Not following a link.
fn is_regular(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file())
}

/// `/x/test.outputs/payloads/a.json` less `payloads/a.json` → `/x/test.outputs`.
fn strip_suffix(path: &Path, rel: &str) -> Option<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in Path::new(rel).components() {
        p = p.parent()?.to_path_buf();
    }
    Some(p)
}

/// The `test.outputs` directory every output is a local file of, if there is one.
fn one_local_dir(found: &[(String, Found)]) -> Option<PathBuf> {
    let mut dir: Option<PathBuf> = None;
    for (rel, f) in found {
        let Found::Local(p) = f else { return None };
        let d = strip_suffix(p, rel)?;
        match &dir {
            Some(prev) if *prev != d => return None,
            _ => dir = Some(d),
        }
    }
    dir
}

/// A local output copied into the staging directory: read by the payload-file rule (no link
/// followed, bounded).
fn copy_into(src: &Path, dest: &Path, limit: u64) -> Result<(), String> {
    let (Some(parent), Some(name)) = (src.parent(), src.file_name()) else {
        return Err(format!("{}: not a file path", src.display()));
    };
    let bytes = TreeDir::open(parent)
        .and_then(|d| d.read(name, limit))
        .map_err(|p| format!("{}: {p}", src.display()))?;
    if let Some(d) = dest.parent() {
        std::fs::create_dir_all(d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
    }
    std::fs::write(dest, bytes).map_err(|e| format!("cannot write {}: {e}", dest.display()))
}
