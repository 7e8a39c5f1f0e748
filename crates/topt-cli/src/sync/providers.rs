//! CI provider detection and field mapping, as data: one table per provider of (metadata field,
//! where its value comes from). The first provider whose detection variable is set wins; the
//! table below is rendered into docs/sync.md ("CI providers"), and a test keeps the two equal.

use serde_json::{Map, Value};

use super::env::Env;
use super::meta::{Meta, normalize_ref};

/// Where a metadata field's value comes from.
#[derive(Debug)]
enum Source {
    /// The first non-empty of these variables (`""` if none).
    Var(&'static [&'static str]),
    /// The text with each `{VAR}` replaced by the variable (`{A|B}`: the first non-empty of `A`
    /// and `B`); `""` unless every placeholder has a value, except `{?VAR}`, which may be empty.
    Template(&'static str),
    /// A compact, key-sorted JSON object of the variables that are set (`""` if none).
    EnvSubset(&'static [&'static str]),
    /// The first of these sources that is non-empty.
    Or(&'static [Source]),
    /// Computed by a small function.
    Computed(&'static Rule),
}

/// A computed field: the function, and what it does in words (for docs/sync.md).
#[derive(Debug)]
struct Rule {
    value: fn(&Env) -> String,
    // Read only by the test that renders docs/sync.md's table.
    #[cfg_attr(not(test), allow(dead_code))]
    doc: &'static str,
}

use Source::{Computed, EnvSubset, Or, Template, Var};

/// The pseudo-field of a ref that becomes the tag (normalised) when it contains `tags/` and
/// the branch (as is) otherwise.
const BRANCH_OR_TAG: &str = "branch or tag";

#[derive(Debug)]
struct Provider {
    id: &'static str,
    /// The variable that selects the provider, and the prefix its value must have; a set
    /// variable without that prefix ends detection with no provider (AWS CodeBuild outside
    /// CodePipeline).
    detect: (&'static str, &'static str),
    fields: &'static [(&'static str, Source)],
}

