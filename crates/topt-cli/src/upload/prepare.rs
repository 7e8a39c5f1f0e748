//! Turning one payload's bytes into the request to send (or a reason not to send it).

use std::io::Write;

use serde_json::{Map, Value};
use topt_core::payloads::codeowners::Codeowners;
use topt_core::payloads::doc::Doc;
use topt_core::payloads::enrich::{self, Inputs, MetaHeaders};
use topt_core::payloads::kind::Kind;
use topt_core::payloads::schema;
use topt_core::payloads::telemetry;

use super::endpoints::Endpoints;
use super::multipart;
use crate::json_text;
use crate::outputs::verdict::{self, Parsed, Verdict};

/// Per-`test.outputs` enrichment inputs.
#[derive(Debug, Clone, Default)]
pub struct DirCtx {
    pub label: String,
    pub sidecar: Option<Map<String, Value>>,
    /// (context key, tags) chosen for this directory.
    pub context: Option<(String, Map<String, Value>)>,
    /// Why none of this directory's payloads may go out (its sidecar exists but is unusable):
    /// they are kept and reported, as the doctor reports the sidecar.
    pub blocked: Option<String>,
    /// The `Datadog-Meta-*` headers of this directory's first test payload, which its coverage
    /// requests reuse so both requests name the same language, runtime and tracer.
    pub test_headers: Option<MetaHeaders>,
}

/// The headers a test payload's request gets (see `prepare_test`), or None when it is not one.
pub fn test_headers(bytes: &[u8], dir: &DirCtx) -> Option<MetaHeaders> {
    let original = schema::parse_doc(bytes).ok()?;
    let facts = enrich::runtime_facts(&original);
    let mut payload = original;
    let inputs = Inputs {
        context: dir.context.as_ref().map(|(_, m)| m),
        sidecar: dir.sidecar.as_ref(),
        run_runtime_id: "",
    };
    enrich::enrich(&mut payload, inputs).ok()?;
    Some(enrich::meta_headers(&facts, &payload))
}

/// Run-wide settings for preparing requests.
#[derive(Debug, Clone)]
pub struct Settings {
    pub endpoints: Endpoints,
    pub gzip: bool,
    pub validate: bool,
    pub expected_tags: Vec<String>,
    pub run_id: String,
    /// `ci.provider.name` of the primary context, for the telemetry tag rewrite.
    pub provider: Option<String>,
    /// Telemetry augmentation decided from `telemetry_facts.json` files, keyed by file.
    pub telemetry_plan: Option<telemetry::Plan>,
    /// CODEOWNERS rules and the roots source paths are made relative to.
    pub codeowners: Option<(Codeowners, Vec<String>)>,
}

#[derive(Debug)]
pub enum Prepared {
    Send {
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    },
    /// Not sent, not a failure, file kept (e.g. `{}` placeholder).
    Skip(String),
    /// Not sent, a failure, file kept.
    Fail(String),
}

/// Prepares one payload: the shared verdict first (so the uploader refuses exactly what the
/// doctor calls an error), then the request; `warnings` collects non-blocking findings (schema).
pub fn prepare(
    kind: Kind,
    name: &str,
    key: &str,
    bytes: &[u8],
    dir: &DirCtx,
    s: &Settings,
    warnings: &mut Vec<String>,
) -> Prepared {
    if let Some(why) = &dir.blocked {
        return Prepared::Fail(format!(
            "{why}; the target's payloads are kept until it is fixed"
        ));
    }
    let parsed = match verdict::payload(kind, name, bytes) {
        Verdict::Skip(why) => return Prepared::Skip(why),
        Verdict::Reject(r) => return Prepared::Fail(format!("{}; kept and not sent", r.message)),
        Verdict::Send(p) => p,
    };
    match (kind, parsed) {
        (Kind::Tests, Parsed::Test(v)) => prepare_test(v, bytes.len(), dir, s, warnings),
        (Kind::Coverage, _) => prepare_coverage(name, bytes, dir, s),
        (Kind::Telemetry, Parsed::Telemetry(v)) => prepare_telemetry(key, v, bytes, s),
        _ => Prepared::Fail("internal: the verdict parsed another kind".into()),
    }
}

