//! CODEOWNERS re-injection, the last enrichment step (docs/upload.md, "Test payloads:
//! enrichment"): events without `test.codeowners` get the owners of their source file, as a
//! compact JSON-array string, from the last matching rule (GitHub semantics; a rule without owners
//! clears ownership).

use std::borrow::Cow;

use super::doc::Doc;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub pattern: String,
    pub owners: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Codeowners {
    rules: Vec<Rule>,
}

impl Codeowners {
    pub fn parse(text: &str) -> Codeowners {
        let rules = text
            .lines()
            .map(|l| l.split(" #").next().unwrap_or("").trim())
            .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('['))
            .filter_map(|l| {
                let mut parts = l.split_whitespace();
                let pattern = parts.next()?.to_string();
                Some(Rule {
                    pattern,
                    owners: parts.map(str::to_string).collect(),
                })
            })
            .collect();
        Codeowners { rules }
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Owners of a repository-relative path: `None` when no rule matches.
    pub fn owners(&self, path: &str) -> Option<&[String]> {
        self.rules
            .iter()
            .rev()
            .find(|r| rule_matches(&r.pattern, path))
            .map(|r| r.owners.as_slice())
    }

    /// Sets `meta["test.codeowners"]` on non-span events lacking it. `roots` are directories that
    /// absolute source paths are made relative to (`ci.workspace_path`, the workspace). Returns how many.
    pub fn apply(&self, payload: &mut Doc<'_>, roots: &[&str]) -> usize {
        let Some(events) = payload.get_mut("events").and_then(Doc::as_array_mut) else {
            return 0;
        };
        let mut n = 0;
        for ev in events {
            if ev.get("type").and_then(Doc::as_str) == Some("span") {
                continue;
            }
            let Some(content) = ev.get_mut("content").and_then(Doc::as_object_mut) else {
                continue;
            };
            let meta_has = content
                .get("meta")
                .and_then(|m| m.get("test.codeowners"))
                .is_some();
            if meta_has {
                continue;
            }
            let source = [
                "test.source.file",
                "test.source.path",
                "source.file",
                "source.path",
            ]
            .iter()
            .find_map(|k| {
                content
                    .get("meta")
                    .and_then(|m| m.get(k))
                    .and_then(Doc::as_str)
            })
            .or_else(|| {
                ["file", "path"].iter().find_map(|k| {
                    content
                        .get("source")
                        .and_then(|s| s.get(k))
                        .and_then(Doc::as_str)
                })
            })
            .map(str::to_string);
            let Some(source) = source else { continue };
            let Some(owners) = candidates(&source, roots)
                .iter()
                .find_map(|c| self.owners(c))
            else {
                continue;
            };
            let mut uniq: Vec<&String> = Vec::new();
            for o in owners {
                if !uniq.contains(&o) {
                    uniq.push(o);
                }
            }
            let text = serde_json::to_string(&uniq).unwrap_or_else(|_| "[]".into());
            if let Some(Doc::Object(meta)) = content.get_mut("meta") {
                meta.insert(
                    Cow::Borrowed("test.codeowners"),
                    Doc::String(Cow::Owned(text)),
                );
                n += 1;
            }
        }
        n
    }
}

/// Repository-relative spellings of a source path, most likely first: relative to each root
/// (`ci.workspace_path`, the workspace), after `/execroot/<ws>/_main/`, `/execroot/<ws>/`,
/// `.runfiles/_main/`, `.runfiles/<repo>/`, and the path itself when relative.
fn candidates(source: &str, roots: &[&str]) -> Vec<String> {
    let p = normalize(source);
    let mut out: Vec<String> = Vec::new();
    for root in roots.iter().map(|r| normalize(r)).filter(|r| !r.is_empty()) {
        if let Some(rest) = p.strip_prefix(&format!("{}/", root.trim_end_matches('/'))) {
            out.push(rest.to_string());
        }
    }
    for marker in ["/execroot/", ".runfiles/"] {
        if let Some(i) = p.find(marker) {
            let after = &p[i + marker.len()..];
            let main = if marker == "/execroot/" {
                after.split_once("/_main/").map(|x| x.1)
            } else {
                after.strip_prefix("_main/")
            };
            out.extend(main.map(str::to_string));
            out.extend(after.split_once('/').map(|x| x.1.to_string()));
        }
    }
    if !p.starts_with('/') {
        out.push(p.clone());
    }
    out.retain(|c| {
        !c.is_empty()
            && !c.starts_with("external/")
            && !c.starts_with("_main/external/")
            && !c.starts_with("bazel-out/")
    });
    out.dedup();
    out
}

/// `file://`, percent-encoding, backslashes, `//`, `.` and `..` removed.
fn normalize(s: &str) -> String {
    let s = s.strip_prefix("file://").unwrap_or(s);
    let mut bytes = Vec::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            bytes.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        bytes.push(if b[i] == b'\\' { b'/' } else { b[i] });
        i += 1;
    }
    let s = String::from_utf8_lossy(&bytes).into_owned();
    let absolute = s.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in s.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            x => parts.push(x),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

