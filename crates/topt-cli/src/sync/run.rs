//! The sync itself: validation, then one service at a time (settings, then the features they
//! enable), then the files.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use serde_json::{Value, json};

use super::context::{self, ContextInput, HostOs, Meta};
use super::env::Env;
use super::generate::{self, ExportData};
use super::http::{Client, Failure, Policy};
use super::requests::{self, Endpoint, RequestMeta, Telemetry};
use super::tree::{self, Bundle, TreeInput, write_atomic};
use super::{Args, Log, OnError, SyncError, inputs, multi, runtimes, site};
use crate::http::{ApiKey, FailureKind, client::REDIRECT_HINT, redact};

/// Default of --http-max-response-mb: the decoded size of the largest response read. Known tests
/// and test management of very large repositories are tens of MB; this leaves an order of
/// magnitude of room while keeping a hostile or broken answer far from exhausting memory.
const DEFAULT_MAX_RESPONSE_MB: i64 = 256;

/// Everything validated, ready to run without further input errors.
#[derive(Debug)]
pub(super) struct Plan {
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

pub fn run(args: Args) -> ExitCode {
    let env = Env::from_process();
    let log = Log::new(env.get("DD_API_KEY"), args.debug);
    match execute(&args, &env, &log) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            log.error(err.message());
            err.exit_code()
        }
    }
}

fn execute(args: &Args, env: &Env, log: &Log) -> Result<(), SyncError> {
    let services = service_names(args)?;
    if args.aggregate_only {
        return multi::write_aggregator(&args.repo_root, &args.repo_name, &services, log);
    }
    let plan = plan(args, env, services, log)?;
    if !args.fetch_salt.is_empty() || !args.git_dirty.is_empty() {
        log.info(&format!(
            "fetch salt {:?}, git dirty {:?}",
            args.fetch_salt, args.git_dirty
        ));
    }
    let meta = context::collect(env, Some(&plan.workspace_root));
    if args.require_git_metadata {
        check_git_metadata(&meta)?;
    }
    let os = context::detect_os(env);
    if plan.services.len() == 1 {
        let service = plan.services.first().map(String::as_str).unwrap_or("");
        sync_service(
            &plan,
            env,
            &meta,
            &os,
            service,
            &plan.repo_root,
            &plan.repo_name,
            log,
        )?;
        return Ok(());
    }
    multi::sync_services(&plan, env, &meta, &os, log)
}

/// Validated service names: flags (or DD_SERVICE), else `unnamed-service`.
fn service_names(args: &Args) -> Result<Vec<String>, SyncError> {
    let given: Vec<&String> = args.services.iter().filter(|s| !s.is_empty()).collect();
    let raw: Vec<String> = if given.is_empty() {
        vec!["unnamed-service".to_owned()]
    } else {
        given.into_iter().cloned().collect()
    };
    raw.iter()
        .map(|s| inputs::validate_service(s).map(|(service, _)| service))
        .collect::<Result<_, _>>()
        .map_err(SyncError::Usage)
}

