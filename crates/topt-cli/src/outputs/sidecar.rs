//! `bazel_target_metadata.json`, the sidecar the wrapper launcher copies to the outputs root.

use serde_json::{Map, Value};
use topt_core::payloads::schema;

/// Parses sidecar bytes: a JSON object, else an error saying why.
pub fn parse(bytes: &[u8]) -> Result<Map<String, Value>, String> {
    match schema::parse_json(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err("bazel_target_metadata.json is not a JSON object".into()),
        Err(e) => Err(format!("invalid JSON in bazel_target_metadata.json: {e}")),
    }
}

/// The sidecar's non-empty `bazel.target`: the label a directory is reported under.
pub fn target(m: &Map<String, Value>) -> Option<&str> {
    m.get("bazel.target")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}
