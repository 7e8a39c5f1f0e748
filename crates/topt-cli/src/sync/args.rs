//! `topt sync`'s flags, their defaults and its `--help` text. A leaf: every step of the sync reads
//! them, none of them is needed here.

use std::path::PathBuf;

use clap::ValueEnum;

const AFTER_HELP: &str = "\
Environment:
  DD_API_KEY (required)   Datadog API key; sent only as the DD-API-KEY header, never written to any
                          file or log (context.json holds an 8-hex-digit fingerprint). Under Bazel
                          set it for the repository rule (see docs/bazel.md#the-api-key for the
                          form that works on your Bazel version), never with --test_env.
  DD_GIT_*, DD_PR_NUMBER  override git metadata (highest precedence).
  CI provider variables   AppVeyor, Azure Pipelines, Bitbucket, Buddy, Buildkite, CircleCI, GitHub
                          Actions (+ GITHUB_EVENT_PATH), GitLab, Jenkins, TeamCity, Travis, Bitrise,
                          Codefresh, AWS CodePipeline, Drone are detected in that order.
  GO_MODULE_PATH, PYTHON_MODULE_PATH, JAVA_MODULE_PATH, NODEJS_MODULE_PATH, DOTNET_MODULE_PATH,
  RUBY_MODULE_PATH        runtime module paths exported in export.bzl.

