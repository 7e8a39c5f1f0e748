//! Test-payload enrichment with the reference's precedence (§3.8 3b/3c), but exact:
//! serde_json keeps every integer up to 2^64-1 as an integer, so 64-bit ids and ns timestamps
//! survive unchanged (jq 1.6 rounds them).

use serde_json::{Map, Value};

use super::context::FINGERPRINT_KEY;

/// `library_version` default and tracer-version header default: the reference rules version.
pub const DEFAULT_LIBRARY_VERSION: &str = "1.1.0";
/// Tags `--validate-enrichment` expects unless `--expected-enriched-tag` replaces them.
pub const DEFAULT_EXPECTED_TAGS: [&str; 4] = [
    "git.repository_url",
    "git.commit.sha",
    "bazel.target",
    "bazel.package",
];

/// What a payload is enriched with.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub context: Option<&'a Map<String, Value>>,
    pub sidecar: Option<&'a Map<String, Value>>,
    /// Per-run fallback `runtime-id`.
    pub run_runtime_id: &'a str,
}

/// `Datadog-Meta-*` header values for one payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaHeaders {
    pub lang: String,
    pub lang_version: String,
    pub interpreter: String,
    pub tracer_version: String,
}

/// Enriches a parsed test payload in place. Errors when the payload is not a JSON object.
pub fn enrich(payload: &mut Value, inputs: Inputs<'_>) -> Result<(), String> {
    let Some(top) = payload.as_object_mut() else {
        return Err("payload is not a JSON object".to_string());
    };
    let empty = Map::new();
    let ctx = inputs.context.unwrap_or(&empty);
    normalize_metadata(top, ctx, inputs.run_runtime_id);
    if let Some(Value::Array(events)) = top.get_mut("events") {
        for ev in events.iter_mut() {
            let Some(ev) = ev.as_object_mut() else {
                continue;
            };
            let content = ev
                .entry("content")
                .or_insert_with(|| Value::Object(Map::new()));
            if !content.is_object() {
                *content = Value::Object(Map::new());
            }
            let Some(content) = content.as_object_mut() else {
                continue;
            };
            for k in ["meta", "metrics"] {
                if !content.get(k).is_some_and(Value::is_object) {
                    content.insert(k.to_string(), Value::Object(Map::new()));
                }
            }
            // Precedence per event: sidecar > context > tracer (the later merge overwrites).
            merge_tags(content, ctx, true);
            if let Some(side) = inputs.sidecar {
                merge_tags(content, side, false);
            }
        }
    }
    Ok(())
}

/// Rebuilds `metadata` like the reference: `"*"` with runtime-id/language/library_version/env
/// (tracer > context > defaults) plus the four known sections; other keys are dropped.
fn normalize_metadata(top: &mut Map<String, Value>, ctx: &Map<String, Value>, run_id: &str) {
    let old = match top.get("metadata") {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    let star = old
        .get("*")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let given = |k: &str| {
        star.get(k)
            .filter(|v| !matches!(v, Value::Null | Value::Bool(false)))
            .cloned()
    };
    let ctx_str = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| {
                ctx.get(*k)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
            })
            .map(|s| Value::String(s.to_string()))
    };
    let mut new_star = Map::new();
    let runtime_id = given("runtime-id")
        .or_else(|| ctx_str(&["runtime-id", "runtime.id", "runtime_id"]))
        .unwrap_or_else(|| Value::String(run_id.to_string()));
    new_star.insert("runtime-id".into(), runtime_id);
    let language = given("language")
        .or_else(|| ctx_str(&["language", "runtime.name", "runtime_name"]))
        .unwrap_or_else(|| Value::String("bazel".into()));
    new_star.insert("language".into(), language);
    let lib =
        given("library_version").unwrap_or_else(|| Value::String(DEFAULT_LIBRARY_VERSION.into()));
    new_star.insert("library_version".into(), lib);
    if let Some(Value::String(env)) = given("env").or_else(|| ctx_str(&["env"])) {
        new_star.insert("env".into(), Value::String(env));
    }
    let mut md = Map::new();
    md.insert("*".into(), Value::Object(new_star));
    for k in [
        "test",
        "test_suite_end",
        "test_module_end",
        "test_session_end",
    ] {
        if let Some(v) = old.get(k).filter(|v| !v.is_null()) {
            md.insert(k.into(), v.clone());
        }
    }
    top.insert("metadata".into(), Value::Object(md));
}

