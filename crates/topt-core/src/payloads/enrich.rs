//! Test-payload enrichment with the reference uploader's precedence (per event: sidecar > context > tracer), but exact:
//! serde_json keeps every integer up to 2^64-1 as an integer, so 64-bit ids and ns timestamps
//! survive unchanged (jq 1.6 rounds them). The payload is a [`Doc`] borrowing from the file; the
//! tags added borrow from the enrichment inputs, so enriching allocates little besides the new
//! entries.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::context::FINGERPRINT_KEY;
use super::doc::{Doc, Obj, is_plain};

/// Header value when the tracer's payload does not say.
pub const UNKNOWN: &str = "n/a";
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
pub fn enrich<'a>(payload: &mut Doc<'a>, inputs: Inputs<'a>) -> Result<(), String> {
    let Some(top) = payload.as_object_mut() else {
        return Err("payload is not a JSON object".to_string());
    };
    normalize_metadata(top, inputs);
    let (meta, metrics) = tags(inputs);
    if let Some(Doc::Array(events)) = top.get_mut("events") {
        for ev in events.iter_mut() {
            let Some(ev) = ev.as_object_mut() else {
                continue;
            };
            let content = ev.get_or_insert_with("content", || Doc::Object(Obj::new()));
            if !content.is_object() {
                *content = Doc::Object(Obj::new());
            }
            let Some(content) = content.as_object_mut() else {
                continue;
            };
            for k in ["meta", "metrics"] {
                if !content.get(k).is_some_and(Doc::is_object) {
                    content.insert(Cow::Borrowed(k), Doc::Object(Obj::new()));
                }
            }
            for (k, tags) in [("meta", &meta), ("metrics", &metrics)] {
                if let Some(Doc::Object(m)) = content.get_mut(k) {
                    m.overwrite_with(tags);
                }
            }
        }
    }
    Ok(())
}

/// Rebuilds `metadata`: `"*"` keeps every key the tracer put there (the reference dropped all
/// but four, losing e.g. Java's `test_is_user_provided_service`) and gets `runtime-id`,
/// `language`, `library_version` and `env` filled in when the tracer left them out; the four
/// known sections stay; other `metadata` keys are dropped (the intake's schema rejects them).
fn normalize_metadata<'a>(top: &mut Obj<'a>, inputs: Inputs<'a>) {
    let mut old = match top.remove("metadata") {
        Some(Doc::Object(m)) => m,
        _ => Obj::new(),
    };
    let mut star = match old.remove("*") {
        Some(Doc::Object(m)) => m,
        _ => Obj::new(),
    };
    let given = |star: &Obj<'a>, k: &str| {
        star.get(k)
            .is_some_and(|v| !matches!(v, Doc::Null | Doc::Bool(false)))
    };
    let ctx_str = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| non_empty(inputs.context?.get(*k)?.as_str()?))
    };
    let events = top.get("events");
    if !given(&star, "runtime-id") {
        let id =
            ctx_str(&["runtime-id", "runtime.id", "runtime_id"]).unwrap_or(inputs.run_runtime_id);
        star.insert(Cow::Borrowed("runtime-id"), text(id));
    }
    if !given(&star, "language") {
        let language = event_tag(events, "language")
            .or_else(|| {
                let side = inputs
                    .sidecar?
                    .get("bazel.test_optimization.runtime_name")?;
                non_empty(side.as_str()?).map(text)
            })
            .or_else(|| ctx_str(&["language", "runtime.name", "runtime_name"]).map(text))
            .unwrap_or(Doc::Plain("bazel"));
        star.insert(Cow::Borrowed("language"), language);
    }
    if !given(&star, "library_version")
        && let Some(version) = event_tag(events, "library_version")
    {
        star.insert(Cow::Borrowed("library_version"), version);
    }
    if !given(&star, "env")
        && let Some(env) = ctx_str(&["env"])
    {
        star.insert(Cow::Borrowed("env"), text(env));
    }
    let mut md = Obj::new();
    md.insert(Cow::Borrowed("*"), Doc::Object(star));
    for k in [
        "test",
        "test_suite_end",
        "test_module_end",
        "test_session_end",
    ] {
        if let Some(v) = old.remove(k).filter(|v| !v.is_null()) {
            md.insert(Cow::Borrowed(k), v);
        }
    }
    top.insert(Cow::Borrowed("metadata"), Doc::Object(md));
}

