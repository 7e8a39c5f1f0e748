//! The validated sync: every input checked (exit 2 before any request), so that what follows
//! can only fail on the network, the backend or the file system.

use std::path::PathBuf;
use std::time::Duration;

use super::args::{Args, HttpArgs, OnError};
use super::env::Env;
use super::http::Policy;
use super::log::{Log, SyncError};
use super::requests::Endpoint;
use super::{inputs, site};
use crate::http::ApiKey;

/// Default of --http-max-response-mb: the decoded size of the largest response read. Known tests
/// and test management of very large repositories are tens of MB; this leaves an order of
/// magnitude of room while keeping a hostile or broken answer far from exhausting memory.
const DEFAULT_MAX_RESPONSE_MB: i64 = 256;

/// Everything validated, ready to run without further input errors.
#[derive(Debug)]
pub struct Plan {
    pub base_url: String,
    pub out_dir: String,
    pub repo_root: PathBuf,
    pub repo_name: String,
    pub services: Vec<String>,
    pub dd_env: String,
    pub runtime_name: String,
    pub runtime_version: String,
    pub runtime_arch: String,
    pub runtime_module_path: String,
    pub switches: [(Endpoint, bool); 3],
    pub on_error: OnError,
    pub workspace_root: PathBuf,
    pub api_key: ApiKey,
    pub policy: Policy,
    pub debug: bool,
}

impl Plan {
    /// Validates the flags and the environment; `services` are already validated names.
    pub fn new(
        args: &Args,
        env: &Env,
        services: Vec<String>,
        log: &Log,
    ) -> Result<Plan, SyncError> {
        let usage = SyncError::Usage;
        for service in &args.services {
            if let Ok((_, Some(warning))) = inputs::validate_service(service) {
                log.warn(&warning);
            }
        }
        let out_dir = inputs::normalize_out_dir(&args.out_dir).map_err(usage)?;
        let base_url = site::base_url(&args.site, &args.agentless_url).map_err(usage)?;
        let api_key = inputs::validate_api_key(env.get("DD_API_KEY")).map_err(usage)?;
        let policy = http_policy(&args.http, env)?;
        let workspace_root = match &args.workspace_root {
            Some(dir) => dir.clone(),
            None => std::env::current_dir().map_err(|e| {
                SyncError::Usage(format!(
                    "cannot read the current directory ({e}); pass --workspace-root"
                ))
            })?,
        };
        if args.repo_name.trim().is_empty() {
            return Err(SyncError::Usage(
                "--repo-name is empty; pass the apparent repository name".into(),
            ));
        }
        let runtime = &args.runtime;
        Ok(Plan {
            base_url,
            out_dir,
            repo_root: args.repo_root.clone(),
            repo_name: args.repo_name.trim().to_owned(),
            services,
            dd_env: if args.dd_env.is_empty() {
                "CI".to_owned()
            } else {
                args.dd_env.clone()
            },
            runtime_name: runtime.runtime_name.clone(),
            runtime_version: runtime.runtime_version.clone(),
            runtime_arch: runtime.runtime_arch.clone(),
            runtime_module_path: runtime.runtime_module_path.clone(),
            switches: [
                (Endpoint::KnownTests, args.known_tests),
                (Endpoint::TestManagement, args.test_management),
                (Endpoint::FlakyTests, args.flaky_tests),
            ],
            on_error: args.on_error,
            workspace_root,
            api_key,
            policy,
            debug: args.debug,
        })
    }
}

/// One HTTP policy setting: its flag, its environment variable, its default and its minimum.
type Setting = (
    &'static str,
    fn(&HttpArgs) -> Option<i64>,
    &'static str,
    i64,
    i64,
);

/// The settings in `Policy` order: connect, max time, retries, delay, buffer, body limit.
const SETTINGS: [Setting; 6] = [
    (
        "--http-connect-timeout-seconds",
        |a| a.http_connect_timeout_seconds,
        "DD_TEST_OPTIMIZATION_HTTP_CONNECT_TIMEOUT_SECONDS",
        10,
        1,
    ),
    (
        "--http-max-time-seconds",
        |a| a.http_max_time_seconds,
        "DD_TEST_OPTIMIZATION_HTTP_MAX_TIME_SECONDS",
        60,
        1,
    ),
    (
        "--http-retry-attempts",
        |a| a.http_retry_attempts,
        "DD_TEST_OPTIMIZATION_HTTP_RETRY_ATTEMPTS",
        3,
        1,
    ),
    (
        "--http-retry-delay-seconds",
        |a| a.http_retry_delay_seconds,
        "DD_TEST_OPTIMIZATION_HTTP_RETRY_DELAY_SECONDS",
        2,
        0,
    ),
    (
        "--http-execute-timeout-buffer-seconds",
        |a| a.http_execute_timeout_buffer_seconds,
        "DD_TEST_OPTIMIZATION_HTTP_EXECUTE_TIMEOUT_BUFFER_SECONDS",
        60,
        0,
    ),
    (
        "--http-max-response-mb",
        |a| a.http_max_response_mb,
        "TOPT_SYNC_HTTP_MAX_RESPONSE_MB",
        DEFAULT_MAX_RESPONSE_MB,
        1,
    ),
];

/// The retry policy: each setting from its flag unless absent or `-1`, else its variable,
/// else its default.
fn http_policy(args: &HttpArgs, env: &Env) -> Result<Policy, SyncError> {
    let mut values = [0i64; 6];
    for (value, (flag, get, var, default, min)) in values.iter_mut().zip(SETTINGS) {
        *value = inputs::policy_int(flag, get(args), var, env.get(var), default, min)
            .map_err(SyncError::Usage)?;
    }
    let [connect, max_time, retries, delay, buffer, max_response_mb] = values;
    let secs = |v: i64| Duration::from_secs(v.unsigned_abs());
    Ok(Policy {
        connect: secs(connect),
        max_time: secs(max_time),
        retries: u32::try_from(retries).unwrap_or(u32::MAX).min(100),
        delay: secs(delay),
        buffer: secs(buffer),
        max_body: max_response_mb.unsigned_abs().saturating_mul(1 << 20),
    })
}
