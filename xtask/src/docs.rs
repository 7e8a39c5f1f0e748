//! The repository's documentation stands on its own:
//!
//! - no file cites a document outside the repository (the names of the design notes the project
//!   was written from, their section signs, their folder), since a user or a new contributor
//!   cannot open them: the fact belongs in the code's comment or in docs/;
//! - every relative Markdown link (and its `#anchor`) leads somewhere that exists;
//! - every repository path docs/architecture.md names exists, so the map cannot drift from the
//!   tree.
//!
//! `cargo xtask docs` prints every problem; the test at the bottom runs the same check over the
//! checkout, so the `rust` suite fails when one appears.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::path::Path;
use std::process::Command;

use crate::{Result, root};

/// What a citation of an outside document looks like, lowercase. Built from pieces so that this
/// file does not cite them itself.
fn outside_markers() -> Vec<String> {
    let md = ".md";
    vec![
        // The section sign: the project's docs name sections by title, never by number.
        '\u{a7}'.to_string(),
        format!("design{md}"),
        format!("toolchains{md}"),
        ["shared", "spec"].join("/"),
        ["sync", "and", "selection"].join("-"),
        ["payloads", "doctor", "uploader"].join("-"),
        ["tracers", "and", "runfiles"].join("-"),
        ["style", "anchors"].join("-"),
        ["sync", "spec"].join(" "),
        ["reference", "spec"].join(" "),
        ["the", "seeds"].join(" "),
        "seeds'".to_owned(),
    ]
}

/// Files that are data, not prose: fuzz inputs may hold any bytes.
fn is_data(path: &str) -> bool {
    path.starts_with("fuzz/corpus/") || path == "Cargo.lock" || path.ends_with("package-lock.json")
}

pub fn run() -> Result {
    let root = root();
    let files = repository_files(&root)?;
    let mut problems = Vec::new();
    for path in &files {
        let Ok(text) = fs::read_to_string(root.join(path)) else {
            continue; // binary
        };
        if path != "xtask/src/docs.rs" && !is_data(path) {
            problems.extend(citations(path, &text));
        }
        if path.ends_with(".md") {
            problems.extend(broken_links(&root, path, &text));
        }
    }
    let architecture = "docs/architecture.md";
    match fs::read_to_string(root.join(architecture)) {
        Ok(text) => problems.extend(missing_paths(architecture, &text, &files)),
        Err(e) => problems.push(format!("{architecture}: {e}")),
    }
    if problems.is_empty() {
        println!(
            "docs: {} files cite nothing outside the repository; every link and named path exists",
            files.len()
        );
        Ok(())
    } else {
        Err(format!(
            "the documentation does not stand on its own:\n  {}",
            problems.join("\n  ")
        ))
    }
}

/// Tracked and new (not ignored) files, as `/`-separated paths relative to the root.
fn repository_files(root: &Path) -> Result<BTreeSet<String>> {
    let out = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run git ls-files: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git ls-files failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(out
        .stdout
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        // A deleted but still tracked file is not part of the tree.
        .filter(|p| root.join(p).exists())
        .collect())
}

fn citations(path: &str, text: &str) -> Vec<String> {
    let markers = outside_markers();
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let lower = line.to_lowercase();
        if let Some(m) = markers.iter().find(|m| lower.contains(m.as_str())) {
            out.push(format!(
                "{path}:{}: cites a document outside the repository ({m:?}): {}",
                n + 1,
                line.trim()
            ));
        }
    }
    out
}

/// The anchors GitHub gives a file's headings: lowercased, punctuation dropped, spaces as `-`,
/// repeats numbered `-1`, `-2`, ….
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = BTreeSet::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
            continue;
        }
        let title = line.trim_start_matches('#');
        if fenced
            || title.len() == line.len()
            || !title.starts_with(' ')
            || line.len() - title.len() > 6
        {
            continue;
        }
        let slug: String = title
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let count = seen.entry(slug.clone()).or_insert(0);
        out.insert(if *count == 0 {
            slug.clone()
        } else {
            format!("{slug}-{count}")
        });
        *count += 1;
    }
    out
}

/// `](target)` links of a Markdown file that point into the repository.
fn links(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            let Some(end) = rest.find(')') else { break };
            let target = &rest[..end];
            let external = target.contains("://") || target.starts_with("mailto:");
            if !external && !target.is_empty() && !target.contains(' ') {
                out.push((n + 1, target));
            }
            rest = &rest[end..];
        }
    }
    out
}

