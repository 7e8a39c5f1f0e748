//! Finding the CODEOWNERS file: `DD_TEST_OPTIMIZATION_CODEOWNERS_FILE`, else the usual locations
//! (`CODEOWNERS`, `.github/`, `.gitlab/`, `docs/`, `.docs/`) under the primary context's
//! `ci.workspace_path`, then under the workspace root, then the current directory (docs/upload.md).

use std::path::{Path, PathBuf};

use topt_core::payloads::codeowners::Codeowners;

const CANDIDATES: [&str; 5] = [
    "CODEOWNERS",
    ".github/CODEOWNERS",
    ".gitlab/CODEOWNERS",
    "docs/CODEOWNERS",
    ".docs/CODEOWNERS",
];

/// `DD_TEST_OPTIMIZATION_CODEOWNERS_FILE`, else the usual places under the context's
/// `ci.workspace_path`, then under the workspace root, then `./CODEOWNERS`.
pub fn find(ci_workspace: Option<&str>, workspace_root: &Path) -> Option<(PathBuf, Codeowners)> {
    let explicit = std::env::var_os("DD_TEST_OPTIMIZATION_CODEOWNERS_FILE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let mut tries: Vec<PathBuf> = explicit.into_iter().collect();
    for base in ci_workspace
        .map(PathBuf::from)
        .into_iter()
        .chain([workspace_root.to_path_buf()])
    {
        tries.extend(CANDIDATES.iter().map(|c| base.join(c)));
    }
    tries.push(PathBuf::from("CODEOWNERS"));
    tries.into_iter().find_map(|p| {
        let text = std::fs::read_to_string(&p).ok()?;
        let c = Codeowners::parse(&text);
        (!c.is_empty()).then_some((p, c))
    })
}

/// `BUILD_WORKSPACE_DIRECTORY`, else the directory holding the `bazel-testlogs` given, else cwd.
pub fn workspace_root(testlogs_arg: Option<&Path>) -> PathBuf {
    if let Some(ws) = std::env::var_os("BUILD_WORKSPACE_DIRECTORY").filter(|v| !v.is_empty()) {
        return PathBuf::from(ws);
    }
    if let Some(t) = testlogs_arg.filter(|t| t.file_name().is_some_and(|n| n == "bazel-testlogs"))
        && let Some(parent) = t.parent()
    {
        return if parent.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            parent.to_path_buf()
        };
    }
    PathBuf::from(".")
}
