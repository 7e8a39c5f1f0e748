//! The payload files of one attempt: `payloads/{tests,coverage,telemetry}/<file>` at depth 1 of
//! its `test.outputs`, listed through [`TreeDir`]s so a linked `payloads` or kind directory is a
//! reported problem, never a way out of the tree.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use topt_core::payloads::kind::{self, Disposition, Kind, PAYLOADS_DIR};

use super::file::{EntryType, Problem, TreeDir};

/// A depth-1 file of `payloads/<kind>/` (of any type: the reader applies the rule).
#[derive(Debug, Clone)]
pub struct Listed {
    pub kind: Kind,
    /// The attempt's `test.outputs`.
    pub root: PathBuf,
    pub name: OsString,
    /// `root/payloads/<kind>/<name>`, for messages.
    pub path: PathBuf,
    pub disposition: Disposition,
}

impl Listed {
    /// Opens the kind directory this file is in, from the attempt's root, following no link.
    pub fn open_dir(&self) -> Result<TreeDir, Problem> {
        TreeDir::open(&self.root)?
            .dirs(PAYLOADS_DIR, &[self.kind.dir_name()])
            .map_err(|(_, p)| p)
    }

    pub fn name_lossy(&self) -> String {
        self.name.to_string_lossy().into_owned()
    }
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

/// Depth-1 payload files of one attempt, in upload order (kind, then C-sorted name), and the
/// directories that could not be listed. Absent directories are simply empty.
pub fn list(outputs: &Path) -> (Vec<Listed>, Vec<Blocked>) {
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
        let mut of_kind: Vec<Listed> = entries
            .into_iter()
            .filter(|(_, t)| *t != EntryType::Dir)
            .filter_map(|(name, _)| {
                let d = kind::disposition(kind, &name.to_string_lossy());
                (d != Disposition::Ignore).then(|| Listed {
                    kind,
                    root: outputs.to_path_buf(),
                    path: dir.path().join(&name),
                    name,
                    disposition: d,
                })
            })
            .collect();
        of_kind.sort_by(|a, b| a.name.as_encoded_bytes().cmp(b.name.as_encoded_bytes()));
        files.extend(of_kind);
    }
    (files, blocked)
}
