//! `_repo_mapping` against a model: parsing fails exactly when a non-blank line lacks three
//! comma-separated fields; otherwise every exact entry maps as its first line says, a wildcard
//! source matches every name with its prefix, and `apply` rewrites only the first segment.
//!
//! Input: the file's bytes (libtopt reads it as UTF-8; other bytes are not a mapping).
#![cfg_attr(fuzzing, no_main)]

use std::path::Path;

use topt_core::runfiles::RepoMapping;

topt_fuzz::target!(|data| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lines: Vec<Vec<&str>> = text
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').collect())
        .collect();
    let well_formed = lines.iter().all(|fields| fields.len() == 3);
    let mapping = match RepoMapping::parse(text, Path::new("_repo_mapping")) {
        Ok(mapping) => mapping,
        Err(err) => {
            assert!(!well_formed, "a well-formed mapping was rejected: {err:?}");
            return;
        }
    };
    assert!(well_formed, "a malformed mapping was accepted");
    assert_eq!(mapping.is_empty(), lines.is_empty());
    for fields in &lines {
        let [source, apparent, target] = fields[..] else {
            continue;
        };
        match source.strip_suffix('*') {
            None => {
                // The first exact line for (source, apparent) wins.
                let first = lines
                    .iter()
                    .find(|f| f[0] == source && f[1] == apparent)
                    .map(|f| f[2]);
                assert_eq!(
                    mapping.lookup(source, apparent),
                    first,
                    "{source},{apparent}"
                );
                if !apparent.contains('/') {
                    let mapped = mapping.apply(source, &format!("{apparent}/pkg/file"));
                    assert_eq!(mapped, format!("{}/pkg/file", first.unwrap_or(target)));
                }
            }
            Some(prefix) => {
                // Some entry maps every source with the prefix (an exact or a longer prefix may
                // win, but never nothing).
                let source = format!("{prefix}zz");
                assert!(
                    mapping.lookup(&source, apparent).is_some(),
                    "{source},{apparent}"
                );
            }
        }
    }
    // A path without '/' never maps.
    for fields in lines.iter().filter(|f| !f[1].contains('/')) {
        assert_eq!(mapping.apply(fields[0], fields[1]), fields[1]);
    }
});
