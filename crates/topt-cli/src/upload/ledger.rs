//! What the uploader remembers about a Bazel ≤ 7 `outputs.zip` (read in place by
//! `crate::outputs::zip`). A zip cannot lose single entries safely, so accepted entries are
//! appended (and fsynced) to the ledger
//! `outputs.zip.topt-uploaded` next to it; a re-run skips them. The zip and its ledger are deleted
//! only when every payload entry was accepted and the zip holds nothing but payloads and the
//! sidecar (other undeclared outputs of the test are never thrown away). A lock file
//! `outputs.zip.topt-lock` (holding the pid; stale when that pid is gone) keeps two uploaders apart.

use std::collections::BTreeSet;
use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::claim::pid_alive;

pub fn ledger_path(zip: &Path) -> PathBuf {
    with_suffix(zip, ".topt-uploaded")
}

fn lock_path(zip: &Path) -> PathBuf {
    with_suffix(zip, ".topt-lock")
}

fn with_suffix(p: &Path, s: &str) -> PathBuf {
    let mut o = p.as_os_str().to_os_string();
    o.push(s);
    PathBuf::from(o)
}

/// Held while a zip is processed; removes the lock file on drop.
#[derive(Debug)]
pub struct ZipLock(PathBuf);

impl Drop for ZipLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `Ok(None)` when a live uploader holds the zip. The lock appears atomically with its pid in it
/// (written to a temp file, then hard-linked), so an empty lock never means "being created".
pub fn lock(zip: &Path) -> io::Result<Option<ZipLock>> {
    let path = lock_path(zip);
    let tmp = with_suffix(zip, &format!(".topt-lock.{}", std::process::id()));
    std::fs::write(&tmp, std::process::id().to_string())?;
    let result = (|| {
        for _ in 0..2 {
            match std::fs::hard_link(&tmp, &path) {
                Ok(()) => return Ok(Some(ZipLock(path.clone()))),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    let owner = std::fs::read_to_string(&path)
                        .ok()
                        .and_then(|s| s.trim().parse::<u32>().ok());
                    match owner {
                        Some(pid) if pid_alive(pid) => return Ok(None),
                        _ => {
                            let _ = std::fs::remove_file(&path);
                        }
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    })();
    let _ = std::fs::remove_file(&tmp);
    result
}

pub fn read_ledger(zip: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(ledger_path(zip))
        .map(|s| {
            s.lines()
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Appends one accepted entry durably before anything else happens.
pub fn record_accepted(zip: &Path, entry: &str) -> io::Result<()> {
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(ledger_path(zip))?;
    f.write_all(format!("{entry}\n").as_bytes())?;
    f.sync_data()
}
