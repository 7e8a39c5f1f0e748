//! One service's sync: its requests (settings, then each feature it enables), then its whole
//! sync repository (the payload tree, telemetry facts and generated Bazel files).

use std::path::Path;

use serde_json::{Value, json};

use super::context::{self, ContextInput, HostOs};
use super::env::Env;
use super::fetch::Fetcher;
use super::generate::{self, ExportData};
use super::http::Client;
use super::json::Json;
use super::log::{Log, SyncError};
use super::meta::Meta;
use super::plan::Plan;
use super::requests::{Endpoint, RequestMeta};
use super::telemetry::Telemetry;
use super::tree::{self, Bundle, TreeInput, TreeSummary, write_atomic};
use super::{inputs, runtimes, settings};

/// What every service of one `topt sync` shares.
#[derive(Debug)]
pub struct Shared<'a> {
    pub plan: &'a Plan,
    pub env: &'a Env,
    pub meta: &'a Meta,
    pub os: &'a HostOs,
    pub log: &'a Log,
}

/// Where one service goes: its name, its sync repository and that repository's apparent name.
#[derive(Debug)]
pub struct Target<'a> {
    pub service: &'a str,
    pub repo_root: &'a Path,
    pub repo_name: &'a str,
}

impl Target<'_> {
    fn io_error(&self, what: &str, e: std::io::Error) -> SyncError {
        SyncError::Failed(format!(
            "cannot write {what} under {}: {e}",
            self.repo_root.display()
        ))
    }
}

/// What the backend said for one service, kill-switches and failure policy applied.
struct Fetched {
    /// `settings.json` as written.
    settings: Vec<u8>,
    /// Known tests, test management, flaky tests.
    bundles: [Bundle; 3],
    telemetry: Telemetry,
}

/// Syncs one service into `target.repo_root` (a complete sync repository).
pub fn sync_service(shared: &Shared<'_>, target: &Target<'_>) -> Result<(), SyncError> {
    std::fs::create_dir_all(target.repo_root)
        .map_err(|e| target.io_error("the sync repository", e))?;
    // Request bodies describe the requests of this sync only (a switch may have turned one off).
    for endpoint in Endpoint::ALL {
        let _ = std::fs::remove_file(target.repo_root.join(endpoint.request_file()));
    }
    let fetched = fetch(shared, target)?;
    write(shared, target, fetched)
}

/// Settings first; then each feature that the settings and the local switch both enable.
fn fetch(shared: &Shared<'_>, target: &Target<'_>) -> Result<Fetched, SyncError> {
    let (plan, log) = (shared.plan, shared.log);
    let request_meta = request_meta(shared, target.service);
    let client = Client::new(plan.policy, &plan.api_key);
    let mut telemetry = Telemetry::default();
    let mut fetcher = Fetcher {
        plan,
        client: &client,
        repo_root: target.repo_root,
        log,
        telemetry: &mut telemetry,
    };
    let text = fetcher.request(Endpoint::Settings, &request_meta)?;
    let mut settings = match text.as_deref().map(Json::parse) {
        Some(Ok(parsed)) => parsed,
        Some(Err(e)) => {
            return Err(SyncError::Failed(format!(
                "cannot decode the settings response: {e}"
            )));
        }
        None => settings::stub(),
    };
    for (endpoint, enabled) in plan.switches {
        if !enabled {
            settings::disable_feature(&mut settings, endpoint);
        }
    }
    let mut bundles = [Bundle::Stub, Bundle::Stub, Bundle::Stub];
    for ((endpoint, _), bundle) in plan.switches.into_iter().zip(&mut bundles) {
        if !settings::feature_enabled(&settings, endpoint) {
            log.debug(&format!("{} is off; writing its stub", endpoint.name()));
            continue;
        }
        match fetcher.request(endpoint, &request_meta)? {
            Some(text) => *bundle = Bundle::Fetched(text),
            // A tracer told "feature on" with empty data would treat every test as new.
            None => settings::disable_feature(&mut settings, endpoint),
        }
    }
    telemetry.retag_settings(&settings);
    Ok(Fetched {
        settings: settings.generated(),
        bundles,
        telemetry,
    })
}

/// The payload tree, the telemetry facts, then the generated Bazel files.
fn write(shared: &Shared<'_>, target: &Target<'_>, fetched: Fetched) -> Result<(), SyncError> {
    let plan = shared.plan;
    let Fetched {
        settings,
        bundles: [known_tests, test_management, flaky_tests],
        mut telemetry,
    } = fetched;
    let input = TreeInput {
        out_dir: plan.out_dir.clone(),
        settings,
        context: context_json(shared, target.service),
        known_tests,
        test_management,
        flaky_tests,
    };
    let summary =
        tree::write_tree(target.repo_root, input).map_err(|e| target.io_error(&plan.out_dir, e))?;
    for (endpoint, tests) in Endpoint::BUNDLES.into_iter().zip(summary.tests) {
        telemetry.set_response_tests(endpoint, tests);
    }
    let runtime_name = inputs::runtime_or_unknown(&plan.runtime_name);
    let facts = telemetry.facts(target.service, &runtime_name, &plan.dd_env);
    let facts_path = target
        .repo_root
        .join(&plan.out_dir)
        .join("telemetry_facts.json");
    tree::write_generated(&facts_path, &facts)
        .map_err(|e| target.io_error("telemetry_facts.json", e))?;
    write_bazel_files(shared, target, &summary)
}

/// `export.bzl`, `BUILD` and `module_runfiles.bzl`, then the one-line summary.
fn write_bazel_files(
    shared: &Shared<'_>,
    target: &Target<'_>,
    summary: &TreeSummary,
) -> Result<(), SyncError> {
    let plan = shared.plan;
    let labels = summary.sorted_labels();
    let runtimes = runtimes::resolve(
        shared.env,
        &plan.runtime_name,
        &plan.runtime_module_path,
        Some(&plan.workspace_root),
        &labels,
    );
    let export = generate::export_bzl(&ExportData {
        repo_name: target.repo_name,
        service_name: target.service,
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
        write_atomic(&target.repo_root.join(name), text.as_bytes())
            .map_err(|e| target.io_error(name, e))?;
    }
    shared.log.out(&format!(
        "service {:?}: {} module(s), {} files in {}",
        target.service,
        labels.len(),
        summary.files + 3,
        target.repo_root.join(&plan.out_dir).display()
    ));
    Ok(())
}

fn context_json(shared: &Shared<'_>, service: &str) -> Value {
    let plan = shared.plan;
    context::context_json(
        shared.meta,
        &ContextInput {
            os: shared.os,
            runtime_name: &plan.runtime_name,
            runtime_version: &plan.runtime_version,
            runtime_arch: &plan.runtime_arch,
            service,
            env: &plan.dd_env,
            api_key: plan.api_key.expose(),
        },
    )
}

fn request_meta(shared: &Shared<'_>, service: &str) -> RequestMeta {
    let (plan, meta, os) = (shared.plan, shared.meta, shared.os);
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