/// Every provider, in detection order.
#[rustfmt::skip]
const PROVIDERS: &[Provider] = &[
    Provider { id: "appveyor", detect: ("APPVEYOR", ""), fields: &[
        ("repository_url", Computed(&APPVEYOR_REPOSITORY)),
        ("sha", Var(&["APPVEYOR_REPO_COMMIT"])),
        ("branch", Var(&["APPVEYOR_PULL_REQUEST_HEAD_REPO_BRANCH", "APPVEYOR_REPO_BRANCH"])),
        ("tag", Var(&["APPVEYOR_REPO_TAG_NAME"])),
        ("workspace_path", Var(&["APPVEYOR_BUILD_FOLDER"])),
        ("pipeline_id", Var(&["APPVEYOR_BUILD_ID"])),
        ("pipeline_name", Var(&["APPVEYOR_REPO_NAME"])),
        ("pipeline_number", Var(&["APPVEYOR_BUILD_NUMBER"])),
        ("pipeline_url", APPVEYOR_BUILD_URL),
        ("job_url", APPVEYOR_BUILD_URL),
        ("commit_message", Computed(&APPVEYOR_MESSAGE)),
        ("commit_author_name", Var(&["APPVEYOR_REPO_COMMIT_AUTHOR"])),
        ("commit_author_email", Var(&["APPVEYOR_REPO_COMMIT_AUTHOR_EMAIL"])),
        ("pr_base_branch", Var(&["APPVEYOR_REPO_BRANCH"])),
        ("head_sha", Var(&["APPVEYOR_PULL_REQUEST_HEAD_COMMIT"])),
        ("pr_number", Var(&["APPVEYOR_PULL_REQUEST_NUMBER"])),
    ]},
    Provider { id: "azurepipelines", detect: ("TF_BUILD", ""), fields: &[
        (BRANCH_OR_TAG, Var(&["SYSTEM_PULLREQUEST_SOURCEBRANCH", "BUILD_SOURCEBRANCH",
                              "BUILD_SOURCEBRANCHNAME"])),
        ("repository_url", Var(&["SYSTEM_PULLREQUEST_SOURCEREPOSITORYURI",
                                 "BUILD_REPOSITORY_URI"])),
        ("sha", Var(&["SYSTEM_PULLREQUEST_SOURCECOMMITID", "BUILD_SOURCEVERSION"])),
        ("commit_message", Var(&["BUILD_SOURCEVERSIONMESSAGE"])),
        ("workspace_path", Var(&["BUILD_SOURCESDIRECTORY"])),
        ("pipeline_id", Var(&["BUILD_BUILDID"])),
        ("pipeline_number", Var(&["BUILD_BUILDID"])),
        ("pipeline_name", Var(&["BUILD_DEFINITIONNAME"])),
        ("pipeline_url", Template("{SYSTEM_TEAMFOUNDATIONSERVERURI}{SYSTEM_TEAMPROJECTID}\
                 /_build/results?buildId={BUILD_BUILDID}")),
        ("job_url", Template("{SYSTEM_TEAMFOUNDATIONSERVERURI}{SYSTEM_TEAMPROJECTID}\
                 /_build/results?buildId={BUILD_BUILDID}\
                 &view=logs&j={?SYSTEM_JOBID}&t={?SYSTEM_TASKINSTANCEID}")),
        ("stage_name", Var(&["SYSTEM_STAGEDISPLAYNAME"])),
        ("job_id", Var(&["SYSTEM_JOBID"])),
        ("job_name", Var(&["SYSTEM_JOBDISPLAYNAME"])),
        ("commit_author_name", Var(&["BUILD_REQUESTEDFORID"])),
        ("commit_author_email", Var(&["BUILD_REQUESTEDFOREMAIL"])),
        ("pr_base_branch", Var(&["SYSTEM_PULLREQUEST_TARGETBRANCH"])),
        ("pr_number", Var(&["SYSTEM_PULLREQUEST_PULLREQUESTNUMBER"])),
        ("env_vars", EnvSubset(&["SYSTEM_TEAMPROJECTID", "BUILD_BUILDID", "SYSTEM_JOBID"])),
    ]},
    Provider { id: "bitbucket", detect: ("BITBUCKET_COMMIT", ""), fields: &[
        ("repository_url", Or(&[Var(&["BITBUCKET_GIT_SSH_ORIGIN", "BITBUCKET_GIT_HTTP_ORIGIN"]),
                                Template("https://bitbucket.org/{BITBUCKET_REPO_SLUG}.git")])),
        ("sha", Var(&["BITBUCKET_COMMIT"])),
        ("branch", Var(&["BITBUCKET_BRANCH"])),
        ("tag", Var(&["BITBUCKET_TAG"])),
        ("workspace_path", Var(&["BITBUCKET_CLONE_DIR"])),
        ("pipeline_id", Computed(&BITBUCKET_PIPELINE_ID)),
        ("pipeline_number", Var(&["BITBUCKET_BUILD_NUMBER"])),
        ("pipeline_name", Var(&["BITBUCKET_REPO_FULL_NAME"])),
        ("pipeline_url", BITBUCKET_RESULTS_URL),
        ("job_url", BITBUCKET_RESULTS_URL),
        ("pr_base_branch", Var(&["BITBUCKET_PR_DESTINATION_BRANCH"])),
        ("pr_number", Var(&["BITBUCKET_PR_ID"])),
    ]},
    Provider { id: "buddy", detect: ("BUDDY", ""), fields: &[
        ("pipeline_id", Template("{BUDDY_PIPELINE_ID}/{BUDDY_EXECUTION_ID}")),
        ("pipeline_name", Var(&["BUDDY_PIPELINE_NAME"])),
        ("pipeline_number", Var(&["BUDDY_EXECUTION_ID"])),
        ("pipeline_url", Var(&["BUDDY_EXECUTION_URL"])),
        ("sha", Var(&["BUDDY_EXECUTION_REVISION", "BUDDY_EXECUTION_REVISION_COMMIT_ID"])),
        ("repository_url", Var(&["BUDDY_SCM_URL", "BUDDY_REPO_URL"])),
        ("branch", Var(&["BUDDY_EXECUTION_BRANCH", "BUDDY_EXECUTION_BRANCH_NAME"])),
        ("tag", Var(&["BUDDY_EXECUTION_TAG"])),
        ("commit_message", Var(&["BUDDY_EXECUTION_REVISION_MESSAGE"])),
        ("commit_committer_name", Var(&["BUDDY_EXECUTION_REVISION_COMMITTER_NAME"])),
        ("commit_committer_email", Var(&["BUDDY_EXECUTION_REVISION_COMMITTER_EMAIL"])),
        ("pr_base_branch", Var(&["BUDDY_RUN_PR_BASE_BRANCH"])),
        ("pr_number", Var(&["BUDDY_RUN_PR_NO"])),
    ]},
    Provider { id: "buildkite", detect: ("BUILDKITE", ""), fields: &[
        ("branch", Var(&["BUILDKITE_BRANCH"])),
        ("sha", Var(&["BUILDKITE_COMMIT"])),
        ("repository_url", Var(&["BUILDKITE_REPO"])),
        ("tag", Var(&["BUILDKITE_TAG"])),
        ("pipeline_id", Var(&["BUILDKITE_BUILD_ID"])),
        ("pipeline_name", Var(&["BUILDKITE_PIPELINE_SLUG"])),
        ("pipeline_number", Var(&["BUILDKITE_BUILD_NUMBER"])),
        ("pipeline_url", Var(&["BUILDKITE_BUILD_URL"])),
        ("job_id", Var(&["BUILDKITE_JOB_ID"])),
        ("job_url", Template("{BUILDKITE_BUILD_URL}#{BUILDKITE_JOB_ID}")),
        ("workspace_path", Var(&["BUILDKITE_BUILD_CHECKOUT_PATH"])),
        ("commit_message", Var(&["BUILDKITE_MESSAGE"])),
        ("commit_author_name", Var(&["BUILDKITE_BUILD_AUTHOR"])),
        ("commit_author_email", Var(&["BUILDKITE_BUILD_AUTHOR_EMAIL"])),
        ("node_name", Var(&["BUILDKITE_AGENT_ID"])),
        ("node_labels", Computed(&BUILDKITE_LABELS)),
        ("pr_base_branch", Var(&["BUILDKITE_PULL_REQUEST_BASE_BRANCH"])),
        // Buildkite sets `false` on builds that are not pull requests; passed through.
        ("pr_number", Var(&["BUILDKITE_PULL_REQUEST"])),
        ("env_vars", EnvSubset(&["BUILDKITE_BUILD_ID", "BUILDKITE_JOB_ID"])),
    ]},
    Provider { id: "circleci", detect: ("CIRCLECI", ""), fields: &[
        ("repository_url", Var(&["CIRCLE_REPOSITORY_URL"])),
        ("sha", Var(&["CIRCLE_SHA1"])),
        ("tag", Var(&["CIRCLE_TAG"])),
        ("branch", Var(&["CIRCLE_BRANCH"])),
        ("workspace_path", Var(&["CIRCLE_WORKING_DIRECTORY"])),
        ("pipeline_id", Var(&["CIRCLE_WORKFLOW_ID"])),
        ("pipeline_name", Var(&["CIRCLE_PROJECT_REPONAME"])),
        ("pipeline_number", Var(&["CIRCLE_BUILD_NUM"])),
        ("pipeline_url",
         Template("https://app.circleci.com/pipelines/workflows/{CIRCLE_WORKFLOW_ID}")),
        ("job_name", Var(&["CIRCLE_JOB"])),
        ("job_id", Var(&["CIRCLE_BUILD_NUM"])),
        ("job_url", Var(&["CIRCLE_BUILD_URL"])),
        ("pr_number", Var(&["CIRCLE_PR_NUMBER"])),
        ("env_vars", EnvSubset(&["CIRCLE_BUILD_NUM", "CIRCLE_WORKFLOW_ID"])),
    ]},
    Provider { id: "github", detect: ("GITHUB_SHA", ""), fields: &[
        (BRANCH_OR_TAG, Var(&["GITHUB_HEAD_REF", "GITHUB_REF"])),
        ("repository_url", Computed(&GITHUB_REPOSITORY)),
        ("sha", Var(&["GITHUB_SHA"])),
        ("pr_base_branch", Var(&["GITHUB_BASE_REF"])),
        ("workspace_path", Var(&["GITHUB_WORKSPACE"])),
        ("pipeline_number", Var(&["GITHUB_RUN_NUMBER"])),
        ("pipeline_name", Var(&["GITHUB_WORKFLOW"])),
        ("pipeline_id", Var(&["GITHUB_RUN_ID"])),
        ("pipeline_url", Computed(&GITHUB_PIPELINE_URL)),
        ("job_name", Computed(&GITHUB_JOB_NAME)),
        ("job_id", Computed(&GITHUB_JOB_ID)),
        ("job_url", Computed(&GITHUB_JOB_URL)),
        ("env_vars", EnvSubset(&["GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID",
                                 "GITHUB_RUN_ATTEMPT"])),
    ]},
    Provider { id: "gitlab", detect: ("GITLAB_CI", ""), fields: &[
        // Userinfo such as `gitlab-ci-token:…@` is stripped when the record is normalised.
        ("repository_url", Var(&["CI_REPOSITORY_URL"])),
        ("sha", Var(&["CI_COMMIT_SHA"])),
        // A tag pipeline has no CI_COMMIT_BRANCH, so its branch is the tag name.
        ("branch", Var(&["CI_COMMIT_BRANCH", "CI_COMMIT_REF_NAME"])),
        ("tag", Var(&["CI_COMMIT_TAG"])),
        ("workspace_path", Var(&["CI_PROJECT_DIR"])),
        ("pipeline_id", Var(&["CI_PIPELINE_ID"])),
        ("pipeline_name", Var(&["CI_PROJECT_PATH"])),
        ("pipeline_number", Var(&["CI_PIPELINE_IID"])),
        ("pipeline_url", Var(&["CI_PIPELINE_URL"])),
        ("job_url", Var(&["CI_JOB_URL"])),
        ("job_id", Var(&["CI_JOB_ID"])),
        ("job_name", Var(&["CI_JOB_NAME"])),
        ("stage_name", Var(&["CI_JOB_STAGE"])),
        ("commit_message", Var(&["CI_COMMIT_MESSAGE"])),
        ("node_name", Var(&["CI_RUNNER_ID"])),
        ("node_labels", Var(&["CI_RUNNER_TAGS"])),
        ("commit_author_name", Computed(&GITLAB_AUTHOR_NAME)),
        ("commit_author_email", Computed(&GITLAB_AUTHOR_EMAIL)),
        ("commit_author_date", Var(&["CI_COMMIT_TIMESTAMP"])),
        ("env_vars", EnvSubset(&["CI_PROJECT_URL", "CI_PIPELINE_ID", "CI_JOB_ID"])),
        ("head_sha", Var(&["CI_MERGE_REQUEST_SOURCE_BRANCH_SHA"])),
        ("pr_base_branch_head_sha", Var(&["CI_MERGE_REQUEST_TARGET_BRANCH_SHA"])),
        ("pr_base_branch_sha", Var(&["CI_MERGE_REQUEST_DIFF_BASE_SHA"])),
        ("pr_base_branch", Var(&["CI_MERGE_REQUEST_TARGET_BRANCH_NAME"])),
        ("pr_number", Var(&["CI_MERGE_REQUEST_IID"])),
    ]},
    Provider { id: "jenkins", detect: ("JENKINS_URL", ""), fields: &[
        ("repository_url", Var(&["GIT_URL", "GIT_URL_1"])),
        ("sha", Var(&["GIT_COMMIT"])),
        (BRANCH_OR_TAG, Var(&["GIT_BRANCH"])),
        ("workspace_path", Var(&["WORKSPACE"])),
        ("pipeline_id", Var(&["BUILD_TAG"])),
        ("pipeline_number", Var(&["BUILD_NUMBER"])),
        ("pipeline_url", Var(&["BUILD_URL"])),
        ("pipeline_name", Computed(&JENKINS_PIPELINE_NAME)),
        ("node_name", Var(&["NODE_NAME"])),
        ("node_labels", Computed(&JENKINS_LABELS)),
        ("pr_number", Var(&["CHANGE_ID"])),
        ("pr_base_branch", Var(&["CHANGE_TARGET"])),
        ("env_vars", EnvSubset(&["DD_CUSTOM_TRACE_ID"])),
    ]},
    Provider { id: "teamcity", detect: ("TEAMCITY_VERSION", ""), fields: &[
        // No git fields: they come from the local git checkout.
        ("job_url", Var(&["BUILD_URL"])),
        ("job_name", Var(&["TEAMCITY_BUILDCONF_NAME"])),
        ("pr_number", Var(&["TEAMCITY_PULLREQUEST_NUMBER"])),
        ("pr_base_branch", Var(&["TEAMCITY_PULLREQUEST_TARGET_BRANCH"])),
    ]},
    Provider { id: "travisci", detect: ("TRAVIS", ""), fields: &[
        ("repository_url",
         Template("https://github.com/{TRAVIS_PULL_REQUEST_SLUG|TRAVIS_REPO_SLUG}.git")),
        ("sha", Var(&["TRAVIS_COMMIT"])),
        ("tag", Var(&["TRAVIS_TAG"])),
        ("branch", Var(&["TRAVIS_PULL_REQUEST_BRANCH", "TRAVIS_BRANCH"])),
        ("workspace_path", Var(&["TRAVIS_BUILD_DIR"])),
        ("pipeline_id", Var(&["TRAVIS_BUILD_ID"])),
        ("pipeline_number", Var(&["TRAVIS_BUILD_NUMBER"])),
        ("pipeline_name", Var(&["TRAVIS_PULL_REQUEST_SLUG", "TRAVIS_REPO_SLUG"])),
        ("pipeline_url", Var(&["TRAVIS_BUILD_WEB_URL"])),
        ("job_url", Var(&["TRAVIS_JOB_WEB_URL"])),
        ("commit_message", Var(&["TRAVIS_COMMIT_MESSAGE"])),
        ("pr_base_branch", Var(&["TRAVIS_BRANCH"])),
        ("head_sha", Var(&["TRAVIS_PULL_REQUEST_SHA"])),
        ("pr_number", Var(&["TRAVIS_PULL_REQUEST"])),
    ]},
    Provider { id: "bitrise", detect: ("BITRISE_BUILD_SLUG", ""), fields: &[
        ("repository_url", Var(&["GIT_REPOSITORY_URL", "BITRISE_GIT_REPOSITORY_URL"])),
        ("sha", Var(&["BITRISE_GIT_COMMIT", "GIT_CLONE_COMMIT_HASH"])),
        ("branch", Var(&["BITRISEIO_PULL_REQUEST_HEAD_BRANCH", "BITRISE_GIT_BRANCH"])),
        ("tag", Var(&["BITRISE_GIT_TAG"])),
        ("workspace_path", Var(&["BITRISE_SOURCE_DIR"])),
        ("pipeline_id", Var(&["BITRISE_BUILD_SLUG"])),
        ("pipeline_name", Var(&["BITRISE_TRIGGERED_WORKFLOW_ID"])),
        ("pipeline_number", Var(&["BITRISE_BUILD_NUMBER"])),
        ("pipeline_url", Var(&["BITRISE_BUILD_URL"])),
        ("commit_message", Var(&["BITRISE_GIT_MESSAGE"])),
        ("pr_base_branch", Var(&["BITRISEIO_GIT_BRANCH_DEST"])),
        ("pr_number", Var(&["BITRISE_PULL_REQUEST"])),
    ]},
    Provider { id: "codefresh", detect: ("CF_BUILD_ID", ""), fields: &[
        // CF_REVISION and CF_REPO_URL are not mapped, as in the reference.
        ("pipeline_id", Var(&["CF_BUILD_ID"])),
        ("pipeline_name", Var(&["CF_PIPELINE_NAME"])),
        ("pipeline_url", Var(&["CF_BUILD_URL"])),
        ("job_name", Var(&["CF_STEP_NAME"])),
        ("env_vars", EnvSubset(&["CF_BUILD_ID"])),
        (BRANCH_OR_TAG, Var(&["CF_BRANCH"])),
        ("pr_base_branch", Var(&["CF_PULL_REQUEST_TARGET"])),
        ("pr_number", Var(&["CF_PULL_REQUEST_NUMBER"])),
    ]},
    Provider { id: "awscodepipeline", detect: ("CODEBUILD_INITIATOR", "codepipeline"), fields: &[
        ("pipeline_id", Var(&["DD_PIPELINE_EXECUTION_ID"])),
        ("job_id", Var(&["DD_ACTION_EXECUTION_ID"])),
        ("env_vars", EnvSubset(&["CODEBUILD_BUILD_ARN", "DD_ACTION_EXECUTION_ID",
                                 "DD_PIPELINE_EXECUTION_ID"])),
    ]},
    Provider { id: "drone", detect: ("DRONE", ""), fields: &[
        ("branch", Var(&["DRONE_BRANCH"])),
        ("sha", Var(&["DRONE_COMMIT_SHA"])),
        ("repository_url", Var(&["DRONE_GIT_HTTP_URL"])),
        ("tag", Var(&["DRONE_TAG"])),
        ("pipeline_number", Var(&["DRONE_BUILD_NUMBER"])),
        ("pipeline_url", Var(&["DRONE_BUILD_LINK"])),
        ("commit_message", Var(&["DRONE_COMMIT_MESSAGE"])),
        ("commit_author_name", Var(&["DRONE_COMMIT_AUTHOR_NAME"])),
        ("commit_author_email", Var(&["DRONE_COMMIT_AUTHOR_EMAIL"])),
        ("workspace_path", Var(&["DRONE_WORKSPACE"])),
        ("job_name", Var(&["DRONE_STEP_NAME"])),
        ("stage_name", Var(&["DRONE_STAGE_NAME"])),
        ("pr_number", Var(&["DRONE_PULL_REQUEST"])),
        ("pr_base_branch", Var(&["DRONE_TARGET_BRANCH"])),
    ]},
];

