//! Bazel ≤ 7 `test.outputs/outputs.zip`, read in place with the `zip` crate: nothing is ever
//! extracted. Shared by the doctor and the uploader, so both see the same entries with the same
//! problems:
//!
//! * the zip itself is opened by the payload-file rule (regular file, no link, no FIFO);
//! * every entry is read with a bound on the bytes actually inflated, never on the size its
//!   header declares;
//! * the central directory is counted independently of the `zip` crate, which keeps one entry per
//!   name: two entries with one name (one of which would never be sent) make that name a problem;
//! * an entry name holding a newline or another control character is a problem (the uploader's
//!   ledger is one name per line, and such names are never written by Bazel).

use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::fs::FileExt;

use super::file::{self, TreeDir};

/// One file entry (directories excluded) as both commands see it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The name as the `zip` crate decodes it (the key to read it by).
    pub name: String,
    /// The name with control characters escaped, for messages.
    pub shown: String,
    /// Why this entry is never read or sent.
    pub problem: Option<String>,
}

/// An open archive.
pub struct Archive {
    zip: zip::ZipArchive<File>,
    entries: Vec<Entry>,
}

impl std::fmt::Debug for Archive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Archive")
    }
}

impl Archive {
    /// Opens `name` (normally `outputs.zip`) of an attempt's outputs directory.
    pub fn open(dir: &TreeDir, name: &str) -> Result<Archive, String> {
        let shown = dir.path().join(name);
        let f = dir
            .open_file(name)
            .map_err(|p| format!("{}: {p}", shown.display()))?;
        let raw = f
            .try_clone()
            .map_err(|e| format!("cannot read {}: {e}", shown.display()))?;
        let mut zip =
            zip::ZipArchive::new(f).map_err(|e| format!("cannot read {}: {e}", shown.display()))?;
        let counts = central_names(&raw, zip.central_directory_start())
            .map_err(|e| format!("cannot read {}: {e}", shown.display()))?;
        let mut entries = Vec::new();
        for i in 0..zip.len() {
            let e = zip
                .by_index_raw(i)
                .map_err(|e| format!("cannot read {}: {e}", shown.display()))?;
            if e.is_dir() {
                continue;
            }
            entries.push(Entry {
                name: e.name().to_string(),
                shown: escape_controls(&String::from_utf8_lossy(e.name_raw())),
                problem: name_problem(e.name(), e.name_raw(), &counts),
            });
        }
        if counts.values().sum::<usize>() != zip.len()
            && !entries.iter().any(|e| e.problem.is_some())
        {
            // Names that differ in bytes but decode alike: which copy is which is unknowable.
            for e in &mut entries {
                e.problem = Some("the zip's central directory names entries ambiguously".into());
            }
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Archive { zip, entries })
    }

    /// File entries, sorted by name.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Whether the zip has an entry of this name (problems or not).
    pub fn has(&self, name: &str) -> bool {
        self.entries.iter().any(|e| e.name == name)
    }

    /// Reads an entry, inflating at most `limit` bytes. Entries with a problem are never read.
    pub fn read(&mut self, name: &str, limit: u64) -> Result<Vec<u8>, String> {
        if let Some(p) = self
            .entries
            .iter()
            .find(|e| e.name == name)
            .and_then(|e| e.problem.clone())
        {
            return Err(p);
        }
        let e = self.zip.by_name(name).map_err(|e| e.to_string())?;
        let declared = e.size();
        file::read_bounded(e, limit).map_err(|p| match p {
            file::Problem::TooLarge { .. } => {
                format!("{p} (its zip header says {declared} bytes)")
            }
            p => p.to_string(),
        })
    }
}

/// `a\nb.json` for a name holding a newline: control characters escaped, the rest as is.
pub fn escape_controls(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn name_problem(name: &str, raw: &[u8], counts: &BTreeMap<Vec<u8>, usize>) -> Option<String> {
    if name.chars().any(char::is_control) || raw.iter().any(|b| *b < 0x20 || *b == 0x7f) {
        return Some(
            "entry name contains a newline or another control character; never read".into(),
        );
    }
    match counts.get(raw) {
        Some(&n) if n > 1 => Some(format!(
            "duplicate entry name: {n} entries are called this; none is read"
        )),
        _ => None,
    }
}

/// Raw entry names of the central directory and how often each occurs. Read with `pread`, so the
/// `zip` crate's file offset is untouched.
fn central_names(f: &File, start: u64) -> std::io::Result<BTreeMap<Vec<u8>, usize>> {
    const RECORD: usize = 46;
    let mut counts = BTreeMap::new();
    let mut at = start;
    // The crate already parsed this directory; the cap only bounds a hostile loop.
    for _ in 0..(1 << 20) {
        let mut head = [0u8; RECORD];
        if f.read_exact_at(&mut head, at).is_err() || head[..4] != [0x50, 0x4b, 1, 2] {
            break;
        }
        let u16_at = |i: usize| usize::from(u16::from_le_bytes([head[i], head[i + 1]]));
        let (name_len, extra, comment) = (u16_at(28), u16_at(30), u16_at(32));
        let mut name = vec![0u8; name_len];
        f.read_exact_at(&mut name, at + RECORD as u64)?;
        *counts.entry(name).or_insert(0) += 1;
        at += (RECORD + name_len + extra + comment) as u64;
    }
    Ok(counts)
}
