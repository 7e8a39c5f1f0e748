//! CI provider detection and field mapping for the 15 providers of spec §1.4.4, plus the GitHub
//! event payload (step 3). The first provider whose detection variable is set wins.

use serde_json::{Map, Value};

use super::env::Env;
use super::meta::{Meta, normalize_ref};

/// Fills `meta` from the first detected provider. Returns the provider id, or `None`.
pub fn extract(env: &Env, meta: &mut Meta) -> Option<&'static str> {
    type Mapper = fn(&Env, &mut Meta) -> bool;
    let providers: [(&str, &'static str, Mapper); 15] = [
        ("APPVEYOR", "appveyor", appveyor),
        ("TF_BUILD", "azurepipelines", azure),
        ("BITBUCKET_COMMIT", "bitbucket", bitbucket),
        ("BUDDY", "buddy", buddy),
        ("BUILDKITE", "buildkite", buildkite),
        ("CIRCLECI", "circleci", circleci),
        ("GITHUB_SHA", "github", github),
        ("GITLAB_CI", "gitlab", gitlab),
        ("JENKINS_URL", "jenkins", jenkins),
        ("TEAMCITY_VERSION", "teamcity", teamcity),
        ("TRAVIS", "travisci", travis),
        ("BITRISE_BUILD_SLUG", "bitrise", bitrise),
        ("CF_BUILD_ID", "codefresh", codefresh),
        ("CODEBUILD_INITIATOR", "awscodepipeline", aws_codepipeline),
        ("DRONE", "drone", drone),
    ];
    for (detect, id, map) in providers {
        if env.get(detect).is_empty() {
            continue;
        }
        // AWS CodeBuild without CodePipeline ends detection: later providers are not tried.
        if !map(env, meta) {
            return None;
        }
        meta.set("provider", id);
        return Some(id);
    }
    None
}