const APPVEYOR_BUILD_URL: Source =
    Template("https://ci.appveyor.com/project/{APPVEYOR_REPO_NAME}/builds/{APPVEYOR_BUILD_ID}");

const BITBUCKET_RESULTS_URL: Source = Template(
    "https://bitbucket.org/{BITBUCKET_REPO_FULL_NAME}/addon/pipelines/home#!/results/\
     {BITBUCKET_BUILD_NUMBER}",
);

/// Fills `meta` from the first detected provider. Returns the provider id, or `None`.
pub fn extract(env: &Env, meta: &mut Meta) -> Option<&'static str> {
    let provider = PROVIDERS.iter().find(|p| !env.get(p.detect.0).is_empty())?;
    if !env.get(provider.detect.0).starts_with(provider.detect.1) {
        return None;
    }
    for (field, source) in provider.fields {
        let value = source.value(env);
        if *field != BRANCH_OR_TAG {
            meta.set(field, &value);
        } else if value.contains("tags/") {
            meta.set("tag", &normalize_ref(&value));
        } else {
            meta.set("branch", &value);
        }
    }
    meta.set("provider", provider.id);
    Some(provider.id)
}

impl Source {
    fn value(&self, env: &Env) -> String {
        match self {
            Var(names) => env.first(names).to_owned(),
            Template(text) => render(text, env),
            EnvSubset(names) => env_subset(env, names),
            Or(sources) => sources
                .iter()
                .map(|s| s.value(env))
                .find(|v| !v.is_empty())
                .unwrap_or_default(),
            Computed(rule) => (rule.value)(env),
        }
    }
}

