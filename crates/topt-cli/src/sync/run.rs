//! `topt sync` from the command line: validation, metadata collection, then one service (or
//! several plus the aggregator).

use std::process::ExitCode;

use super::args::Args;
use super::context;
use super::env::Env;
use super::log::{Log, SyncError};
use super::meta::Meta;
use super::plan::Plan;
use super::service::{Shared, Target, sync_service};
use super::{inputs, multi};

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
    let plan = Plan::new(args, env, services, log)?;
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
    let shared = Shared {
        plan: &plan,
        env,
        meta: &meta,
        os: &os,
        log,
    };
    match plan.services.as_slice() {
        [service] => sync_service(
            &shared,
            &Target {
                service,
                repo_root: &plan.repo_root,
                repo_name: &plan.repo_name,
            },
        ),
        _ => multi::sync_services(&shared),
    }
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
