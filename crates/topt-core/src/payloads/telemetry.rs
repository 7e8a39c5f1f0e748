//! In-flight rewrite of tracer telemetry, as the reference's uploader does: `provider:bazel` metric
//! tags become `provider:bazel/<ci provider>` when the context knows the CI provider.

use serde_json::{Value, json};

/// Rewrites tags in `generate-metrics` / `distributions` messages (recursing into `message-batch`).
/// Returns whether anything changed.
pub fn rewrite_provider_tags(body: &mut Value, provider: &str) -> bool {
    let rt = body
        .get("request_type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let mut changed = false;
    match rt.as_str() {
        "message-batch" => {
            if let Some(Value::Array(children)) = body.get_mut("payload") {
                for c in children {
                    changed |= rewrite_provider_tags(c, provider);
                }
            }
        }
        "generate-metrics" | "distributions" => {
            if let Some(Value::Array(series)) =
                body.get_mut("payload").and_then(|p| p.get_mut("series"))
            {
                for s in series {
                    if let Some(Value::Array(tags)) = s.get_mut("tags") {
                        for t in tags {
                            if t.as_str() == Some("provider:bazel") {
                                *t = Value::String(format!("provider:bazel/{provider}"));
                                changed = true;
                            }
                        }
                    }
                }
            }
        }
        _ => {}
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rewrites_nested_batches_only_exact_tags() {
        let mut v = json!({"request_type": "message-batch", "payload": [
            {"request_type": "generate-metrics", "payload": {"series": [{"tags": ["provider:bazel", "provider:bazelx"]}]}},
            {"request_type": "app-started", "payload": {"series": [{"tags": ["provider:bazel"]}]}}]});
        assert!(rewrite_provider_tags(&mut v, "github"));
        assert_eq!(
            v["payload"][0]["payload"]["series"][0]["tags"],
            json!(["provider:bazel/github", "provider:bazelx"])
        );
        assert_eq!(
            v["payload"][1]["payload"]["series"][0]["tags"],
            json!(["provider:bazel"])
        );
    }
}

/// One `telemetry_facts.json` written by `topt sync` (docs/sync.md, "telemetry_facts.json").
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub source: String,
    pub service: String,
    pub runtime: String,
    pub env: Option<String>,
    pub counts: Vec<(String, Vec<String>, Value)>,
    pub distributions: Vec<(String, Vec<String>, Value)>,
}

/// Parses a facts file; errors name what is wrong.
pub fn parse_facts(v: &Value, source: &str) -> Result<Facts, String> {
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let service = s("service_name")
        .filter(|x| !x.is_empty())
        .ok_or("missing service_name")?;
    let metrics = |k: &str| -> Result<Vec<(String, Vec<String>, Value)>, String> {
        let Some(list) = v.get(k) else {
            return Ok(Vec::new());
        };
        let list = list.as_array().ok_or(format!("{k} is not an array"))?;
        list.iter()
            .map(|m| {
                let name = m
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or(format!("{k}[] without name"))?;
                let value = m
                    .get("value")
                    .filter(|x| x.is_number())
                    .ok_or(format!("{k}[] '{name}' without a numeric value"))?;
                let tags = m
                    .get("tags")
                    .and_then(Value::as_array)
                    .map(|t| {
                        t.iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                Ok((name.to_string(), tags, value.clone()))
            })
            .collect()
    };
    Ok(Facts {
        source: source.to_string(),
        service,
        runtime: s("runtime_name").unwrap_or_else(|| "unknown".into()),
        env: s("env").filter(|x| !x.is_empty()),
        counts: metrics("counts")?,
        distributions: metrics("distributions")?,
    })
}

/// What the planner needs to know about one tracer telemetry file.
#[derive(Debug, Clone)]
pub struct TracerFile {
    /// Stable key (the path shown to users); "last" means the greatest key.
    pub key: String,
    pub service: Option<String>,
    pub language: Option<String>,
    pub runtime_id: Option<String>,
    pub seq_id: Option<u64>,
    pub is_batch: bool,
}

impl TracerFile {
    pub fn of(key: String, body: &Value) -> TracerFile {
        let app = |k: &str| {
            body.get("application")
                .and_then(|a| a.get(k))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        TracerFile {
            key,
            service: app("service_name"),
            language: app("language_name"),
            runtime_id: body
                .get("runtime_id")
                .and_then(Value::as_str)
                .map(str::to_string),
            seq_id: body.get("seq_id").and_then(Value::as_u64),
            is_batch: body.get("request_type").and_then(Value::as_str) == Some("message-batch"),
        }
    }
}

/// The augmentation decided before uploading: per-file env and extra messages, synthetic batches.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub env: std::collections::BTreeMap<String, String>,
    pub append: std::collections::BTreeMap<String, Vec<Value>>,
    /// (anchor description, body) of synthetic `message-batch` requests sent after every file.
    pub synthetic: Vec<(String, Value)>,
    pub warnings: Vec<String>,
}

/// The `generate-metrics` and `distributions` messages carrying a facts file's metrics.
pub fn messages(f: &Facts, now_s: u64) -> Vec<Value> {
    let mut out = Vec::new();
    if !f.counts.is_empty() {
        let series: Vec<Value> = f
            .counts
            .iter()
            .map(|(name, tags, v)| json!({"metric": name, "points": [[now_s, v]], "tags": tags, "common": true, "type": "count"}))
            .collect();
        out.push(json!({"request_type": "generate-metrics", "payload": {"namespace": "civisibility", "series": series}}));
    }
    if !f.distributions.is_empty() {
        let series: Vec<Value> = f
            .distributions
            .iter()
            .map(|(name, tags, v)| json!({"metric": name, "points": [v], "tags": tags, "common": true}))
            .collect();
        out.push(json!({"request_type": "distributions", "payload": {"namespace": "civisibility", "series": series}}));
    }
    out
}

/// Matches facts to tracer files by service (then runtime vs language when several languages
/// report the service); forces the facts' env into matching bodies; appends the metrics to the
/// last `message-batch` of the matching files, else plans a synthetic batch.
pub fn plan(facts: &[Facts], files: &[TracerFile], now_s: u64, run_id: &str) -> Plan {
    let mut p = Plan::default();
    for f in facts {
        let mut matching: Vec<&TracerFile> = files
            .iter()
            .filter(|t| t.service.as_deref() == Some(f.service.as_str()))
            .collect();
        let languages: std::collections::BTreeSet<&str> = matching
            .iter()
            .filter_map(|t| t.language.as_deref())
            .collect();
        if languages.len() > 1 {
            matching.retain(|t| t.language.as_deref() == Some(f.runtime.as_str()));
            if matching.is_empty() {
                p.warnings.push(format!(
                    "telemetry facts {} are ambiguous: service '{}' is reported by {} and runtime '{}' matches none; sending them separately",
                    f.source,
                    f.service,
                    languages.into_iter().collect::<Vec<_>>().join(", "),
                    f.runtime
                ));
            }
        }
        if let Some(env) = &f.env {
            for t in &matching {
                p.env.insert(t.key.clone(), env.clone());
            }
        }
        let msgs = messages(f, now_s);
        if msgs.is_empty() {
            continue;
        }
        match matching
            .iter()
            .filter(|t| t.is_batch)
            .max_by(|a, b| a.key.cmp(&b.key))
        {
            Some(anchor) => p.append.entry(anchor.key.clone()).or_default().extend(msgs),
            // No batch to append to (a tracer that writes no telemetry is normal): not a warning;
            // the uploader says why when it sends the synthetic batch.
            None => {
                let seq = matching
                    .iter()
                    .filter_map(|t| t.seq_id)
                    .max()
                    .map_or(1, |m| m + 1);
                let runtime_id = matching
                    .iter()
                    .find_map(|t| t.runtime_id.clone())
                    .unwrap_or_else(|| run_id.to_string());
                let mut app = json!({"service_name": f.service, "language_name": f.runtime});
                if let Some(env) = &f.env {
                    app["env"] = json!(env);
                }
                let body = json!({"api_version": "v2", "request_type": "message-batch", "runtime_id": runtime_id,
                    "seq_id": seq, "tracer_time": now_s, "application": app, "payload": msgs});
                p.synthetic.push((f.source.clone(), body));
            }
        }
    }
    p
}

/// Applies a plan to one tracer body; returns whether it changed.
pub fn apply(body: &mut Value, env: Option<&str>, extra: &[Value]) -> bool {
    let mut changed = false;
    if let Some(env) = env
        && let Some(app) = body.get_mut("application").and_then(Value::as_object_mut)
    {
        app.insert("env".into(), Value::String(env.to_string()));
        changed = true;
    }
    if !extra.is_empty()
        && let Some(Value::Array(msgs)) = body.get_mut("payload")
    {
        msgs.extend(extra.iter().cloned());
        changed = true;
    }
    changed
}

#[cfg(test)]
mod facts_tests {
    use super::*;
    use serde_json::json;

    fn facts(service: &str, runtime: &str) -> Facts {
        parse_facts(
            &json!({"schema_version": 1, "service_name": service, "runtime_name": runtime, "env": "ci",
                "counts": [{"name": "known_tests.request", "tags": [], "value": 1}],
                "distributions": [{"name": "known_tests.request_ms", "tags": [], "value": 12}]}),
            "f.json",
        )
        .unwrap()
    }

    fn file(key: &str, service: &str, lang: &str, batch: bool) -> TracerFile {
        TracerFile::of(
            key.into(),
            &json!({"request_type": if batch {"message-batch"} else {"app-started"}, "runtime_id": "r", "seq_id": 4,
                "application": {"service_name": service, "language_name": lang}}),
        )
    }

    #[test]
    fn appends_to_the_last_batch_and_forces_env() {
        let files = [
            file("a/1.json", "svc", "python", true),
            file("a/2.json", "svc", "python", true),
            file("a/3.json", "svc", "python", false),
        ];
        let p = plan(&[facts("svc", "python")], &files, 100, "run");
        assert_eq!(p.append.keys().collect::<Vec<_>>(), ["a/2.json"]);
        assert_eq!(p.append["a/2.json"].len(), 2);
        assert_eq!(p.env.len(), 3);
        assert!(p.synthetic.is_empty());
        let mut body = json!({"application": {"env": "x"}, "payload": []});
        assert!(apply(&mut body, Some("ci"), &p.append["a/2.json"]));
        assert_eq!(body["application"]["env"], "ci");
        assert_eq!(
            body["payload"][0]["payload"]["series"][0]["points"],
            json!([[100, 1]])
        );
    }

    #[test]
    fn synthetic_batch_when_no_batch_matches() {
        let p = plan(
            &[facts("svc", "go")],
            &[file("x.json", "svc", "go", false)],
            7,
            "run",
        );
        assert_eq!(p.synthetic.len(), 1);
        assert_eq!(p.synthetic[0].1["seq_id"], 5);
        assert_eq!(p.synthetic[0].1["runtime_id"], "r");
        let p = plan(&[facts("other", "go")], &[], 7, "run");
        assert_eq!(p.synthetic[0].1["runtime_id"], "run");
        assert!(
            p.warnings.is_empty(),
            "no tracer telemetry is not a problem"
        );
        assert!(parse_facts(&json!({"counts": []}), "bad").is_err());
    }

    #[test]
    fn runtime_disambiguates_languages() {
        let files = [
            file("1.json", "svc", "python", true),
            file("2.json", "svc", "go", true),
        ];
        let p = plan(&[facts("svc", "python")], &files, 1, "run");
        assert_eq!(p.append.keys().collect::<Vec<_>>(), ["1.json"]);
    }
}
