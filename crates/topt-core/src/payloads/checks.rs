//! Doctor checks that need no file system: one payload's bytes, one `.bazelrc` line, one label.

use serde_json::Value;

use super::doc::Doc;
use super::enrich;
use super::kind::Kind;
use super::schema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One finding: what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub message: String,
    pub fix: String,
}

impl Finding {
    pub fn new(severity: Severity, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Finding {
            severity,
            message: message.into(),
            fix: fix.into(),
        }
    }
}

const FIX_JSON: &str =
    "the test must write one complete JSON document per file (write to a temp name, then rename)";

/// Checks one depth-1 payload file of a kind directory.
pub fn check_payload(kind: Kind, bytes: &[u8]) -> Vec<Finding> {
    let unparsable = |e: String| {
        let what = if bytes.is_empty() {
            "empty file".to_string()
        } else {
            format!("invalid JSON: {e}")
        };
        vec![Finding::new(Severity::Error, what, FIX_JSON)]
    };
    match kind {
        Kind::Tests => schema::parse_doc(bytes).map_or_else(unparsable, check_test),
        Kind::Coverage => schema::parse_json(bytes).map_or_else(unparsable, |_| Vec::new()),
        Kind::Telemetry => {
            schema::parse_json(bytes).map_or_else(unparsable, |v| check_telemetry(&v))
        }
    }
}

/// [`check_payload`] of a test payload already parsed (the doctor parses each file once).
pub fn check_test(mut v: Doc<'_>) -> Vec<Finding> {
    if !v.is_object() {
        return vec![Finding::new(
            Severity::Error,
            "test payload is not a JSON object",
            "write a citestcycle body: {\"version\":1,\"metadata\":{…},\"events\":[…]}",
        )];
    }
    if schema::is_placeholder(&v) {
        return vec![Finding::new(
            Severity::Warning,
            "placeholder test payload without events ({} or empty events); the uploader skips it and keeps the file",
            "remove the placeholder, or check that the tracer flushed its events",
        )];
    }
    // The envelope is judged as the uploader will send it: what enrichment fills in (Java's
    // file dispatcher leaves runtime-id out on purpose, so Bazel's cache is not invalidated) is
    // no fault of the tracer, only an info line.
    let filled = filled_required_keys(&v);
    let inputs = enrich::Inputs {
        context: None,
        sidecar: None,
        run_runtime_id: "run",
    };
    let mut findings = Vec::new();
    // In place: the payload is not needed as the tracer wrote it past this point (and enriching
    // an object cannot fail).
    if enrich::enrich(&mut v, inputs).is_ok() && !filled.is_empty() {
        findings.push(Finding::new(
            Severity::Info,
            format!(
                "metadata[\"*\"] has no {}; the uploader fills it in",
                filled.join(" or ")
            ),
            "",
        ));
    }
    let issues = schema::check_test_payload(&v);
    let Some(first) = issues.first() else {
        return findings;
    };
    let shown: Vec<String> = issues
        .iter()
        .take(5)
        .map(|i| format!("{}: {}", i.path, i.message))
        .collect();
    let more = if issues.len() > 5 {
        format!(" (and {} more)", issues.len() - 5)
    } else {
        String::new()
    };
    findings.push(Finding::new(
        Severity::Warning,
        format!("citestcycle envelope: {}{more}", shown.join("; ")),
        format!(
            "the intake may drop these events: fix the tracer's payload writer so that {} is valid \
             ({}; schema: version 1, typed events with ids, start, duration)",
            first.path, first.message
        ),
    ));
    findings
}

