//! `topt upload`'s flags, their defaults and its `--help` text.

use std::path::PathBuf;

/// Where uploads go, as `topt upload --help` and `topt ci --help` both list it (ci's steps run
/// with its environment). A macro, so both help texts are built from one literal by `concat!`.
macro_rules! endpoint_env {
    () => {
        "  DD_API_KEY              Datadog API key for agentless uploads: required to send (not for
                          --dry-run, nor with DD_TEST_OPTIMIZATION_AGENT_URL); sent only as the
                          DD-API-KEY header, never printed or written to a file
  DD_SITE                 Datadog site of the agentless intakes (default datadoghq.com; e.g.
                          datadoghq.eu, us5.datadoghq.com)
  DD_TEST_OPTIMIZATION_AGENT_URL
                          Upload through the Datadog agent's EVP proxy at this URL (e.g.
                          http://127.0.0.1:8126) instead: no API key is sent; wins over the two
                          agentless settings
  DD_TEST_OPTIMIZATION_AGENTLESS_URL
                          Agentless, to this base URL instead of DD_SITE's intakes (e.g. a local
                          `topt intake`)
  DD_TEST_OPTIMIZATION_CONTEXT_JSON
                          context.json to enrich with; overrides every --context
  DD_TEST_OPTIMIZATION_CODEOWNERS_FILE
                          CODEOWNERS for test ownership (default: CODEOWNERS in the workspace
                          root or its .github/, .gitlab/, docs/ or .docs/)
  BUILD_WORKSPACE_DIRECTORY
                          Set by `bazel run`: the workspace, where bazel-testlogs and CODEOWNERS
                          are looked for"
    };
}
pub(crate) use endpoint_env;

use crate::remote::RemoteArgs;