/// Fills a [`Source::Template`].
fn render(template: &str, env: &Env) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some((head, tail)) = rest.split_once('{') {
        out.push_str(head);
        let Some((spec, after)) = tail.split_once('}') else {
            // An unclosed brace is text.
            out.push('{');
            out.push_str(tail);
            return out;
        };
        let (optional, names) = match spec.strip_prefix('?') {
            Some(names) => (true, names),
            None => (false, spec),
        };
        let value = names
            .split('|')
            .map(|name| env.get(name))
            .find(|v| !v.is_empty())
            .unwrap_or("");
        if value.is_empty() && !optional {
            return String::new();
        }
        out.push_str(value);
        rest = after;
    }
    out.push_str(rest);
    out
}

/// A compact, key-sorted JSON object string of the non-empty variables (`""` if none).
fn env_subset(env: &Env, names: &[&str]) -> String {
    let map: Map<String, Value> = names
        .iter()
        .filter(|n| !env.get(n).is_empty())
        .map(|n| ((*n).to_owned(), Value::String(env.get(n).to_owned())))
        .collect();
    if map.is_empty() {
        String::new()
    } else {
        Value::Object(map).to_string()
    }
}

fn json_list(items: Vec<String>) -> String {
    if items.is_empty() {
        String::new()
    } else {
        Value::from(items).to_string()
    }
}