/// The required `metadata["*"]` keys a tracer left out (enrichment fills them in).
fn filled_required_keys(v: &Doc<'_>) -> Vec<&'static str> {
    let star = v.get("metadata").and_then(|m| m.get("*"));
    ["runtime-id", "language"]
        .into_iter()
        .filter(|k| star.and_then(|s| s.get(k)).is_none_or(Doc::is_null))
        .collect()
}

fn check_telemetry(v: &Value) -> Vec<Finding> {
    let ok = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    if !v.is_object() || !ok("api_version") || !ok("request_type") {
        return vec![Finding::new(
            Severity::Error,
            "telemetry payload needs non-empty string api_version and request_type; the uploader will fail it",
            "write one raw instrumentation-telemetry request body per file",
        )];
    }
    Vec::new()
}

/// Variables that must never be passed to tests with `--test_env` (prefix match, like the reference).
const FORBIDDEN_TEST_ENV: [&str; 5] = [
    "DD_GIT_",
    "DD_API_KEY",
    "DD_SITE",
    "DD_TEST_OPTIMIZATION_AGENT_URL",
    "DD_TEST_OPTIMIZATION_AGENTLESS_URL",
];

/// The forbidden variable a `.bazelrc` line sets with `--test_env`, if any (text after `#` ignored).
pub fn forbidden_test_env(line: &str) -> Option<String> {
    let line = line.split('#').next().unwrap_or("");
    let mut rest = line;
    while let Some(pos) = rest.find("--test_env") {
        let after = &rest[pos + "--test_env".len()..];
        let Some(sep) = after.chars().next() else {
            break;
        };
        if sep == '=' || sep.is_whitespace() {
            let value = after[sep.len_utf8()..].trim_start();
            for f in FORBIDDEN_TEST_ENV {
                if let Some(tail) = value.strip_prefix(f) {
                    let name_tail: String = tail
                        .chars()
                        .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                        .collect();
                    return Some(format!("{f}{name_tail}"));
                }
            }
        }
        rest = after;
    }
    None
}

/// Validates an `expected_targets` label; returns (package path, target name).
pub fn parse_expected_label(label: &str) -> Result<(String, String), String> {
    if label.starts_with('@') {
        return Err(format!(
            "expected_targets does not support external labels: {label}"
        ));
    }
    let Some(rest) = label.strip_prefix("//") else {
        return Err(format!("expected target must start with //: {label}"));
    };
    let Some((pkg, name)) = rest.split_once(':') else {
        return Err(format!("expected target must contain ':': {label}"));
    };
    if name.is_empty()
        || name.starts_with('/')
        || name.split('/').any(|s| s == "..")
        || pkg.split('/').any(|s| s == "..")
    {
        return Err(format!("invalid expected target name: {label}"));
    }
    Ok((pkg.to_string(), name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_checks() {
        assert_eq!(check_payload(Kind::Tests, b"")[0].severity, Severity::Error);
        assert_eq!(
            check_payload(Kind::Tests, b"{}")[0].severity,
            Severity::Warning
        );
        assert_eq!(check_payload(Kind::Coverage, b"{\"x\":1}"), vec![]);
        assert_eq!(
            check_payload(Kind::Telemetry, b"{}")[0].severity,
            Severity::Error
        );
    }

    /// dd-java-agent omits metadata["*"]["runtime-id"] on purpose; the uploader fills it in, so
    /// the doctor says so as info and does not warn (nor fail --strict).
    #[test]
    fn what_the_uploader_fills_in_is_info() {
        let java = br#"{"version":1,"metadata":{"*":{"env":"ci","language":"jvm","test_is_user_provided_service":"true"}},
            "events":[{"type":"test","version":2,"content":{"trace_id":1,"span_id":2,"test_suite_id":3,"test_session_id":4,
            "error":0,"name":"junit.test","resource":"a.B.c","start":1700000000000000000,"duration":5,"meta":{},"metrics":{}}}]}"#;
        let findings = check_payload(Kind::Tests, java);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].severity, Severity::Info);
        assert!(findings[0].message.contains("runtime-id"), "{findings:?}");
        // A real envelope fault still warns, and the fix names it.
        let bad = br#"{"version":1,"metadata":{"*":{"language":"go","runtime-id":"r"}},"events":[{"type":"test","version":2,"content":{}}]}"#;
        let findings = check_payload(Kind::Tests, bad);
        let warning = findings
            .iter()
            .find(|f| f.severity == Severity::Warning)
            .unwrap();
        assert!(warning.fix.contains("$.events[0].content"), "{warning:?}");
    }

    #[test]
    fn bazelrc_lines() {
        assert_eq!(
            forbidden_test_env("test --test_env=DD_GIT_BRANCH=x").as_deref(),
            Some("DD_GIT_BRANCH")
        );
        assert_eq!(
            forbidden_test_env("test --test_env DD_API_KEY").as_deref(),
            Some("DD_API_KEY")
        );
        assert_eq!(forbidden_test_env("# test --test_env=DD_SITE"), None);
        assert_eq!(forbidden_test_env("test --repo_env=DD_GIT_BRANCH=x"), None);
    }

    #[test]
    fn labels() {
        assert_eq!(
            parse_expected_label("//a/b:c").unwrap(),
            ("a/b".into(), "c".into())
        );
        assert!(parse_expected_label("@r//a:b").is_err());
        assert!(parse_expected_label("//a").is_err());
        assert!(parse_expected_label("//a:../x").is_err());
    }
}
