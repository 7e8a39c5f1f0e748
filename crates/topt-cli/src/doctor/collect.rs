//! What the doctor looks at below one `test.outputs` (plain files and the entries of
//! `outputs.zip`), read by the same rules as the uploader: [`TreeDir`] (no link followed, no FIFO
//! opened, bounded reads) and [`Archive`] (bounded inflation, duplicate and control-character
//! names).

use std::ffi::OsStr;

use topt_core::payloads::kind::{self, FileClass, Kind, OUTPUTS_ZIP, PAYLOADS_DIR, SIDECAR};

use crate::outputs::Attempt;
use crate::outputs::file::{EntryType, TreeDir};
use crate::outputs::zip::{Archive, escape_controls};

/// Where an item sits, which decides what is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// `bazel_target_metadata.json` at the outputs (or zip) root.
    Sidecar,
    /// A sidecar anywhere else: the uploader would not use it.
    MisplacedSidecar,
    /// A depth-1 file of `payloads/<kind>/`: what the uploader sends.
    Payload(Kind, String),
    /// A payload-looking file anywhere else under `payloads/`: never uploaded.
    Nested(FileClass),
    /// A directory on the way to payloads that breaks the rule (a link, a file).
    Blocked,
    /// `outputs.zip` itself could not be read.
    Zip,
}

/// One item: its path relative to `test.outputs` (zip entries as `outputs.zip!<name>`), where
/// it sits, and its bytes (read only for sidecars and payloads) or why it cannot be read.
#[derive(Debug)]
pub struct Item {
    pub rel: String,
    pub place: Place,
    pub data: Result<Vec<u8>, String>,
}

const MAX_DEPTH: usize = 16;

/// Everything below one attempt's outputs, handed to `items` one at a time (in walk order, the
/// zip's entries last); returns whether an `outputs.zip` was read.
pub fn collect(attempt: &Attempt, limit: u64, items: &mut dyn FnMut(Item)) -> bool {
    let root = match TreeDir::open(&attempt.dir) {
        Ok(r) => r,
        Err(p) => {
            items(item(".", Place::Blocked, Err(p.to_string())));
            return false;
        }
    };
    walk(&root, "", 0, limit, items);
    attempt.zip.is_some() && zip_items(&root, limit, items)
}

fn item(rel: &str, place: Place, data: Result<Vec<u8>, String>) -> Item {
    Item {
        rel: rel.to_string(),
        place,
        data,
    }
}

/// Plain files: the sidecar at the root, payloads below `payloads/`, misplaced sidecars anywhere.
fn walk(dir: &TreeDir, rel: &str, depth: usize, limit: u64, items: &mut dyn FnMut(Item)) {
    let Ok(mut entries) = dir.entries() else {
        items(item(
            rel,
            Place::Blocked,
            Err("cannot list this directory".into()),
        ));
        return;
    };
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, t) in entries {
        let shown = escape_controls(&name.to_string_lossy());
        let path = if rel.is_empty() {
            shown.clone()
        } else {
            format!("{rel}/{shown}")
        };
        let under_payloads = path.starts_with("payloads/") || path == PAYLOADS_DIR;
        match (t, shown.as_str()) {
            // Whatever it is, the uploader would try to read it as the sidecar.
            (_, SIDECAR) if rel.is_empty() => {
                items(item(&path, Place::Sidecar, read(dir, &name, t, limit)));
            }
            (EntryType::Dir, _) if depth < MAX_DEPTH => {
                if let Ok(sub) = dir.dir(&name) {
                    walk(&sub, &path, depth + 1, limit, items);
                }
            }
            (EntryType::Dir, _) => {}
            (_, SIDECAR) => items(item(&path, Place::MisplacedSidecar, Ok(Vec::new()))),
            _ if !under_payloads => {}
            (EntryType::Symlink | EntryType::Other(_), _)
                if is_kind_dir(&path) || path == PAYLOADS_DIR =>
            {
                let why = t.problem().map(|p| p.to_string()).unwrap_or_default();
                items(item(&path, Place::Blocked, Err(why)));
            }
            _ => {
                if let Some(i) = payload_item(dir, &name, &path, t, limit) {
                    items(i);
                }
            }
        }
    }
}

fn is_kind_dir(path: &str) -> bool {
    path.strip_prefix("payloads/")
        .is_some_and(|k| Kind::from_dir_name(k).is_some())
}

/// A file under `payloads/`: a payload at depth 1 of a kind dir (read), else nested (not read).
fn payload_item(dir: &TreeDir, name: &OsStr, path: &str, t: EntryType, limit: u64) -> Option<Item> {
    let file = name.to_string_lossy();
    let class = kind::classify(&file);
    if class == FileClass::Other {
        return None;
    }
    let depth1 = path
        .strip_prefix("payloads/")
        .and_then(|r| r.split_once('/'))
        .and_then(|(d, f)| (!f.contains('/')).then(|| Kind::from_dir_name(d)))
        .flatten();
    Some(match depth1 {
        Some(k) if class != FileClass::MsgpackGz => item(
            path,
            Place::Payload(k, file.into_owned()),
            read(dir, name, t, limit),
        ),
        _ => item(path, Place::Nested(class), Ok(Vec::new())),
    })
}

fn read(dir: &TreeDir, name: &OsStr, t: EntryType, limit: u64) -> Result<Vec<u8>, String> {
    if let Some(p) = t.problem() {
        return Err(p.to_string());
    }
    dir.read(name, limit).map_err(|p| p.to_string())
}

/// The entries of `outputs.zip`, like the uploader reads them. False when the zip is unreadable
/// (then an item says why).
fn zip_items(root: &TreeDir, limit: u64, items: &mut dyn FnMut(Item)) -> bool {
    let mut archive = match Archive::open(root, OUTPUTS_ZIP) {
        Ok(a) => a,
        Err(e) => {
            items(item(OUTPUTS_ZIP, Place::Zip, Err(e)));
            return false;
        }
    };
    for e in archive.entries().to_vec() {
        let rel = format!("{OUTPUTS_ZIP}!{}", e.shown);
        let data = |a: &mut Archive| match &e.problem {
            Some(p) => Err(p.clone()),
            None => a.read(&e.name, limit),
        };
        if e.name == SIDECAR {
            items(item(&rel, Place::Sidecar, data(&mut archive)));
        } else if e.name.ends_with(&format!("/{SIDECAR}")) {
            items(item(&rel, Place::MisplacedSidecar, Ok(Vec::new())));
        } else if let Some((k, file)) = kind::zip_entry_payload(&e.name) {
            let class = kind::classify(file);
            if class == FileClass::Other {
                continue;
            }
            if class == FileClass::MsgpackGz {
                items(item(&rel, Place::Nested(class), Ok(Vec::new())));
            } else {
                let place = Place::Payload(k, file.to_string());
                items(item(&rel, place, data(&mut archive)));
            }
        } else if e.name.starts_with("payloads/") {
            let file = e.name.rsplit('/').next().unwrap_or("");
            let class = kind::classify(file);
            if class != FileClass::Other {
                items(item(&rel, Place::Nested(class), Ok(Vec::new())));
            }
        }
    }
    true
}