fn set(meta: &mut Meta, field: &'static str, value: &str) {
    meta.set(field, value);
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

/// Tag refs (containing `tags/`) become the tag, anything else the branch.
fn branch_or_tag(meta: &mut Meta, raw: &str) {
    if raw.contains("tags/") {
        set(meta, "tag", &normalize_ref(raw));
    } else {
        set(meta, "branch", raw);
    }
}

fn json_list(items: &[String]) -> String {
    if items.is_empty() {
        String::new()
    } else {
        Value::from(items.to_vec()).to_string()
    }
}

fn appveyor(env: &Env, m: &mut Meta) -> bool {
    let name = env.get("APPVEYOR_REPO_NAME");
    let repo = if env.get("APPVEYOR_REPO_PROVIDER") == "github" && !name.is_empty() {
        format!("https://github.com/{name}.git")
    } else {
        name.to_owned()
    };
    set(m, "repository_url", &repo);
    set(m, "sha", env.get("APPVEYOR_REPO_COMMIT"));
    set(
        m,
        "branch",
        env.first(&[
            "APPVEYOR_PULL_REQUEST_HEAD_REPO_BRANCH",
            "APPVEYOR_REPO_BRANCH",
        ]),
    );
    set(m, "tag", env.get("APPVEYOR_REPO_TAG_NAME"));
    set(m, "workspace_path", env.get("APPVEYOR_BUILD_FOLDER"));
    let id = env.get("APPVEYOR_BUILD_ID");
    set(m, "pipeline_id", id);
    set(m, "pipeline_name", name);
    set(m, "pipeline_number", env.get("APPVEYOR_BUILD_NUMBER"));
    if !name.is_empty() && !id.is_empty() {
        let url = format!("https://ci.appveyor.com/project/{name}/builds/{id}");
        set(m, "pipeline_url", &url);
        set(m, "job_url", &url);
    }
    let mut message = env.get("APPVEYOR_REPO_COMMIT_MESSAGE").to_owned();
    let extended = env.get("APPVEYOR_REPO_COMMIT_MESSAGE_EXTENDED");
    if !extended.is_empty() {
        message = format!("{message}\n{extended}");
    }
    set(m, "commit_message", &message);
    set(
        m,
        "commit_author_name",
        env.get("APPVEYOR_REPO_COMMIT_AUTHOR"),
    );
    set(
        m,
        "commit_author_email",
        env.get("APPVEYOR_REPO_COMMIT_AUTHOR_EMAIL"),
    );
    set(m, "pr_base_branch", env.get("APPVEYOR_REPO_BRANCH"));
    set(m, "head_sha", env.get("APPVEYOR_PULL_REQUEST_HEAD_COMMIT"));
    set(m, "pr_number", env.get("APPVEYOR_PULL_REQUEST_NUMBER"));
    true
}

fn azure(env: &Env, m: &mut Meta) -> bool {
    branch_or_tag(
        m,
        env.first(&[
            "SYSTEM_PULLREQUEST_SOURCEBRANCH",
            "BUILD_SOURCEBRANCH",
            "BUILD_SOURCEBRANCHNAME",
        ]),
    );
    set(
        m,
        "repository_url",
        env.first(&[
            "SYSTEM_PULLREQUEST_SOURCEREPOSITORYURI",
            "BUILD_REPOSITORY_URI",
        ]),
    );
    set(
        m,
        "sha",
        env.first(&["SYSTEM_PULLREQUEST_SOURCECOMMITID", "BUILD_SOURCEVERSION"]),
    );
    set(m, "commit_message", env.get("BUILD_SOURCEVERSIONMESSAGE"));
    set(m, "workspace_path", env.get("BUILD_SOURCESDIRECTORY"));
    let build_id = env.get("BUILD_BUILDID");
    set(m, "pipeline_id", build_id);
    set(m, "pipeline_number", build_id);
    set(m, "pipeline_name", env.get("BUILD_DEFINITIONNAME"));
    let (server, project) = (
        env.get("SYSTEM_TEAMFOUNDATIONSERVERURI"),
        env.get("SYSTEM_TEAMPROJECTID"),
    );
    if !server.is_empty() && !project.is_empty() && !build_id.is_empty() {
        let url = format!("{server}{project}/_build/results?buildId={build_id}");
        let job_url = format!(
            "{url}&view=logs&j={}&t={}",
            env.get("SYSTEM_JOBID"),
            env.get("SYSTEM_TASKINSTANCEID")
        );
        set(m, "pipeline_url", &url);
        set(m, "job_url", &job_url);
    }
    set(m, "stage_name", env.get("SYSTEM_STAGEDISPLAYNAME"));
    set(m, "job_id", env.get("SYSTEM_JOBID"));
    set(m, "job_name", env.get("SYSTEM_JOBDISPLAYNAME"));
    set(m, "commit_author_name", env.get("BUILD_REQUESTEDFORID"));
    set(m, "commit_author_email", env.get("BUILD_REQUESTEDFOREMAIL"));
    set(
        m,
        "pr_base_branch",
        env.get("SYSTEM_PULLREQUEST_TARGETBRANCH"),
    );
    set(
        m,
        "pr_number",
        env.get("SYSTEM_PULLREQUEST_PULLREQUESTNUMBER"),
    );
    set(
        m,
        "env_vars",
        &env_subset(
            env,
            &["SYSTEM_TEAMPROJECTID", "BUILD_BUILDID", "SYSTEM_JOBID"],
        ),
    );
    true
}

fn bitbucket(env: &Env, m: &mut Meta) -> bool {
    let mut repo = env
        .first(&["BITBUCKET_GIT_SSH_ORIGIN", "BITBUCKET_GIT_HTTP_ORIGIN"])
        .to_owned();
    let slug = env.get("BITBUCKET_REPO_SLUG");
    if repo.is_empty() && !slug.is_empty() {
        repo = format!("https://bitbucket.org/{slug}.git");
    }
    set(m, "repository_url", &repo);
    set(m, "sha", env.get("BITBUCKET_COMMIT"));
    set(m, "branch", env.get("BITBUCKET_BRANCH"));
    set(m, "tag", env.get("BITBUCKET_TAG"));
    set(m, "workspace_path", env.get("BITBUCKET_CLONE_DIR"));
    let uuid = env.get("BITBUCKET_PIPELINE_UUID");
    set(
        m,
        "pipeline_id",
        uuid.trim_start_matches('{').trim_end_matches('}'),
    );
    let (number, name) = (
        env.get("BITBUCKET_BUILD_NUMBER"),
        env.get("BITBUCKET_REPO_FULL_NAME"),
    );
    set(m, "pipeline_number", number);
    set(m, "pipeline_name", name);
    if !name.is_empty() && !number.is_empty() {
        let url = format!("https://bitbucket.org/{name}/addon/pipelines/home#!/results/{number}");
        set(m, "pipeline_url", &url);
        set(m, "job_url", &url);
    }
    set(
        m,
        "pr_base_branch",
        env.get("BITBUCKET_PR_DESTINATION_BRANCH"),
    );
    set(m, "pr_number", env.get("BITBUCKET_PR_ID"));
    true
}

fn buddy(env: &Env, m: &mut Meta) -> bool {
    let (pipeline, execution) = (env.get("BUDDY_PIPELINE_ID"), env.get("BUDDY_EXECUTION_ID"));
    if !pipeline.is_empty() && !execution.is_empty() {
        set(m, "pipeline_id", &format!("{pipeline}/{execution}"));
    }
    set(m, "pipeline_name", env.get("BUDDY_PIPELINE_NAME"));
    set(m, "pipeline_number", execution);
    set(m, "pipeline_url", env.get("BUDDY_EXECUTION_URL"));
    set(
        m,
        "sha",
        env.first(&[
            "BUDDY_EXECUTION_REVISION",
            "BUDDY_EXECUTION_REVISION_COMMIT_ID",
        ]),
    );
    set(
        m,
        "repository_url",
        env.first(&["BUDDY_SCM_URL", "BUDDY_REPO_URL"]),
    );
    set(
        m,
        "branch",
        env.first(&["BUDDY_EXECUTION_BRANCH", "BUDDY_EXECUTION_BRANCH_NAME"]),
    );
    set(m, "tag", env.get("BUDDY_EXECUTION_TAG"));
    set(
        m,
        "commit_message",
        env.get("BUDDY_EXECUTION_REVISION_MESSAGE"),
    );
    set(
        m,
        "commit_committer_name",
        env.get("BUDDY_EXECUTION_REVISION_COMMITTER_NAME"),
    );
    set(
        m,
        "commit_committer_email",
        env.get("BUDDY_EXECUTION_REVISION_COMMITTER_EMAIL"),
    );
    set(m, "pr_base_branch", env.get("BUDDY_RUN_PR_BASE_BRANCH"));
    set(m, "pr_number", env.get("BUDDY_RUN_PR_NO"));
    true
}

fn buildkite(env: &Env, m: &mut Meta) -> bool {
    set(m, "branch", env.get("BUILDKITE_BRANCH"));
    set(m, "sha", env.get("BUILDKITE_COMMIT"));
    set(m, "repository_url", env.get("BUILDKITE_REPO"));
    set(m, "tag", env.get("BUILDKITE_TAG"));
    set(m, "pipeline_id", env.get("BUILDKITE_BUILD_ID"));
    set(m, "pipeline_name", env.get("BUILDKITE_PIPELINE_SLUG"));
    set(m, "pipeline_number", env.get("BUILDKITE_BUILD_NUMBER"));
    let url = env.get("BUILDKITE_BUILD_URL");
    set(m, "pipeline_url", url);
    let job_id = env.get("BUILDKITE_JOB_ID");
    set(m, "job_id", job_id);
    if !url.is_empty() && !job_id.is_empty() {
        set(m, "job_url", &format!("{url}#{job_id}"));
    }
    set(
        m,
        "workspace_path",
        env.get("BUILDKITE_BUILD_CHECKOUT_PATH"),
    );
    set(m, "commit_message", env.get("BUILDKITE_MESSAGE"));
    set(m, "commit_author_name", env.get("BUILDKITE_BUILD_AUTHOR"));
    set(
        m,
        "commit_author_email",
        env.get("BUILDKITE_BUILD_AUTHOR_EMAIL"),
    );
    set(m, "node_name", env.get("BUILDKITE_AGENT_ID"));
    let prefix = "BUILDKITE_AGENT_META_DATA_";
    let mut labels: Vec<String> = env
        .with_prefix(prefix)
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{}:{v}", k[prefix.len()..].to_ascii_lowercase()))
        .collect();
    labels.sort_by(|a, b| b.cmp(a));
    set(m, "node_labels", &json_list(&labels));
    set(
        m,
        "pr_base_branch",
        env.get("BUILDKITE_PULL_REQUEST_BASE_BRANCH"),
    );
    set(m, "pr_number", env.get("BUILDKITE_PULL_REQUEST"));
    set(
        m,
        "env_vars",
        &env_subset(env, &["BUILDKITE_BUILD_ID", "BUILDKITE_JOB_ID"]),
    );
    true
}

fn circleci(env: &Env, m: &mut Meta) -> bool {
    set(m, "repository_url", env.get("CIRCLE_REPOSITORY_URL"));
    set(m, "sha", env.get("CIRCLE_SHA1"));
    set(m, "tag", env.get("CIRCLE_TAG"));
    set(m, "branch", env.get("CIRCLE_BRANCH"));
    set(m, "workspace_path", env.get("CIRCLE_WORKING_DIRECTORY"));
    let workflow = env.get("CIRCLE_WORKFLOW_ID");
    set(m, "pipeline_id", workflow);
    set(m, "pipeline_name", env.get("CIRCLE_PROJECT_REPONAME"));
    set(m, "pipeline_number", env.get("CIRCLE_BUILD_NUM"));
    if !workflow.is_empty() {
        set(
            m,
            "pipeline_url",
            &format!("https://app.circleci.com/pipelines/workflows/{workflow}"),
        );
    }
    set(m, "job_name", env.get("CIRCLE_JOB"));
    set(m, "job_id", env.get("CIRCLE_BUILD_NUM"));
    set(m, "job_url", env.get("CIRCLE_BUILD_URL"));
    set(m, "pr_number", env.get("CIRCLE_PR_NUMBER"));
    set(
        m,
        "env_vars",
        &env_subset(env, &["CIRCLE_BUILD_NUM", "CIRCLE_WORKFLOW_ID"]),
    );
    true
}

fn github(env: &Env, m: &mut Meta) -> bool {
    branch_or_tag(m, env.first(&["GITHUB_HEAD_REF", "GITHUB_REF"]));
    let server = match env.get("GITHUB_SERVER_URL") {
        "" => "https://github.com",
        s => s,
    }
    .trim_end_matches('/')
    .to_owned();
    let repo = env.get("GITHUB_REPOSITORY");
    if !repo.is_empty() {
        set(m, "repository_url", &format!("{server}/{repo}.git"));
    }
    let sha = env.get("GITHUB_SHA");
    set(m, "sha", sha);
    set(m, "pr_base_branch", env.get("GITHUB_BASE_REF"));
    set(m, "workspace_path", env.get("GITHUB_WORKSPACE"));
    set(m, "pipeline_number", env.get("GITHUB_RUN_NUMBER"));
    set(m, "pipeline_name", env.get("GITHUB_WORKFLOW"));
    let run_id = env.get("GITHUB_RUN_ID");
    set(m, "pipeline_id", run_id);
    if !run_id.is_empty() && !repo.is_empty() {
        let mut url = format!("{server}/{repo}/actions/runs/{run_id}");
        let attempt = env.get("GITHUB_RUN_ATTEMPT");
        if !attempt.is_empty() {
            url = format!("{url}/attempts/{attempt}");
        }
        set(m, "pipeline_url", &url);
        let job = env.get("GITHUB_JOB");
        set(m, "job_name", job);
        let check_run = env.get("JOB_CHECK_RUN_ID");
        if check_run.is_empty() {
            set(m, "job_id", job);
            set(
                m,
                "job_url",
                &format!("{server}/{repo}/commit/{sha}/checks"),
            );
        } else {
            set(m, "job_id", check_run);
            set(
                m,
                "job_url",
                &format!("{server}/{repo}/actions/runs/{run_id}/job/{check_run}"),
            );
        }
    }
    set(
        m,
        "env_vars",
        &env_subset(
            env,
            &[
                "GITHUB_SERVER_URL",
                "GITHUB_REPOSITORY",
                "GITHUB_RUN_ID",
                "GITHUB_RUN_ATTEMPT",
            ],
        ),
    );
    true
}

fn gitlab(env: &Env, m: &mut Meta) -> bool {
    set(m, "repository_url", env.get("CI_REPOSITORY_URL"));
    set(m, "sha", env.get("CI_COMMIT_SHA"));
    set(
        m,
        "branch",
        env.first(&["CI_COMMIT_BRANCH", "CI_COMMIT_REF_NAME"]),
    );
    set(m, "tag", env.get("CI_COMMIT_TAG"));
    set(m, "workspace_path", env.get("CI_PROJECT_DIR"));
    set(m, "pipeline_id", env.get("CI_PIPELINE_ID"));
    set(m, "pipeline_name", env.get("CI_PROJECT_PATH"));
    set(m, "pipeline_number", env.get("CI_PIPELINE_IID"));
    set(m, "pipeline_url", env.get("CI_PIPELINE_URL"));
    set(m, "job_url", env.get("CI_JOB_URL"));
    set(m, "job_id", env.get("CI_JOB_ID"));
    set(m, "job_name", env.get("CI_JOB_NAME"));
    set(m, "stage_name", env.get("CI_JOB_STAGE"));
    set(m, "commit_message", env.get("CI_COMMIT_MESSAGE"));
    set(m, "node_name", env.get("CI_RUNNER_ID"));
    set(m, "node_labels", env.get("CI_RUNNER_TAGS"));
    let (name, email) = parse_author(env.get("CI_COMMIT_AUTHOR"));
    set(m, "commit_author_name", &name);
    set(m, "commit_author_email", &email);
    set(m, "commit_author_date", env.get("CI_COMMIT_TIMESTAMP"));
    set(
        m,
        "env_vars",
        &env_subset(env, &["CI_PROJECT_URL", "CI_PIPELINE_ID", "CI_JOB_ID"]),
    );
    set(m, "head_sha", env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA"));
    set(
        m,
        "pr_base_branch_head_sha",
        env.get("CI_MERGE_REQUEST_TARGET_BRANCH_SHA"),
    );
    set(
        m,
        "pr_base_branch_sha",
        env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA"),
    );
    set(
        m,
        "pr_base_branch",
        env.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME"),
    );
    set(m, "pr_number", env.get("CI_MERGE_REQUEST_IID"));
    true
}

/// `Name <email>` → (name, email); anything else is all name (spec §1.4.3).
pub fn parse_author(raw: &str) -> (String, String) {
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

fn jenkins(env: &Env, m: &mut Meta) -> bool {
    set(m, "repository_url", env.first(&["GIT_URL", "GIT_URL_1"]));
    set(m, "sha", env.get("GIT_COMMIT"));
    let git_branch = env.get("GIT_BRANCH");
    branch_or_tag(m, git_branch);
    set(m, "workspace_path", env.get("WORKSPACE"));
    set(m, "pipeline_id", env.get("BUILD_TAG"));
    set(m, "pipeline_number", env.get("BUILD_NUMBER"));
    set(m, "pipeline_url", env.get("BUILD_URL"));
    set(
        m,
        "pipeline_name",
        &jenkins_name(env.get("JOB_NAME"), git_branch),
    );
    set(m, "node_name", env.get("NODE_NAME"));
    let labels: Vec<String> = env
        .get("NODE_LABELS")
        .split(' ')
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    set(m, "node_labels", &json_list(&labels));
    set(m, "pr_number", env.get("CHANGE_ID"));
    set(m, "pr_base_branch", env.get("CHANGE_TARGET"));
    set(m, "env_vars", &env_subset(env, &["DD_CUSTOM_TRACE_ID"]));
    true
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

fn teamcity(env: &Env, m: &mut Meta) -> bool {
    set(m, "job_url", env.get("BUILD_URL"));
    set(m, "job_name", env.get("TEAMCITY_BUILDCONF_NAME"));
    set(m, "pr_number", env.get("TEAMCITY_PULLREQUEST_NUMBER"));
    set(
        m,
        "pr_base_branch",
        env.get("TEAMCITY_PULLREQUEST_TARGET_BRANCH"),
    );
    true
}

fn travis(env: &Env, m: &mut Meta) -> bool {
    let slug = env.first(&["TRAVIS_PULL_REQUEST_SLUG", "TRAVIS_REPO_SLUG"]);
    if !slug.is_empty() {
        set(
            m,
            "repository_url",
            &format!("https://github.com/{slug}.git"),
        );
    }
    set(m, "sha", env.get("TRAVIS_COMMIT"));
    set(m, "tag", env.get("TRAVIS_TAG"));
    set(
        m,
        "branch",
        env.first(&["TRAVIS_PULL_REQUEST_BRANCH", "TRAVIS_BRANCH"]),
    );
    set(m, "workspace_path", env.get("TRAVIS_BUILD_DIR"));
    set(m, "pipeline_id", env.get("TRAVIS_BUILD_ID"));
    set(m, "pipeline_number", env.get("TRAVIS_BUILD_NUMBER"));
    set(m, "pipeline_name", slug);
    set(m, "pipeline_url", env.get("TRAVIS_BUILD_WEB_URL"));
    set(m, "job_url", env.get("TRAVIS_JOB_WEB_URL"));
    set(m, "commit_message", env.get("TRAVIS_COMMIT_MESSAGE"));
    set(m, "pr_base_branch", env.get("TRAVIS_BRANCH"));
    set(m, "head_sha", env.get("TRAVIS_PULL_REQUEST_SHA"));
    set(m, "pr_number", env.get("TRAVIS_PULL_REQUEST"));
    true
}

fn bitrise(env: &Env, m: &mut Meta) -> bool {
    set(
        m,
        "repository_url",
        env.first(&["GIT_REPOSITORY_URL", "BITRISE_GIT_REPOSITORY_URL"]),
    );
    set(
        m,
        "sha",
        env.first(&["BITRISE_GIT_COMMIT", "GIT_CLONE_COMMIT_HASH"]),
    );
    set(
        m,
        "branch",
        env.first(&["BITRISEIO_PULL_REQUEST_HEAD_BRANCH", "BITRISE_GIT_BRANCH"]),
    );
    set(m, "tag", env.get("BITRISE_GIT_TAG"));
    set(m, "workspace_path", env.get("BITRISE_SOURCE_DIR"));
    set(m, "pipeline_id", env.get("BITRISE_BUILD_SLUG"));
    set(m, "pipeline_name", env.get("BITRISE_TRIGGERED_WORKFLOW_ID"));
    set(m, "pipeline_number", env.get("BITRISE_BUILD_NUMBER"));
    set(m, "pipeline_url", env.get("BITRISE_BUILD_URL"));
    set(m, "commit_message", env.get("BITRISE_GIT_MESSAGE"));
    set(m, "pr_base_branch", env.get("BITRISEIO_GIT_BRANCH_DEST"));
    set(m, "pr_number", env.get("BITRISE_PULL_REQUEST"));
    true
}

fn codefresh(env: &Env, m: &mut Meta) -> bool {
    set(m, "pipeline_id", env.get("CF_BUILD_ID"));
    set(m, "pipeline_name", env.get("CF_PIPELINE_NAME"));
    set(m, "pipeline_url", env.get("CF_BUILD_URL"));
    set(m, "job_name", env.get("CF_STEP_NAME"));
    set(m, "env_vars", &env_subset(env, &["CF_BUILD_ID"]));
    branch_or_tag(m, env.get("CF_BRANCH"));
    set(m, "pr_base_branch", env.get("CF_PULL_REQUEST_TARGET"));
    set(m, "pr_number", env.get("CF_PULL_REQUEST_NUMBER"));
    true
}

fn aws_codepipeline(env: &Env, m: &mut Meta) -> bool {
    if !env.get("CODEBUILD_INITIATOR").starts_with("codepipeline") {
        return false;
    }
    set(m, "pipeline_id", env.get("DD_PIPELINE_EXECUTION_ID"));
    set(m, "job_id", env.get("DD_ACTION_EXECUTION_ID"));
    set(
        m,
        "env_vars",
        &env_subset(
            env,
            &[
                "CODEBUILD_BUILD_ARN",
                "DD_ACTION_EXECUTION_ID",
                "DD_PIPELINE_EXECUTION_ID",
            ],
        ),
    );
    true
}

fn drone(env: &Env, m: &mut Meta) -> bool {
    set(m, "branch", env.get("DRONE_BRANCH"));
    set(m, "sha", env.get("DRONE_COMMIT_SHA"));
    set(m, "repository_url", env.get("DRONE_GIT_HTTP_URL"));
    set(m, "tag", env.get("DRONE_TAG"));
    set(m, "pipeline_number", env.get("DRONE_BUILD_NUMBER"));
    set(m, "pipeline_url", env.get("DRONE_BUILD_LINK"));
    set(m, "commit_message", env.get("DRONE_COMMIT_MESSAGE"));
    set(m, "commit_author_name", env.get("DRONE_COMMIT_AUTHOR_NAME"));
    set(
        m,
        "commit_author_email",
        env.get("DRONE_COMMIT_AUTHOR_EMAIL"),
    );
    set(m, "workspace_path", env.get("DRONE_WORKSPACE"));
    set(m, "job_name", env.get("DRONE_STEP_NAME"));
    set(m, "stage_name", env.get("DRONE_STAGE_NAME"));
    set(m, "pr_number", env.get("DRONE_PULL_REQUEST"));
    set(m, "pr_base_branch", env.get("DRONE_TARGET_BRANCH"));
    true
}

/// Step 3: pull-request facts from the GitHub event file, when there is one.
pub fn github_event(env: &Env, meta: &mut Meta) {
    let path = env.get("GITHUB_EVENT_PATH");
    if env.get("GITHUB_SHA").is_empty() || path.is_empty() {
        return;
    }
    let Ok(bytes) = std::fs::read(path) else {
        return;
    };
    let Ok(event) = serde_json::from_slice::<Value>(&bytes) else {
        return;
    };
    let Some(pr) = event.get("pull_request").filter(|p| p.is_object()) else {
        return;
    };
    match event.get("number") {
        Some(Value::Number(n)) => meta.set("pr_number", &n.to_string()),
        Some(Value::String(s)) => meta.set("pr_number", s),
        _ => {}
    }
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_owned();
    let head_sha = text(pr.get("head").and_then(|h| h.get("sha")));
    if !head_sha.is_empty() {
        meta.set("head_sha", &head_sha);
    }
    let base = pr.get("base");
    for (field, key) in [
        ("pr_base_branch", "ref"),
        ("pr_base_branch_head_sha", "sha"),
    ] {
        let value = text(base.and_then(|b| b.get(key)));
        if !value.is_empty() {
            meta.set(field, &value);
        }
    }
}

#[cfg(test)]
mod tests;
