//! Bazel's Build Event Protocol, as written by `--build_event_json_file`: the exact list of test
//! attempts of one invocation, whether each came from a cache, and where its outputs are.
//!
//! The file is newline-delimited JSON, one build event a line (proto3 JSON: lowerCamelCase names,
//! default values omitted, 64-bit integers as strings). Read are `testResult` and `testSummary`
//! events (and the `aborted` form of a test result), and what says where the invocation ran:
//! `configuration` (the `bazel-out/<mnemonic>` of each configuration), `optionsParsed` (the output
//! base, the remote cache Bazel used), `workspaceInfo` (the exec root) and `started` (the
//! invocation id, the workspace); every other event is skipped.
//! The file is streamed with a bounded line buffer, so its size does not matter; a torn last line
//! (Bazel killed mid-write) is reported, not fatal; a malformed line in the middle is counted.
//!
//! `--build_event_binary_file` (length-delimited protobuf) is not read: the `build_event_stream`
//! protobuf types do not come with the Remote API bindings the remote module uses, and the JSON
//! file carries the same events.

mod event;
mod layout;
mod lines;
pub mod resolve;
mod uri;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

pub use uri::{ByteStreamUri, Location};

/// One attempt of one test: a target, or one run / shard of it, and one (flaky) retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestAttempt {
    /// `//pkg:name` (or `@repo//pkg:name`), as Bazel names it.
    pub label: String,
    /// The configuration's id (a hash); the same label may be tested in several configurations.
    pub configuration: Option<String>,
    /// 1-based, as in Bazel (`--runs_per_test`); 0 when the event does not say.
    pub run: u32,
    /// 1-based (`shard_count`); 0 when the event does not say.
    pub shard: u32,
    /// 1-based (`--flaky_test_attempts`, `flaky = True`); 0 when the event does not say.
    pub attempt: u32,
    pub status: TestStatus,
    pub cached: Cached,
    /// `executionInfo.strategy` (`linux-sandbox`, `remote`, `remote cache hit`, …).
    pub strategy: Option<String>,
    /// `testActionOutput`, in Bazel's order.
    pub outputs: Vec<OutputRef>,
}

/// Where an attempt's result came from. A cached attempt's payloads were sent by the run that
/// executed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cached {
    /// Executed by this invocation (locally or remotely).
    No,
    /// `testResult.cachedLocally`: Bazel's local action cache.
    Locally,
    /// `testResult.executionInfo.cachedRemotely` (or strategy `remote cache hit`): the remote cache.
    Remotely,
}

/// Bazel's `TestStatus`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestStatus {
    NoStatus,
    Passed,
    Flaky,
    Timeout,
    Failed,
    Incomplete,
    RemoteFailure,
    FailedToBuild,
    ToolHaltedBeforeTesting,
    /// The `aborted` form of a test result event (e.g. Bazel interrupted): its reason.
    Aborted(String),
    /// A status this reader does not know (a newer Bazel).
    Other(String),
}

/// One named output of an attempt (`testActionOutput`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputRef {
    /// Bazel's name for it: `test.log`, `test.outputs__outputs.zip`, `test.outputs/<path>`, …
    pub name: String,
    pub location: Location,
}

/// What an output is, by its BEP name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputKind<'a> {
    /// `test.outputs__outputs.zip`: the zipped undeclared outputs (Bazel ≤ 7's default).
    UndeclaredOutputsZip,
    /// `test.outputs/<path>`: one undeclared output, not zipped (`--nozip_undeclared_test_outputs`).
    UndeclaredOutput(&'a str),
    /// `test.log`.
    Log,
    /// `test.xml`.
    Xml,
    /// `test.outputs_manifest__MANIFEST`, `…__ANNOTATIONS` and anything else.
    Other,
}

