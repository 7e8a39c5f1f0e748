"""The sync extension, repository rules and doctor/uploader helpers, in the Starlark harness."""

import pytest

import harness as h
import macro_driver as md


def test_public_files_load():
    for path in ("bazel/defs.bzl", "bazel/extensions.bzl", "bazel/repositories.bzl"):
        h.load(h.ROOT / path)


def test_context_repo_key():
    mod = h.load(h.ROOT / "bazel/private/post_test.bzl")
    key = lambda repo, name: h.call(mod, "context_repo_key", repo, name)
    assert key("test_optimization_data", "test_optimization_context") == "test_optimization_data"
    assert key("tests", "test_optimization_context_api") == "tests_api"
    assert key("_main~test_optimization_sync_extension~test_optimization_data", "test_optimization_context") == "test_optimization_data"
    assert key("+test_optimization_multi_sync_extension+tests", "test_optimization_context_worker") == "tests_worker"


@pytest.mark.parametrize("label,needle", [
    ("@other//x:y", "does not support external labels"),
    ("x:y", "must look like //pkg:name"),
    ("//x", "must look like //pkg:name"),
    ("//x:../y", "invalid target name"),
])
def test_expected_targets_validation(label, needle):
    mod = h.load(h.ROOT / "bazel/private/post_test.bzl")
    md.expect_error(lambda: h.call(mod, "validate_expected_targets", [label], "//:doctor"), needle)


def test_targets_helper():
    src = 'load("//bazel:defs.bzl", "dd_test_optimization_targets")\ndef run(kw):\n    dd_test_optimization_targets(**kw)\n'
    mod = h.eval_source("targets", src, h.ROOT / "x.bzl")
    h.CALLS.clear()
    h.call(mod, "run", {"expected_targets": ["//a:b"], "uploader_kwargs": {"quiescent_sec": 0}})
    by_name = {c["name"]: c for c in h.CALLS}
    doctor = by_name["dd_test_optimization_doctor"]
    uploader = by_name["dd_upload_payloads"]
    assert doctor["data"] == ["@test_optimization_data//:test_optimization_context"]
    assert doctor["expected_targets"] == ["//a:b"]
    assert uploader["data"] == doctor["data"] and uploader["quiescent_sec"] == 0
    assert by_name["test_optimization"]["srcs"] == [":dd_test_optimization_doctor", ":dd_upload_payloads"]
    md.expect_error(lambda: h.call(mod, "run", {"doctor_kwargs": {"data": []}}), "doctor_kwargs may not set 'data'")


def test_multi_sync_repo_names():
    mod = h.load(h.ROOT / "bazel/private/sync.bzl")
    got = h.call(mod, "multi_sync_repo_names", "tests", ["api", "Api", "my worker"])
    assert [list(p) for p in got] == [["tests_api", "api"], ["tests_api_2", "Api"], ["tests_my_worker", "my worker"]]
    md.expect_error(lambda: h.call(mod, "multi_sync_repo_names", "tests", []), "services must be a non-empty list")


def test_workspace_multi_sync_macro():
    src = 'load("//bazel:repositories.bzl", "test_optimization_multi_sync")\ndef run():\n    test_optimization_multi_sync(name = "tests", services = ["api", "worker"], runtime_name = "go", topt = "@topt_tool//:topt")\n'
    mod = h.eval_source("multi", src, h.ROOT / "x.bzl")
    h.CALLS.clear()
    h.call(mod, "run")
    names = [(c["kind"].rsplit(".", 1)[-1], c["name"]) for c in h.CALLS]
    assert names == [("_sync_impl", "tests_api"), ("_sync_impl", "tests_worker"), ("_aggregate_impl", "tests")]
    assert h.CALLS[0]["service"] == "api" and h.CALLS[0]["repo_name"] == "tests_api" and h.CALLS[0]["runtime_name"] == "go"
    assert h.CALLS[2]["services"] == ["api", "worker"] and h.CALLS[2]["topt"] == "@topt_tool//:topt"
    assert "runtime_name" not in h.CALLS[2]


def test_sync_args():
    mod = h.load(h.ROOT / "bazel/private/sync.bzl")
    attrs = dict(out_dir="", runtime_name="python", runtime_version="", runtime_arch="", runtime_module_path="acme",
                 http_connect_timeout_seconds=-1, http_max_time_seconds=5, http_retry_attempts=-1,
                 http_retry_delay_seconds=-1, http_execute_timeout_buffer_seconds=-1, known_tests=True,
                 test_management=False, flaky_tests=True, require_git_metadata=True, debug=False, on_error="fail")
    src = 'load("//bazel/private:sync.bzl", "sync_args")\ndef run(a):\n    return sync_args(struct(**a), "test_optimization_data", "/ws", ["svc"])\n'
    m = h.eval_source("args", src, h.ROOT / "x.bzl")
    assert h.call(m, "run", attrs) == [
        "sync", "--repo-root", ".", "--repo-name", "test_optimization_data", "--workspace-root", "/ws",
        "--service", "svc", "--runtime-name", "python", "--runtime-module-path", "acme",
        "--http-max-time-seconds", "5", "--known-tests=true", "--test-management=false",
        "--flaky-tests=true", "--require-git-metadata", "--on-error", "fail",
    ]


def test_sync_environ_declares_the_documented_inputs():
    src = 'load("//bazel/private:sync_env.bzl", "SYNC_ENVIRON")\ndef get():\n    return SYNC_ENVIRON\n'
    env = h.call(h.eval_source("env", src, h.ROOT / "x.bzl"), "get")
    for name in ("DD_API_KEY", "DD_SITE", "DD_TEST_OPTIMIZATION_AGENTLESS_URL", "DD_SERVICE", "DD_ENV",
                 "FETCH_SALT", "GIT_DIRTY", "GO_MODULE_PATH", "RUBY_MODULE_PATH", "DD_GIT_COMMIT_SHA",
                 "DD_PR_NUMBER", "GITHUB_SHA", "GITHUB_EVENT_PATH", "CI_PROJECT_DIR", "BUILDKITE_AGENT_META_DATA_QUEUE",
                 "DD_TEST_OPTIMIZATION_HTTP_RETRY_ATTEMPTS", "PROCESSOR_ARCHITEW6432", "CF_REPO_OWNER"):
        assert name in env, name
    assert len(env) == len(set(env))
