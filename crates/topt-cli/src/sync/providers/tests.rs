//! Provider mapping, checked whole: for each CI provider an environment that sets every variable
//! the provider reads (each to a distinct value) must produce exactly the listed fields, no more
//! and no fewer. Then the variants of the computed fields and the detection order.

use super::*;

type Pairs = &'static [(&'static str, &'static str)];

/// Runs provider extraction alone (no normalisation, no git) and compares every non-empty field.
fn check(provider: &str, env: Pairs, expected: Pairs) {
    let env = Env::from_pairs(env);
    let mut meta = Meta::default();
    assert_eq!(extract(&env, &mut meta), Some(provider), "{env:?}");
    let mut want: std::collections::BTreeMap<&str, &str> = expected.iter().copied().collect();
    want.insert("provider", provider);
    assert_eq!(meta.non_empty(), want, "{provider}");
}

/// One representative environment per provider, in detection order.
const FULL: &[(&str, Pairs, Pairs)] = &[
    (
        "appveyor",
        &[
            ("APPVEYOR", "True"),
            ("APPVEYOR_REPO_PROVIDER", "github"),
            ("APPVEYOR_REPO_NAME", "acme/shop"),
            ("APPVEYOR_REPO_COMMIT", "a1"),
            ("APPVEYOR_PULL_REQUEST_HEAD_REPO_BRANCH", "feature/x"),
            ("APPVEYOR_REPO_BRANCH", "main"),
            ("APPVEYOR_REPO_TAG_NAME", "v1.0"),
            ("APPVEYOR_BUILD_FOLDER", "C:\\projects\\shop"),
            ("APPVEYOR_BUILD_ID", "101"),
            ("APPVEYOR_BUILD_NUMBER", "7"),
            ("APPVEYOR_REPO_COMMIT_MESSAGE", "Fix cart"),
            ("APPVEYOR_REPO_COMMIT_MESSAGE_EXTENDED", "Details"),
            ("APPVEYOR_REPO_COMMIT_AUTHOR", "Jane"),
            ("APPVEYOR_REPO_COMMIT_AUTHOR_EMAIL", "jane@acme.io"),
            ("APPVEYOR_PULL_REQUEST_HEAD_COMMIT", "h1"),
            ("APPVEYOR_PULL_REQUEST_NUMBER", "12"),
        ],
        &[
            ("repository_url", "https://github.com/acme/shop.git"),
            ("sha", "a1"),
            ("branch", "feature/x"),
            ("tag", "v1.0"),
            ("workspace_path", "C:\\projects\\shop"),
            ("pipeline_id", "101"),
            ("pipeline_name", "acme/shop"),
            ("pipeline_number", "7"),
            (
                "pipeline_url",
                "https://ci.appveyor.com/project/acme/shop/builds/101",
            ),
            (
                "job_url",
                "https://ci.appveyor.com/project/acme/shop/builds/101",
            ),
            ("commit_message", "Fix cart\nDetails"),
            ("commit_author_name", "Jane"),
            ("commit_author_email", "jane@acme.io"),
            ("pr_base_branch", "main"),
            ("head_sha", "h1"),
            ("pr_number", "12"),
        ],
    ),
    (
        "azurepipelines",
        &[
            ("TF_BUILD", "True"),
            ("SYSTEM_PULLREQUEST_SOURCEBRANCH", "refs/heads/feature/y"),
            ("BUILD_SOURCEBRANCH", "refs/heads/main"),
            ("BUILD_SOURCEBRANCHNAME", "main"),
            (
                "SYSTEM_PULLREQUEST_SOURCEREPOSITORYURI",
                "https://dev.azure.com/acme/_git/fork",
            ),
            (
                "BUILD_REPOSITORY_URI",
                "https://dev.azure.com/acme/_git/shop",
            ),
            ("SYSTEM_PULLREQUEST_SOURCECOMMITID", "b2"),
            ("BUILD_SOURCEVERSION", "b1"),
            ("BUILD_SOURCEVERSIONMESSAGE", "Merge"),
            ("BUILD_SOURCESDIRECTORY", "/home/vsts/work/1/s"),
            ("BUILD_BUILDID", "55"),
            ("BUILD_DEFINITIONNAME", "shop-ci"),
            (
                "SYSTEM_TEAMFOUNDATIONSERVERURI",
                "https://dev.azure.com/acme/",
            ),
            ("SYSTEM_TEAMPROJECTID", "proj"),
            ("SYSTEM_JOBID", "job-1"),
            ("SYSTEM_TASKINSTANCEID", "task-1"),
            ("SYSTEM_STAGEDISPLAYNAME", "Test"),
            ("SYSTEM_JOBDISPLAYNAME", "Unit"),
            ("BUILD_REQUESTEDFORID", "user-1"),
            ("BUILD_REQUESTEDFOREMAIL", "u@acme.io"),
            ("SYSTEM_PULLREQUEST_TARGETBRANCH", "main"),
            ("SYSTEM_PULLREQUEST_PULLREQUESTNUMBER", "34"),
        ],
        &[
            ("branch", "refs/heads/feature/y"),
            ("repository_url", "https://dev.azure.com/acme/_git/fork"),
            ("sha", "b2"),
            ("commit_message", "Merge"),
            ("workspace_path", "/home/vsts/work/1/s"),
            ("pipeline_id", "55"),
            ("pipeline_number", "55"),
            ("pipeline_name", "shop-ci"),
            (
                "pipeline_url",
                "https://dev.azure.com/acme/proj/_build/results?buildId=55",
            ),
            (
                "job_url",
                "https://dev.azure.com/acme/proj/_build/results?buildId=55&view=logs&j=job-1&t=task-1",
            ),
            ("stage_name", "Test"),
            ("job_id", "job-1"),
            ("job_name", "Unit"),
            ("commit_author_name", "user-1"),
            ("commit_author_email", "u@acme.io"),
            ("pr_base_branch", "main"),
            ("pr_number", "34"),
            (
                "env_vars",
                r#"{"BUILD_BUILDID":"55","SYSTEM_JOBID":"job-1","SYSTEM_TEAMPROJECTID":"proj"}"#,
            ),
        ],
    ),
    (
        "bitbucket",
        &[
            ("BITBUCKET_COMMIT", "c1"),
            (
                "BITBUCKET_GIT_SSH_ORIGIN",
                "git@bitbucket.org:acme/shop.git",
            ),
            (
                "BITBUCKET_GIT_HTTP_ORIGIN",
                "https://bitbucket.org/acme/shop",
            ),
            ("BITBUCKET_REPO_SLUG", "shop"),
            ("BITBUCKET_BRANCH", "main"),
            ("BITBUCKET_TAG", "v2"),
            (
                "BITBUCKET_CLONE_DIR",
                "/opt/atlassian/pipelines/agent/build",
            ),
            ("BITBUCKET_PIPELINE_UUID", "{1234-abcd}"),
            ("BITBUCKET_BUILD_NUMBER", "9"),
            ("BITBUCKET_REPO_FULL_NAME", "acme/shop"),
            ("BITBUCKET_PR_DESTINATION_BRANCH", "develop"),
            ("BITBUCKET_PR_ID", "5"),
        ],
        &[
            ("repository_url", "git@bitbucket.org:acme/shop.git"),
            ("sha", "c1"),
            ("branch", "main"),
            ("tag", "v2"),
            ("workspace_path", "/opt/atlassian/pipelines/agent/build"),
            ("pipeline_id", "1234-abcd"),
            ("pipeline_number", "9"),
            ("pipeline_name", "acme/shop"),
            (
                "pipeline_url",
                "https://bitbucket.org/acme/shop/addon/pipelines/home#!/results/9",
            ),
            (
                "job_url",
                "https://bitbucket.org/acme/shop/addon/pipelines/home#!/results/9",
            ),
            ("pr_base_branch", "develop"),
            ("pr_number", "5"),
        ],
    ),
    (
        "buddy",
        &[
            ("BUDDY", "true"),
            ("BUDDY_PIPELINE_ID", "p7"),
            ("BUDDY_EXECUTION_ID", "e3"),
            ("BUDDY_PIPELINE_NAME", "Deploy"),
            (
                "BUDDY_EXECUTION_URL",
                "https://app.buddy.works/acme/shop/e3",
            ),
            ("BUDDY_EXECUTION_REVISION", "d1"),
            ("BUDDY_EXECUTION_REVISION_COMMIT_ID", "d0"),
            ("BUDDY_SCM_URL", "https://github.com/acme/shop"),
            ("BUDDY_REPO_URL", "https://github.com/acme/other"),
            ("BUDDY_EXECUTION_BRANCH", "main"),
            ("BUDDY_EXECUTION_BRANCH_NAME", "other"),
            ("BUDDY_EXECUTION_TAG", "v3"),
            ("BUDDY_EXECUTION_REVISION_MESSAGE", "Ship it"),
            ("BUDDY_EXECUTION_REVISION_COMMITTER_NAME", "Bob"),
            ("BUDDY_EXECUTION_REVISION_COMMITTER_EMAIL", "bob@acme.io"),
            ("BUDDY_RUN_PR_BASE_BRANCH", "main"),
            ("BUDDY_RUN_PR_NO", "8"),
        ],
        &[
            ("pipeline_id", "p7/e3"),
            ("pipeline_name", "Deploy"),
            ("pipeline_number", "e3"),
            ("pipeline_url", "https://app.buddy.works/acme/shop/e3"),
            ("sha", "d1"),
            ("repository_url", "https://github.com/acme/shop"),
            ("branch", "main"),
            ("tag", "v3"),
            ("commit_message", "Ship it"),
            ("commit_committer_name", "Bob"),
            ("commit_committer_email", "bob@acme.io"),
            ("pr_base_branch", "main"),
            ("pr_number", "8"),
        ],
    ),
    (
        "buildkite",
        &[
            ("BUILDKITE", "true"),
            ("BUILDKITE_BRANCH", "main"),
            ("BUILDKITE_COMMIT", "e1"),
            ("BUILDKITE_REPO", "git@github.com:acme/shop.git"),
            ("BUILDKITE_TAG", "v4"),
            ("BUILDKITE_BUILD_ID", "bid"),
            ("BUILDKITE_PIPELINE_SLUG", "shop"),
            ("BUILDKITE_BUILD_NUMBER", "42"),
            (
                "BUILDKITE_BUILD_URL",
                "https://buildkite.com/acme/shop/builds/42",
            ),
            ("BUILDKITE_JOB_ID", "jid"),
            (
                "BUILDKITE_BUILD_CHECKOUT_PATH",
                "/var/lib/buildkite/builds/shop",
            ),
            ("BUILDKITE_MESSAGE", "Tune"),
            ("BUILDKITE_BUILD_AUTHOR", "Ann"),
            ("BUILDKITE_BUILD_AUTHOR_EMAIL", "ann@acme.io"),
            ("BUILDKITE_AGENT_ID", "agent-1"),
            ("BUILDKITE_AGENT_META_DATA_QUEUE", "default"),
            ("BUILDKITE_AGENT_META_DATA_OS", "linux"),
            ("BUILDKITE_PULL_REQUEST_BASE_BRANCH", "main"),
            ("BUILDKITE_PULL_REQUEST", "false"),
        ],
        &[
            ("branch", "main"),
            ("sha", "e1"),
            ("repository_url", "git@github.com:acme/shop.git"),
            ("tag", "v4"),
            ("pipeline_id", "bid"),
            ("pipeline_name", "shop"),
            ("pipeline_number", "42"),
            ("pipeline_url", "https://buildkite.com/acme/shop/builds/42"),
            ("job_id", "jid"),
            ("job_url", "https://buildkite.com/acme/shop/builds/42#jid"),
            ("workspace_path", "/var/lib/buildkite/builds/shop"),
            ("commit_message", "Tune"),
            ("commit_author_name", "Ann"),
            ("commit_author_email", "ann@acme.io"),
            ("node_name", "agent-1"),
            ("node_labels", r#"["queue:default","os:linux"]"#),
            ("pr_base_branch", "main"),
            ("pr_number", "false"),
            (
                "env_vars",
                r#"{"BUILDKITE_BUILD_ID":"bid","BUILDKITE_JOB_ID":"jid"}"#,
            ),
        ],
    ),
    (
        "circleci",
        &[
            ("CIRCLECI", "true"),
            ("CIRCLE_REPOSITORY_URL", "git@github.com:acme/shop.git"),
            ("CIRCLE_SHA1", "f1"),
            ("CIRCLE_TAG", "v5"),
            ("CIRCLE_BRANCH", "main"),
            ("CIRCLE_WORKING_DIRECTORY", "~/shop"),
            ("CIRCLE_WORKFLOW_ID", "wf-1"),
            ("CIRCLE_PROJECT_REPONAME", "shop"),
            ("CIRCLE_BUILD_NUM", "77"),
            ("CIRCLE_JOB", "test"),
            ("CIRCLE_BUILD_URL", "https://circleci.com/gh/acme/shop/77"),
            ("CIRCLE_PR_NUMBER", "3"),
        ],
        &[
            ("repository_url", "git@github.com:acme/shop.git"),
            ("sha", "f1"),
            ("tag", "v5"),
            ("branch", "main"),
            ("workspace_path", "~/shop"),
            ("pipeline_id", "wf-1"),
            ("pipeline_name", "shop"),
            ("pipeline_number", "77"),
            (
                "pipeline_url",
                "https://app.circleci.com/pipelines/workflows/wf-1",
            ),
            ("job_name", "test"),
            ("job_id", "77"),
            ("job_url", "https://circleci.com/gh/acme/shop/77"),
            ("pr_number", "3"),
            (
                "env_vars",
                r#"{"CIRCLE_BUILD_NUM":"77","CIRCLE_WORKFLOW_ID":"wf-1"}"#,
            ),
        ],
    ),
    (
        "github",
        &[
            ("GITHUB_SHA", "g1"),
            ("GITHUB_HEAD_REF", "feature/z"),
            ("GITHUB_REF", "refs/pull/9/merge"),
            ("GITHUB_SERVER_URL", "https://github.example.com/"),
            ("GITHUB_REPOSITORY", "acme/shop"),
            ("GITHUB_BASE_REF", "main"),
            ("GITHUB_WORKSPACE", "/home/runner/work/shop"),
            ("GITHUB_RUN_NUMBER", "15"),
            ("GITHUB_WORKFLOW", "CI"),
            ("GITHUB_RUN_ID", "999"),
            ("GITHUB_RUN_ATTEMPT", "2"),
            ("GITHUB_JOB", "test"),
            ("JOB_CHECK_RUN_ID", "314"),
        ],
        &[
            ("branch", "feature/z"),
            ("repository_url", "https://github.example.com/acme/shop.git"),
            ("sha", "g1"),
            ("pr_base_branch", "main"),
            ("workspace_path", "/home/runner/work/shop"),
            ("pipeline_number", "15"),
            ("pipeline_name", "CI"),
            ("pipeline_id", "999"),
            (
                "pipeline_url",
                "https://github.example.com/acme/shop/actions/runs/999/attempts/2",
            ),
            ("job_name", "test"),
            ("job_id", "314"),
            (
                "job_url",
                "https://github.example.com/acme/shop/actions/runs/999/job/314",
            ),
            (
                "env_vars",
                r#"{"GITHUB_REPOSITORY":"acme/shop","GITHUB_RUN_ATTEMPT":"2","GITHUB_RUN_ID":"999","GITHUB_SERVER_URL":"https://github.example.com/"}"#,
            ),
        ],
    ),
    (
        "gitlab",
        &[
            ("GITLAB_CI", "true"),
            (
                "CI_REPOSITORY_URL",
                "https://gitlab-ci-token:tok@gitlab.com/acme/shop.git",
            ),
            ("CI_COMMIT_SHA", "h1"),
            ("CI_COMMIT_BRANCH", "feature/q"),
            ("CI_COMMIT_REF_NAME", "feature/q-ref"),
            ("CI_COMMIT_TAG", "v6"),
            ("CI_PROJECT_DIR", "/builds/acme/shop"),
            ("CI_PIPELINE_ID", "1001"),
            ("CI_PROJECT_PATH", "acme/shop"),
            ("CI_PIPELINE_IID", "12"),
            (
                "CI_PIPELINE_URL",
                "https://gitlab.com/acme/shop/-/pipelines/1001",
            ),
            ("CI_JOB_URL", "https://gitlab.com/acme/shop/-/jobs/5"),
            ("CI_JOB_ID", "5"),
            ("CI_JOB_NAME", "unit"),
            ("CI_JOB_STAGE", "test"),
            ("CI_COMMIT_MESSAGE", "Refactor"),
            ("CI_RUNNER_ID", "r1"),
            ("CI_RUNNER_TAGS", r#"["docker","linux"]"#),
            ("CI_COMMIT_AUTHOR", "Jo Smith <jo@acme.io>"),
            ("CI_COMMIT_TIMESTAMP", "2024-01-02T03:04:05Z"),
            ("CI_PROJECT_URL", "https://gitlab.com/acme/shop"),
            ("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", "s1"),
            ("CI_MERGE_REQUEST_TARGET_BRANCH_SHA", "t1"),
            ("CI_MERGE_REQUEST_DIFF_BASE_SHA", "d1"),
            ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
            ("CI_MERGE_REQUEST_IID", "44"),
        ],
        &[
            (
                "repository_url",
                "https://gitlab-ci-token:tok@gitlab.com/acme/shop.git",
            ),
            ("sha", "h1"),
            ("branch", "feature/q"),
            ("tag", "v6"),
            ("workspace_path", "/builds/acme/shop"),
            ("pipeline_id", "1001"),
            ("pipeline_name", "acme/shop"),
            ("pipeline_number", "12"),
            (
                "pipeline_url",
                "https://gitlab.com/acme/shop/-/pipelines/1001",
            ),
            ("job_url", "https://gitlab.com/acme/shop/-/jobs/5"),
            ("job_id", "5"),
            ("job_name", "unit"),
            ("stage_name", "test"),
            ("commit_message", "Refactor"),
            ("node_name", "r1"),
            ("node_labels", r#"["docker","linux"]"#),
            ("commit_author_name", "Jo Smith"),
            ("commit_author_email", "jo@acme.io"),
            ("commit_author_date", "2024-01-02T03:04:05Z"),
            (
                "env_vars",
                r#"{"CI_JOB_ID":"5","CI_PIPELINE_ID":"1001","CI_PROJECT_URL":"https://gitlab.com/acme/shop"}"#,
            ),
            ("head_sha", "s1"),
            ("pr_base_branch_head_sha", "t1"),
            ("pr_base_branch_sha", "d1"),
            ("pr_base_branch", "main"),
            ("pr_number", "44"),
        ],
    ),
    (
        "jenkins",
        &[
            ("JENKINS_URL", "https://ci.acme.io/"),
            ("GIT_URL", "https://git.acme.io/shop.git"),
            ("GIT_URL_1", "https://git.acme.io/other.git"),
            ("GIT_COMMIT", "j1"),
            ("GIT_BRANCH", "origin/main"),
            ("WORKSPACE", "/var/jenkins/ws"),
            ("BUILD_TAG", "jenkins-shop-3"),
            ("BUILD_NUMBER", "3"),
            ("BUILD_URL", "https://ci.acme.io/job/shop/3/"),
            ("JOB_NAME", "shop/main/OS=linux"),
            ("NODE_NAME", "n1"),
            ("NODE_LABELS", "linux docker"),
            ("CHANGE_ID", "21"),
            ("CHANGE_TARGET", "main"),
            ("DD_CUSTOM_TRACE_ID", "trace-1"),
        ],
        &[
            ("repository_url", "https://git.acme.io/shop.git"),
            ("sha", "j1"),
            ("branch", "origin/main"),
            ("workspace_path", "/var/jenkins/ws"),
            ("pipeline_id", "jenkins-shop-3"),
            ("pipeline_number", "3"),
            ("pipeline_url", "https://ci.acme.io/job/shop/3/"),
            ("pipeline_name", "shop"),
            ("node_name", "n1"),
            ("node_labels", r#"["linux","docker"]"#),
            ("pr_number", "21"),
            ("pr_base_branch", "main"),
            ("env_vars", r#"{"DD_CUSTOM_TRACE_ID":"trace-1"}"#),
        ],
    ),
    (
        "teamcity",
        &[
            ("TEAMCITY_VERSION", "2024.1"),
            ("BUILD_URL", "https://tc.acme.io/build/1"),
            ("TEAMCITY_BUILDCONF_NAME", "Unit"),
            ("TEAMCITY_PULLREQUEST_NUMBER", "2"),
            ("TEAMCITY_PULLREQUEST_TARGET_BRANCH", "main"),
        ],
        &[
            ("job_url", "https://tc.acme.io/build/1"),
            ("job_name", "Unit"),
            ("pr_number", "2"),
            ("pr_base_branch", "main"),
        ],
    ),
    (
        "travisci",
        &[
            ("TRAVIS", "true"),
            ("TRAVIS_PULL_REQUEST_SLUG", "fork/shop"),
            ("TRAVIS_REPO_SLUG", "acme/shop"),
            ("TRAVIS_COMMIT", "t1"),
            ("TRAVIS_TAG", "v7"),
            ("TRAVIS_PULL_REQUEST_BRANCH", "feat"),
            ("TRAVIS_BRANCH", "main"),
            ("TRAVIS_BUILD_DIR", "/home/travis/build/acme/shop"),
            ("TRAVIS_BUILD_ID", "b1"),
            ("TRAVIS_BUILD_NUMBER", "9"),
            (
                "TRAVIS_BUILD_WEB_URL",
                "https://travis-ci.com/acme/shop/builds/b1",
            ),
            (
                "TRAVIS_JOB_WEB_URL",
                "https://travis-ci.com/acme/shop/jobs/j1",
            ),
            ("TRAVIS_COMMIT_MESSAGE", "Bump"),
            ("TRAVIS_PULL_REQUEST_SHA", "p1"),
            ("TRAVIS_PULL_REQUEST", "17"),
        ],
        &[
            ("repository_url", "https://github.com/fork/shop.git"),
            ("sha", "t1"),
            ("tag", "v7"),
            ("branch", "feat"),
            ("workspace_path", "/home/travis/build/acme/shop"),
            ("pipeline_id", "b1"),
            ("pipeline_number", "9"),
            ("pipeline_name", "fork/shop"),
            ("pipeline_url", "https://travis-ci.com/acme/shop/builds/b1"),
            ("job_url", "https://travis-ci.com/acme/shop/jobs/j1"),
            ("commit_message", "Bump"),
            ("pr_base_branch", "main"),
            ("head_sha", "p1"),
            ("pr_number", "17"),
        ],
    ),
    (
        "bitrise",
        &[
            ("BITRISE_BUILD_SLUG", "slug1"),
            ("GIT_REPOSITORY_URL", "https://github.com/acme/shop.git"),
            (
                "BITRISE_GIT_REPOSITORY_URL",
                "https://github.com/acme/other.git",
            ),
            ("BITRISE_GIT_COMMIT", "r1"),
            ("GIT_CLONE_COMMIT_HASH", "r0"),
            ("BITRISEIO_PULL_REQUEST_HEAD_BRANCH", "feat"),
            ("BITRISE_GIT_BRANCH", "main"),
            ("BITRISE_GIT_TAG", "v8"),
            ("BITRISE_SOURCE_DIR", "/bitrise/src"),
            ("BITRISE_TRIGGERED_WORKFLOW_ID", "primary"),
            ("BITRISE_BUILD_NUMBER", "31"),
            ("BITRISE_BUILD_URL", "https://app.bitrise.io/build/slug1"),
            ("BITRISE_GIT_MESSAGE", "Polish"),
            ("BITRISEIO_GIT_BRANCH_DEST", "main"),
            ("BITRISE_PULL_REQUEST", "6"),
        ],
        &[
            ("repository_url", "https://github.com/acme/shop.git"),
            ("sha", "r1"),
            ("branch", "feat"),
            ("tag", "v8"),
            ("workspace_path", "/bitrise/src"),
            ("pipeline_id", "slug1"),
            ("pipeline_name", "primary"),
            ("pipeline_number", "31"),
            ("pipeline_url", "https://app.bitrise.io/build/slug1"),
            ("commit_message", "Polish"),
            ("pr_base_branch", "main"),
            ("pr_number", "6"),
        ],
    ),
    (
        "codefresh",
        &[
            ("CF_BUILD_ID", "cf1"),
            ("CF_PIPELINE_NAME", "shop/ci"),
            ("CF_BUILD_URL", "https://g.codefresh.io/build/cf1"),
            ("CF_STEP_NAME", "test"),
            ("CF_BRANCH", "feature/cf"),
            ("CF_PULL_REQUEST_TARGET", "main"),
            ("CF_PULL_REQUEST_NUMBER", "4"),
            // Declared by the reference's rule but mapped to nothing.
            ("CF_REVISION", "ignored"),
            ("CF_REPO_URL", "https://github.com/acme/ignored.git"),
        ],
        &[
            ("pipeline_id", "cf1"),
            ("pipeline_name", "shop/ci"),
            ("pipeline_url", "https://g.codefresh.io/build/cf1"),
            ("job_name", "test"),
            ("env_vars", r#"{"CF_BUILD_ID":"cf1"}"#),
            ("branch", "feature/cf"),
            ("pr_base_branch", "main"),
            ("pr_number", "4"),
        ],
    ),
    (
        "awscodepipeline",
        &[
            ("CODEBUILD_INITIATOR", "codepipeline/shop"),
            ("DD_PIPELINE_EXECUTION_ID", "pe1"),
            ("DD_ACTION_EXECUTION_ID", "ae1"),
            (
                "CODEBUILD_BUILD_ARN",
                "arn:aws:codebuild:eu-west-1:1:build/shop:1",
            ),
        ],
        &[
            ("pipeline_id", "pe1"),
            ("job_id", "ae1"),
            (
                "env_vars",
                r#"{"CODEBUILD_BUILD_ARN":"arn:aws:codebuild:eu-west-1:1:build/shop:1","DD_ACTION_EXECUTION_ID":"ae1","DD_PIPELINE_EXECUTION_ID":"pe1"}"#,
            ),
        ],
    ),
    (
        "drone",
        &[
            ("DRONE", "true"),
            ("DRONE_BRANCH", "main"),
            ("DRONE_COMMIT_SHA", "dr1"),
            ("DRONE_GIT_HTTP_URL", "https://github.com/acme/shop.git"),
            ("DRONE_TAG", "v10"),
            ("DRONE_BUILD_NUMBER", "5"),
            ("DRONE_BUILD_LINK", "https://drone.acme.io/acme/shop/5"),
            ("DRONE_COMMIT_MESSAGE", "Trim"),
            ("DRONE_COMMIT_AUTHOR_NAME", "Dee"),
            ("DRONE_COMMIT_AUTHOR_EMAIL", "dee@acme.io"),
            ("DRONE_WORKSPACE", "/drone/src"),
            ("DRONE_STEP_NAME", "test"),
            ("DRONE_STAGE_NAME", "build"),
            ("DRONE_PULL_REQUEST", "11"),
            ("DRONE_TARGET_BRANCH", "main"),
        ],
        &[
            ("branch", "main"),
            ("sha", "dr1"),
            ("repository_url", "https://github.com/acme/shop.git"),
            ("tag", "v10"),
            ("pipeline_number", "5"),
            ("pipeline_url", "https://drone.acme.io/acme/shop/5"),
            ("commit_message", "Trim"),
            ("commit_author_name", "Dee"),
            ("commit_author_email", "dee@acme.io"),
            ("workspace_path", "/drone/src"),
            ("job_name", "test"),
            ("stage_name", "build"),
            ("pr_number", "11"),
            ("pr_base_branch", "main"),
        ],
    ),
];

#[test]
fn every_provider_maps_a_full_environment() {
    assert_eq!(FULL.len(), 15);
    for (provider, env, expected) in FULL {
        check(provider, env, expected);
    }
}

/// The other branches of the computed fields: fallbacks, tags, partial inputs.
const VARIANTS: &[(&str, Pairs, Pairs)] = &[
    (
        "appveyor",
        &[
            ("APPVEYOR", "True"),
            ("APPVEYOR_REPO_PROVIDER", "gitlab"),
            ("APPVEYOR_REPO_NAME", "acme/shop"),
            ("APPVEYOR_REPO_BRANCH", "main"),
            ("APPVEYOR_REPO_COMMIT_MESSAGE", "m"),
        ],
        &[
            ("repository_url", "acme/shop"),
            ("pipeline_name", "acme/shop"),
            ("branch", "main"),
            ("pr_base_branch", "main"),
            ("commit_message", "m"),
        ],
    ),
    (
        "azurepipelines",
        &[
            ("TF_BUILD", "True"),
            ("BUILD_SOURCEBRANCH", "refs/tags/v1"),
            ("BUILD_BUILDID", "9"),
            ("SYSTEM_TEAMPROJECTID", "p"),
        ],
        &[
            ("tag", "v1"),
            ("pipeline_id", "9"),
            ("pipeline_number", "9"),
            (
                "env_vars",
                r#"{"BUILD_BUILDID":"9","SYSTEM_TEAMPROJECTID":"p"}"#,
            ),
        ],
    ),
    (
        "azurepipelines",
        &[
            ("TF_BUILD", "True"),
            (
                "SYSTEM_TEAMFOUNDATIONSERVERURI",
                "https://dev.azure.com/acme/",
            ),
            ("SYSTEM_TEAMPROJECTID", "p"),
            ("BUILD_BUILDID", "9"),
        ],
        &[
            ("pipeline_id", "9"),
            ("pipeline_number", "9"),
            (
                "pipeline_url",
                "https://dev.azure.com/acme/p/_build/results?buildId=9",
            ),
            (
                "job_url",
                "https://dev.azure.com/acme/p/_build/results?buildId=9&view=logs&j=&t=",
            ),
            (
                "env_vars",
                r#"{"BUILD_BUILDID":"9","SYSTEM_TEAMPROJECTID":"p"}"#,
            ),
        ],
    ),
    (
        "bitbucket",
        &[
            ("BITBUCKET_COMMIT", "abc"),
            ("BITBUCKET_REPO_SLUG", "acme/x"),
            ("BITBUCKET_PIPELINE_UUID", "{u-1}"),
        ],
        &[
            ("repository_url", "https://bitbucket.org/acme/x.git"),
            ("sha", "abc"),
            ("pipeline_id", "u-1"),
        ],
    ),
    (
        "bitbucket",
        &[
            ("BITBUCKET_COMMIT", "abc"),
            ("BITBUCKET_GIT_HTTP_ORIGIN", "https://bitbucket.org/acme/x"),
            ("BITBUCKET_REPO_SLUG", "acme/x"),
        ],
        &[
            ("repository_url", "https://bitbucket.org/acme/x"),
            ("sha", "abc"),
        ],
    ),
    (
        "buddy",
        &[
            ("BUDDY", "true"),
            ("BUDDY_PIPELINE_ID", "p"),
            ("BUDDY_EXECUTION_REVISION_COMMIT_ID", "s"),
            ("BUDDY_REPO_URL", "r"),
            ("BUDDY_EXECUTION_BRANCH_NAME", "b"),
        ],
        &[("sha", "s"), ("repository_url", "r"), ("branch", "b")],
    ),
    (
        "buildkite",
        &[
            ("BUILDKITE", "true"),
            ("BUILDKITE_BUILD_URL", "u"),
            ("BUILDKITE_AGENT_META_DATA_EMPTY", ""),
        ],
        &[("pipeline_url", "u")],
    ),
    (
        "circleci",
        &[("CIRCLECI", "true"), ("CIRCLE_BUILD_NUM", "5")],
        &[
            ("pipeline_number", "5"),
            ("job_id", "5"),
            ("env_vars", r#"{"CIRCLE_BUILD_NUM":"5"}"#),
        ],
    ),
    (
        "github",
        &[
            ("GITHUB_SHA", "g"),
            ("GITHUB_REF", "refs/tags/v1.2"),
            ("GITHUB_REPOSITORY", "acme/x"),
            ("GITHUB_JOB", "j"),
        ],
        &[
            ("tag", "v1.2"),
            ("sha", "g"),
            ("repository_url", "https://github.com/acme/x.git"),
            ("env_vars", r#"{"GITHUB_REPOSITORY":"acme/x"}"#),
        ],
    ),
    (
        "github",
        &[
            ("GITHUB_SHA", "g"),
            ("GITHUB_REPOSITORY", "acme/x"),
            ("GITHUB_RUN_ID", "7"),
            ("GITHUB_JOB", "j"),
        ],
        &[
            ("sha", "g"),
            ("repository_url", "https://github.com/acme/x.git"),
            ("pipeline_id", "7"),
            ("pipeline_url", "https://github.com/acme/x/actions/runs/7"),
            ("job_name", "j"),
            ("job_id", "j"),
            ("job_url", "https://github.com/acme/x/commit/g/checks"),
            (
                "env_vars",
                r#"{"GITHUB_REPOSITORY":"acme/x","GITHUB_RUN_ID":"7"}"#,
            ),
        ],
    ),
    (
        "gitlab",
        &[
            ("GITLAB_CI", "true"),
            ("CI_COMMIT_REF_NAME", "v1.2"),
            ("CI_COMMIT_TAG", "v1.2"),
            ("CI_COMMIT_AUTHOR", " bot "),
        ],
        &[
            ("branch", "v1.2"),
            ("tag", "v1.2"),
            ("commit_author_name", "bot"),
        ],
    ),
    (
        "jenkins",
        &[
            ("JENKINS_URL", "http://j"),
            ("GIT_URL_1", "https://u:p@git/x.git"),
            ("GIT_BRANCH", "origin/tags/v2"),
            ("NODE_LABELS", "linux  docker"),
            ("JOB_NAME", "x/origin/tags/v2"),
        ],
        &[
            ("tag", "v2"),
            ("repository_url", "https://u:p@git/x.git"),
            ("node_labels", r#"["linux","docker"]"#),
            ("pipeline_name", "x/origin/tags"),
        ],
    ),
    (
        "codefresh",
        &[("CF_BUILD_ID", "c"), ("CF_BRANCH", "refs/tags/v3")],
        &[
            ("tag", "v3"),
            ("pipeline_id", "c"),
            ("env_vars", r#"{"CF_BUILD_ID":"c"}"#),
        ],
    ),
    (
        "travisci",
        &[
            ("TRAVIS", "true"),
            ("TRAVIS_REPO_SLUG", "acme/x"),
            ("TRAVIS_BRANCH", "main"),
        ],
        &[
            ("repository_url", "https://github.com/acme/x.git"),
            ("pipeline_name", "acme/x"),
            ("branch", "main"),
            ("pr_base_branch", "main"),
        ],
    ),
    (
        "bitrise",
        &[
            ("BITRISE_BUILD_SLUG", "b"),
            ("BITRISE_GIT_REPOSITORY_URL", "r"),
            ("GIT_CLONE_COMMIT_HASH", "s"),
            ("BITRISE_GIT_BRANCH", "main"),
        ],
        &[
            ("pipeline_id", "b"),
            ("repository_url", "r"),
            ("sha", "s"),
            ("branch", "main"),
        ],
    ),
];

#[test]
fn computed_fields_cover_their_fallbacks() {
    for (provider, env, expected) in VARIANTS {
        check(provider, env, expected);
    }
}

/// With the detection variables of providers `i..` all set, provider `i` wins.
#[test]
fn detection_follows_the_fixed_order() {
    let detect: Vec<(&str, &str)> = FULL
        .iter()
        .map(|(id, env, _)| {
            let var = env.first().map_or("", |(var, _)| *var);
            let value = if *id == "awscodepipeline" {
                "codepipeline/x"
            } else {
                "1"
            };
            (var, value)
        })
        .collect();
    for (i, (id, _, _)) in FULL.iter().enumerate() {
        let env = Env::from_pairs(&detect[i..]);
        let mut meta = Meta::default();
        assert_eq!(extract(&env, &mut meta), Some(*id), "{:?}", &detect[i..]);
    }
    assert_eq!(extract(&Env::default(), &mut Meta::default()), None);
}

#[test]
fn codebuild_without_codepipeline_stops_detection() {
    let env = Env::from_pairs(&[("CODEBUILD_INITIATOR", "user"), ("DRONE", "true")]);
    let mut meta = Meta::default();
    assert_eq!(extract(&env, &mut meta), None);
    assert!(meta.non_empty().is_empty());
}

#[test]
fn jenkins_name_drops_branch_and_matrix_segments() {
    assert_eq!(
        jenkins_name("acme/checkout/main/OS=linux", "origin/main"),
        "acme/checkout"
    );
    assert_eq!(jenkins_name("job", ""), "job");
    assert_eq!(jenkins_name("a//=x/k=/b", ""), "a/=x/k=/b");
}

#[test]
fn author_parsing() {
    assert_eq!(
        parse_author("Jane Doe <jane@acme.io>"),
        ("Jane Doe".into(), "jane@acme.io".into())
    );
    assert_eq!(parse_author(" bot "), ("bot".into(), String::new()));
    assert_eq!(
        parse_author("a > b < c"),
        ("a > b < c".into(), String::new())
    );
}

#[test]
fn templates_fill_or_stay_empty() {
    let env = Env::from_pairs(&[("A", "a"), ("B", "b"), ("C", "")]);
    assert_eq!(render("x/{A}/{B}", &env), "x/a/b");
    assert_eq!(render("{C|B}-{A|B}", &env), "b-a");
    assert_eq!(render("{A}{C}", &env), "");
    assert_eq!(render("{A}&j={?C}&k={?B}", &env), "a&j=&k=b");
    assert_eq!(render("no placeholders", &env), "no placeholders");
    assert_eq!(render("x{A", &env), "x{A");
}

/// How one source reads in the documentation.
fn describe(source: &Source) -> String {
    let names = |vars: &[&str]| {
        vars.iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", else ")
    };
    match source {
        Var(vars) => names(vars),
        Template(text) => format!("`{text}`"),
        EnvSubset(vars) => format!(
            "JSON object of {}",
            vars.iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Or(sources) => sources
            .iter()
            .map(describe)
            .collect::<Vec<_>>()
            .join(", else "),
        Computed(rule) => rule.doc.to_owned(),
    }
}

/// The provider table of docs/sync.md, rendered from `PROVIDERS`.
fn markdown_table() -> String {
    let mut out = String::from("| Provider (detected by) | Fields |\n|---|---|\n");
    for provider in PROVIDERS {
        let detect = match provider.detect {
            (var, "") => format!("`{var}`"),
            (var, prefix) => format!(
                "`{var}` starting with `{prefix}` (any other value ends detection with no provider)"
            ),
        };
        let fields: Vec<String> = provider
            .fields
            .iter()
            .map(|(field, source)| format!("{field}: {}", describe(source)))
            .collect();
        out.push_str(&format!(
            "| `{}` ({detect}) | {} |\n",
            provider.id,
            fields.join("; ").replace('|', "\\|")
        ));
    }
    out
}

/// docs/sync.md holds the table between two markers; `TOPT_UPDATE_DOCS=1` rewrites it.
#[test]
fn docs_list_every_provider_mapping() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/sync.md");
    let doc = std::fs::read_to_string(&path).unwrap_or_default();
    let (begin, end) = (
        "<!-- providers table: begin -->\n",
        "<!-- providers table: end -->",
    );
    let (start, stop) = (doc.find(begin), doc.find(end));
    assert!(
        start.is_some() && stop.is_some(),
        "docs/sync.md lacks the table markers"
    );
    let (Some(start), Some(stop)) = (start, stop) else {
        return;
    };
    let current = &doc[start + begin.len()..stop];
    let table = markdown_table();
    if std::env::var_os("TOPT_UPDATE_DOCS").is_some() && current != table {
        let updated = format!("{}{table}{}", &doc[..start + begin.len()], &doc[stop..]);
        assert!(std::fs::write(&path, updated).is_ok());
        return;
    }
    assert_eq!(
        current, table,
        "TOPT_UPDATE_DOCS=1 rewrites docs/sync.md's table"
    );
}
