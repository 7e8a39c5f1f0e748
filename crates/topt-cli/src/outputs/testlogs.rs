//! Attempts found by walking `bazel-testlogs`: every `test.outputs` directory (plain or holding a
//! Bazel ≤ 7 `outputs.zip`). Directory symlinks are never followed below the root, so symlink
//! loops cannot trap the walk and a link cannot make a directory outside the root an attempt.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use topt_core::payloads::kind::{self, FileClass, Kind, OUTPUTS_ZIP, PAYLOADS_DIR};

use super::attempt::Attempt;
use super::cached;
use super::file::{EntryType, TreeDir};

/// Explicit root (`--testlogs`/`TESTLOGS_DIR`) must be a directory; otherwise try
/// `$BUILD_WORKSPACE_DIRECTORY/bazel-testlogs` then `./bazel-testlogs`. `Ok(None)` = not found.
pub fn resolve_testlogs(explicit: Option<&Path>) -> Result<Option<PathBuf>, String> {
    if let Some(p) = explicit {
        if !p.exists() {
            return Err(format!(
                "TESTLOGS_DIR is set but path does not exist: {}",
                p.display()
            ));
        }
        if !p.is_dir() {
            return Err(format!(
                "TESTLOGS_DIR is set but is not a directory: {}",
                p.display()
            ));
        }
        return std::fs::canonicalize(p)
            .map(Some)
            .map_err(|e| format!("cannot resolve {}: {e}", p.display()));
    }
    let mut candidates = Vec::new();
    if let Some(ws) = std::env::var_os("BUILD_WORKSPACE_DIRECTORY").filter(|v| !v.is_empty()) {
        candidates.push(PathBuf::from(ws).join("bazel-testlogs"));
    }
    candidates.push(PathBuf::from("bazel-testlogs"));
    Ok(candidates
        .into_iter()
        .find(|c| c.is_dir())
        .and_then(|c| std::fs::canonicalize(c).ok()))
}

/// Every `test.outputs` directory under `root` (sorted); `max_depth` 0 = unlimited, like `find -maxdepth`.
pub fn find_outputs(
    root: &Path,
    max_depth: usize,
    invocation_start: Option<SystemTime>,
    warnings: &mut Vec<String>,
) -> Vec<Attempt> {
    let mut out = Vec::new();
    walk(root, root, 1, max_depth, &mut out, warnings);
    for a in &mut out {
        a.cached = cached::evidence(&a.dir, invocation_start);
    }
    out.sort_by(|a, b| {
        a.dir
            .as_os_str()
            .as_encoded_bytes()
            .cmp(b.dir.as_os_str().as_encoded_bytes())
    });
    out
}

fn walk(
    root: &Path,
    dir: &Path,
    depth: usize,
    max: usize,
    out: &mut Vec<Attempt>,
    warnings: &mut Vec<String>,
) {
    if max > 0 && depth > max {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            warnings.push(format!("cannot read directory {}: {e}", dir.display()));
            return;
        }
    };
    for e in entries.flatten() {
        let Ok(ft) = e.file_type() else { continue };
        if !ft.is_dir() {
            continue; // symlinks included: never followed
        }
        let path = e.path();
        if e.file_name() == "test.outputs" {
            // Any entry called outputs.zip counts (a link or FIFO is then reported, not skipped).
            let zip = path.join(OUTPUTS_ZIP);
            out.push(Attempt {
                label: label_for(root, &path),
                zip: zip
                    .symlink_metadata()
                    .is_ok_and(|m| !m.is_dir())
                    .then_some(zip),
                dir: path,
                cached: None,
                bep: None,
            });
        } else {
            walk(root, &path, depth + 1, max, out, warnings);
        }
    }
}

/// `<root>/a/b/name[/shard_1_of_2]/test.outputs` → `//a/b:name (shard_1_of_2)`.
pub fn label_for(root: &Path, outputs: &Path) -> String {
    let rel = outputs
        .parent()
        .and_then(|p| p.strip_prefix(root).ok())
        .unwrap_or(Path::new(""));
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let suffix = match parts.last() {
        Some(l) if (l.starts_with("shard_") || l.starts_with("run_")) && l.contains("_of_") => {
            parts.pop()
        }
        _ => None,
    };
    let name = parts.pop().unwrap_or_default();
    let label = format!("//{}:{name}", parts.join("/"));
    match suffix {
        Some(s) => format!("{label} ({s})"),
        None => label,
    }
}

/// Quiescence input: number of payload files (recursive, like the reference) plus zips, and the
/// newest modification time among them (looked up only with `times`: a stat per file).
pub fn activity(dirs: &[Attempt], times: bool) -> (usize, Option<SystemTime>) {
    let mut n = 0;
    let mut newest: Option<SystemTime> = None;
    let mut see = |t: Option<SystemTime>| {
        n += 1;
        if let Some(t) = t {
            newest = Some(newest.map_or(t, |m| m.max(t)));
        }
    };
    for d in dirs {
        // Through TreeDirs like every read: a linked payloads directory is not activity.
        let Ok(root) = TreeDir::open(&d.dir) else {
            continue;
        };
        if d.zip.is_some() {
            see(times.then(|| root.modified(OUTPUTS_ZIP).ok()).flatten());
        }
        for kind in Kind::ALL {
            if let Ok(k) = root.dirs(PAYLOADS_DIR, &[kind.dir_name()]) {
                count_rec(&k, 0, times, &mut see);
            }
        }
    }
    (n, newest)
}

fn count_rec(dir: &TreeDir, depth: usize, times: bool, see: &mut dyn FnMut(Option<SystemTime>)) {
    if depth > 16 {
        return;
    }
    let Ok(entries) = dir.entries() else {
        return;
    };
    for (name, t) in entries {
        if t == EntryType::Dir {
            if let Ok(sub) = dir.dir(&name) {
                count_rec(&sub, depth + 1, times, see);
            }
        } else if matches!(
            kind::classify(&name.to_string_lossy()),
            FileClass::Json | FileClass::Msgpack
        ) {
            see(times.then(|| dir.modified(&name).ok()).flatten());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        let r = Path::new("/t");
        assert_eq!(
            label_for(r, Path::new("/t/a/b/name/test.outputs")),
            "//a/b:name"
        );
        assert_eq!(label_for(r, Path::new("/t/name/test.outputs")), "//:name");
        assert_eq!(
            label_for(r, Path::new("/t/a/n/shard_1_of_2/test.outputs")),
            "//a:n (shard_1_of_2)"
        );
    }
}
