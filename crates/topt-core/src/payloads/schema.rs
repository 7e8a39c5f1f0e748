//! The citestcycle envelope ("agentless schema" of the reference) checked by hand, plus the
//! JSON parsing rules shared by doctor and uploader (BOM tolerated, empty = invalid).

use serde_json::Value;

use super::doc::{Doc, Obj};

/// Smallest valid `start` (ns) and `custom_ingest_timestamp` (ms): 2000-01-01.
const MIN_START_NS: u64 = 946_684_800_000_000_000;
const MIN_INGEST_MS: u64 = 946_684_800_000;

/// One schema violation, with a JSONPath-like location (`$.events[0].content.span_id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub path: String,
    pub message: String,
}

/// Parses payload bytes as JSON, tolerating a UTF-8 BOM. Empty input is an error (as in the doctor).
pub fn parse_json(bytes: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(document(bytes)?).map_err(|e| e.to_string())
}

/// [`parse_json`] into a [`Doc`] borrowing from `bytes` (test payloads: the uploader's and the
/// doctor's hot path).
pub fn parse_doc(bytes: &[u8]) -> Result<Doc<'_>, String> {
    Doc::parse(document(bytes)?).map_err(|e| e.to_string())
}

/// The document's bytes without a BOM; an error when there is nothing but whitespace.
fn document(bytes: &[u8]) -> Result<&[u8], String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err("file is empty".to_string());
    }
    Ok(bytes)
}

/// True when the payload has no events to send (`{}`, `events: []`, missing events): the
/// uploader skips it and keeps the file, like the reference.
pub fn is_placeholder(v: &Doc<'_>) -> bool {
    !matches!(v.get("events"), Some(Doc::Array(a)) if !a.is_empty())
}

/// Checks a test payload against the citestcycle envelope; returns every violation found.
pub fn check_test_payload(v: &Doc<'_>) -> Vec<Issue> {
    let mut c = Checker::default();
    let Some(top) = v.as_object() else {
        c.push("$", "payload must be a JSON object");
        return c.issues;
    };
    match top.get("version") {
        Some(Doc::Number(n)) if n.as_u64() == Some(1) => {}
        Some(_) => c.push("$.version", "must be the integer 1"),
        None => c.push("$.version", "required key is missing"),
    }
    if let Some(ts) = top.get("custom_ingest_timestamp") {
        c.uint_min("$.custom_ingest_timestamp", ts, MIN_INGEST_MS);
    }
    if let Some(md) = top.get("metadata") {
        check_metadata(&mut c, md);
    }
    match top.get("events") {
        None => {}
        Some(Doc::Array(events)) => {
            for (i, ev) in events.iter().enumerate() {
                check_event(&mut c, i, ev);
            }
        }
        Some(_) => c.push("$.events", "must be an array"),
    }
    c.issues
}

fn check_metadata(c: &mut Checker, md: &Doc<'_>) {
    let Some(md) = md.as_object() else {
        c.push("$.metadata", "must be an object");
        return;
    };
    for (k, v) in md.iter() {
        let p = format!("$.metadata['{k}']");
        match k.as_ref() {
            "*" => {
                let Some(star) = v.as_object() else {
                    c.push(&p, "must be an object");
                    continue;
                };
                for key in ["language", "runtime-id"] {
                    match star.get(key) {
                        Some(v) if v.is_string() => {}
                        Some(_) => c.push(&format!("{p}.{key}"), "must be a string"),
                        None => c.push(&format!("{p}.{key}"), "required key is missing"),
                    }
                }
                for key in ["env", "library_version"] {
                    if star.get(key).is_some_and(|v| !v.is_string()) {
                        c.push(&format!("{p}.{key}"), "must be a string");
                    }
                }
            }
            "test" | "test_suite_end" | "test_module_end" | "test_session_end" => {
                if !v.is_object() {
                    c.push(&p, "must be an object");
                }
            }
            _ => c.push(&p, "key not allowed in metadata"),
        }
    }
    if !md.contains_key("*") {
        c.push("$.metadata", "required key '*' is missing");
    }
}

const V1_SPAN_KEYS: &[&str] = &[
    "trace_id",
    "span_id",
    "parent_id",
    "error",
    "name",
    "service",
    "resource",
    "start",
    "type",
    "duration",
    "meta",
    "metrics",
];

/// The keys `content` may (`base` and `extra`), must, and must in one of, hold for one event
/// type and version.
struct ContentKeys {
    base: &'static [&'static str],
    extra: &'static [&'static str],
    required: &'static [&'static str],
    one_of: &'static [&'static str],
}

