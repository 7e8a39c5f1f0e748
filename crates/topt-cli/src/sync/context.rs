//! Git and CI metadata collection and `context.json` (docs/sync.md, "`context.json`").
//!
//! The order is the reference's: CI provider, GitHub event file, normalise, local git fallback,
//! `DD_GIT_*` overrides, normalise, then a git-log backfill in the CI workspace.

use std::path::Path;

use serde_json::{Map, Value};

use super::env::Env;
use super::meta::{Meta, normalize_ref, strip_userinfo};
use super::{git, github_event, providers};

/// Metadata field → `context.json` key.
const CONTEXT_KEYS: &[(&str, &str)] = &[
    ("repository_url", "git.repository_url"),
    ("branch", "git.branch"),
    ("tag", "git.tag"),
    ("sha", "git.commit.sha"),
    ("head_sha", "git.commit.head.sha"),
    ("commit_message", "git.commit.message"),
    ("head_message", "git.commit.head.message"),
    ("commit_author_name", "git.commit.author.name"),
    ("commit_author_email", "git.commit.author.email"),
    ("commit_author_date", "git.commit.author.date"),
    ("commit_committer_name", "git.commit.committer.name"),
    ("commit_committer_email", "git.commit.committer.email"),
    ("commit_committer_date", "git.commit.committer.date"),
    ("head_author_name", "git.commit.head.author.name"),
    ("head_author_email", "git.commit.head.author.email"),
    ("head_author_date", "git.commit.head.author.date"),
    ("head_committer_name", "git.commit.head.committer.name"),
    ("head_committer_email", "git.commit.head.committer.email"),
    ("head_committer_date", "git.commit.head.committer.date"),
    ("pr_base_branch", "git.pull_request.base_branch"),
    ("pr_base_branch_sha", "git.pull_request.base_branch_sha"),
    (
        "pr_base_branch_head_sha",
        "git.pull_request.base_branch_head_sha",
    ),
    ("pr_number", "pr.number"),
    ("provider", "ci.provider.name"),
    ("workspace_path", "ci.workspace_path"),
    ("pipeline_id", "ci.pipeline.id"),
    ("pipeline_number", "ci.pipeline.number"),
    ("pipeline_url", "ci.pipeline.url"),
    ("pipeline_name", "ci.pipeline.name"),
    ("job_id", "ci.job.id"),
    ("job_name", "ci.job.name"),
    ("job_url", "ci.job.url"),
    ("stage_name", "ci.stage.name"),
    ("node_name", "ci.node.name"),
    ("node_labels", "ci.node.labels"),
    ("env_vars", "ci.env_vars"),
];

/// `DD_GIT_*` overrides: variable, field, whether the value is a ref to normalise.
const OVERRIDES: &[(&str, &str, Normalizer)] = &[
    ("DD_GIT_REPOSITORY_URL", "repository_url", Normalizer::Url),
    ("DD_GIT_BRANCH", "branch", Normalizer::Ref),
    ("DD_GIT_TAG", "tag", Normalizer::Ref),
    ("DD_GIT_COMMIT_SHA", "sha", Normalizer::None),
    ("DD_GIT_HEAD_COMMIT", "head_sha", Normalizer::None),
    ("DD_GIT_COMMIT_MESSAGE", "commit_message", Normalizer::None),
    ("DD_GIT_HEAD_MESSAGE", "head_message", Normalizer::None),
    (
        "DD_GIT_COMMIT_AUTHOR_NAME",
        "commit_author_name",
        Normalizer::None,
    ),
    (
        "DD_GIT_COMMIT_AUTHOR_EMAIL",
        "commit_author_email",
        Normalizer::None,
    ),
    (
        "DD_GIT_COMMIT_AUTHOR_DATE",
        "commit_author_date",
        Normalizer::None,
    ),
    (
        "DD_GIT_COMMIT_COMMITTER_NAME",
        "commit_committer_name",
        Normalizer::None,
    ),
    (
        "DD_GIT_COMMIT_COMMITTER_EMAIL",
        "commit_committer_email",
        Normalizer::None,
    ),
    (
        "DD_GIT_COMMIT_COMMITTER_DATE",
        "commit_committer_date",
        Normalizer::None,
    ),
    (
        "DD_GIT_HEAD_AUTHOR_NAME",
        "head_author_name",
        Normalizer::None,
    ),
    (
        "DD_GIT_HEAD_AUTHOR_EMAIL",
        "head_author_email",
        Normalizer::None,
    ),
    (
        "DD_GIT_HEAD_AUTHOR_DATE",
        "head_author_date",
        Normalizer::None,
    ),
    (
        "DD_GIT_HEAD_COMMITTER_NAME",
        "head_committer_name",
        Normalizer::None,
    ),
    (
        "DD_GIT_HEAD_COMMITTER_EMAIL",
        "head_committer_email",
        Normalizer::None,
    ),
    (
        "DD_GIT_HEAD_COMMITTER_DATE",
        "head_committer_date",
        Normalizer::None,
    ),
    ("DD_GIT_PR_BASE_BRANCH", "pr_base_branch", Normalizer::Ref),
    (
        "DD_GIT_PR_BASE_BRANCH_SHA",
        "pr_base_branch_sha",
        Normalizer::None,
    ),
    (
        "DD_GIT_PR_BASE_BRANCH_HEAD_SHA",
        "pr_base_branch_head_sha",
        Normalizer::None,
    ),
    ("DD_PR_NUMBER", "pr_number", Normalizer::None),
];

