"""The sync extension, repository rules and doctor/uploader helpers, in the Starlark harness."""

import pytest

import harness as h
import macro_driver as md


def test_public_files_load():
    for path in ("bazel/defs.bzl", "bazel/extensions.bzl", "bazel/repositories.bzl", "bazel/rust_dependencies.bzl",
                 "bazel/crate_repositories.bzl"):
        h.load(h.ROOT / path)


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
    # No label of the sync repository: `bazel run` must not fetch (and so re-run) the sync.
    assert "data" not in doctor and "data" not in uploader
    assert doctor["sync_repos"] == ["test_optimization_data"]
    assert doctor["expected_targets"] == ["//a:b"]
    assert uploader["sync_repos"] == doctor["sync_repos"] and uploader["quiescent_sec"] == 0
    assert by_name["test_optimization"]["srcs"] == [":dd_test_optimization_doctor", ":dd_upload_payloads"]
    md.expect_error(lambda: h.call(mod, "run", {"doctor_kwargs": {"sync_repos": []}}), "doctor_kwargs may not set 'sync_repos'")


def _launcher_contexts(tmp_path, repos, layout):
    """Runs the launchers' shell preamble from inside a fake output base; returns (rc, out, err)."""
    src = 'load("//bazel/private:post_test.bzl", "LAUNCHER_PREAMBLE")\ndef get():\n    return LAUNCHER_PREAMBLE\n'
    preamble = h.call(h.eval_source("preamble", src, h.ROOT / "x.bzl"), "get")
    ob = tmp_path / "output_base"
    for path in layout:
        (ob / path).parent.mkdir(parents=True, exist_ok=True)
        (ob / path).write_text("{}")
    bindir = ob / "execroot/ws/bazel-out/k8-fastbuild/bin"
    bindir.mkdir(parents=True)
    script = bindir / "dd_test_optimization_doctor"
    body = list(preamble) + [f"_topt_context {r}" for r in repos] + ['printf "%s\\n" "${_topt_contexts[@]}"', ""]
    script.write_text("\n".join(body))
    script.chmod(0o755)
    import subprocess

    r = subprocess.run([str(script)], capture_output=True, text=True, cwd=tmp_path)
    return r.returncode, r.stdout.split(), r.stderr, ob


def test_launchers_find_each_sync_context_in_the_output_base(tmp_path):
    rc, out, err, ob = _launcher_contexts(tmp_path, ["test_optimization_data", "tests_api"], [
        "external/test_optimization_data/.testoptimization/context.json",
        # bzlmod: the folder carries the extension's prefix (Bazel 7 `~`, Bazel 8 `+`).
        "external/+test_optimization_multi_sync_extension+tests_api/custom_out/context.json",
        "external/tests_api_2/.testoptimization/context.json",
    ])
    assert rc == 0, err
    assert out == [
        "--context", f"test_optimization_data={ob}/external/test_optimization_data/.testoptimization/context.json",
        "--context", f"tests_api={ob}/external/+test_optimization_multi_sync_extension+tests_api/custom_out/context.json",
    ]


def test_launchers_fail_without_a_synced_context(tmp_path):
    rc, out, err, ob = _launcher_contexts(tmp_path, ["test_optimization_data"], ["external/other/x/context.json"])
    assert rc == 2 and out == []
    assert "no context.json of the sync repository test_optimization_data" in err and "run bazel test first" in err


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
