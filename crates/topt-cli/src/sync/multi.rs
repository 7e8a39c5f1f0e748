//! Several services (docs/sync.md, "Multi-service aggregator").
//!
//! Two ways, both producing the reference's repository shapes:
//! * one call, `topt sync --repo-name N --service a --service b`: every service is synced into
//!   `<repo-root>/N_<key>/` and the aggregator is written to `<repo-root>/N/`;
//! * `topt sync --aggregate-only --repo-name N --service a --service b` writes only the
//!   aggregator into `<repo-root>` (no request): for a Bazel extension that runs one repository
//!   rule per service and one for the aggregator. The aggregator needs nothing but the names.

use std::path::Path;

use topt_core::labels::{dedup_keys, sanitize};

use super::generate::aggregator_files;
use super::log::{Log, SyncError};
use super::service::{Shared, Target, sync_service};
use super::tree::write_atomic;

/// `(key, repository name)` per service, in the given order: keys are the sanitised services,
/// de-duplicated without sorting.
pub fn service_repos(name: &str, services: &[String]) -> Vec<(String, String)> {
    let sanitized: Vec<String> = services.iter().map(|s| sanitize(s)).collect();
    dedup_keys(&sanitized)
        .into_iter()
        .map(|key| {
            let repo = format!("{name}_{key}");
            (key, repo)
        })
        .collect()
}

pub fn write_aggregator(
    dir: &Path,
    name: &str,
    services: &[String],
    log: &Log,
) -> Result<(), SyncError> {
    if services.is_empty() {
        return Err(SyncError::Usage(
            "no service given; pass --service at least once".into(),
        ));
    }
    let repos = service_repos(name, services);
    let (aggregate, export, build) = aggregator_files(&repos);
    for (file, text) in [
        ("aggregate.bzl", aggregate),
        ("export.bzl", export),
        ("BUILD", build),
    ] {
        write_atomic(&dir.join(file), text.as_bytes()).map_err(|e| {
            SyncError::Failed(format!("cannot write {file} in {}: {e}", dir.display()))
        })?;
    }
    let list: Vec<String> = repos.iter().map(|(_, repo)| format!("@{repo}")).collect();
    log.out(&format!(
        "aggregator @{name} over {} written to {}",
        list.join(", "),
        dir.display()
    ));
    Ok(())
}

/// Syncs every service into `<repo-root>/<repo-name>_<key>/`, then writes the aggregator into
/// `<repo-root>/<repo-name>/`.
pub fn sync_services(shared: &Shared<'_>) -> Result<(), SyncError> {
    let plan = shared.plan;
    let repos = service_repos(&plan.repo_name, &plan.services);
    for (service, (_, repo)) in plan.services.iter().zip(&repos) {
        let target = Target {
            service,
            repo_root: &plan.repo_root.join(repo),
            repo_name: repo,
        };
        sync_service(shared, &target)?;
    }
    write_aggregator(
        &plan.repo_root.join(&plan.repo_name),
        &plan.repo_name,
        &plan.services,
        shared.log,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_given_order() {
        let services = [
            "Checkout API".to_owned(),
            "checkout-api".to_owned(),
            "b".to_owned(),
        ];
        let repos = service_repos("t", &services);
        assert_eq!(
            repos,
            [
                ("checkout_api".to_owned(), "t_checkout_api".to_owned()),
                ("checkout_api_2".to_owned(), "t_checkout_api_2".to_owned()),
                ("b".to_owned(), "t_b".to_owned()),
            ]
        );
    }
}