#[derive(Debug, Clone, Copy)]
enum Normalizer {
    None,
    Ref,
    Url,
}

/// Per-revision details read with `git log` (field suffix, pretty format).
const DETAILS: &[(&str, &str)] = &[
    ("message", "%s"),
    ("author_name", "%an"),
    ("author_email", "%ae"),
    ("author_date", "%aI"),
    ("committer_name", "%cn"),
    ("committer_email", "%ce"),
    ("committer_date", "%cI"),
];

/// Runs the whole collection pipeline. `workspace_root` is where local git is asked; `None`
/// skips every git call (tests, or `--no-git`).
pub fn collect(env: &Env, workspace_root: Option<&Path>) -> Meta {
    let mut meta = Meta::default();
    providers::extract(env, &mut meta);
    github_event::apply(env, &mut meta);
    normalize(&mut meta);
    if let Some(root) = workspace_root {
        local_git(&mut meta, root);
    }
    for (var, field, normalizer) in OVERRIDES {
        let value = env.get(var);
        if value.is_empty() {
            continue;
        }
        let value = match normalizer {
            Normalizer::None => value.to_owned(),
            Normalizer::Ref => normalize_ref(value),
            Normalizer::Url => strip_userinfo(value),
        };
        meta.set(field, &value);
    }
    normalize(&mut meta);
    let ci_workspace = meta.get("workspace_path").to_owned();
    if workspace_root.is_some() && !ci_workspace.is_empty() {
        let dir = Path::new(&ci_workspace);
        fill_revision(&mut meta, dir, "sha", "commit");
        fill_revision(&mut meta, dir, "head_sha", "head");
    }
    meta
}

fn normalize(meta: &mut Meta) {
    for field in ["branch", "tag", "pr_base_branch"] {
        let value = normalize_ref(meta.get(field));
        meta.set(field, &value);
    }
    let url = strip_userinfo(meta.get("repository_url"));
    meta.set("repository_url", &url);
}

/// Step 5: fill what CI did not provide from the workspace's git checkout.
fn local_git(meta: &mut Meta, root: &Path) {
    if meta.get("repository_url").is_empty() {
        let url = strip_userinfo(&git::run(root, &["config", "--get", "remote.origin.url"]));
        meta.set("repository_url", &url);
    }
    if meta.get("sha").is_empty() {
        let sha = git::run(root, &["rev-parse", "--verify", "HEAD"]);
        meta.set("sha", &sha);
    }
    let sha = meta.get("sha").to_owned();
    meta.fill_if_empty("head_sha", &sha);
    if meta.get("branch").is_empty() && meta.get("tag").is_empty() {
        let branch = git::run(root, &["symbolic-ref", "--quiet", "--short", "HEAD"]);
        if branch.is_empty() {
            let tag = git::run(root, &["describe", "--tags", "--exact-match", "HEAD"]);
            meta.set("tag", &tag);
        } else {
            meta.set("branch", &branch);
        }
    }
    normalize(meta);
    fill_revision(meta, root, "sha", "commit");
    fill_revision(meta, root, "head_sha", "head");
}