fn prepare_test(
    original: Doc<'_>,
    size_hint: usize,
    dir: &DirCtx,
    s: &Settings,
    warnings: &mut Vec<String>,
) -> Prepared {
    // The tracer's runtime facts are read before enrichment overwrites the events' runtime tags.
    let facts = enrich::runtime_facts(&original);
    let mut payload = original;
    let inputs = Inputs {
        context: dir.context.as_ref().map(|(_, m)| m),
        sidecar: dir.sidecar.as_ref(),
        run_runtime_id: &s.run_id,
    };
    if let Err(e) = enrich::enrich(&mut payload, inputs) {
        return Prepared::Fail(format!("cannot enrich: {e}; kept and not sent"));
    }
    if let Some((owners, roots)) = &s.codeowners {
        let roots: Vec<&str> = roots.iter().map(String::as_str).collect();
        owners.apply(&mut payload, &roots);
    }
    let issues = schema::check_test_payload(&payload);
    if let Some(first) = issues.first() {
        warnings.push(format!(
            "schema: {} issue(s) after enrichment, first: {}: {}",
            issues.len(),
            first.path,
            first.message
        ));
    }
    if s.validate {
        let missing = enrich::missing_tags(&payload, &s.expected_tags);
        if !missing.is_empty() {
            return Prepared::Fail(format!(
                "enriched test payload is missing expected tag(s): {}",
                missing.join(", ")
            ));
        }
    }
    let h = enrich::meta_headers(&facts, &payload);
    // Sized for the enriched body (the file plus the tags every event got) so it is written
    // without regrowing.
    let mut body = Vec::with_capacity(size_hint + size_hint / 2 + 4096);
    json_text::write_doc(&mut body, &payload);
    drop(payload);
    let mut headers = s.endpoints.auth_headers(Kind::Tests);
    headers.extend([
        ("Accept", "application/json".to_string()),
        ("Content-Type", "application/json".to_string()),
        ("Datadog-Meta-Lang", h.lang),
        ("Datadog-Meta-Lang-Version", h.lang_version),
        ("Datadog-Meta-Lang-Interpreter", h.interpreter),
        ("Datadog-Meta-Tracer-Version", h.tracer_version),
    ]);
    if s.gzip {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        if let Ok(gz) = enc.write_all(&body).and_then(|()| enc.finish()) {
            body = gz;
            headers.push(("Content-Encoding", "gzip".into()));
        }
    }
    Prepared::Send { headers, body }
}

/// Coverage is opaque (sent verbatim, once the verdict found it well-formed JSON or msgpack: the
/// intake would accept and silently drop anything else); headers come from the target's runtime.
fn prepare_coverage(name: &str, bytes: &[u8], dir: &DirCtx, s: &Settings) -> Prepared {
    let (ctype, body) = multipart::coverage_body(bytes, name.ends_with(".msgpack"));
    let h = dir
        .test_headers
        .clone()
        .unwrap_or_else(|| coverage_only_headers(dir));
    let mut headers = s.endpoints.auth_headers(Kind::Coverage);
    headers.extend([
        ("Accept", "application/json".to_string()),
        ("Content-Type", ctype),
        ("Datadog-Meta-Lang", h.lang),
        ("Datadog-Meta-Lang-Version", h.lang_version),
        ("Datadog-Meta-Lang-Interpreter", h.interpreter),
        ("Datadog-Meta-Tracer-Version", h.tracer_version),
    ]);
    Prepared::Send { headers, body }
}

/// Coverage without a test payload beside it: the language the target's sidecar records, and
/// `n/a` for what only a tracer could say (never the rules' version as tracer version).
fn coverage_only_headers(dir: &DirCtx) -> MetaHeaders {
    let lang = dir
        .sidecar
        .as_ref()
        .and_then(|m| m.get("bazel.test_optimization.runtime_name"))
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
        .map_or_else(|| "bazel-starlark".to_string(), str::to_string);
    MetaHeaders {
        lang,
        lang_version: enrich::UNKNOWN.into(),
        interpreter: enrich::UNKNOWN.into(),
        tracer_version: enrich::UNKNOWN.into(),
    }
}

/// Telemetry: sent verbatim (`bytes`), headers from the parsed body `v`.
pub fn prepare_telemetry(key: &str, mut v: Value, bytes: &[u8], s: &Settings) -> Prepared {
    let text = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .filter(|x| !x.is_empty())
            .map(str::to_string)
    };
    let Some(obj) = v.as_object() else {
        return Prepared::Fail("telemetry payload is not a JSON object".into());
    };
    let (Some(api), Some(rt)) = (text("api_version"), text("request_type")) else {
        return Prepared::Fail(
            "telemetry payload needs non-empty string api_version and request_type".into(),
        );
    };
    let app = |k: &str| {
        obj.get("application")
            .and_then(|a| a.get(k))
            .and_then(Value::as_str)
            .filter(|x| !x.is_empty())
    };
    let mut headers = s.endpoints.auth_headers(Kind::Telemetry);
    headers.extend([
        ("Content-Type", "application/json".to_string()),
        ("DD-Telemetry-API-Version", api),
        ("DD-Telemetry-Request-Type", rt),
        (
            "DD-Session-ID",
            text("runtime_id").unwrap_or_else(|| s.run_id.clone()),
        ),
    ]);
    if let Some(l) = app("language_name") {
        headers.push(("DD-Client-Library-Language", l.to_string()));
    }
    if let Some(l) = app("tracer_version") {
        headers.push(("DD-Client-Library-Version", l.to_string()));
    }
    // In-flight rewrites (the file itself is never modified): provider tag, facts augmentation.
    let mut changed = false;
    if let Some(p) = &s.provider {
        changed |= telemetry::rewrite_provider_tags(&mut v, p);
    }
    if let Some(plan) = &s.telemetry_plan {
        let extra = plan.append.get(key).map(Vec::as_slice).unwrap_or(&[]);
        changed |= telemetry::apply(&mut v, plan.env.get(key).map(String::as_str), extra);
    }
    let body = if changed {
        let mut out = Vec::with_capacity(bytes.len() + 1024);
        json_text::write_doc(&mut out, &Doc::from_value(&v));
        out
    } else {
        bytes.to_vec()
    };
    Prepared::Send { headers, body }
}
