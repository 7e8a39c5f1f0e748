//! `_repo_mapping`: which canonical repository an apparent name means, per source repository.
//!
//! Bazel writes it under Bzlmod as `source_canonical,target_apparent,target_canonical` lines (the
//! main repository's canonical name is empty, so its lines start with `,`). The compact form
//! (Bazel 8.4+ with `--incompatible_compact_repo_mapping_manifest`) lets a source ending in `*`
//! stand for every canonical name with that prefix; `*` cannot occur in a canonical name, so the
//! two forms never clash.

use std::path::Path;

use crate::error::{Error, Result};

/// A parsed `_repo_mapping`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepoMapping {
    exact: Vec<(String, String, String)>,
    /// Compact form: a source ending in `*` matches every canonical name with that prefix.
    prefixed: Vec<(String, String, String)>,
}

impl RepoMapping {
    /// Parses `source,apparent,target` lines; blank lines are ignored, anything else is an error.
    pub fn parse(text: &str, origin: &Path) -> Result<Self> {
        let mut mapping = RepoMapping::default();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split(',').collect();
            let [source, apparent, target] = fields.as_slice() else {
                return Err(Error::parse(format!(
                    "{}:{}: malformed _repo_mapping line '{line}': expected \
                     'source_canonical,target_apparent,target_canonical'; the file is written by \
                     Bazel, so rebuild the test or report a Bazel bug",
                    origin.display(),
                    number + 1
                )));
            };
            let entry = (
                (*source).to_owned(),
                (*apparent).to_owned(),
                (*target).to_owned(),
            );
            match source.strip_suffix('*') {
                Some(prefix) => mapping.prefixed.push((prefix.to_owned(), entry.1, entry.2)),
                None => mapping.exact.push(entry),
            }
        }
        Ok(mapping)
    }

    pub fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.prefixed.is_empty()
    }

    /// The canonical name `apparent` stands for in `source`, if mapped. Exact entries win; among
    /// wildcard entries the longest prefix wins (rules_java's rule, independent of line order).
    pub fn lookup(&self, source: &str, apparent: &str) -> Option<&str> {
        if let Some((_, _, target)) = self
            .exact
            .iter()
            .find(|(s, a, _)| s == source && a == apparent)
        {
            return Some(target);
        }
        self.prefixed
            .iter()
            .filter(|(prefix, a, _)| a == apparent && source.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _, _)| prefix.len())
            .map(|(_, _, target)| target.as_str())
    }

    /// Rewrites the first segment of `path` through the mapping (paths without `/` never map).
    pub fn apply(&self, source: &str, path: &str) -> String {
        if let Some((first, rest)) = path.split_once('/')
            && let Some(target) = self.lookup(source, first)
        {
            return format!("{target}/{rest}");
        }
        path.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_mapping_prefers_exact_then_longest_prefix() {
        let m = RepoMapping::parse(
            "+deps+*,dep,+deps+dep1\n+deps+x*,dep,+deps+dep2\n+deps+xy,dep,+deps+exact\n",
            Path::new("_repo_mapping"),
        )
        .expect("parse");
        assert_eq!(m.lookup("+deps+a", "dep"), Some("+deps+dep1"));
        assert_eq!(m.lookup("+deps+xa", "dep"), Some("+deps+dep2"));
        assert_eq!(m.lookup("+deps+xy", "dep"), Some("+deps+exact"));
        assert_eq!(m.lookup("", "dep"), None);
    }
}