Output (in --repo-root): BUILD, export.bzl, module_runfiles.bzl, *.request.json and
<out-dir>/{manifest.txt, context.json, telemetry_facts.json, cache/http/*.json,
cache/http/module_<label>/{known_tests,test_management,flaky_tests}.json}.
With several --service values: <repo-root>/<repo-name>_<key>/ per service plus the aggregator
<repo-root>/<repo-name>/ (aggregate.bzl, export.bzl, BUILD).

Requests: redirects are never followed (a 3xx fails the request and names its Location);
timeouts, resets and HTTP 408/429/5xx are retried, other answers are final.

Exit status: 0 synced; 1 a request or response failed (see --on-error); 2 invalid input
(including a missing or malformed DD_API_KEY), detected before any request.

Examples:
  DD_API_KEY=... topt sync --service checkout-api --runtime-name go
  topt sync --service checkout-api --known-tests=false --out-dir .testoptimization
  DD_SITE=datadoghq.eu topt sync --service api --on-error=stub
  topt sync --repo-name tests --service api --service worker          # multi-service
  topt sync --aggregate-only --repo-name tests --service api --service worker
  FETCH_SALT=$(date +%s) topt sync --service api --debug";

/// What to do when a backend request or its JSON fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnError {
    /// Fail the sync (exit 1) with the endpoint, status and fix, as the reference does.
    Fail,
    /// Write stubs for the failed feature, turn it off in settings.json, warn loudly, exit 0.
    Stub,
}

#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Service name; repeat for a multi-service sync. Falls back to DD_SERVICE, then
    /// `unnamed-service`.
    #[arg(
        long = "service",
        value_name = "NAME",
        env = "DD_SERVICE",
        hide_env_values = true
    )]
    pub services: Vec<String>,

    /// Environment tag sent to the backend and written to context.json.
    #[arg(
        long = "env",
        value_name = "ENV",
        env = "DD_ENV",
        default_value = "CI",
        hide_env_values = true
    )]
    pub dd_env: String,

    /// Directory of the sync repository (BUILD, export.bzl and <out-dir> are written here).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub repo_root: PathBuf,

    /// Apparent repository name exported as topt_data["repo_name"] (macros build
    /// `@<repo-name>//:module_<label>`); with several services, the aggregator's name.
    #[arg(long, value_name = "NAME", default_value = "test_optimization_data")]
    pub repo_name: String,

    /// Payload directory inside the sync repository; relative, no `..`.
    #[arg(long, value_name = "DIR", default_value = ".testoptimization")]
    pub out_dir: String,

    /// Where local git metadata is read (the Bazel workspace root) [default: current directory].
    #[arg(long, value_name = "DIR")]
    pub workspace_root: Option<PathBuf>,

    /// Datadog site, e.g. datadoghq.eu.
    #[arg(
        long,
        value_name = "SITE",
        env = "DD_SITE",
        default_value = "datadoghq.com",
        hide_env_values = true
    )]
    pub site: String,

    /// API base URL overriding --site (any scheme/port; for proxies and tests).
    #[arg(
        long,
        value_name = "URL",
        env = "DD_TEST_OPTIMIZATION_AGENTLESS_URL",
        default_value = "",
        hide_default_value = true,
        hide_env_values = true
    )]
    pub agentless_url: String,

    /// Request known tests when the backend enables them.
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub known_tests: bool,

    /// Request test management data when the backend enables it.
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub test_management: bool,

    /// Request flaky tests when the backend enables them.
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub flaky_tests: bool,

    /// Fail (exit 2) before any request when repository URL, branch/tag or commit SHA is missing.
    #[arg(long)]
    pub require_git_metadata: bool,

    /// On a backend or JSON failure: `fail` the sync, or continue with `stub` files (loud warning).
    #[arg(long, value_enum, value_name = "POLICY", default_value_t = OnError::Fail)]
    pub on_error: OnError,

    /// Cache-busting input, only logged (`--repo_env=FETCH_SALT=$(date +%s)` re-runs the rule).
    #[arg(
        long,
        value_name = "SALT",
        env = "FETCH_SALT",
        hide_env_values = true,
        default_value = "",
        hide_default_value = true
    )]
    pub fetch_salt: String,

    /// Cache-busting input, only logged.
    #[arg(
        long,
        value_name = "VALUE",
        env = "GIT_DIRTY",
        hide_env_values = true,
        default_value = "",
        hide_default_value = true
    )]
    pub git_dirty: String,

    /// Only write the multi-service aggregator (aggregate.bzl, export.bzl, BUILD) into
    /// --repo-root for the given services; no request, no API key needed.
    #[arg(long)]
    pub aggregate_only: bool,

    /// Print request and response bodies (never the API key).
    #[arg(long)]
    pub debug: bool,

    #[command(flatten)]
    pub runtime: Box<RuntimeArgs>,

    #[command(flatten)]
    pub http: Box<HttpArgs>,
}

/// Runtime flags (boxed in [`Args`] to keep the CLI's command enum small).
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Runtime")]
pub struct RuntimeArgs {
    /// Runtime name for request configurations (`unknown` if empty), context.json and module-path routing.
    #[arg(long, value_name = "NAME", default_value = "")]
    pub runtime_name: String,

    /// Runtime version for request configurations (`unknown` if empty) and context.json.
    #[arg(long, value_name = "VERSION", default_value = "")]
    pub runtime_version: String,

    /// Runtime architecture for requests (detected arch if empty); in context.json only if set.
    #[arg(long, value_name = "ARCH", default_value = "")]
    pub runtime_arch: String,

    /// Module path of the code under test (export.bzl runtimes; Go: only with runtime go or none).
    #[arg(long, value_name = "PATH", default_value = "")]
    pub runtime_module_path: String,
}

/// HTTP policy flags: flag, else the environment variable, else the default; `-1` means unset,
/// as in the reference's attributes.
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "HTTP")]
pub struct HttpArgs {
    /// Connect timeout per attempt, seconds (> 0) [env: DD_TEST_OPTIMIZATION_HTTP_CONNECT_TIMEOUT_SECONDS] [default: 10; -1 = unset]
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    pub http_connect_timeout_seconds: Option<i64>,

    /// Total time per attempt, seconds (> 0) [env: DD_TEST_OPTIMIZATION_HTTP_MAX_TIME_SECONDS] [default: 60; -1 = unset]
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    pub http_max_time_seconds: Option<i64>,

    /// Retries after the first attempt on timeouts, resets, 408/429/5xx (> 0) [env: DD_TEST_OPTIMIZATION_HTTP_RETRY_ATTEMPTS] [default: 3; -1 = unset]
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub http_retry_attempts: Option<i64>,

    /// First retry delay, seconds, doubled per retry; Retry-After wins (>= 0) [env: DD_TEST_OPTIMIZATION_HTTP_RETRY_DELAY_SECONDS] [default: 2; -1 = unset]
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    pub http_retry_delay_seconds: Option<i64>,

    /// Extra seconds in each request's overall budget (R+1)·max + R·delay + buffer (>= 0) [env: DD_TEST_OPTIMIZATION_HTTP_EXECUTE_TIMEOUT_BUFFER_SECONDS] [default: 60; -1 = unset]
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    pub http_execute_timeout_buffer_seconds: Option<i64>,

    /// Largest decoded (gunzipped) response body, MiB; a larger one fails the request, nothing is written (> 0) [env: TOPT_SYNC_HTTP_MAX_RESPONSE_MB] [default: 256; -1 = unset]
    #[arg(long, value_name = "MIB", allow_negative_numbers = true)]
    pub http_max_response_mb: Option<i64>,
}