impl OutputRef {
    pub fn kind(&self) -> OutputKind<'_> {
        match self.name.as_str() {
            "test.outputs__outputs.zip" => OutputKind::UndeclaredOutputsZip,
            "test.log" => OutputKind::Log,
            "test.xml" => OutputKind::Xml,
            n => match n.strip_prefix("test.outputs/") {
                Some(rest) if !rest.is_empty() => OutputKind::UndeclaredOutput(rest),
                _ => OutputKind::Other,
            },
        }
    }
}

impl TestAttempt {
    /// The outputs that hold undeclared test outputs (the zip, or each unzipped file).
    pub fn undeclared_outputs(&self) -> impl Iterator<Item = &OutputRef> {
        self.outputs.iter().filter(|o| {
            matches!(
                o.kind(),
                OutputKind::UndeclaredOutputsZip | OutputKind::UndeclaredOutput(_)
            )
        })
    }
}

/// `testSummary` of one target (all its runs, shards and attempts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestSummary {
    pub label: String,
    pub configuration: Option<String>,
    pub overall_status: TestStatus,
    /// `runCount` (`--runs_per_test`), 0 when absent.
    pub run_count: u32,
    /// `shardCount`, 0 when absent (Bazel omits it for unsharded tests).
    pub shard_count: u32,
    /// `totalRunCount`: runs × shards × attempts that ran.
    pub total_run_count: u32,
}

/// What one BEP file says about the tests of its invocation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Invocation {
    /// Every test attempt, in the order of the file.
    pub attempts: Vec<TestAttempt>,
    pub summaries: Vec<TestSummary>,
    /// The last event had `lastMessage: true`: Bazel finished writing the stream.
    pub complete: bool,
    /// The last line was cut short (no newline, not valid JSON): Bazel stopped mid-write.
    pub torn_tail: bool,
    /// 1-based numbers of lines that are not valid build events (at most [`MAX_REPORTED_LINES`]).
    pub malformed_lines: Vec<u64>,
    /// How many lines were malformed in all.
    pub malformed_count: u64,
    /// 1-based numbers of lines longer than the line limit, skipped unread.
    pub oversized_lines: Vec<u64>,
    /// Test result events that repeat an earlier one's id (the first one is kept).
    pub duplicates: u64,
    /// Where the invocation ran, as far as the file says.
    pub info: InvocationInfo,
}

/// Where an invocation ran: what finds an output's local copy and the default ledger.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvocationInfo {
    /// `started.uuid`: the invocation's id (Bazel's `--invocation_id`).
    pub uuid: Option<String>,
    /// `--output_base` of the startup options (Bazel always lists it).
    pub output_base: Option<PathBuf>,
    /// `workspaceInfo.localExecRoot`: `<output_base>/execroot/<workspace name>`.
    pub exec_root: Option<PathBuf>,
    /// `started.workspaceDirectory`.
    pub workspace: Option<PathBuf>,
    /// Configuration id → its `bazel-out/<mnemonic>` name (`k8-fastbuild`).
    pub mnemonics: BTreeMap<String, String>,
    /// The last `--remote_cache` and `--remote_executor` values Bazel used (`.bazelrc` files
    /// included), as written: where its `bytestream://` URIs point, with their scheme.
    pub remotes: Vec<String>,
}

impl InvocationInfo {
    /// The output base: the startup option, else two levels above the exec root.
    pub fn output_base(&self) -> Option<PathBuf> {
        self.output_base.clone().or_else(|| {
            self.exec_root
                .as_deref()
                .and_then(Path::parent)
                .and_then(Path::parent)
                .map(Path::to_path_buf)
        })
    }

    /// `bazel-out/<mnemonic>/testlogs` of a configuration, under the exec root.
    pub fn testlogs(&self, configuration: Option<&str>) -> Option<PathBuf> {
        let mnemonic = self.mnemonics.get(configuration?)?;
        let root = self.exec_root.as_ref()?;
        let safe = !mnemonic.is_empty() && !mnemonic.contains('/') && mnemonic != "..";
        safe.then(|| root.join("bazel-out").join(mnemonic).join("testlogs"))
    }

