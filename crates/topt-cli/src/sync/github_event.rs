//! Step 3 of metadata collection: pull-request facts from the GitHub Actions event file
//! (`GITHUB_EVENT_PATH`), which overrides what the GitHub variables said.

use serde_json::Value;

use super::env::Env;
use super::meta::Meta;

/// Pull-request facts from the event file, when there is one and it is a pull-request event:
/// the PR number, the head commit, the base branch and its commit (each only when non-empty).
pub fn apply(env: &Env, meta: &mut Meta) {
    let path = env.get("GITHUB_EVENT_PATH");
    if env.get("GITHUB_SHA").is_empty() || path.is_empty() {
        return;
    }
    let Ok(bytes) = std::fs::read(path) else {
        return;
    };
    let Ok(event) = serde_json::from_slice::<Value>(&bytes) else {
        return;
    };
    let Some(pr) = event.get("pull_request").filter(|p| p.is_object()) else {
        return;
    };
    match event.get("number") {
        Some(Value::Number(n)) => meta.set("pr_number", &n.to_string()),
        Some(Value::String(s)) => meta.set("pr_number", s),
        _ => {}
    }
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_owned();
    let head_sha = text(pr.get("head").and_then(|h| h.get("sha")));
    if !head_sha.is_empty() {
        meta.set("head_sha", &head_sha);
    }
    let base = pr.get("base");
    for (field, key) in [
        ("pr_base_branch", "ref"),
        ("pr_base_branch_head_sha", "sha"),
    ] {
        let value = text(base.and_then(|b| b.get(key)));
        if !value.is_empty() {
            meta.set(field, &value);
        }
    }
}
