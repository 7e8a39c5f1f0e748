//! The git and CI metadata record and the normalisers its fields go through. A leaf: the CI
//! provider tables (`providers`) fill it, the collection pipeline (`context`) orders the steps.

use std::collections::BTreeMap;

/// Collected metadata fields (`repository_url`, `branch`, `commit_author_name`, …), all strings;
/// an absent field reads as `""`.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    fields: BTreeMap<String, String>,
}

impl Meta {
    pub fn get(&self, field: &str) -> &str {
        self.fields.get(field).map(String::as_str).unwrap_or("")
    }

    pub fn set(&mut self, field: &str, value: &str) {
        self.fields.insert(field.to_owned(), value.to_owned());
    }

    /// The non-empty fields in name order (what a test compares whole).
    #[cfg(test)]
    pub fn non_empty(&self) -> BTreeMap<&str, &str> {
        self.fields
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    /// Sets `field` unless it already has a value (a non-empty `value` only).
    pub fn fill_if_empty(&mut self, field: &str, value: &str) {
        if self.get(field).is_empty() && !value.is_empty() {
            self.set(field, value);
        }
    }
}

/// Strips the prefixes git and CI providers put before branch and tag names: in each of up to 8
/// passes the first of the prefixes below that matches (checked in this order), so
/// `origin/refs/heads/main` becomes `main` and `refs/pull/42/merge` becomes `pull/42/merge`.
pub fn normalize_ref(raw: &str) -> String {
    const PREFIXES: [&str; 7] = [
        "refs/remotes/origin/",
        "refs/heads/",
        "refs/tags/",
        "refs/",
        "remotes/origin/",
        "origin/",
        "tags/",
    ];
    let mut s = raw;
    for _ in 0..8 {
        match PREFIXES.iter().find_map(|p| s.strip_prefix(p)) {
            Some(rest) => s = rest,
            None => break,
        }
    }
    s.to_owned()
}

/// Removes `user:password@` from a URL's authority (the last `@` wins); non-URLs unchanged.
pub fn strip_userinfo(url: &str) -> String {
    super::site::redact_url(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_and_urls_normalise() {
        assert_eq!(normalize_ref("origin/refs/heads/main"), "main");
        assert_eq!(normalize_ref("refs/pull/42/merge"), "pull/42/merge");
        assert_eq!(
            normalize_ref("tags/tags/tags/tags/tags/tags/tags/tags/tags/x"),
            "tags/x"
        );
        assert_eq!(
            strip_userinfo("https://user:pa@ss@host/repo.git"),
            "https://host/repo.git"
        );
        assert_eq!(
            strip_userinfo("git@github.com:org/repo.git"),
            "git@github.com:org/repo.git"
        );
    }
}
