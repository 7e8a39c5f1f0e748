//! Loading `context.json` files: `--context [KEY=]PATH`, `--context-manifest` (the Bazel rules'
//! 3-column file) and the `DD_TEST_OPTIMIZATION_CONTEXT_JSON` override. Shared with the doctor.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use topt_core::payloads::context::{self, Context, ContextSet, SINGLE_CONTEXT_KEY};
use topt_core::payloads::schema;

/// Reads one context file as a JSON object.
pub fn read_context(path: &Path) -> Result<Map<String, Value>, String> {
    let bytes =
        std::fs::read(path).map_err(|e| format!("cannot read context {}: {e}", path.display()))?;
    match schema::parse_json(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(format!("context {} is not a JSON object", path.display())),
        Err(e) => Err(format!("invalid JSON in {}: {e}", path.display())),
    }
}

/// `KEY=PATH` or `PATH`. A bare path is keyed by the directory holding `.testoptimization/`
/// (the sync repo's name), else by the single-context fallback key.
pub fn parse_spec(spec: &str) -> (String, PathBuf) {
    if let Some((k, p)) = spec.split_once('=')
        && !k.is_empty()
        && !k.contains('/')
        && !k.contains('\\')
    {
        return (k.to_string(), PathBuf::from(p));
    }
    let path = PathBuf::from(spec);
    let key = path
        .ancestors()
        .find(|a| a.file_name().is_some_and(|n| n == ".testoptimization"))
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| SINGLE_CONTEXT_KEY.to_string());
    (key, path)
}

/// A (key, path, content) triple, with the load error kept for the doctor to report.
#[derive(Debug)]
pub struct Loaded {
    pub key: String,
    pub path: PathBuf,
    pub tags: Result<Map<String, Value>, String>,
}

/// Every configured context, loaded. Errors only for an unreadable manifest.
pub fn load_all(specs: &[String], manifest: Option<&Path>) -> Result<Vec<Loaded>, String> {
    let mut out = Vec::new();
    for s in specs {
        let (key, path) = parse_spec(s);
        let tags = read_context(&path);
        out.push(Loaded { key, path, tags });
    }
    if let Some(m) = manifest {
        // Under `bazel run` the manifest holds short paths: resolve them through runfiles too.
        let runfiles =
            topt_core::runfiles::Runfiles::discover(&topt_core::config::Config::from_env()).ok();
        let text = std::fs::read_to_string(m)
            .map_err(|e| format!("cannot read context manifest {}: {e}", m.display()))?;
        for line in context::parse_manifest(&text)? {
            let base = m.parent().unwrap_or(Path::new("."));
            let mut candidates: Vec<PathBuf> = line
                .paths
                .iter()
                .flat_map(|p| [PathBuf::from(p), base.join(p)])
                .collect();
            candidates.extend(
                line.paths
                    .iter()
                    .filter_map(|p| via_runfiles(p, runfiles.as_ref())),
            );
            let path = candidates
                .iter()
                .find(|p| p.is_file())
                .cloned()
                .unwrap_or_else(|| PathBuf::from(&line.paths[0]));
            let tags = read_context(&path);
            out.push(Loaded {
                key: line.key,
                path,
                tags,
            });
        }
    }
    Ok(out)
}

/// A manifest short path (`../repo/x`, `external/repo/x`, `pkg/x`) resolved through runfiles.
fn via_runfiles(short: &str, rf: Option<&topt_core::runfiles::Runfiles>) -> Option<PathBuf> {
    let rf = rf?;
    let rloc = if let Some(rest) = short.strip_prefix("../") {
        rest.to_string()
    } else if let Some(rest) = short.strip_prefix("external/") {
        rest.to_string()
    } else {
        format!("_main/{short}")
    };
    rf.rlocation(&rloc).ok().filter(|p| p.is_file())
}

/// The uploader's context set: a failed explicit context is an error; a failed override is a
/// warning and falls back (reference behaviour).
pub fn context_set(
    specs: &[String],
    manifest: Option<&Path>,
    warnings: &mut Vec<String>,
) -> Result<ContextSet, String> {
    let mut contexts = Vec::new();
    for l in load_all(specs, manifest)? {
        let tags = l.tags?;
        contexts.push(Context {
            key: l.key,
            source: l.path.display().to_string(),
            tags,
        });
    }
    let override_ctx =
        match std::env::var_os("DD_TEST_OPTIMIZATION_CONTEXT_JSON").filter(|v| !v.is_empty()) {
            Some(p) => match read_context(Path::new(&p)) {
                Ok(tags) => Some(Context {
                    key: "override".into(),
                    source: PathBuf::from(&p).display().to_string(),
                    tags,
                }),
                Err(e) => {
                    warnings.push(format!("DD_TEST_OPTIMIZATION_CONTEXT_JSON ignored: {e}"));
                    None
                }
            },
            None => None,
        };
    Ok(ContextSet::new(override_ctx, contexts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        assert_eq!(
            parse_spec("go=/x/c.json"),
            ("go".into(), PathBuf::from("/x/c.json"))
        );
        assert_eq!(
            parse_spec("/e/data_go/.testoptimization/context.json").0,
            "data_go"
        );
        assert_eq!(parse_spec("/x/c.json").0, SINGLE_CONTEXT_KEY);
    }
}
