//! Module-name sanitising, de-duplication and the module label map (docs/selection.md, "Labels").
//!
//! These rules decide target names such as `@repo//:module_<label>` that users' BUILD files refer
//! to, so they follow the reference implementation's *code* byte for byte, including its quirks:
//! only replacement underscores collapse, and the label map is built over the byte-order sorted
//! union of all sources.

use std::collections::{BTreeSet, HashMap, HashSet};

const ALPHABET: &[u8; 37] = b"abcdefghijklmnopqrstuvwxyz0123456789_";

/// Turns any module name into a label fragment made only of `[a-z0-9_]`.
///
/// Works on UTF-8 bytes (the reference runs in Starlark, which sees one character per byte).
pub fn sanitize(name: &str) -> String {
    let lowered = name.to_ascii_lowercase();
    let bytes = lowered.as_bytes();
    let mut out = String::with_capacity(bytes.len());
    let mut last_underscore = false;
    for &b in bytes {
        if ALPHABET.contains(&b) {
            out.push(char::from(b));
            last_underscore = b == b'_';
        } else if !last_underscore {
            out.push('_');
            last_underscore = true;
        }
    }
    let trimmed = out.trim_matches('_');
    if !trimmed.is_empty() {
        return trimmed.to_owned();
    }
    if bytes.is_empty() {
        return "module".to_owned();
    }
    // Deterministic fallback for names with no usable byte at all (e.g. "_" or "日本").
    let mut seed: u64 = bytes.len() as u64;
    for (i, b) in bytes.iter().enumerate() {
        let idx = ALPHABET.iter().position(|a| a == b).unwrap_or(37) as u64;
        seed = (seed * 33 + idx + i as u64) % 1_000_000;
    }
    format!("module_{seed}")
}

/// True when `label` is a non-empty string made only of `[a-z0-9_]` (a valid sanitised label).
pub fn is_sanitized(label: &str) -> bool {
    !label.is_empty() && label.bytes().all(|b| ALPHABET.contains(&b))
}

/// Gives every key a unique name, in input order: the first `x` stays `x`, later ones become
/// `x_2`, `x_3`, … skipping names already taken.
pub fn dedup_keys<S: AsRef<str>>(keys: &[S]) -> Vec<String> {
    let mut counters: HashMap<&str, usize> = HashMap::new();
    let mut taken: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let key = key.as_ref();
        let counter = counters.entry(key).or_insert(0);
        *counter += 1;
        let mut candidate = if *counter == 1 {
            key.to_owned()
        } else {
            format!("{key}_{counter}")
        };
        while taken.contains(&candidate) {
            *counter += 1;
            candidate = format!("{key}_{counter}");
        }
        taken.insert(candidate.clone());
        out.push(candidate);
    }
    out
}

/// The label of every module, computed over the union of all sources.
///
/// `sources` are the module lists of known tests, test management and flaky tests, in that order;
/// the result maps each original module name to its label. The byte-order sort of the union, not
/// the source order, decides which of two colliding names keeps the unsuffixed label.
pub fn label_map<S: AsRef<str>>(sources: &[&[S]]) -> Vec<(String, String)> {
    let union: BTreeSet<&str> = sources
        .iter()
        .flat_map(|source| source.iter().map(AsRef::as_ref))
        .collect();
    let sanitized: Vec<String> = union.iter().map(|m| sanitize(m)).collect();
    let labels = dedup_keys(&sanitized);
    union.into_iter().map(str::to_owned).zip(labels).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_keeps_literal_underscores() {
        assert_eq!(sanitize("a_-b"), "a_b");
        assert_eq!(sanitize("a__b"), "a__b");
        assert_eq!(sanitize("_"), "module_69");
        assert_eq!(sanitize(""), "module");
    }

    #[test]
    fn dedup_skips_taken_suffixes() {
        assert_eq!(dedup_keys(&["a", "a", "b", "a"]), ["a", "a_2", "b", "a_3"]);
        assert_eq!(
            dedup_keys(&["foo_2", "foo", "foo"]),
            ["foo_2", "foo", "foo_3"]
        );
    }

    #[test]
    fn label_map_sorts_union_by_bytes() {
        let known: &[&str] = &["foo", "foo_2"];
        let mgmt: &[&str] = &["Foo"];
        let map = label_map(&[known, mgmt]);
        let got: Vec<(&str, &str)> = map.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(
            got,
            [("Foo", "foo"), ("foo", "foo_2"), ("foo_2", "foo_2_2")]
        );
    }
}