/// A string of the inputs in the payload: plain when it can be (written without a scan).
fn text(s: &str) -> Doc<'_> {
    if is_plain(s) {
        Doc::Plain(s)
    } else {
        Doc::String(Cow::Borrowed(s))
    }
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// The first non-empty string `meta[k]` of any event (tracers that keep runtime tags per span,
/// like dd-trace-js, say so there).
fn event_tag<'a>(events: Option<&Doc<'a>>, k: &str) -> Option<Doc<'a>> {
    events?
        .as_array()?
        .iter()
        .find_map(|e| match e.get("content")?.get("meta")?.get(k)? {
            s if s.as_str().is_some_and(|s| !s.is_empty()) => Some(s.clone()),
            _ => None,
        })
}

/// The `meta` and `metrics` every event gets, with the precedence sidecar > context (and both
/// over the tracer's, which they overwrite). Numbers go to `metrics`, strings to `meta`, anything
/// else to `meta` as compact JSON text. Null values are skipped (the reference's docs say so;
/// its code wrote the string "null").
fn tags<'a>(inputs: Inputs<'a>) -> (Obj<'a>, Obj<'a>) {
    let (mut meta, mut metrics) = (Vec::new(), Vec::new());
    let sources = [(inputs.context, true), (inputs.sidecar, false)];
    for (k, v, is_context) in sources
        .into_iter()
        .filter_map(|(m, is_context)| Some((m?, is_context)))
        .flat_map(|(m, is_context)| m.iter().map(move |(k, v)| (k, v, is_context)))
    {
        if is_context && k == FINGERPRINT_KEY {
            continue;
        }
        let (target, value) = match v {
            Value::Null => continue,
            Value::Number(n) => (&mut metrics, Doc::Number(n.clone())),
            Value::String(s) => (&mut meta, text(s)),
            other => (&mut meta, Doc::String(Cow::Owned(other.to_string()))),
        };
        target.push((Cow::Borrowed(k.as_str()), value));
    }
    // The sidecar's come last: where both have a key, its value is the one kept.
    (Obj::from_entries(meta), Obj::from_entries(metrics))
}

/// What the tracer said about its runtime, read before enrichment (context and sidecar tags
/// overwrite the events' `runtime.*`, which is how the reference came to send one runtime's
/// payload with another runtime's version).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuntimeFacts {
    pub version: Option<String>,
    pub interpreter: Option<String>,
}

/// The tracer's runtime version and interpreter, in this order: `metadata["*"]`'s
/// `language_version`, `runtime_version`, `runtime.version` (resp. `language_interpreter`,
/// `runtime_name`, `runtime.name`), then the first event's `meta["runtime.version"]` (resp.
/// `runtime.name`). Go and Java drop `runtime.*` tags, so theirs are unknown.
pub fn runtime_facts(tracer_payload: &Doc<'_>) -> RuntimeFacts {
    let star = tracer_payload.get("metadata").and_then(|m| m.get("*"));
    let from_star = |keys: [&str; 3]| {
        keys.iter().find_map(|k| {
            star?
                .get(k)?
                .as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        })
    };
    let events = tracer_payload.get("events");
    let tag = |k| Some(event_tag(events, k)?.as_str()?.to_owned());
    RuntimeFacts {
        version: from_star(["language_version", "runtime_version", "runtime.version"])
            .or_else(|| tag("runtime.version")),
        interpreter: from_star(["language_interpreter", "runtime_name", "runtime.name"])
            .or_else(|| tag("runtime.name")),
    }
}

