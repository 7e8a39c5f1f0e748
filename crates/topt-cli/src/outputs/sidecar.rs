//! `bazel_target_metadata.json`, the sidecar the wrapper launcher copies to the outputs root.
//! Read by the payload-file rule: absent is fine, anything else that is not a JSON object is a
//! problem for both commands (the uploader then keeps the target's payloads).

use std::path::Path;

use serde_json::{Map, Value};
use topt_core::payloads::kind::SIDECAR;
use topt_core::payloads::schema;

use super::file::{Problem, TreeDir};

/// Parses sidecar bytes: a JSON object, else an error saying why.
pub fn parse(bytes: &[u8]) -> Result<Map<String, Value>, String> {
    match schema::parse_json(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err("bazel_target_metadata.json is not a JSON object".into()),
        Err(e) => Err(format!("invalid JSON in bazel_target_metadata.json: {e}")),
    }
}

/// The sidecar at the root of an attempt's `test.outputs`: `Ok(None)` when there is none.
pub fn read(outputs: &Path, limit: u64) -> Result<Option<Map<String, Value>>, String> {
    let root = match TreeDir::open(outputs) {
        Ok(r) => r,
        Err(Problem::Missing) => return Ok(None),
        Err(p) => return Err(format!("{}: {p}", outputs.display())),
    };
    match root.read(SIDECAR, limit) {
        Ok(b) => parse(&b).map(Some),
        Err(Problem::Missing) => Ok(None),
        Err(p) => Err(format!("{SIDECAR} {p}")),
    }
}

/// The sidecar's non-empty `bazel.target`: the label a directory is reported under.
pub fn target(m: &Map<String, Value>) -> Option<&str> {
    m.get("bazel.target")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}
