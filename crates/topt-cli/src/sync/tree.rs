//! The `<out_dir>` tree: manifest, context, telemetry facts, the `cache/http` files and the
//! per-module splits (spec §1.1–§1.7).
//!
//! One deliberate difference from the reference: every per-module file, real split or filler
//! stub, lives at `<out_dir>/cache/http/module_<label>/<file>.json` (the reference puts stubs in
//! `<out_dir>/module_<label>/`), and every module gets all three files including
//! `flaky_tests.json`.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde_json::Value;
use topt_core::bundle::{self, BundleKind};
use topt_core::labels;

/// What the backend gave for one bundle.
#[derive(Debug)]
pub enum Bundle {
    /// The response as received (written verbatim) and its decoded form (split per module).
    Fetched { raw: Vec<u8>, parsed: Value },
    /// Feature off, or the request failed under `--on-error=stub`.
    Stub,
}

/// Everything `write_tree` writes, already computed.
#[derive(Debug)]
pub struct TreeInput {
    /// Normalised `out_dir` (see `inputs::normalize_out_dir`).
    pub out_dir: String,
    pub settings: Value,
    pub context: Value,
    pub telemetry: Value,
    pub known_tests: Bundle,
    pub test_management: Bundle,
    pub flaky_tests: Bundle,
}

/// What was written: the module label map (original name → label, sorted by name) and the
/// number of files.
#[derive(Debug)]
pub struct TreeSummary {
    pub labels: Vec<(String, String)>,
    pub files: usize,
}

impl TreeSummary {
    /// Sorted labels, for `export.bzl` and `BUILD`.
    pub fn sorted_labels(&self) -> Vec<String> {
        let mut labels: Vec<String> = self.labels.iter().map(|(_, l)| l.clone()).collect();
        labels.sort();
        labels
    }
}

/// Path of a per-module file, relative to the sync repository root.
pub fn module_file(out_dir: &str, label: &str, kind: BundleKind) -> String {
    format!("{out_dir}/cache/http/module_{label}/{}", kind.file_name())
}

/// Writes the whole `<out_dir>` tree under `root` and returns the label map.
pub fn write_tree(root: &Path, input: TreeInput) -> io::Result<TreeSummary> {
    let out = root.join(&input.out_dir);
    let http = out.join("cache").join("http");
    fs::create_dir_all(&http)?;
    remove_stale_module_dirs(&out)?;
    remove_stale_module_dirs(&http)?;

    write_atomic(&out.join("manifest.txt"), b"version=1\n")?;
    write_generated(&out.join("context.json"), &input.context)?;
    write_generated(&out.join("telemetry_facts.json"), &input.telemetry)?;
    write_generated(&http.join("settings.json"), &input.settings)?;
    let mut files = 4;

    let bundles = [
        (BundleKind::KnownTests, input.known_tests),
        (BundleKind::TestManagement, input.test_management),
        (BundleKind::FlakyTests, input.flaky_tests),
    ];
    let mut parsed = Vec::new();
    let mut module_lists: Vec<Vec<String>> = Vec::new();
    for (kind, bundle) in bundles {
        let path = http.join(kind.file_name());
        files += 1;
        match bundle {
            Bundle::Fetched { raw, parsed: value } => {
                write_atomic(&path, &raw)?;
                drop(raw);
                module_lists.push(bundle::modules(kind, &value));
                parsed.push((kind, Some(value)));
            }
            Bundle::Stub => {
                write_atomic(&path, kind.stub().as_bytes())?;
                module_lists.push(Vec::new());
                parsed.push((kind, None));
            }
        }
    }

    let sources: Vec<&[String]> = module_lists.iter().map(Vec::as_slice).collect();
    let label_map = labels::label_map(&sources);
    let by_module: HashMap<&str, &str> = label_map
        .iter()
        .map(|(m, l)| (m.as_str(), l.as_str()))
        .collect();
    for (_, label) in &label_map {
        fs::create_dir_all(http.join(format!("module_{label}")))?;
    }

    let jobs = split_jobs(&http, parsed, &by_module, &label_map);
    files += jobs.len();
    write_jobs(jobs)?;
    Ok(TreeSummary {
        labels: label_map,
        files,
    })
}