const APPVEYOR_REPOSITORY: Rule = Rule {
    value: appveyor_repository,
    doc: "`https://github.com/<APPVEYOR_REPO_NAME>.git` when `APPVEYOR_REPO_PROVIDER` is \
          `github`, else `APPVEYOR_REPO_NAME`",
};

fn appveyor_repository(env: &Env) -> String {
    let name = env.get("APPVEYOR_REPO_NAME");
    if env.get("APPVEYOR_REPO_PROVIDER") == "github" && !name.is_empty() {
        format!("https://github.com/{name}.git")
    } else {
        name.to_owned()
    }
}

const APPVEYOR_MESSAGE: Rule = Rule {
    value: appveyor_message,
    doc: "`APPVEYOR_REPO_COMMIT_MESSAGE`, then a newline and \
          `APPVEYOR_REPO_COMMIT_MESSAGE_EXTENDED` when that is set",
};

fn appveyor_message(env: &Env) -> String {
    let message = env.get("APPVEYOR_REPO_COMMIT_MESSAGE");
    match env.get("APPVEYOR_REPO_COMMIT_MESSAGE_EXTENDED") {
        "" => message.to_owned(),
        extended => format!("{message}\n{extended}"),
    }
}

const BITBUCKET_PIPELINE_ID: Rule = Rule {
    value: bitbucket_pipeline_id,
    doc: "`BITBUCKET_PIPELINE_UUID` without its surrounding `{}`",
};

