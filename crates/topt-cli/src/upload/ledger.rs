//! What the uploader remembers about a Bazel ≤ 7 `outputs.zip` (read in place by
//! `crate::outputs::zip`). A zip cannot lose single entries safely, so accepted entries are
//! appended (and fsynced) to the ledger `outputs.zip.topt-uploaded` next to it; a re-run skips
//! them. The zip and its ledger are deleted only when every payload entry was accepted and the zip
//! holds nothing but payloads and the sidecar (other undeclared outputs of the test are never
//! thrown away). A lock file `outputs.zip.topt-lock` (holding the pid; stale when that pid is
//! gone) keeps two uploaders apart. All of these are read and written in the attempt's
//! directory without following links.

use std::collections::BTreeSet;
use std::io;

use super::claim::pid_alive;
use crate::outputs::file::{Problem, TreeDir};

pub const LEDGER: &str = "outputs.zip.topt-uploaded";
const LOCK: &str = "outputs.zip.topt-lock";
/// A ledger or lock larger than this is not ours.
const MAX_LEDGER: u64 = 16 << 20;

/// Held while a zip is processed; removes the lock file on drop.
#[derive(Debug)]
pub struct ZipLock<'a>(&'a TreeDir);

impl Drop for ZipLock<'_> {
    fn drop(&mut self) {
        let _ = self.0.remove(LOCK);
    }
}

/// `Ok(None)` when a live uploader holds the zip. The lock appears atomically with its pid in it
/// (written to a temp file, then hard-linked), so an empty lock never means "being created".
pub fn lock(dir: &TreeDir) -> io::Result<Option<ZipLock<'_>>> {
    let pid = std::process::id();
    let tmp = format!("{LOCK}.{pid}");
    let _ = dir.remove(&tmp);
    dir.create_new(&tmp, pid.to_string().as_bytes())?;
    let result = (|| {
        for _ in 0..2 {
            match dir.link(&tmp, LOCK) {
                Ok(()) => return Ok(Some(ZipLock(dir))),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    let owner = dir
                        .read(LOCK, 64)
                        .ok()
                        .and_then(|b| String::from_utf8(b).ok())
                        .and_then(|s| s.trim().parse::<u32>().ok());
                    match owner {
                        Some(pid) if pid_alive(pid) => return Ok(None),
                        _ => {
                            let _ = dir.remove(LOCK);
                        }
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    })();
    let _ = dir.remove(&tmp);
    result
}

/// Entries already accepted; an unreadable ledger is an error (sending again would duplicate).
pub fn read_ledger(dir: &TreeDir) -> Result<BTreeSet<String>, String> {
    match dir.read(LEDGER, MAX_LEDGER) {
        Ok(b) => Ok(String::from_utf8_lossy(&b)
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()),
        Err(Problem::Missing) => Ok(BTreeSet::new()),
        Err(p) => Err(format!("{LEDGER} {p}")),
    }
}

/// Appends one accepted entry durably before anything else happens.
pub fn record_accepted(dir: &TreeDir, entry: &str) -> io::Result<()> {
    dir.append_sync(LEDGER, format!("{entry}\n").as_bytes())
}