/// One per-module file to write: a module's narrowed response, or a stub.
type Job = (PathBuf, Result<Value, &'static str>);

/// Every per-module file of every kind: the module's narrowed response, or the stub for labels
/// this kind does not know.
fn split_jobs(
    http: &Path,
    parsed: Vec<(BundleKind, Option<Value>)>,
    by_module: &HashMap<&str, &str>,
    label_map: &[(String, String)],
) -> Vec<Job> {
    let mut jobs = Vec::with_capacity(label_map.len() * 3);
    for (kind, value) in parsed {
        let mut done = HashSet::new();
        let path = |label: &str| http.join(format!("module_{label}")).join(kind.file_name());
        for (module, narrowed) in value.map(|v| bundle::split(kind, v)).unwrap_or_default() {
            if let Some(label) = by_module.get(module.as_str()) {
                jobs.push((path(label), Ok(narrowed)));
                done.insert(*label);
            }
        }
        for (_, label) in label_map {
            if !done.contains(label.as_str()) {
                jobs.push((path(label), Err(kind.stub())));
            }
        }
    }
    jobs
}

/// Serialises and writes the jobs on a few threads: the work is part CPU (encoding), part
/// file-system latency. Module directories were created fresh by this sync, so these files are
/// written directly rather than through a temporary file.
fn write_jobs(jobs: Vec<Job>) -> io::Result<()> {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get() * 2)
        .clamp(2, 8);
    let mut groups: Vec<Vec<Job>> = (0..workers).map(|_| Vec::new()).collect();
    for (i, job) in jobs.into_iter().enumerate() {
        if let Some(group) = groups.get_mut(i % workers) {
            group.push(job);
        }
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = groups
            .into_iter()
            .map(|group| {
                scope.spawn(move || -> io::Result<()> {
                    for (path, content) in group {
                        match content {
                            Ok(value) => fs::write(&path, generated_bytes(&value)?)?,
                            Err(stub) => fs::write(&path, stub)?,
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        handles.into_iter().try_for_each(|h| {
            h.join()
                .unwrap_or_else(|_| Err(io::Error::other("a writer thread panicked")))
        })
    })
}

/// Removes `module_*` directories left by an earlier sync into the same directory, so a module
/// that disappeared from the backend cannot be read from a stale file.
fn remove_stale_module_dirs(dir: &Path) -> io::Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let is_module = entry.file_name().to_string_lossy().starts_with("module_");
        if is_module && entry.file_type()?.is_dir() {
            fs::remove_dir_all(entry.path())?;
        }
    }
    Ok(())
}

/// Generated JSON: compact, keys sorted, one trailing newline (spec §0.1). Same bytes as
/// `bundle::to_generated_json`, serialised straight into bytes (about twice as fast on the
/// large test-management splits).
pub fn write_generated(path: &Path, value: &Value) -> io::Result<()> {
    write_atomic(path, &generated_bytes(value)?)
}

fn generated_bytes(value: &Value) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(4096);
    serde_json::to_writer(&mut bytes, value)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Writes through a dot-prefixed temporary file and a rename, so a reader never sees half a
/// file. Creates the parent directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp: PathBuf = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = fs::write(&tmp, bytes).and_then(|()| fs::rename(&tmp, path));
    if let Err(e) = result {
        if e.kind() == io::ErrorKind::NotFound && !dir.exists() {
            fs::create_dir_all(dir)?;
            fs::write(&tmp, bytes)?;
            return fs::rename(&tmp, path);
        }
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn generated_bytes_match_the_core_encoder() {
        let dir = tempfile::tempdir().map_err(|e| e.to_string());
        let Ok(dir) = dir else { return };
        let value =
            json!({"b": "café \"q\" \u{1}", "a": [1, 2.5, null], "c": {"z": true, "y": {}}});
        let path = dir.path().join("x.json");
        assert!(write_generated(&path, &value).is_ok());
        let written = fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(written, bundle::to_generated_json(&value));
        assert_eq!(
            written,
            "{\"a\":[1,2.5,null],\"b\":\"café \\\"q\\\" \\u0001\",\"c\":{\"y\":{},\"z\":true}}\n"
        );
    }

    #[test]
    fn stale_module_dirs_are_replaced() {
        let dir = tempfile::tempdir().map_err(|e| e.to_string());
        let Ok(dir) = dir else { return };
        let stale = dir.path().join(".t/cache/http/module_gone");
        assert!(fs::create_dir_all(&stale).is_ok());
        let input = TreeInput {
            out_dir: ".t".into(),
            settings: json!({}),
            context: json!({}),
            telemetry: json!({}),
            known_tests: Bundle::Fetched {
                raw: b"{}".to_vec(),
                parsed: json!({"data": {"attributes": {"tests": {"m": {}}}}}),
            },
            test_management: Bundle::Stub,
            flaky_tests: Bundle::Stub,
        };
        let summary = write_tree(dir.path(), input).map_err(|e| e.to_string());
        assert_eq!(summary.map(|s| s.sorted_labels()), Ok(vec!["m".to_owned()]));
        assert!(!stale.exists());
        let module = dir.path().join(".t/cache/http/module_m");
        assert_eq!(
            fs::read_to_string(module.join("flaky_tests.json")).unwrap_or_default(),
            BundleKind::FlakyTests.stub()
        );
        assert_eq!(
            fs::read_to_string(dir.path().join(".t/cache/http/known_tests.json"))
                .unwrap_or_default(),
            "{}"
        );
    }
}