fn plan(args: &Args, env: &Env, services: Vec<String>, log: &Log) -> Result<Plan, SyncError> {
    let usage = SyncError::Usage;
    for service in &args.services {
        if let Ok((_, Some(warning))) = inputs::validate_service(service) {
            log.warn(&warning);
        }
    }
    let out_dir = inputs::normalize_out_dir(&args.out_dir).map_err(usage)?;
    let base_url = site::base_url(&args.site, &args.agentless_url).map_err(usage)?;
    let api_key = inputs::validate_api_key(env.get("DD_API_KEY")).map_err(usage)?;
    let int = |flag: &str, value: Option<i64>, var: &str, default: i64, min: i64| {
        inputs::policy_int(flag, value, var, env.get(var), default, min).map_err(SyncError::Usage)
    };
    let connect = int(
        "--http-connect-timeout-seconds",
        args.http.http_connect_timeout_seconds,
        "DD_TEST_OPTIMIZATION_HTTP_CONNECT_TIMEOUT_SECONDS",
        10,
        1,
    )?;
    let max_time = int(
        "--http-max-time-seconds",
        args.http.http_max_time_seconds,
        "DD_TEST_OPTIMIZATION_HTTP_MAX_TIME_SECONDS",
        60,
        1,
    )?;
    let retries = int(
        "--http-retry-attempts",
        args.http.http_retry_attempts,
        "DD_TEST_OPTIMIZATION_HTTP_RETRY_ATTEMPTS",
        3,
        1,
    )?;
    let delay = int(
        "--http-retry-delay-seconds",
        args.http.http_retry_delay_seconds,
        "DD_TEST_OPTIMIZATION_HTTP_RETRY_DELAY_SECONDS",
        2,
        0,
    )?;
    let buffer = int(
        "--http-execute-timeout-buffer-seconds",
        args.http.http_execute_timeout_buffer_seconds,
        "DD_TEST_OPTIMIZATION_HTTP_EXECUTE_TIMEOUT_BUFFER_SECONDS",
        60,
        0,
    )?;
    let max_response_mb = int(
        "--http-max-response-mb",
        args.http.http_max_response_mb,
        "TOPT_SYNC_HTTP_MAX_RESPONSE_MB",
        DEFAULT_MAX_RESPONSE_MB,
        1,
    )?;
    let secs = |v: i64| Duration::from_secs(v.unsigned_abs());
    let policy = Policy {
        connect: secs(connect),
        max_time: secs(max_time),
        retries: u32::try_from(retries).unwrap_or(u32::MAX).min(100),
        delay: secs(delay),
        buffer: secs(buffer),
        max_body: max_response_mb.unsigned_abs().saturating_mul(1 << 20),
    };
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
        runtime_name: args.runtime.runtime_name.clone(),
        runtime_version: args.runtime.runtime_version.clone(),
        runtime_arch: args.runtime.runtime_arch.clone(),
        runtime_module_path: args.runtime.runtime_module_path.clone(),
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

fn check_git_metadata(meta: &Meta) -> Result<(), SyncError> {
    let mut missing = Vec::new();
    if meta.get("repository_url").is_empty() {
        missing.push("repository_url/DD_GIT_REPOSITORY_URL");
    }
    if meta.get("branch").is_empty() && meta.get("tag").is_empty() {
        missing.push("branch_or_tag/DD_GIT_BRANCH or DD_GIT_TAG");
    }
    if meta.get("sha").is_empty() {
        missing.push("sha/DD_GIT_COMMIT_SHA");
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(SyncError::Usage(format!(
        "--require-git-metadata is set but git metadata is missing: {}. Run inside a git checkout \
         or a supported CI provider, or set the DD_GIT_* variables.",
        missing.join(", ")
    )))
}

/// Syncs one service into `repo_root` (a complete sync repository).
#[allow(clippy::too_many_arguments)]
pub(super) fn sync_service(
    plan: &Plan,
    env: &Env,
    meta: &Meta,
    os: &HostOs,
    service: &str,
    repo_root: &Path,
    repo_name: &str,
    log: &Log,
) -> Result<(), SyncError> {
    let io_err = |what: &str, e: std::io::Error| {
        SyncError::Failed(format!(
            "cannot write {what} under {}: {e}",
            repo_root.display()
        ))
    };
    std::fs::create_dir_all(repo_root).map_err(|e| io_err("the sync repository", e))?;
    // Request bodies describe the requests of this sync only (a switch may have turned one off).
    for endpoint in [
        Endpoint::Settings,
        Endpoint::KnownTests,
        Endpoint::TestManagement,
        Endpoint::FlakyTests,
    ] {
        let _ = std::fs::remove_file(repo_root.join(endpoint.request_file()));
    }
    let request_meta = request_meta(plan, meta, os, service);
    let client = Client::new(plan.policy, &plan.api_key);
    let mut telemetry = Telemetry::default();
    let mut fetch = Fetcher {
        plan,
        client: &client,
        repo_root,
        log,
        telemetry: &mut telemetry,
    };

    let mut settings = match fetch.request(Endpoint::Settings, &request_meta)? {
        Some((_, parsed)) => parsed,
        None => requests::stub_settings(),
    };
    for (endpoint, enabled) in plan.switches {
        if !enabled {
            requests::disable_feature(&mut settings, endpoint);
        }
    }
    let mut bundles = Vec::new();
    for (endpoint, _) in plan.switches {
        if !requests::feature_enabled(&settings, endpoint) {
            log.debug(&format!("{} is off; writing its stub", endpoint.name()));
            bundles.push(Bundle::Stub);
            continue;
        }
        match fetch.request(endpoint, &request_meta)? {
            Some((raw, _)) => bundles.push(Bundle::Fetched(raw)),
            None => {
                // A tracer told "feature on" with empty data would treat every test as new.
                requests::disable_feature(&mut settings, endpoint);
                bundles.push(Bundle::Stub);
            }
        }
    }
    telemetry.retag_settings(&settings);

    let runtime_name = inputs::runtime_or_unknown(&plan.runtime_name);
    let context = context::context_json(
        meta,
        &ContextInput {
            os,
            runtime_name: &plan.runtime_name,
            runtime_version: &plan.runtime_version,
            runtime_arch: &plan.runtime_arch,
            service,
            env: &plan.dd_env,
            api_key: plan.api_key.expose(),
        },
    );
    let mut bundles = bundles.into_iter();
    let mut next = || bundles.next().unwrap_or(Bundle::Stub);
    let input = TreeInput {
        out_dir: plan.out_dir.clone(),
        settings,
        context,
        known_tests: next(),
        test_management: next(),
        flaky_tests: next(),
    };
    let summary = tree::write_tree(repo_root, input).map_err(|e| io_err(&plan.out_dir, e))?;
    for (endpoint, tests) in [
        Endpoint::KnownTests,
        Endpoint::TestManagement,
        Endpoint::FlakyTests,
    ]
    .into_iter()
    .zip(summary.tests)
    {
        telemetry.set_response_tests(endpoint, tests);
    }
    let facts = telemetry.facts(service, &runtime_name, &plan.dd_env);
    let facts_path = repo_root.join(&plan.out_dir).join("telemetry_facts.json");
    tree::write_generated(&facts_path, &facts).map_err(|e| io_err("telemetry_facts.json", e))?;
    let labels = summary.sorted_labels();
    let runtimes = runtimes::resolve(
        env,
        &plan.runtime_name,
        &plan.runtime_module_path,
        Some(&plan.workspace_root),
        &labels,
    );
    let export = generate::export_bzl(&ExportData {
        repo_name,
        service_name: service,
        out_dir: &plan.out_dir,
        labels: &labels,
        runtimes: &runtimes,
    });
    let files = [
        ("export.bzl", export),
        ("BUILD", generate::build_file(&plan.out_dir, &labels)),
        (
            "module_runfiles.bzl",
            generate::MODULE_RUNFILES_BZL.to_owned(),
        ),
    ];
    for (name, text) in files {
        write_atomic(&repo_root.join(name), text.as_bytes()).map_err(|e| io_err(name, e))?;
    }
    log.out(&format!(
        "service {service:?}: {} module(s), {} files in {}",
        labels.len(),
        summary.files + 3,
        repo_root.join(&plan.out_dir).display()
    ));
    Ok(())
}

fn request_meta(plan: &Plan, meta: &Meta, os: &HostOs, service: &str) -> RequestMeta {
    let runtime_arch = if plan.runtime_arch.is_empty() {
        os.arch.clone()
    } else {
        plan.runtime_arch.clone()
    };
    RequestMeta {
        service: service.to_owned(),
        env: plan.dd_env.clone(),
        repository_url: meta.get("repository_url").to_owned(),
        branch: meta.get("branch").to_owned(),
        sha: meta.get("sha").to_owned(),
        head_sha: meta.get("head_sha").to_owned(),
        commit_message: meta.get("commit_message").to_owned(),
        head_message: meta.get("head_message").to_owned(),
        configurations: json!({
            "os.architecture": os.arch,
            "os.platform": os.platform,
            "os.version": os.version,
            "runtime.architecture": runtime_arch,
            "runtime.name": inputs::runtime_or_unknown(&plan.runtime_name),
            "runtime.version": inputs::runtime_or_unknown(&plan.runtime_version),
        }),
    }
}

/// Sends requests and applies the failure policy.
struct Fetcher<'a> {
    plan: &'a Plan,
    client: &'a Client,
    repo_root: &'a Path,
    log: &'a Log,
    telemetry: &'a mut Telemetry,
}

impl Fetcher<'_> {
    /// The raw and decoded response; `None` when it failed and `--on-error=stub` applies.
    fn request(
        &mut self,
        endpoint: Endpoint,
        meta: &RequestMeta,
    ) -> Result<Option<(Vec<u8>, Value)>, SyncError> {
        let body = requests::body(endpoint, meta);
        let body_file = self.repo_root.join(endpoint.request_file());
        write_atomic(&body_file, body.as_bytes())
            .map_err(|e| SyncError::Failed(format!("cannot write {}: {e}", body_file.display())))?;
        let url = format!("{}/{}", self.plan.base_url, endpoint.path());
        self.log
            .debug(&format!("POST {} body {body}", redact::url(&url)));
        let log = self.log;
        let mut warn = |line: String| log.warn(&line);
        let outcome = self.client.post_json(&url, body.as_bytes(), &mut warn);
        let failure = match outcome {
            Ok(response) => {
                // Settings are decoded here; bundles are only checked and then split module by
                // module by the tree writer.
                let checked = if endpoint == Endpoint::Settings {
                    requests::parse_object(&response.body)
                } else {
                    requests::check_object(&response.body).map(|()| Value::Null)
                };
                match checked {
                    Ok(parsed) => {
                        self.log.debug(&format!(
                            "{} response ({} bytes): {}",
                            endpoint.name(),
                            response.body.len(),
                            String::from_utf8_lossy(&response.body)
                        ));
                        let ms = u64::try_from(response.elapsed.as_millis()).unwrap_or(u64::MAX);
                        let bytes = response.body.len() as u64;
                        self.telemetry.record(endpoint, ms, bytes, &parsed);
                        return Ok(Some((response.body, parsed)));
                    }
                    Err(why) => Failure {
                        kind: FailureKind::Answer,
                        status: Some(response.status),
                        reason: why,
                        attempts: response.attempts,
                        excerpt: redact::excerpt(&response.body),
                    },
                }
            }
            Err(failure) => failure,
        };
        let message = failure_message(endpoint, &url, &failure, &body, self.plan);
        match self.plan.on_error {
            OnError::Fail => Err(SyncError::Failed(message)),
            OnError::Stub => {
                self.log.warn(&format!(
                    "{message}\n!!! --on-error=stub: continuing with EMPTY {} data; this feature is \
                     turned off in settings.json for this sync. Tests run without fresh metadata.",
                    endpoint.name()
                ));
                Ok(None)
            }
        }
    }
}

