//! Test results Bazel served from a cache, told apart without the Build Event Protocol.
//!
//! A cached result (`(cached) PASSED`) leaves `bazel-testlogs` as the run that executed the test
//! left it — and that run's `topt upload` deleted what it sent. Two signals are sound:
//!
//! * **The upload marker.** After deleting accepted payloads of an attempt, `topt upload` writes
//!   `test.outputs/.topt-uploaded`. When Bazel executes a test again it recreates `test.outputs`,
//!   so the marker survives only as long as the results it describes: present ⇔ these outputs
//!   were already uploaded and the test has not run since.
//! * **The invocation's start** (`--invocation-start`, which `topt ci` passes): Bazel writes an
//!   executed test's `test.log` / `test.xml` when the test ends, so results older than the start
//!   (less a slack for coarse file-system clocks) were not produced by this invocation. A result
//!   downloaded from a remote cache is new by this measure and is treated as executed.
//!
//! What no signal here can tell: a remote cache hit whose outputs were downloaded (its payloads
//! look new and are sent again: at-least-once), and a test that did not write even its
//! `test.outputs` while running in this invocation (judged as before: "nothing found").

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::file::{EntryType, TreeDir};

/// Written in an attempt's `test.outputs` once `topt upload` deleted payloads it sent from it.
pub const MARKER: &str = ".topt-uploaded";

/// Results this close to (or after) the start count as produced by the invocation.
const SLACK: Duration = Duration::from_secs(2);

/// Why an attempt's missing payloads are not a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cached {
    /// `topt upload` already sent (and deleted) its payloads; Bazel has not re-run it since.
    Uploaded,
    /// Its `test.log` / `test.xml` predate the invocation: not run by it.
    BeforeInvocation,
    /// The Build Event Protocol says Bazel's local action cache served it.
    Locally,
    /// The Build Event Protocol says the remote cache served it.
    Remotely,
}

impl Cached {
    pub fn describe(self) -> &'static str {
        match self {
            Cached::Uploaded => {
                "cached result: its payloads were already sent by the run that executed it (topt upload's marker is there)"
            }
            Cached::BeforeInvocation => {
                "cached result: its test.log predates this invocation, so its payloads belong to the run that executed it"
            }
            Cached::Locally => {
                "cached (locally, says the BEP): its payloads were sent by the run that executed it"
            }
            Cached::Remotely => {
                "cached (remotely, says the BEP): its payloads were sent by the run that executed it"
            }
        }
    }
}

/// The cache evidence for one attempt (`…/test.outputs`).
pub fn evidence(attempt_dir: &Path, invocation_start: Option<SystemTime>) -> Option<Cached> {
    if has_marker(attempt_dir) {
        return Some(Cached::Uploaded);
    }
    let start = invocation_start?;
    let written = attempt_dir.parent().and_then(result_time)?;
    (written + SLACK < start).then_some(Cached::BeforeInvocation)
}

/// Whether `topt upload` left its marker in this `test.outputs` (it sent payloads from it).
pub fn has_marker(attempt_dir: &Path) -> bool {
    TreeDir::open(attempt_dir).is_ok_and(|d| d.entry_type(MARKER).is_ok())
}

/// When Bazel last wrote the result in `dir`: the newest of its `test.log` and `test.xml`.
fn result_time(dir: &Path) -> Option<SystemTime> {
    let d = TreeDir::open(dir).ok()?;
    ["test.log", "test.xml"]
        .iter()
        .filter_map(|n| d.modified(n).ok())
        .max()
}

/// Records that payloads of this attempt were sent and deleted (best effort: without it the
/// doctor only loses the ability to excuse a later cached result).
pub fn mark_uploaded(attempt_dir: &Path, uploaded: u64) {
    let Ok(d) = TreeDir::open(attempt_dir) else {
        return;
    };
    let body = format!(
        "{{\"uploaded\":{uploaded},\"unix_time\":{},\"by\":\"topt {}\"}}\n",
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|t| t.as_secs())
            .unwrap_or(0),
        env!("CARGO_PKG_VERSION")
    );
    // An existing marker (an earlier upload of the same results) already says it all.
    let _ = d.create_new(MARKER, body.as_bytes());
}

/// One test result under `bazel-testlogs`: a directory holding `test.log` or `test.xml`.
#[derive(Debug, Clone)]
pub struct TestResult {
    pub dir: PathBuf,
    pub cached: Option<Cached>,
}

/// Every test result under `root` (directory links are not followed), with its cache evidence.
pub fn results(root: &Path, invocation_start: Option<SystemTime>) -> Vec<TestResult> {
    let mut out = Vec::new();
    let Ok(d) = TreeDir::open(root) else {
        return out;
    };
    walk(&d, 0, invocation_start, &mut out);
    out
}

fn walk(d: &TreeDir, depth: usize, start: Option<SystemTime>, out: &mut Vec<TestResult>) {
    if depth > 32 {
        return;
    }
    let Ok(entries) = d.entries() else {
        return;
    };
    if entries
        .iter()
        .any(|(n, _)| n == "test.log" || n == "test.xml")
    {
        out.push(TestResult {
            dir: d.path().to_path_buf(),
            cached: evidence(&d.path().join("test.outputs"), start),
        });
    }
    for (name, t) in entries {
        if t == EntryType::Dir
            && name != "test.outputs"
            && let Ok(sub) = d.dir(&name)
        {
            walk(&sub, depth + 1, start, out);
        }
    }
}

/// `--invocation-start` as a time: Unix seconds, fractions allowed.
pub fn parse_start(s: &str) -> Result<SystemTime, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("--invocation-start needs Unix seconds, got {s:?}"))?;
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!("--invocation-start needs Unix seconds, got {s:?}"));
    }
    Ok(SystemTime::UNIX_EPOCH + Duration::from_secs_f64(secs))
}
