//! The payload files of one attempt: `payloads/{tests,coverage,telemetry}/<file>` at depth 1 of
//! its `test.outputs`, listed through [`TreeDir`]s so a linked `payloads` or kind directory is a
//! reported problem, never a way out of the tree.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use topt_core::payloads::kind::{self, Disposition, Kind, PAYLOADS_DIR};

use super::file::{EntryType, Problem, TreeDir};

/// The depth-1 files of one `payloads/<kind>/` directory (of any type: the reader applies the
/// rule), with the directory itself kept open: every later read, rename and delete of these files
/// goes through it, so a run opens each directory once, not once per file.
#[derive(Debug)]
pub struct KindDir {
    pub kind: Kind,
    pub dir: TreeDir,
    /// C-sorted, each with its type as listed; names that are not payloads (temp files, claims)
    /// are left out.
    pub names: Vec<(OsString, EntryType)>,
}

/// A directory on the way to payloads that breaks the rule (a link, a file, unreadable).
#[derive(Debug)]
pub struct Blocked {
    pub kind: Kind,
    /// Relative to `test.outputs`: `payloads` or `payloads/tests`.
    pub rel: String,
    pub path: PathBuf,
    pub problem: Problem,
}

/// The kind directories of one attempt in upload order (tests, coverage, telemetry), and the
/// directories that could not be listed. Absent directories are simply empty.
pub fn list(outputs: &Path) -> (Vec<KindDir>, Vec<Blocked>) {
    let (mut files, mut blocked) = (Vec::new(), Vec::<Blocked>::new());
    let root = match TreeDir::open(outputs) {
        Ok(r) => r,
        Err(Problem::Missing) => return (files, blocked),
        Err(problem) => {
            blocked.push(Blocked {
                kind: Kind::Tests,
                rel: ".".into(),
                path: outputs.to_path_buf(),
                problem,
            });
            return (files, blocked);
        }
    };
    for kind in Kind::ALL {
        let dir = match root.dirs(PAYLOADS_DIR, &[kind.dir_name()]) {
            Ok(d) => d,
            Err((_, Problem::Missing)) => continue,
            Err((rel, problem)) => {
                if !blocked.iter().any(|b| b.rel == rel) {
                    blocked.push(Blocked {
                        kind,
                        path: outputs.join(&rel),
                        rel,
                        problem,
                    });
                }
                continue;
            }
        };
        let entries = match dir.entries() {
            Ok(e) => e,
            Err(e) => {
                let rel = format!("{PAYLOADS_DIR}/{}", kind.dir_name());
                blocked.push(Blocked {
                    kind,
                    path: outputs.join(&rel),
                    rel,
                    problem: Problem::Io(e),
                });
                continue;
            }
        };
        let mut names: Vec<(OsString, EntryType)> = entries
            .into_iter()
            .filter(|(name, t)| {
                *t != EntryType::Dir
                    && kind::disposition(kind, &name.to_string_lossy()) != Disposition::Ignore
            })
            .collect();
        names.sort_by(|a, b| a.0.as_encoded_bytes().cmp(b.0.as_encoded_bytes()));
        files.push(KindDir { kind, dir, names });
    }
    (files, blocked)
}