    fn absorb(&mut self, info: event::Info) {
        match info {
            event::Info::Configuration { id, mnemonic } => {
                self.mnemonics.insert(id, mnemonic);
            }
            event::Info::Options { startup, command } => {
                if let Some(ob) = last_value(&startup, "--output_base") {
                    self.output_base = Some(PathBuf::from(ob));
                }
                self.remotes = ["--remote_cache", "--remote_executor"]
                    .iter()
                    .filter_map(|flag| last_value(&command, flag))
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
                    .collect();
            }
            event::Info::ExecRoot(root) => self.exec_root = Some(PathBuf::from(root)),
            event::Info::Started { uuid, workspace } => {
                self.uuid = uuid;
                self.workspace = workspace.map(PathBuf::from);
            }
        }
    }
}

/// The value of the last `--flag=value` in `args` (Bazel lists options in that form).
fn last_value<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    args.iter()
        .rev()
        .find_map(|a| a.strip_prefix(flag)?.strip_prefix('='))
}

/// How many malformed / oversized line numbers are kept for the report.
pub const MAX_REPORTED_LINES: usize = 20;

/// No single build event this reader needs comes near this; longer lines (e.g. a huge
/// `namedSetOfFiles`) are skipped without being buffered.
pub const DEFAULT_MAX_LINE: usize = 16 << 20;

#[derive(Debug)]
pub enum BepError {
    Io(PathBuf, io::Error),
}

impl std::fmt::Display for BepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BepError::Io(p, e) => {
                write!(f, "cannot read the build event file {}: {e}", p.display())
            }
        }
    }
}

impl std::error::Error for BepError {}

/// Reads a `--build_event_json_file`.
pub fn read(path: &Path) -> Result<Invocation, BepError> {
    let f = File::open(path).map_err(|e| BepError::Io(path.to_path_buf(), e))?;
    parse(BufReader::with_capacity(1 << 16, f), DEFAULT_MAX_LINE)
        .map_err(|e| BepError::Io(path.to_path_buf(), e))
}

/// Parses newline-delimited JSON build events; `max_line` bounds the memory one line may take.
/// Only I/O errors fail; everything wrong with the content is reported in the [`Invocation`].
pub fn parse<R: BufRead>(mut reader: R, max_line: usize) -> io::Result<Invocation> {
    let mut inv = Invocation::default();
    let mut seen: BTreeSet<event::AttemptKey> = BTreeSet::new();
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    loop {
        let line = lines::read_bounded(&mut reader, &mut buf, max_line)?;
        let (terminated, last) = match line {
            lines::Line::Eof => break,
            lines::Line::TooLong => {
                line_no += 1;
                if inv.oversized_lines.len() < MAX_REPORTED_LINES {
                    inv.oversized_lines.push(line_no);
                }
                continue;
            }
            lines::Line::Complete => (true, false),
            lines::Line::Unterminated => (false, true),
        };
        line_no += 1;
        let text = trim_line(&buf);
        if text.is_empty() {
            continue;
        }
        match event::decode(text) {
            Ok(ev) => {
                // Anything after `lastMessage` would contradict it; a later event clears it.
                inv.complete = ev.last_message;
                match ev.body {
                    event::Body::Attempt(key, attempt) => {
                        if !seen.insert(key) {
                            inv.duplicates += 1;
                        } else {
                            inv.attempts.push(attempt);
                        }
                    }
                    event::Body::Summary(s) => inv.summaries.push(s),
                    event::Body::Info(i) => inv.info.absorb(i),
                    event::Body::Other => {}
                }
            }
            Err(_) if last && !terminated => inv.torn_tail = true,
            Err(_) => {
                inv.malformed_count += 1;
                if inv.malformed_lines.len() < MAX_REPORTED_LINES {
                    inv.malformed_lines.push(line_no);
                }
            }
        }
    }
    Ok(inv)
}

/// Without the line ending (`\n` or `\r\n`) and surrounding blanks.
fn trim_line(buf: &[u8]) -> &[u8] {
    let start = buf
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(buf.len());
    let end = buf
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    &buf[start..end.max(start)]
}