/// GitHub CODEOWNERS matching: `/x` and `a/b` are anchored at the root, `x` matches at any depth;
/// a pattern naming a directory owns everything below it, except `dir/*` (direct children only).
fn rule_matches(pattern: &str, path: &str) -> bool {
    let dir_only = pattern.ends_with('/');
    let p = pattern.trim_end_matches('/');
    let anchored = p.starts_with('/') || p.contains('/');
    let p = p.trim_start_matches('/');
    if p.is_empty() {
        return false;
    }
    let children_only = p.ends_with("/*");
    let segs: Vec<usize> = path.match_indices('/').map(|(i, _)| i).collect();
    // Path prefixes that may be matched: parent directories (and the file itself unless dir-only).
    let mut prefixes: Vec<&str> = if children_only {
        Vec::new()
    } else {
        segs.iter().map(|&i| &path[..i]).collect()
    };
    if !dir_only {
        prefixes.push(path);
    }
    prefixes.iter().any(|pre| {
        if anchored {
            glob(p.as_bytes(), pre.as_bytes())
        } else {
            std::iter::once(0)
                .chain(pre.match_indices('/').map(|(i, _)| i + 1))
                .any(|start| glob(p.as_bytes(), &pre.as_bytes()[start..]))
        }
    })
}

/// `*` any run without `/`, `**` any run, `?` one character other than `/`.
fn glob(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) if p.get(1) == Some(&b'*') => {
            let rest = p[2..].strip_prefix(b"/").unwrap_or(&p[2..]);
            (0..=s.len()).any(|i| glob(rest, &s[i..]))
                || (0..=s.len()).any(|i| glob(&p[2..], &s[i..]))
        }
        (Some(b'*'), _) => {
            let mut i = 0;
            loop {
                if glob(&p[1..], &s[i..]) {
                    return true;
                }
                if i >= s.len() || s[i] == b'/' {
                    return false;
                }
                i += 1;
            }
        }
        (Some(b'?'), Some(c)) if *c != b'/' => glob(&p[1..], &s[1..]),
        (Some(a), Some(b)) if a == b => glob(&p[1..], &s[1..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const FILE: &str = "\
# comment
*       @org/all
*.js    @org/js
/build/logs/ @org/logs
docs/*  docs@example.com
apps/   @org/apps
/scripts/ @org/scripts @org/all
/scripts/nobody
**/logs @org/anylogs
";

    #[test]
    fn github_semantics() {
        let c = Codeowners::parse(FILE);
        let o = |p: &str| c.owners(p).map(|o| o.join(","));
        assert_eq!(o("README.md").as_deref(), Some("@org/all"));
        assert_eq!(o("src/a.js").as_deref(), Some("@org/js"));
        assert_eq!(
            o("build/logs/x.txt").as_deref(),
            Some("@org/anylogs"),
            "the last matching rule wins"
        );
        assert_eq!(o("build/logs").as_deref(), Some("@org/anylogs"));
        assert_eq!(o("build/other.txt").as_deref(), Some("@org/all"));
        assert_eq!(
            o("docs/getting-started.md").as_deref(),
            Some("docs@example.com")
        );
        assert_eq!(
            o("docs/build-app/troubleshooting.md").as_deref(),
            Some("@org/all")
        );
        assert_eq!(o("x/apps/y/z.rs").as_deref(), Some("@org/apps"));
        assert_eq!(o("scripts/nobody").as_deref(), Some(""));
        assert_eq!(o("a/logs/b").as_deref(), Some("@org/anylogs"));
    }

    #[test]
    fn applies_to_events_without_owners() {
        let c = Codeowners::parse("* @a\n/tests/ @t @a @t\n");
        let p = json!({"events": [
            {"type": "test", "content": {"meta": {"test.source.file": "/ws/tests/x.py"}}},
            {"type": "test", "content": {"meta": {"test.source.file": "tests/x.py", "test.codeowners": "[\"@keep\"]"}}},
            {"type": "span", "content": {"meta": {"test.source.file": "tests/x.py"}}}]});
        let mut d = Doc::from_value(&p);
        assert_eq!(c.apply(&mut d, &["/ws"]), 1);
        let p = d.to_value();
        assert_eq!(
            p["events"][0]["content"]["meta"]["test.codeowners"],
            "[\"@t\",\"@a\"]"
        );
        assert_eq!(
            p["events"][1]["content"]["meta"]["test.codeowners"],
            "[\"@keep\"]"
        );
        assert!(
            p["events"][2]["content"]["meta"]
                .get("test.codeowners")
                .is_none()
        );
        assert_eq!(candidates("/x/execroot/_main/src/a.py", &[])[0], "src/a.py");
        assert_eq!(
            candidates("file:///ws/src/a%20b.py", &["/ws"])[0],
            "src/a b.py"
        );
        assert_eq!(
            candidates("/r/t.runfiles/_main/pkg/t.py", &[])[0],
            "pkg/t.py"
        );
        assert_eq!(candidates("pkg\\sub\\..\\t.py", &[]), ["pkg/t.py"]);
    }
}