/// The key sets of the typed events the schema opens; `None` where it closes `content` to `{}`.
fn content_keys(ty: &str, version: u64) -> Option<ContentKeys> {
    let ((base, extra), required, one_of): (KeySets, Keys, Keys) = match (ty, version) {
        ("test", 1) => (
            with(&["timestamp"]),
            &[
                "trace_id", "span_id", "error", "name", "resource", "start", "duration",
            ],
            &[],
        ),
        ("test", 2) => (
            with(&[
                "timestamp",
                "test_session_id",
                "test_module_id",
                "test_suite_id",
                "itr_correlation_id",
            ]),
            &[
                "trace_id",
                "span_id",
                "test_suite_id",
                "error",
                "name",
                "resource",
                "start",
                "duration",
            ],
            &["test_session_id", "test_module_id"],
        ),
        ("span", 1) => (
            with(&[]),
            &[
                "trace_id", "span_id", "error", "name", "resource", "start", "duration",
            ],
            &[],
        ),
        ("test_session_end", 1) => (
            end_keys(&["test_session_id"]),
            &[
                "test_session_id",
                "error",
                "name",
                "resource",
                "start",
                "duration",
            ],
            &[],
        ),
        ("test_suite_end", 1) => (
            end_keys(&[
                "test_session_id",
                "test_module_id",
                "test_suite_id",
                "itr_correlation_id",
            ]),
            &[
                "test_suite_id",
                "error",
                "name",
                "resource",
                "start",
                "duration",
            ],
            &["test_session_id", "test_module_id"],
        ),
        ("test_module_end", 1) => (
            end_keys(&["test_session_id", "test_module_id"]),
            &[
                "error",
                "name",
                "resource",
                "start",
                "duration",
                "test_module_id",
            ],
            &[],
        ),
        // Any other version of a typed event: the schema closes `content` to `{}`.
        _ => return None,
    };
    Some(ContentKeys {
        base,
        extra,
        required,
        one_of,
    })
}

/// Event `i`; its paths are only formatted for actual problems (this runs for every event).
fn check_event(c: &mut Checker, i: usize, ev: &Doc<'_>) {
    let p = || format!("$.events[{i}]");
    let content_path = || format!("$.events[{i}].content");
    let Some(ev) = ev.as_object() else {
        c.push(&p(), "event must be an object");
        return;
    };
    for k in ev.keys() {
        if !matches!(k, "type" | "version" | "content") {
            c.push(&format!("{}.{k}", p()), "key not allowed in an event");
        }
    }
    let ty = ev.get("type").and_then(Doc::as_str);
    let version = ev.get("version").and_then(Doc::as_u64);
    let Some(content) = ev.get("content") else {
        c.push(&content_path(), "required key is missing");
        return;
    };
    let Some(content) = content.as_object() else {
        c.push(&content_path(), "must be an object");
        return;
    };
    if !matches!(
        ty,
        Some("test" | "test_suite_end" | "test_module_end" | "test_session_end" | "span")
    ) {
        c.push(
            &format!("{}.type", p()),
            "must be one of test, test_suite_end, test_module_end, test_session_end, span",
        );
        return;
    }
    if !matches!(version, Some(1 | 2)) {
        c.push(&format!("{}.version", p()), "must be 1 or 2");
        return;
    }
    let (Some(ty), Some(version)) = (ty, version) else {
        return;
    };
    let Some(ContentKeys {
        base,
        extra,
        required,
        one_of,
    }) = content_keys(ty, version)
    else {
        if !content.is_empty() {
            c.push(&content_path(), "must be empty for this event type/version");
        }
        return;
    };
    for k in content.keys() {
        if !base.contains(&k) && !extra.contains(&k) {
            c.push(
                &format!("{}.{k}", content_path()),
                "key not allowed for this event type/version",
            );
        }
    }
    for k in required {
        if !content.contains_key(k) {
            c.push(
                &format!("{}.{k}", content_path()),
                "required key is missing",
            );
        }
    }
    if !one_of.is_empty() && !one_of.iter().any(|k| content.contains_key(k)) {
        c.push(
            &content_path(),
            &format!("one of {} is required", one_of.join(" or ")),
        );
    }
    check_content_values(c, i, content);
}

type Keys = &'static [&'static str];
/// Keys allowed: a base set and the extra keys of one event type and version.
type KeySets = (Keys, Keys);

/// The keys of a span (v1) event's content, and `extra`.
const fn with(extra: Keys) -> KeySets {
    (V1_SPAN_KEYS, extra)
}

const END_KEYS: &[&str] = &[
    "timestamp",
    "error",
    "name",
    "service",
    "resource",
    "start",
    "type",
    "duration",
    "meta",
    "metrics",
];

/// The keys of an `*_end` event's content, and `extra`.
const fn end_keys(extra: Keys) -> KeySets {
    (END_KEYS, extra)
}

