//! In-flight rewrite of tracer telemetry (reference §3.11): `provider:bazel` metric tags become
//! `provider:bazel/<ci provider>` when the context knows the CI provider.

use serde_json::Value;

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