/// Numbers go to `metrics`, strings to `meta`, anything else to `meta` as compact JSON text.
/// Null values are skipped (the reference's docs say so; its code wrote the string "null").
fn merge_tags(content: &mut Map<String, Value>, tags: &Map<String, Value>, is_context: bool) {
    for (k, v) in tags {
        if is_context && k == FINGERPRINT_KEY {
            continue;
        }
        let (target, value) = match v {
            Value::Null => continue,
            Value::Number(_) => ("metrics", v.clone()),
            Value::String(_) => ("meta", v.clone()),
            other => ("meta", Value::String(other.to_string())),
        };
        if let Some(Value::Object(m)) = content.get_mut(target) {
            m.insert(k.clone(), value);
        }
    }
}

/// Header values. `original` is the payload before enrichment: the reference read
/// `language_version`/`runtime_name` after enrichment had removed them (so always `n/a`); topt
/// reads them before, then falls back to the enriched events' `runtime.*` tags.
pub fn meta_headers(original: &Value, enriched: &Value) -> MetaHeaders {
    let star_of = |v: &Value| {
        v.get("metadata")
            .and_then(|m| m.get("*"))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let (orig, new) = (star_of(original), star_of(enriched));
    let s = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let event_meta = |k: &str| {
        enriched
            .get("events")
            .and_then(Value::as_array)
            .and_then(|evs| {
                evs.iter().find_map(|e| {
                    e.get("content")?
                        .get("meta")?
                        .get(k)?
                        .as_str()
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                })
            })
    };
    MetaHeaders {
        lang: s(&new, "language").unwrap_or_else(|| "bazel-starlark".into()),
        lang_version: s(&orig, "language_version")
            .or_else(|| s(&orig, "runtime_version"))
            .or_else(|| event_meta("runtime.version"))
            .unwrap_or_else(|| "n/a".into()),
        interpreter: s(&orig, "language_interpreter")
            .or_else(|| s(&orig, "runtime_name"))
            .or_else(|| event_meta("runtime.name"))
            .unwrap_or_else(|| "bazel-run".into()),
        tracer_version: s(&new, "library_version")
            .unwrap_or_else(|| DEFAULT_LIBRARY_VERSION.into()),
    }
}

/// Expected tags absent from every event's `meta` and `metrics` (a tag counts if any event has it).
pub fn missing_tags<'t>(payload: &Value, expected: &'t [String]) -> Vec<&'t str> {
    let events = payload
        .get("events")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    expected
        .iter()
        .filter(|tag| {
            !events.iter().any(|e| {
                let c = e.get("content");
                ["meta", "metrics"].iter().any(|m| {
                    c.and_then(|c| c.get(*m))
                        .and_then(|m| m.get(tag.as_str()))
                        .is_some()
                })
            })
        })
        .map(String::as_str)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn precedence_and_exact_ids() {
        let mut p = json!({"version":1,"metadata":{"*":{"language":"go","runtime-id":"r","language_version":"1.25"},"x":{}},
            "events":[{"type":"test","version":2,"content":{"trace_id":18446744073709551615u64,"start":1700000000000000001u64,
            "meta":{"env":"tracer","keep":"k"}}}]});
        let orig = p.clone();
        let ctx = json!({"env":"ci","git.commit.sha":"abc","n":3,"b":true,"topt.api_key_fingerprint":"ff","z":null});
        let side = json!({"env":"side","bazel.go.attr.cgo":false});
        enrich(
            &mut p,
            Inputs {
                context: ctx.as_object(),
                sidecar: side.as_object(),
                run_runtime_id: "run",
            },
        )
        .unwrap();
        let c = &p["events"][0]["content"];
        assert_eq!(c["trace_id"].as_u64(), Some(u64::MAX));
        assert_eq!(c["start"].as_u64(), Some(1_700_000_000_000_000_001));
        assert_eq!(c["meta"]["env"], "side");
        assert_eq!(c["meta"]["keep"], "k");
        assert_eq!(c["meta"]["b"], "true");
        assert_eq!(c["meta"]["bazel.go.attr.cgo"], "false");
        assert_eq!(c["metrics"]["n"], 3);
        assert!(c["meta"].get("topt.api_key_fingerprint").is_none());
        assert!(c["meta"].get("z").is_none());
        assert_eq!(p["metadata"]["*"]["env"], "ci");
        assert!(p["metadata"].get("x").is_none());
        let h = meta_headers(&orig, &p);
        assert_eq!(h.lang, "go");
        assert_eq!(h.lang_version, "1.25");
        assert_eq!(h.tracer_version, DEFAULT_LIBRARY_VERSION);
        let text = serde_json::to_string(&p).unwrap();
        assert!(text.contains("18446744073709551615"));
    }

    #[test]
    fn expected_tags() {
        let p = json!({"events":[{"content":{"meta":{"a":"1"}}},{"content":{"metrics":{"b":1}}}]});
        let exp = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        assert_eq!(missing_tags(&p, &exp), vec!["c"]);
    }
}