fn check_content_values(c: &mut Checker, i: usize, content: &Obj<'_>) {
    let p = || format!("$.events[{i}].content");
    let uint_min = |v: &Doc<'_>, min: u64| v.as_u64().is_none_or(|n| n < min);
    for (k, v) in content.iter() {
        // Paths are only formatted for actual problems: this runs for every uploaded event.
        let problem: Option<String> = match k.as_ref() {
            "trace_id" | "span_id" | "test_session_id" | "test_module_id" | "test_suite_id"
                if uint_min(v, 1) =>
            {
                Some("must be an integer between 1 and 2^64-1".into())
            }
            "parent_id" if uint_min(v, 0) => Some("must be an integer between 0 and 2^64-1".into()),
            "start" if uint_min(v, MIN_START_NS) => Some(format!(
                "must be an integer between {MIN_START_NS} and 2^64-1 (nanoseconds)"
            )),
            "duration" if v.as_i64().is_none_or(|d| d < 0) => {
                Some("must be an integer between 0 and 2^63-1 (nanoseconds)".into())
            }
            "error" if !matches!(v.as_u64(), Some(0 | 1)) => {
                Some("must be the integer 0 or 1".into())
            }
            "timestamp" | "itr_correlation_id" | "name" | "service" | "resource" | "type"
                if !v.is_string() =>
            {
                Some("must be a string".into())
            }
            "meta" if !tags_ok(v, |x| x.is_string()) => {
                check_tags(c, &format!("{}.{k}", p()), v, |x| x.is_string(), "a string");
                None
            }
            "metrics" if !tags_ok(v, |x| x.is_number()) => {
                check_tags(c, &format!("{}.{k}", p()), v, |x| x.is_number(), "a number");
                None
            }
            _ => None,
        };
        if let Some(m) = problem {
            c.push(&format!("{}.{k}", p()), &m);
        }
    }
}

fn tags_ok(v: &Doc<'_>, leaf: fn(&Doc<'_>) -> bool) -> bool {
    v.as_object().is_some_and(|m| {
        m.values().all(|x| {
            if x.is_object() {
                tags_ok(x, leaf)
            } else {
                leaf(x)
            }
        })
    })
}

/// `meta` values are strings or nested meta objects; `metrics` values numbers or nested objects.
fn check_tags(c: &mut Checker, p: &str, v: &Doc<'_>, leaf: fn(&Doc<'_>) -> bool, what: &str) {
    let Some(m) = v.as_object() else {
        c.push(p, "must be an object");
        return;
    };
    for (k, v) in m.iter() {
        if v.is_object() {
            check_tags(c, &format!("{p}['{k}']"), v, leaf, what);
        } else if !leaf(v) {
            c.push(&format!("{p}['{k}']"), &format!("must be {what}"));
        }
    }
}

#[derive(Default)]
struct Checker {
    issues: Vec<Issue>,
}

impl Checker {
    fn push(&mut self, path: &str, message: &str) {
        self.issues.push(Issue {
            path: path.to_string(),
            message: message.to_string(),
        });
    }

    fn uint_min(&mut self, path: &str, v: &Doc<'_>, min: u64) {
        if v.as_u64().is_none_or(|n| n < min) {
            self.push(
                path,
                &format!("must be an integer between {min} and 2^64-1"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn valid_v2_test_event_passes() {
        let v = json!({"version":1,"metadata":{"*":{"language":"go","runtime-id":"r"}},"events":[
            {"type":"test","version":2,"content":{"trace_id":18446744073709551615u64,"span_id":1,
            "test_suite_id":2,"test_session_id":3,"error":0,"name":"n","resource":"r",
            "start":1700000000000000000u64,"duration":5,"meta":{"a":"b","n":{"c":"d"}},"metrics":{"m":1.5}}}]});
        assert_eq!(check_test_payload(&Doc::from_value(&v)), vec![]);
    }

    #[test]
    fn reports_problems() {
        let v = json!({"version":2,"metadata":{"x":{}},"events":[{"type":"test","version":1,"content":{"span_id":0}}]});
        let issues = check_test_payload(&Doc::from_value(&v));
        assert!(issues.iter().any(|i| i.path == "$.version"));
        assert!(issues.iter().any(|i| i.path == "$.metadata['x']"));
        assert!(
            issues
                .iter()
                .any(|i| i.path == "$.events[0].content.trace_id")
        );
        assert!(
            issues
                .iter()
                .any(|i| i.path == "$.events[0].content.span_id")
        );
    }

    #[test]
    fn parse_rules() {
        assert!(parse_json(b"").is_err());
        assert!(parse_json(b"\xEF\xBB\xBF{}").is_ok());
        assert!(is_placeholder(&Doc::from_value(&json!({}))));
        assert!(is_placeholder(&Doc::from_value(&json!({"events":[]}))));
        assert!(!is_placeholder(&Doc::from_value(&json!({"events":[{}]}))));
    }
}