fn broken_links(root: &Path, path: &str, text: &str) -> Vec<String> {
    let dir = Path::new(path).parent().unwrap_or(Path::new(""));
    let mut out = Vec::new();
    for (line, target) in links(text) {
        let (file, anchor) = target.split_once('#').unwrap_or((target, ""));
        let resolved = if file.is_empty() {
            root.join(path)
        } else {
            root.join(dir).join(file)
        };
        if !resolved.exists() {
            out.push(format!("{path}:{line}: link to a missing file: {target}"));
            continue;
        }
        if anchor.is_empty() || resolved.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let known = fs::read_to_string(&resolved)
            .map(|t| anchors(&t))
            .unwrap_or_default();
        if !known.contains(anchor) {
            out.push(format!(
                "{path}:{line}: link to a missing section: {target}"
            ));
        }
    }
    out
}

/// `a{b,c}d` → `abd`, `acd` (one level, which is all the page uses).
fn expand_braces(pattern: &str) -> Vec<String> {
    let (Some(open), Some(close)) = (pattern.find('{'), pattern.find('}')) else {
        return vec![pattern.to_owned()];
    };
    if close < open {
        return vec![pattern.to_owned()];
    }
    pattern[open + 1..close]
        .split(',')
        .flat_map(|alt| {
            expand_braces(&format!(
                "{}{alt}{}",
                &pattern[..open],
                &pattern[close + 1..]
            ))
        })
        .collect()
}

/// One path segment against a pattern segment: `<x>` is any segment, `*` any run of characters.
fn segment_matches(pattern: &str, segment: &str) -> bool {
    if pattern.starts_with('<') && pattern.ends_with('>') {
        return true;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == segment;
    }
    let mut rest = segment;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(at) = rest.find(part) else {
                return false;
            };
            rest = &rest[at + part.len()..];
        }
    }
    true
}

/// Every `` `span` `` of the page that names a path in the repository (its first segment is a
/// top-level file or folder) must match a file or folder of the tree.
fn missing_paths(page: &str, text: &str, files: &BTreeSet<String>) -> Vec<String> {
    let mut entries: BTreeSet<String> = BTreeSet::new();
    for f in files {
        let mut at = 0;
        while let Some(i) = f[at..].find('/') {
            entries.insert(f[..at + i].to_owned());
            at += i + 1;
        }
        entries.insert(f.clone());
    }
    let top: BTreeSet<&str> = entries
        .iter()
        .filter(|e| !e.contains('/'))
        .map(String::as_str)
        .collect();
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        for (i, span) in line.split('`').enumerate() {
            let first = span.split('/').next().unwrap_or("");
            if i % 2 == 0 || span.contains(' ') || !top.contains(first) {
                continue;
            }
            for alt in expand_braces(span.trim_end_matches('/')) {
                let want: Vec<&str> = alt.split('/').collect();
                let found = entries.iter().any(|e| {
                    let have: Vec<&str> = e.split('/').collect();
                    have.len() == want.len()
                        && want.iter().zip(&have).all(|(p, s)| segment_matches(p, s))
                });
                if !found {
                    out.push(format!(
                        "{page}:{}: names a path that does not exist: {alt}",
                        n + 1
                    ));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_documentation_stands_on_its_own() {
        if let Err(problems) = run() {
            panic!("{problems}");
        }
    }

    #[test]
    fn outside_citations_are_found() {
        let section = format!("see the spec {}1.2", '\u{a7}');
        assert_eq!(citations("a.rs", &section).len(), 1);
        let notes = ["toolchains", "md"].join(".");
        assert_eq!(citations("a.rs", &format!("ok\n(per {notes})\n")).len(), 1);
        assert!(citations("a.rs", "the seed corpus; seeds=3").is_empty());
    }

    #[test]
    fn anchors_follow_github() {
        let a = anchors(
            "# `topt sync`\n## Zipped outputs (`outputs.zip`, Bazel ≤ 7)\n```\n# no\n```\n## A\n## A\n",
        );
        let want = [
            "topt-sync",
            "zipped-outputs-outputszip-bazel--7",
            "a",
            "a-1",
        ];
        assert_eq!(a, want.iter().map(|s| s.to_string()).collect());
    }

    #[test]
    fn named_paths_are_matched_against_the_tree() {
        let files: BTreeSet<String> = ["lang/go/defs.bzl", "lang/ruby/defs.bzl", "docs/sync.md"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let page = "`lang/<x>/defs.bzl`, `lang/*/defs.bzl`, `docs/`, `docs/{sync,upload}.md`, `not a/path`, `lang/go/nope.bzl`";
        let problems = missing_paths("p.md", page, &files);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].ends_with("docs/upload.md"));
        assert!(problems[1].ends_with("lang/go/nope.bzl"));
    }

    #[test]
    fn links_and_their_sections_must_exist() {
        let root = tempfile::tempdir().expect("temp dir");
        fs::write(root.path().join("b.md"), "# Has it\n").expect("write");
        let text = "[ok](b.md#has-it) [no](c.md) [gone](b.md#nope) [web](https://x.invalid/a)";
        let problems = broken_links(root.path(), "a.md", text);
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}
