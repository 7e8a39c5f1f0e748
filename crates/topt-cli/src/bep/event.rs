//! The few build events the reader needs, as serde types. proto3 JSON spells fields in
//! lowerCamelCase (what Bazel writes) but parsers must accept the proto names too, so each field
//! also takes its snake_case alias; unknown fields and events are skipped. Integers are accepted
//! as numbers or strings, enums as names or numbers, as proto3 JSON allows.

use serde::Deserialize;
use serde::de::{self, Deserializer};

use super::uri::Location;
use super::{Cached, OutputRef, TestAttempt, TestStatus, TestSummary};

/// What a line held.
#[derive(Debug)]
pub struct Decoded {
    pub last_message: bool,
    pub body: Body,
}

#[derive(Debug)]
pub enum Body {
    Attempt(AttemptKey, TestAttempt),
    Summary(TestSummary),
    Info(Info),
    Other,
}

/// What the other events say about where the invocation ran.
#[derive(Debug)]
pub enum Info {
    /// `configuration`: its id and its `bazel-out/<mnemonic>` directory name.
    Configuration { id: String, mnemonic: String },
    /// `optionsParsed`: the startup and command options Bazel used (`.bazelrc` files included).
    Options {
        startup: Vec<String>,
        command: Vec<String>,
    },
    /// `workspaceInfo.localExecRoot`.
    ExecRoot(String),
    /// `started`: the invocation's id and workspace directory.
    Started {
        uuid: Option<String>,
        workspace: Option<String>,
    },
}

/// The identity of a test result event.
pub type AttemptKey = (String, Option<String>, u32, u32, u32);

