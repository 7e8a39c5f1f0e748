//! The runfiles manifest reader against a model: every line parsed with the same line rule into
//! a list, then looked up by brute force. libtopt's reader (binary search over positional reads,
//! the verification pass, the linear fallback for an unsorted file) must agree with the model on
//! every key the file holds and on keys it does not, for any read granularity, and must never
//! panic or hang.
//!
//! Input: one byte choosing the read granularity, then the manifest bytes.
#![cfg_attr(fuzzing, no_main)]
// A fuzz target reports a finding by panicking.
#![allow(clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use topt_core::runfiles::{ManifestFile, parse_line};

/// What a line-by-line reader knows about the file.
struct Model {
    /// Key → every target, in file order.
    entries: BTreeMap<Vec<u8>, Vec<Vec<u8>>>,
    sorted: bool,
    malformed: bool,
}

fn model(text: &[u8]) -> Model {
    let mut m = Model {
        entries: BTreeMap::new(),
        sorted: true,
        malformed: false,
    };
    let mut previous: Option<Vec<u8>> = None;
    for line in text.split(|b| *b == b'\n') {
        if line.is_empty() || line == b"\r" {
            continue;
        }
        let Some((key, target)) = parse_line(line) else {
            m.malformed = true;
            continue;
        };
        if previous.as_deref().is_some_and(|p| p > &*key) {
            m.sorted = false;
        }
        previous = Some(key.to_vec());
        m.entries
            .entry(key.into_owned())
            .or_default()
            .push(target.into_owned());
    }
    m
}

#[cfg(unix)]
fn path_of(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn path_of(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

/// What `lookup` may return for `key`: `None` when the answer depends on which duplicate line a
/// search meets first (both are right), else the one right answer.
fn expected(m: &Model, key: &str) -> Option<Option<PathBuf>> {
    let single = |k: &[u8]| -> Option<Option<&Vec<u8>>> {
        match m.entries.get(k) {
            None => Some(None),
            Some(targets) if targets.iter().all(|t| t == &targets[0]) => Some(Some(&targets[0])),
            Some(_) => None,
        }
    };
    if let Some(target) = single(key.as_bytes())? {
        return Some(Some(path_of(target)));
    }
    let mut prefix = key;
    while let Some((head, _)) = prefix.rsplit_once('/') {
        match single(head.as_bytes())? {
            Some(target) if !target.is_empty() => {
                return Some(Some(path_of(target).join(&key[head.len() + 1..])));
            }
            _ => {}
        }
        prefix = head;
    }
    Some(None)
}

topt_fuzz::target!(|data| {
    let (param, text) = topt_fuzz::split_param(data);
    // Tiny windows and chunks put every line across read boundaries; the large ones are what
    // the library uses. (Chunks are tiny only a quarter of the time: each miss in an unsorted
    // file is a pass over it.)
    let block = usize::from(param % 16) + 1;
    let chunk = [1, 7, 64, 4096][usize::from(param / 64)];
    let m = model(text);
    let file = match ManifestFile::from_bytes(Path::new("MANIFEST"), text.to_vec(), block, chunk) {
        Ok(file) => file,
        Err(_) => {
            assert!(m.malformed, "a well-formed manifest was rejected at load");
            return;
        }
    };
    match file.verify() {
        Ok(sorted) => {
            assert!(!m.malformed, "verification missed a malformed line");
            assert_eq!(sorted, m.sorted, "verification got the order wrong");
        }
        Err(_) => {
            assert!(m.malformed, "verification rejected a well-formed manifest");
            return;
        }
    }
    // Every key in the file, some prefixes and extensions of them, and keys that are absent.
    let mut keys: Vec<String> = Vec::new();
    for key in m.entries.keys().take(12) {
        if let Ok(key) = std::str::from_utf8(key) {
            keys.push(key.to_owned());
            keys.push(format!("{key}/below/it"));
            if let Some((head, _)) = key.rsplit_once('/') {
                keys.push(head.to_owned());
            }
        }
    }
    keys.extend(["", "a", "_repo_mapping", "\u{10ffff}"].map(str::to_owned));
    for key in &keys {
        if let Some(found) = file.find_without_verifying(key).expect("well-formed") {
            let targets = m.entries.get(key.as_bytes());
            assert!(
                targets.is_some_and(|t| t.iter().any(|t| path_of(t) == found)),
                "binary search invented {found:?} for {key:?}"
            );
        }
        let got = file.lookup(key).expect("well-formed");
        if let Some(want) = expected(&m, key) {
            assert_eq!(got, want, "lookup({key:?})");
        }
    }
});