const EXAMPLES: &str = concat!(
    "\
Environment (the flags' own variables are shown with each flag):
",
    endpoint_env!(),
    "

Examples:
  # After `bazel test //...`, from the workspace root (agentless). context.json is in the sync
  # repository under Bazel's output base (WORKSPACE repository test_optimization_data shown; with
  # bzlmod the directory has the canonical name: `ls $(bazel info output_base)/external`):
  CTX=$(bazel info output_base)/external/test_optimization_data/.testoptimization/context.json
  DD_API_KEY=... DD_SITE=datadoghq.eu topt upload --context \"$CTX\"

  # With `topt sync` run by hand (--repo-root . --out-dir .testoptimization, the defaults):
  DD_API_KEY=... topt upload --context .testoptimization/context.json

  # Through a local Datadog agent (EVP proxy); the API key is never sent:
  DD_TEST_OPTIMIZATION_AGENT_URL=http://127.0.0.1:8126 topt upload

  # Check enrichment without sending or deleting anything:
  topt upload --dry-run --validate-enrichment --expected-enriched-tag git.commit.sha

  # Exactly the test attempts of one invocation (remote execution, --remote_download_minimal):
  # outputs not on this machine are read from the remote cache; a re-run sends nothing twice.
  bazel test --build_event_json_file=/tmp/bep.json //...
  DD_API_KEY=... topt upload --bep /tmp/bep.json --context \"$CTX\" \\
    --remote-cache grpcs://cache.example.com --remote-header x-api-key=$CACHE_KEY

  # Into a local `topt intake`, no waiting, machine-readable summary:
  DD_TEST_OPTIMIZATION_AGENTLESS_URL=$(cat /tmp/intake.url) DD_API_KEY=local \\
    topt upload --testlogs bazel-testlogs --quiescent-sec 0 --json

Files: payloads/{tests,coverage,telemetry}/*.json (coverage also *.msgpack) at depth 1 of every
test.outputs directory, and the same entries inside Bazel <= 7 outputs.zip (read in place). Only
regular files: links (to files or directories), FIFOs and devices are reported and kept, never
followed or opened; reads stop at --max-payload-mb whatever sizes claim. Whatever `topt doctor`
calls an error in a payload file, the uploader keeps and reports. A file is deleted only after
a 2xx; 5xx/408/429/timeouts/resets are retried with backoff; other 4xx and every redirect (never
followed) are reported and the file is kept. See docs/upload.md (claims, zip ledger, exit codes).

With --bep: no quiescence wait; cached attempts are reported, never failures; outputs are read
where Bazel left them (a bytestream:// one only if its local copy has the URI's digest), else
fetched from the remote cache and verified before anything reads them; every accepted payload is
recorded (fsynced) in the upload ledger, so a re-run sends nothing twice.

Exit status: 0 all accepted (or nothing to upload); 1 some payloads failed or were rejected, or
some attempt's outputs could not be read from the remote cache (or no payloads with
--fail-on-error); 2 usage or configuration error, before any request (bad flag, DD_SITE, missing
or malformed DD_API_KEY, TESTLOGS_DIR, an unreadable --bep, an unusable ledger); 130 interrupted."
);

#[derive(Debug, Clone, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Prepare, enrich and validate, but send and delete nothing (DD_API_KEY not needed).
    #[arg(long)]
    pub dry_run: bool,
    /// With --dry-run: fail when an enriched test payload lacks an expected tag.
    #[arg(long)]
    pub validate_enrichment: bool,
    /// Tag every enriched test payload must carry (repeatable; replaces the defaults
    /// git.repository_url, git.commit.sha, bazel.target, bazel.package).
    #[arg(long = "expected-enriched-tag", value_name = "TAG")]
    pub expected_enriched_tag: Vec<String>,
    /// bazel-testlogs directory (default: $BUILD_WORKSPACE_DIRECTORY/bazel-testlogs, ./bazel-testlogs).
    /// With --bep: where local copies of outputs are looked for (default: the BEP's exec root).
    #[arg(long, env = "TESTLOGS_DIR", value_name = "DIR")]
    pub testlogs: Option<PathBuf>,
    /// Build Event Protocol file of the `bazel test` (--build_event_json_file): upload exactly
    /// its executed test attempts, reading outputs from the remote cache when they are not here.
    #[arg(long, value_name = "FILE")]
    pub bep: Option<PathBuf>,
    /// The upload ledger (with --bep): digests of accepted payloads, so a re-run sends nothing
    /// twice. Default: <output base>/topt-uploaded.ledger (the BEP names the output base),
    /// else <FILE>.topt-ledger next to the BEP file.
    #[arg(long, value_name = "PATH", env = "TOPT_UPLOAD_LEDGER")]
    pub ledger: Option<PathBuf>,
    #[command(flatten, next_help_heading = "Remote cache (with --bep)")]
    pub remote: RemoteArgs,
    /// Seconds the newest payload file must be untouched before uploading.
    #[arg(long, env = "DD_TEST_OPTIMIZATION_QUIESCENT_SEC", default_value_t = 10)]
    pub quiescent_sec: u64,
    /// Upper bound on the quiescence wait, in seconds.
    #[arg(long, env = "DD_TEST_OPTIMIZATION_MAX_WAIT_SEC", default_value_t = 300)]
    pub max_wait_sec: u64,
    /// Depth limit for finding test.outputs (0 = unlimited).
    #[arg(long, env = "DD_TEST_OPTIMIZATION_MAX_DEPTH", default_value_t = 0)]
    pub max_depth: usize,
    /// context.json to enrich with, as PATH or REPO_KEY=PATH (repeatable; several contexts are
    /// matched to targets by bazel.test_optimization.repo_name). It lives in the sync repository:
    /// $(bazel info output_base)/external/<repo>/.testoptimization/context.json (Bazel), or
    /// <--repo-root>/<--out-dir>/context.json of a `topt sync` run by hand.
    /// DD_TEST_OPTIMIZATION_CONTEXT_JSON overrides them all.
    #[arg(long = "context", value_name = "[KEY=]PATH")]
    pub context: Vec<String>,
    /// Context manifest written by the Bazel rules (`<repo_key>\t<short_path>\t<exec_path>` lines).
    #[arg(long, value_name = "FILE")]
    pub context_manifest: Option<PathBuf>,
    /// Keep payload files after a successful upload [env: DD_TEST_OPTIMIZATION_KEEP_PAYLOADS].
    #[arg(long)]
    pub keep_payloads: bool,
    /// Only send span_events_* tests and coverage_* coverage files [env: DD_TEST_OPTIMIZATION_FILTER_PREFIX].
    #[arg(long)]
    pub filter_prefix: bool,
    /// Gzip test payload bodies [env: DD_TEST_OPTIMIZATION_GZIP].
    #[arg(long)]
    pub gzip: bool,
    /// Print every file and header names [env: DD_TEST_OPTIMIZATION_DEBUG].
    #[arg(long)]
    pub debug: bool,
    /// Exit 1 (not 0) when tests ran but wrote no payloads; exit 2 when no bazel-testlogs exists.
    #[arg(long)]
    pub fail_on_error: bool,
    /// Print a JSON summary on stdout (log lines go to stderr).
    #[arg(long)]
    pub json: bool,
    /// Concurrent uploads (kept-alive connections).
    #[arg(long, env = "TOPT_UPLOAD_WORKERS", default_value_t = 8)]
    pub workers: usize,
    /// Attempts per file before giving up (retryable errors only).
    #[arg(long, env = "TOPT_UPLOAD_MAX_ATTEMPTS", default_value_t = 5)]
    pub max_attempts: u32,
    /// First retry delay in milliseconds (doubles each time, with jitter).
    #[arg(long, env = "TOPT_UPLOAD_RETRY_BASE_MS", default_value_t = 500)]
    pub retry_base_ms: u64,
    /// Longest retry delay (and longest Retry-After honoured), in milliseconds.
    #[arg(long, env = "TOPT_UPLOAD_RETRY_MAX_MS", default_value_t = 30_000)]
    pub retry_max_ms: u64,
    /// Per-attempt request timeout in seconds.
    #[arg(long, env = "TOPT_UPLOAD_TIMEOUT_SEC", default_value_t = 60)]
    pub timeout_sec: u64,
    /// Unix time (seconds) the `bazel test` invocation started: results older than that came
    /// from Bazel's cache and need no payloads (topt ci passes it).
    #[arg(long, env = "TOPT_INVOCATION_START", value_name = "SECONDS")]
    pub invocation_start: Option<String>,
    /// Bound on the whole run (waiting included), in seconds; 0 = none. Attempts get at most the
    /// time left; what is not accepted by then is kept, reported, and the exit status is 1.
    #[arg(long, env = "TOPT_UPLOAD_MAX_RUN_SEC", default_value_t = 900)]
    pub max_run_sec: u64,
    /// Quiescence poll interval in milliseconds.
    #[arg(long, env = "TOPT_UPLOAD_POLL_MS", default_value_t = 2000)]
    pub poll_ms: u64,
    /// Bound on every payload file, sidecar and zip entry read: larger ones are reported and kept
    /// (counted on the bytes read, never on what metadata or a zip header claims).
    #[arg(long, default_value_t = 64)]
    pub max_payload_mb: u64,
    /// Never draw a progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// telemetry_facts.json from `topt sync` to merge into tracer telemetry (repeatable; the one
    /// next to each --context is used automatically).
    #[arg(long = "telemetry-facts", value_name = "FILE")]
    pub telemetry_facts: Vec<PathBuf>,
}

impl Args {
    /// `--max-payload-mb` in bytes: the bound on every payload, sidecar and zip entry read.
    pub fn max_bytes(&self) -> u64 {
        self.max_payload_mb.saturating_mul(1 << 20)
    }
}