pub fn decode(line: &[u8]) -> Result<Decoded, serde_json::Error> {
    let raw: RawEvent = serde_json::from_slice(line)?;
    let id = raw.id.unwrap_or_default();
    let body = if let Some(rid) = id.test_result {
        let configuration = rid.configuration.and_then(|c| c.id);
        let key = (
            rid.label.clone(),
            configuration.clone(),
            rid.run,
            rid.shard,
            rid.attempt,
        );
        let mut attempt = TestAttempt {
            label: rid.label,
            configuration,
            run: rid.run,
            shard: rid.shard,
            attempt: rid.attempt,
            status: TestStatus::NoStatus,
            cached: Cached::No,
            strategy: None,
            outputs: Vec::new(),
        };
        if let Some(r) = raw.test_result {
            let info = r.execution_info.unwrap_or_default();
            // Bazel 4.2.3 and later set `cachedRemotely`; the strategy name says the same.
            let remote_hit =
                info.cached_remotely || info.strategy.as_deref() == Some("remote cache hit");
            attempt.cached = if r.cached_locally {
                Cached::Locally
            } else if remote_hit {
                Cached::Remotely
            } else {
                Cached::No
            };
            attempt.status = r.status.0;
            attempt.strategy = info.strategy.filter(|s| !s.is_empty());
            attempt.outputs = r
                .test_action_output
                .into_iter()
                .map(|f| OutputRef {
                    location: match f.uri {
                        Some(u) => Location::parse(&u),
                        None => Location::Unsupported(format!("{} (no uri)", f.name)),
                    },
                    name: f.name,
                })
                .collect();
            Body::Attempt(key, attempt)
        } else if let Some(a) = raw.aborted {
            let reason = a.reason.unwrap_or_else(|| "UNKNOWN".into());
            attempt.status = TestStatus::Aborted(match a.description.filter(|d| !d.is_empty()) {
                Some(d) => format!("{reason}: {d}"),
                None => reason,
            });
            Body::Attempt(key, attempt)
        } else {
            Body::Other
        }
    } else if let (Some(sid), Some(s)) = (id.test_summary, raw.test_summary) {
        Body::Summary(TestSummary {
            label: sid.label,
            configuration: sid.configuration.and_then(|c| c.id),
            overall_status: s.overall_status.0,
            run_count: s.run_count,
            shard_count: s.shard_count,
            total_run_count: s.total_run_count,
        })
    } else if let (Some(cid), Some(c)) = (id.configuration.and_then(|c| c.id), raw.configuration) {
        Body::Info(Info::Configuration {
            id: cid,
            mnemonic: c.mnemonic,
        })
    } else if let Some(o) = raw.options_parsed {
        Body::Info(Info::Options {
            startup: o.startup_options,
            command: o.cmd_line,
        })
    } else if let Some(root) = raw.workspace_info.and_then(|w| w.local_exec_root) {
        Body::Info(Info::ExecRoot(root))
    } else if let Some(s) = raw.started {
        Body::Info(Info::Started {
            uuid: s.uuid.filter(|u| !u.is_empty()),
            workspace: s.workspace_directory,
        })
    } else {
        Body::Other
    };
    Ok(Decoded {
        last_message: raw.last_message,
        body,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEvent {
    #[serde(default)]
    id: Option<RawId>,
    #[serde(default, alias = "test_result")]
    test_result: Option<RawTestResult>,
    #[serde(default, alias = "test_summary")]
    test_summary: Option<RawTestSummary>,
    #[serde(default)]
    aborted: Option<RawAborted>,
    #[serde(default)]
    configuration: Option<RawConfiguration>,
    #[serde(default, alias = "options_parsed")]
    options_parsed: Option<RawOptionsParsed>,
    #[serde(default, alias = "workspace_info")]
    workspace_info: Option<RawWorkspaceInfo>,
    #[serde(default)]
    started: Option<RawStarted>,
    #[serde(default, alias = "last_message")]
    last_message: bool,
}

#[derive(Deserialize)]
struct RawConfiguration {
    #[serde(default)]
    mnemonic: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawOptionsParsed {
    #[serde(default, alias = "startup_options")]
    startup_options: Vec<String>,
    #[serde(default, alias = "cmd_line")]
    cmd_line: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawWorkspaceInfo {
    #[serde(default, alias = "local_exec_root")]
    local_exec_root: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawStarted {
    #[serde(default)]
    uuid: Option<String>,
    #[serde(default, alias = "workspace_directory")]
    workspace_directory: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawId {
    #[serde(default, alias = "test_result")]
    test_result: Option<RawTargetId>,
    #[serde(default, alias = "test_summary")]
    test_summary: Option<RawTargetId>,
    #[serde(default)]
    configuration: Option<RawConfigurationId>,
}

#[derive(Deserialize)]
struct RawTargetId {
    #[serde(default)]
    label: String,
    #[serde(default)]
    configuration: Option<RawConfigurationId>,
    #[serde(default, deserialize_with = "lenient_u32")]
    run: u32,
    #[serde(default, deserialize_with = "lenient_u32")]
    shard: u32,
    #[serde(default, deserialize_with = "lenient_u32")]
    attempt: u32,
}

#[derive(Deserialize)]
struct RawConfigurationId {
    #[serde(default)]
    id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTestResult {
    #[serde(default, alias = "test_action_output")]
    test_action_output: Vec<RawFile>,
    #[serde(default)]
    status: Status,
    #[serde(default, alias = "cached_locally")]
    cached_locally: bool,
    #[serde(default, alias = "execution_info")]
    execution_info: Option<RawExecutionInfo>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawExecutionInfo {
    #[serde(default)]
    strategy: Option<String>,
    #[serde(default, alias = "cached_remotely")]
    cached_remotely: bool,
}

#[derive(Deserialize)]
struct RawFile {
    #[serde(default)]
    name: String,
    #[serde(default)]
    uri: Option<String>,
}

#[derive(Deserialize)]
struct RawAborted {
    #[serde(default, deserialize_with = "enum_name")]
    reason: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTestSummary {
    #[serde(default, alias = "overall_status")]
    overall_status: Status,
    #[serde(default, alias = "run_count", deserialize_with = "lenient_u32")]
    run_count: u32,
    #[serde(default, alias = "shard_count", deserialize_with = "lenient_u32")]
    shard_count: u32,
    #[serde(default, alias = "total_run_count", deserialize_with = "lenient_u32")]
    total_run_count: u32,
}

/// `TestStatus` by name (`"PASSED"`) or number (`1`).
struct Status(TestStatus);

impl Default for Status {
    fn default() -> Self {
        Status(TestStatus::NoStatus)
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        let status = match &v {
            serde_json::Value::String(s) => match s.as_str() {
                "NO_STATUS" => TestStatus::NoStatus,
                "PASSED" => TestStatus::Passed,
                "FLAKY" => TestStatus::Flaky,
                "TIMEOUT" => TestStatus::Timeout,
                "FAILED" => TestStatus::Failed,
                "INCOMPLETE" => TestStatus::Incomplete,
                "REMOTE_FAILURE" => TestStatus::RemoteFailure,
                "FAILED_TO_BUILD" => TestStatus::FailedToBuild,
                "TOOL_HALTED_BEFORE_TESTING" => TestStatus::ToolHaltedBeforeTesting,
                other => TestStatus::Other(other.to_string()),
            },
            serde_json::Value::Number(n) => match n.as_u64() {
                Some(0) => TestStatus::NoStatus,
                Some(1) => TestStatus::Passed,
                Some(2) => TestStatus::Flaky,
                Some(3) => TestStatus::Timeout,
                Some(4) => TestStatus::Failed,
                Some(5) => TestStatus::Incomplete,
                Some(6) => TestStatus::RemoteFailure,
                Some(7) => TestStatus::FailedToBuild,
                Some(8) => TestStatus::ToolHaltedBeforeTesting,
                _ => TestStatus::Other(n.to_string()),
            },
            serde_json::Value::Null => TestStatus::NoStatus,
            _ => return Err(de::Error::custom("status: expected a name or a number")),
        };
        Ok(Status(status))
    }
}

fn lenient_u32<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| de::Error::custom("expected a non-negative 32-bit integer")),
        serde_json::Value::String(s) => s
            .parse()
            .map_err(|_| de::Error::custom("expected a non-negative 32-bit integer")),
        serde_json::Value::Null => Ok(0),
        _ => Err(de::Error::custom("expected an integer")),
    }
}

/// An enum value by name, or its number when a writer used numbers.
fn enum_name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

impl std::fmt::Display for TestStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = match self {
            TestStatus::NoStatus => "NO_STATUS",
            TestStatus::Passed => "PASSED",
            TestStatus::Flaky => "FLAKY",
            TestStatus::Timeout => "TIMEOUT",
            TestStatus::Failed => "FAILED",
            TestStatus::Incomplete => "INCOMPLETE",
            TestStatus::RemoteFailure => "REMOTE_FAILURE",
            TestStatus::FailedToBuild => "FAILED_TO_BUILD",
            TestStatus::ToolHaltedBeforeTesting => "TOOL_HALTED_BEFORE_TESTING",
            TestStatus::Aborted(r) => return write!(f, "ABORTED ({r})"),
            TestStatus::Other(s) => s,
        };
        f.write_str(s)
    }
}