/// `Datadog-Meta-*` headers of a test payload: language and tracer version as the enriched
/// `metadata["*"]` says (the tracer's own values, filled in only where it left them out; the
/// intake checks the two agree), runtime version and interpreter from `facts`; `n/a` for what
/// nobody knows. Never the rules' version as tracer version.
pub fn meta_headers(facts: &RuntimeFacts, enriched: &Doc<'_>) -> MetaHeaders {
    let star = enriched.get("metadata").and_then(|m| m.get("*"));
    let s = |k: &str| {
        star.and_then(|v| v.get(k))
            .and_then(Doc::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let or_unknown = |v: &Option<String>| v.clone().unwrap_or_else(|| UNKNOWN.into());
    MetaHeaders {
        lang: s("language").unwrap_or_else(|| "bazel-starlark".into()),
        lang_version: or_unknown(&facts.version),
        interpreter: or_unknown(&facts.interpreter),
        tracer_version: s("library_version").unwrap_or_else(|| UNKNOWN.into()),
    }
}

/// Expected tags absent from every event's `meta` and `metrics` (a tag counts if any event has it).
pub fn missing_tags<'t>(payload: &Doc<'_>, expected: &'t [String]) -> Vec<&'t str> {
    let events = payload
        .get("events")
        .and_then(Doc::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    expected
        .iter()
        .filter(|tag| {
            !events.iter().any(|e| {
                let c = e.get("content");
                ["meta", "metrics"].iter().any(|m| {
                    c.and_then(|c| c.get(m))
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

    /// The functions under test on `serde_json::Value`s, through `Doc`.
    fn enriched(p: &Value, inputs: Inputs<'_>) -> Result<Value, String> {
        let mut d = Doc::from_value(p);
        enrich(&mut d, inputs)?;
        Ok(d.to_value())
    }

    fn facts_of(p: &Value) -> RuntimeFacts {
        runtime_facts(&Doc::from_value(p))
    }

    fn headers_of(facts: &RuntimeFacts, p: &Value) -> MetaHeaders {
        meta_headers(facts, &Doc::from_value(p))
    }

    #[test]
    fn precedence_and_exact_ids() {
        let mut p = json!({"version":1,"metadata":{"*":{"language":"go","runtime-id":"r","language_version":"1.25"},"x":{}},
            "events":[{"type":"test","version":2,"content":{"trace_id":18446744073709551615u64,"start":1700000000000000001u64,
            "meta":{"env":"tracer","keep":"k"}}}]});
        let facts = facts_of(&p);
        let ctx = json!({"env":"ci","git.commit.sha":"abc","n":3,"b":true,"topt.api_key_fingerprint":"ff","z":null});
        let side = json!({"env":"side","bazel.go.attr.cgo":false});
        p = enriched(
            &p,
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
        assert_eq!(p["metadata"]["*"]["language_version"], "1.25");
        assert!(p["metadata"].get("x").is_none());
        let h = headers_of(&facts, &p);
        assert_eq!(h.lang, "go");
        assert_eq!(h.lang_version, "1.25");
        assert_eq!(h.tracer_version, UNKNOWN);
        let text = serde_json::to_string(&p).unwrap();
        assert!(text.contains("18446744073709551615"));
    }

    /// Java's file dispatcher omits runtime-id and keeps test_is_user_provided_service; Go and
    /// Java drop runtime.* tags; a context of another runtime must not leak into the headers.
    #[test]
    fn tracer_metadata_kept_and_headers_from_the_tracer() {
        let ctx = json!({"runtime.name":"CPython","runtime.version":"3.11.7","language":"python"});
        let java = json!({"version":1,"metadata":{"*":{"env":"ci","language":"jvm","test_is_user_provided_service":"true"}},
            "events":[{"type":"test","version":2,"content":{"meta":{"test.name":"t"}}}]});
        let mut p = java.clone();
        let facts = facts_of(&p);
        let inputs = Inputs {
            context: ctx.as_object(),
            sidecar: None,
            run_runtime_id: "run",
        };
        p = enriched(&p, inputs).unwrap();
        let star = &p["metadata"]["*"];
        assert_eq!(star["test_is_user_provided_service"], "true");
        assert_eq!(star["runtime-id"], "run");
        assert_eq!(star["language"], "jvm");
        assert!(star.get("library_version").is_none(), "{star}");
        assert_eq!(
            p["events"][0]["content"]["meta"]["runtime.version"],
            "3.11.7"
        );
        let h = headers_of(&facts, &p);
        assert_eq!(
            (
                h.lang.as_str(),
                h.lang_version.as_str(),
                h.interpreter.as_str()
            ),
            ("jvm", UNKNOWN, UNKNOWN)
        );
        assert_eq!(h.tracer_version, UNKNOWN);

        // dd-trace-js style: runtime and library per span, nothing in metadata["*"].
        let mut js = json!({"version":1,"events":[{"type":"test","version":1,"content":{"meta":{
            "language":"javascript","library_version":"6.21.0","runtime.name":"node","runtime.version":"v20.20.2"}}}]});
        let facts = facts_of(&js);
        js = enriched(&js, inputs).unwrap();
        let h = headers_of(&facts, &js);
        assert_eq!(
            h,
            MetaHeaders {
                lang: "javascript".into(),
                lang_version: "v20.20.2".into(),
                interpreter: "node".into(),
                tracer_version: "6.21.0".into()
            }
        );
        assert_eq!(js["metadata"]["*"]["library_version"], "6.21.0");

        // Python keeps runtime.* in metadata["*"].
        let py = json!({"metadata":{"*":{"language":"python","library_version":"4.16.0","runtime.name":"CPython","runtime.version":"3.11.7"}}});
        assert_eq!(
            facts_of(&py),
            RuntimeFacts {
                version: Some("3.11.7".into()),
                interpreter: Some("CPython".into())
            }
        );
    }

    #[test]
    fn expected_tags() {
        let p = json!({"events":[{"content":{"meta":{"a":"1"}}},{"content":{"metrics":{"b":1}}}]});
        let exp = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        assert_eq!(missing_tags(&Doc::from_value(&p), &exp), vec!["c"]);
    }
}