fn bitbucket_pipeline_id(env: &Env) -> String {
    let uuid = env.get("BITBUCKET_PIPELINE_UUID");
    uuid.trim_start_matches('{')
        .trim_end_matches('}')
        .to_owned()
}

const BUILDKITE_LABELS: Rule = Rule {
    value: buildkite_labels,
    doc: "`<lowercased suffix>:<value>` of every non-empty \
          `BUILDKITE_AGENT_META_DATA_*` variable, sorted descending, as a JSON array",
};

fn buildkite_labels(env: &Env) -> String {
    let prefix = "BUILDKITE_AGENT_META_DATA_";
    let mut labels: Vec<String> = env
        .with_prefix(prefix)
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{}:{v}", k[prefix.len()..].to_ascii_lowercase()))
        .collect();
    labels.sort_by(|a, b| b.cmp(a));
    json_list(labels)
}

/// The server URL (default `https://github.com`, no trailing `/`).
fn github_server(env: &Env) -> &str {
    match env.get("GITHUB_SERVER_URL") {
        "" => "https://github.com",
        s => s,
    }
    .trim_end_matches('/')
}

const GITHUB_REPOSITORY: Rule = Rule {
    value: github_repository,
    doc: "`<server>/<GITHUB_REPOSITORY>.git`, where the server is \
          `GITHUB_SERVER_URL` (default `https://github.com`) without a trailing `/`",
};

