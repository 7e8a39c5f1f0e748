//! Which `context.json` enriches which payload: the reference's multi-context rules.

use serde_json::{Map, Value};

/// Key used for a single context given without a repo key (reference's manifest fallback key).
pub const SINGLE_CONTEXT_KEY: &str = "__single_context_fallback__";
/// Sidecar key naming the sync repo the macro used.
pub const REPO_NAME_KEY: &str = "bazel.test_optimization.repo_name";
/// Context key never merged into events (it is for the uploader's key-parity check).
pub const FINGERPRINT_KEY: &str = "topt.api_key_fingerprint";

/// One loaded context.
#[derive(Debug, Clone)]
pub struct Context {
    /// Repo key as given (`@repo` apparent name, `<repo>_<service_key>` or the fallback key).
    pub key: String,
    /// Where it came from, for messages.
    pub source: String,
    pub tags: Map<String, Value>,
}

/// Bzlmod canonical names (`+ext+test_optimization_data_nodejs`) compare by their last segment.
pub fn normalize_repo_key(key: &str) -> &str {
    key.rsplit_once('+').map_or(key, |(_, tail)| tail)
}

/// A parsed context-manifest line (`<repo_key>\t<short_path>\t<exec_path>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestLine {
    pub key: String,
    pub paths: Vec<String>,
}

/// Parses the context manifest the Bazel rules generate. Columns 2 and 3 are both candidate paths
/// (the reference's bash and Python disagree on their order, so both are tried).
pub fn parse_manifest(text: &str) -> Result<Vec<ManifestLine>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() != 3 {
            return Err(format!(
                "invalid context manifest line {}: expected 3 tab-separated fields",
                i + 1
            ));
        }
        out.push(ManifestLine {
            key: cols[0].to_string(),
            paths: vec![cols[2].to_string(), cols[1].to_string()],
        });
    }
    Ok(out)
}

/// Outcome of choosing the context for one payload.
#[derive(Debug, Clone, Copy)]
pub enum Choice<'a> {
    Context(&'a Context),
    /// No context merge for this payload; the reason is shown to the user.
    Skip(&'static str),
    /// No context configured at all (not worth a warning per payload).
    NoneConfigured,
}

/// All contexts of a run, sorted by key; `override_ctx` (`DD_TEST_OPTIMIZATION_CONTEXT_JSON`) wins.
#[derive(Debug, Clone, Default)]
pub struct ContextSet {
    pub override_ctx: Option<Context>,
    pub contexts: Vec<Context>,
}

impl ContextSet {
    pub fn new(override_ctx: Option<Context>, mut contexts: Vec<Context>) -> Self {
        contexts.sort_by(|a, b| a.key.cmp(&b.key));
        ContextSet {
            override_ctx,
            contexts,
        }
    }

    /// The primary context: the override, else the first by sorted key.
    pub fn primary(&self) -> Option<&Context> {
        self.override_ctx.as_ref().or_else(|| self.contexts.first())
    }

    /// The context of one payload: the override, else the only context, else the one whose repo
    /// key matches the sidecar's `bazel.test_optimization.repo_name`.
    pub fn choose(&self, sidecar: Option<&Map<String, Value>>) -> Choice<'_> {
        if let Some(c) = &self.override_ctx {
            return Choice::Context(c);
        }
        match self.contexts.len() {
            0 => return Choice::NoneConfigured,
            1 => return Choice::Context(&self.contexts[0]),
            _ => {}
        }
        let Some(sidecar) = sidecar else {
            return Choice::Skip(
                "there are several contexts and the target has no bazel_target_metadata.json",
            );
        };
        let Some(repo) = sidecar
            .get(REPO_NAME_KEY)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        else {
            return Choice::Skip(
                "there are several contexts and bazel_target_metadata.json has no bazel.test_optimization.repo_name",
            );
        };
        let repo = normalize_repo_key(repo);
        match self
            .contexts
            .iter()
            .find(|c| normalize_repo_key(&c.key) == repo)
        {
            Some(c) => Choice::Context(c),
            None => Choice::Skip("no context matches bazel.test_optimization.repo_name"),
        }
    }
}

/// Git keys a context must carry (truthy): URL, commit SHA, and branch or tag.
pub fn missing_git_metadata(tags: &Map<String, Value>) -> Vec<&'static str> {
    let truthy = |k: &str| match tags.get(k) {
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Null | Value::Bool(false)) | None => false,
        Some(_) => true,
    };
    let mut missing = Vec::new();
    if !truthy("git.repository_url") {
        missing.push("git.repository_url");
    }
    if !truthy("git.commit.sha") {
        missing.push("git.commit.sha");
    }
    if !truthy("git.branch") && !truthy("git.tag") {
        missing.push("git.branch or git.tag");
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx(key: &str) -> Context {
        Context {
            key: key.into(),
            source: String::new(),
            tags: Map::new(),
        }
    }

    #[test]
    fn selects_by_repo_name() {
        let set = ContextSet::new(None, vec![ctx("+ext+data_go"), ctx("data_py")]);
        let side = json!({"bazel.test_optimization.repo_name": "data_go"});
        match set.choose(side.as_object()) {
            Choice::Context(c) => assert_eq!(c.key, "+ext+data_go"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(set.choose(None), Choice::Skip(_)));
        let single = ContextSet::new(None, vec![ctx("x")]);
        assert!(matches!(single.choose(None), Choice::Context(_)));
    }

    #[test]
    fn manifest_lines() {
        let m = parse_manifest("a\tshort/c.json\texec/c.json\n").unwrap();
        assert_eq!(m[0].key, "a");
        assert!(parse_manifest("a\tb\n").is_err());
    }

    #[test]
    fn git_completeness() {
        let t = json!({"git.repository_url":"u","git.tag":"v1"});
        assert_eq!(
            missing_git_metadata(t.as_object().unwrap()),
            vec!["git.commit.sha"]
        );
    }
}