/// Fills the empty `<prefix>_*` details of the revision in `rev_field` with `git log`.
fn fill_revision(meta: &mut Meta, dir: &Path, rev_field: &str, prefix: &str) {
    let rev = meta.get(rev_field).to_owned();
    if rev.is_empty() {
        return;
    }
    if prefix == "head" && rev == meta.get("sha") {
        for (suffix, _) in DETAILS {
            let commit = meta.get(&format!("commit_{suffix}")).to_owned();
            meta.fill_if_empty(&format!("head_{suffix}"), &commit);
        }
    }
    for (suffix, format) in DETAILS {
        let field = format!("{prefix}_{suffix}");
        if !meta.get(&field).is_empty() {
            continue;
        }
        let pretty = format!("--pretty={format}");
        let value = git::run(dir, &["log", "-1", "--date=iso-strict", &pretty, &rev]);
        meta.set(&field, &value);
    }
}

/// The host as the reference reports it: platform, kernel version, machine architecture.
#[derive(Debug, Clone, Default)]
pub struct HostOs {
    pub platform: String,
    pub version: String,
    pub arch: String,
}

pub fn detect_os(env: &Env) -> HostOs {
    let windows = cfg!(windows)
        || env.get("OS").to_ascii_lowercase().contains("windows")
        || ["ComSpec", "COMSPEC"]
            .iter()
            .any(|v| env.get(v).to_ascii_lowercase().ends_with("cmd.exe"));
    if windows {
        return HostOs {
            platform: "windows".to_owned(),
            version: env.get("OS").to_owned(),
            arch: match env.first(&["PROCESSOR_ARCHITECTURE", "PROCESSOR_ARCHITEW6432"]) {
                "" => "unknown".to_owned(),
                a => a.to_owned(),
            },
        };
    }
    let uname = |flag: &str| {
        std::process::Command::new("uname")
            .arg(flag)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    let sys = uname("-s").to_ascii_lowercase();
    let platform = if sys.contains("darwin") || ["macos", "mac", "osx"].contains(&sys.as_str()) {
        "darwin".to_owned()
    } else if sys.contains("linux") {
        "linux".to_owned()
    } else if ["mingw", "msys", "cygwin"].iter().any(|w| sys.contains(w))
        || sys.starts_with("windows")
    {
        "windows".to_owned()
    } else if sys.is_empty() {
        "unknown".to_owned()
    } else {
        sys
    };
    let arch = match uname("-m") {
        a if a.is_empty() => "unknown".to_owned(),
        a => a,
    };
    HostOs {
        platform,
        version: uname("-r"),
        arch,
    }
}

/// Inputs of `context.json` besides the collected metadata.
#[derive(Debug)]
pub struct ContextInput<'a> {
    pub os: &'a HostOs,
    pub runtime_name: &'a str,
    pub runtime_version: &'a str,
    pub runtime_arch: &'a str,
    pub service: &'a str,
    pub env: &'a str,
    pub api_key: &'a str,
}

pub const RULE_NAME: &str = "datadog-rules-test-optimization";
pub const RULE_VERSION: &str = "1.1.0";

