//! Doctor settings: defaults of the reference rule, its `--config` JSON file, then flags.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use topt_core::payloads::schema;
use topt_core::payloads::selection::Policy;

use crate::outputs::file::DEFAULT_MAX_BYTES;

#[derive(Debug, Clone)]
pub struct Config {
    pub expected_targets: Vec<String>,
    pub require_git_metadata: bool,
    pub require_bazel_metadata: bool,
    pub require_json_payloads: bool,
    pub forbid_msgpack_payloads: bool,
    pub forbid_dd_git_test_env: bool,
    pub policy: Policy,
    pub context_manifest: Option<PathBuf>,
    /// Bound on every file read (the uploader's `--max-payload-mb`).
    pub max_bytes: u64,
    /// Start of the `bazel test` invocation, when known: older results came from a cache.
    pub invocation_start: Option<std::time::SystemTime>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            expected_targets: Vec::new(),
            require_git_metadata: true,
            require_bazel_metadata: true,
            require_json_payloads: true,
            forbid_msgpack_payloads: true,
            forbid_dd_git_test_env: true,
            policy: Policy {
                forbid_full_bundle_no_match: true,
                ..Policy::default()
            },
            context_manifest: None,
            max_bytes: DEFAULT_MAX_BYTES,
            invocation_start: None,
        }
    }
}

/// Reads the reference's doctor config file (same keys; unknown keys ignored).
pub fn load_file(path: &Path, cfg: &mut Config) -> Result<(), String> {
    let bytes =
        std::fs::read(path).map_err(|_| format!("missing JSON file: {}", path.display()))?;
    let v = schema::parse_json(&bytes)
        .map_err(|e| format!("invalid JSON in {}: {e}", path.display()))?;
    let Some(m) = v.as_object() else {
        return Err(format!(
            "invalid JSON in {}: expected an object",
            path.display()
        ));
    };
    let flag = |k: &str, d: bool| m.get(k).and_then(Value::as_bool).unwrap_or(d);
    let strings = |k: &str| -> Vec<String> {
        m.get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    cfg.expected_targets = strings("expected_targets");
    cfg.require_git_metadata = flag("require_git_metadata", cfg.require_git_metadata);
    cfg.require_bazel_metadata = flag("require_bazel_metadata", cfg.require_bazel_metadata);
    cfg.require_json_payloads = flag("require_json_payloads", cfg.require_json_payloads);
    cfg.forbid_msgpack_payloads = flag("forbid_msgpack_payloads", cfg.forbid_msgpack_payloads);
    cfg.forbid_dd_git_test_env = flag("forbid_dd_git_test_env", cfg.forbid_dd_git_test_env);
    cfg.policy.forbid_full_bundle_no_match = flag(
        "forbid_full_bundle_no_match",
        cfg.policy.forbid_full_bundle_no_match,
    );
    cfg.policy.allowed = strings("allowed_payload_selections");
    if let Some(map) = m
        .get("expected_payload_selection_by_target")
        .and_then(Value::as_object)
    {
        cfg.policy.expected_by_target = map
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect::<BTreeMap<_, _>>();
    }
    if let Some(p) = m
        .get("context_manifest_path")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        let base = path.parent().unwrap_or(Path::new("."));
        let p = PathBuf::from(p);
        cfg.context_manifest = Some(if p.is_file() { p } else { base.join(p) });
    }
    Ok(())
}