fn failure_message(
    endpoint: Endpoint,
    url: &str,
    failure: &Failure,
    body: &str,
    plan: &Plan,
) -> String {
    let status = failure
        .status
        .map_or("no HTTP status".to_owned(), |s| format!("HTTP {s}"));
    let fix = match failure.status {
        _ if matches!(failure.kind, FailureKind::Redirect { .. }) => REDIRECT_HINT.to_owned(),
        _ if matches!(failure.kind, FailureKind::TooLarge { .. }) => format!(
            "raise --http-max-response-mb (now {}) if a response this large is expected",
            plan.policy.max_body >> 20
        ),
        Some(200..=299) => "the endpoint did not answer with a JSON object; check that DD_SITE / \
             DD_TEST_OPTIMIZATION_AGENTLESS_URL point at the Datadog API and not at a proxy page"
            .to_owned(),
        Some(401 | 403) => {
            "check that DD_API_KEY is a valid API key of the organisation on this DD_SITE"
                .to_owned()
        }
        Some(404) => "check DD_SITE / DD_TEST_OPTIMIZATION_AGENTLESS_URL".to_owned(),
        Some(408 | 429 | 500..=599) => format!(
            "the backend is unavailable or rate limiting; retry later or raise \
             --http-retry-attempts (now {}) / --http-retry-delay-seconds",
            plan.policy.retries
        ),
        Some(_) => "check the request below and the service/env values".to_owned(),
        None => format!(
            "check network access to {} (proxy variables HTTPS_PROXY/NO_PROXY, firewall) and \
             --http-connect-timeout-seconds / --http-max-time-seconds",
            redact::url(&plan.base_url)
        ),
    };
    let mut body_shown = body.to_owned();
    if !plan.debug && body_shown.len() > 500 {
        let mut cut = 500;
        while !body_shown.is_char_boundary(cut) {
            cut -= 1;
        }
        body_shown.truncate(cut);
        body_shown.push('…');
    }
    let skip = if endpoint == Endpoint::Settings {
        String::new()
    } else {
        format!(", skip this feature with {}=false", endpoint.switch_flag())
    };
    format!(
        "the {} request failed: POST {} → {status} ({}) after {} attempt(s).\n  response starts \
         with: {:?}\n  request body: {body_shown}\n  fix: {fix}{skip}, or pass --on-error=stub to \
         continue with empty metadata.",
        endpoint.name(),
        redact::url(url),
        failure.reason,
        failure.attempts,
        failure.excerpt,
    )
}