/// The flat, string-valued `context.json` object: non-empty values only, host and rule facts,
/// the metadata fields, the service and env, and the API key's fingerprint.
pub fn context_json(meta: &Meta, input: &ContextInput<'_>) -> Value {
    let mut map = Map::new();
    let mut put = |key: &str, value: &str| {
        if !value.is_empty() {
            map.insert(key.to_owned(), Value::String(value.to_owned()));
        }
    };
    put("os.platform", &input.os.platform);
    put("os.version", &input.os.version);
    put("os.architecture", &input.os.arch);
    put("runtime.name", input.runtime_name);
    put("runtime.version", input.runtime_version);
    put("runtime.architecture", input.runtime_arch);
    put("bazel.rule_name", RULE_NAME);
    put("bazel.rule_version", RULE_VERSION);
    let or_unknown = |s: &str| {
        if s.is_empty() {
            "unknown".to_owned()
        } else {
            s.to_owned()
        }
    };
    put("bazel.os", &or_unknown(&input.os.platform));
    put("bazel.arch", &or_unknown(&input.os.arch));
    for (field, key) in CONTEXT_KEYS {
        put(key, meta.get(field));
    }
    put("service.name", input.service);
    put("env", input.env);
    if !input.api_key.trim().is_empty() {
        put(
            "topt.api_key_fingerprint",
            &topt_core::payloads::fingerprint::api_key_fingerprint(input.api_key),
        );
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_pull_request_with_event_and_overrides() {
        let dir = tempfile::tempdir().map_err(|e| e.to_string());
        let Ok(dir) = dir else { return };
        let event = dir.path().join("event.json");
        let written = std::fs::write(
            &event,
            r#"{"number":481,"pull_request":{"head":{"sha":"4b7d"},"base":{"ref":"main","sha":"1a2b"}}}"#,
        );
        assert!(written.is_ok());
        let event_path = event.to_string_lossy().into_owned();
        let env = Env::from_pairs(&[
            ("GITHUB_SHA", "9f2c"),
            ("GITHUB_REF", "refs/pull/481/merge"),
            ("GITHUB_HEAD_REF", "feature/cart-retry"),
            ("GITHUB_BASE_REF", "main"),
            ("GITHUB_REPOSITORY", "acme/checkout"),
            ("GITHUB_SERVER_URL", "https://github.com/"),
            ("GITHUB_RUN_ID", "987"),
            ("GITHUB_RUN_ATTEMPT", "1"),
            ("GITHUB_JOB", "bazel-test"),
            ("GITHUB_EVENT_PATH", &event_path),
            ("DD_GIT_COMMIT_MESSAGE", "overridden"),
            (
                "DD_GIT_REPOSITORY_URL",
                "https://tok@github.com/acme/checkout.git",
            ),
        ]);
        let meta = collect(&env, None);
        assert_eq!(meta.get("provider"), "github");
        assert_eq!(meta.get("branch"), "feature/cart-retry");
        assert_eq!(meta.get("head_sha"), "4b7d");
        assert_eq!(meta.get("pr_number"), "481");
        assert_eq!(meta.get("pr_base_branch_head_sha"), "1a2b");
        assert_eq!(meta.get("commit_message"), "overridden");
        assert_eq!(
            meta.get("repository_url"),
            "https://github.com/acme/checkout.git"
        );
        assert_eq!(
            meta.get("job_url"),
            "https://github.com/acme/checkout/commit/9f2c/checks"
        );
        assert_eq!(
            meta.get("pipeline_url"),
            "https://github.com/acme/checkout/actions/runs/987/attempts/1"
        );
        let os = HostOs {
            platform: "linux".into(),
            version: "6".into(),
            arch: "x86_64".into(),
        };
        let ctx = context_json(
            &meta,
            &ContextInput {
                os: &os,
                runtime_name: "go",
                runtime_version: "",
                runtime_arch: "",
                service: "checkout-api",
                env: "ci",
                api_key: "abc",
            },
        );
        assert_eq!(ctx["topt.api_key_fingerprint"], "c1a2b2aa");
        assert_eq!(ctx["ci.provider.name"], "github");
        assert!(ctx.get("runtime.version").is_none());
        assert!(
            ctx.as_object()
                .is_some_and(|m| m.values().all(Value::is_string))
        );
    }

    #[test]
    fn gitlab_tag_pipeline_and_author() {
        let env = Env::from_pairs(&[
            ("GITLAB_CI", "true"),
            ("CI_COMMIT_REF_NAME", "v1.2"),
            ("CI_COMMIT_TAG", "v1.2"),
            (
                "CI_REPOSITORY_URL",
                "https://gitlab-ci-token:xyz@gitlab.com/acme/x.git",
            ),
            ("CI_COMMIT_AUTHOR", "Jane <jane@acme.io>"),
        ]);
        let meta = collect(&env, None);
        assert_eq!(meta.get("branch"), "v1.2");
        assert_eq!(meta.get("tag"), "v1.2");
        assert_eq!(meta.get("repository_url"), "https://gitlab.com/acme/x.git");
        assert_eq!(meta.get("commit_author_email"), "jane@acme.io");
    }
}