fn github_repository(env: &Env) -> String {
    match env.get("GITHUB_REPOSITORY") {
        "" => String::new(),
        repo => format!("{}/{repo}.git", github_server(env)),
    }
}

/// `<server>/<repository>/actions/runs/<run id>` when the run id and the repository are set;
/// the job fields exist only then.
fn github_run(env: &Env) -> Option<String> {
    let (repo, run_id) = (env.get("GITHUB_REPOSITORY"), env.get("GITHUB_RUN_ID"));
    (!repo.is_empty() && !run_id.is_empty())
        .then(|| format!("{}/{repo}/actions/runs/{run_id}", github_server(env)))
}

const GITHUB_PIPELINE_URL: Rule = Rule {
    value: github_pipeline_url,
    doc: "with `GITHUB_RUN_ID` and `GITHUB_REPOSITORY` set: \
          `<server>/<repository>/actions/runs/<GITHUB_RUN_ID>`, plus \
          `/attempts/<GITHUB_RUN_ATTEMPT>` when that is set",
};

fn github_pipeline_url(env: &Env) -> String {
    let Some(run) = github_run(env) else {
        return String::new();
    };
    match env.get("GITHUB_RUN_ATTEMPT") {
        "" => run,
        attempt => format!("{run}/attempts/{attempt}"),
    }
}

const GITHUB_JOB_NAME: Rule = Rule {
    value: github_job_name,
    doc: "`GITHUB_JOB`, with `GITHUB_RUN_ID` and `GITHUB_REPOSITORY` set",
};

fn github_job_name(env: &Env) -> String {
    github_run(env).map_or_else(String::new, |_| env.get("GITHUB_JOB").to_owned())
}

const GITHUB_JOB_ID: Rule = Rule {
    value: github_job_id,
    doc: "with `GITHUB_RUN_ID` and `GITHUB_REPOSITORY` set: `JOB_CHECK_RUN_ID`, \
          else `GITHUB_JOB`",
};

fn github_job_id(env: &Env) -> String {
    github_run(env).map_or_else(String::new, |_| {
        env.first(&["JOB_CHECK_RUN_ID", "GITHUB_JOB"]).to_owned()
    })
}

const GITHUB_JOB_URL: Rule = Rule {
    value: github_job_url,
    doc: "with `GITHUB_RUN_ID` and `GITHUB_REPOSITORY` set: \
          `<server>/<repository>/actions/runs/<GITHUB_RUN_ID>/job/<JOB_CHECK_RUN_ID>`, \
          or without a check-run id `<server>/<repository>/commit/<GITHUB_SHA>/checks`",
};

fn github_job_url(env: &Env) -> String {
    let Some(run) = github_run(env) else {
        return String::new();
    };
    match env.get("JOB_CHECK_RUN_ID") {
        "" => format!(
            "{}/{}/commit/{}/checks",
            github_server(env),
            env.get("GITHUB_REPOSITORY"),
            env.get("GITHUB_SHA")
        ),
        check_run => format!("{run}/job/{check_run}"),
    }
}

const GITLAB_AUTHOR_NAME: Rule = Rule {
    value: gitlab_author_name,
    doc: "the name of `CI_COMMIT_AUTHOR` (`Name <email>`, else all of it)",
};

fn gitlab_author_name(env: &Env) -> String {
    parse_author(env.get("CI_COMMIT_AUTHOR")).0
}

const GITLAB_AUTHOR_EMAIL: Rule = Rule {
    value: gitlab_author_email,
    doc: "the email of `CI_COMMIT_AUTHOR` (between `<` and `>`)",
};

fn gitlab_author_email(env: &Env) -> String {
    parse_author(env.get("CI_COMMIT_AUTHOR")).1
}

/// `Name <email>` → (name, email), both trimmed; anything else is all name.
fn parse_author(raw: &str) -> (String, String) {
    let raw = raw.trim();
    if let (Some(lt), Some(gt)) = (raw.find('<'), raw.rfind('>'))
        && lt < gt
    {
        return (
            raw[..lt].trim().to_owned(),
            raw[lt + 1..gt].trim().to_owned(),
        );
    }
    (raw.to_owned(), String::new())
}

const JENKINS_PIPELINE_NAME: Rule = Rule {
    value: jenkins_pipeline_name,
    doc: "`JOB_NAME` without any `/<normalised GIT_BRANCH>`, split on `/` dropping \
          empty segments and `key=value` matrix segments, joined with `/`",
};

fn jenkins_pipeline_name(env: &Env) -> String {
    jenkins_name(env.get("JOB_NAME"), env.get("GIT_BRANCH"))
}

/// Jenkins job name without the branch and without `key=value` matrix segments.
fn jenkins_name(job_name: &str, git_branch: &str) -> String {
    let branch = normalize_ref(git_branch);
    let mut name = job_name.to_owned();
    if !branch.is_empty() {
        name = name.replace(&format!("/{branch}"), "");
    }
    name.split('/')
        .filter(|seg| !seg.is_empty())
        .filter(|seg| match seg.split_once('=') {
            Some((k, v)) => k.is_empty() || v.is_empty(),
            None => true,
        })
        .collect::<Vec<_>>()
        .join("/")
}

const JENKINS_LABELS: Rule = Rule {
    value: jenkins_labels,
    doc: "`NODE_LABELS` split on spaces (empty parts dropped), as a JSON array",
};

fn jenkins_labels(env: &Env) -> String {
    let labels = env.get("NODE_LABELS").split(' ').filter(|l| !l.is_empty());
    json_list(labels.map(str::to_owned).collect())
}

#[cfg(test)]
mod tests;
