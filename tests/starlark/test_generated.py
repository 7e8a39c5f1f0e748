"""Evaluates the BUILD / export.bzl / module_runfiles.bzl that `topt sync` generates.

`topt sync` runs against `topt intake` (the local API stand-in serving testdata/api fixtures); the
generated files are then evaluated in the Starlark harness: every label a macro would build exists,
every file a target names exists, and `topt_data` has the documented shape (docs/sync.md). Finally
a real macro is called with the generated `topt_data` and its selector analysed.
"""

import os
import pathlib
import subprocess
import time

import pytest

import harness as h
import macro_driver as md

RUNTIMES = ["go", "python", "java", "nodejs", "dotnet", "ruby"]


def topt_bin() -> pathlib.Path:
    path = pathlib.Path(os.environ.get("TOPT_BIN", h.ROOT / "target" / "debug" / "topt"))
    if not path.exists():
        pytest.fail(f"{path} is missing: build it first with `cargo build -p topt-cli` (or set TOPT_BIN)")
    return path


@pytest.fixture(scope="module")
def sync_repo(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sync")
    url_file = tmp / "url"
    intake = subprocess.Popen(
        [str(topt_bin()), "intake", "--port", "0", "--addr-file", str(url_file), "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            if url_file.exists() and url_file.read_text().strip():
                break
            time.sleep(0.05)
        repo = tmp / "repo"
        repo.mkdir()
        env = dict(os.environ, DD_API_KEY="local", DD_TEST_OPTIMIZATION_AGENTLESS_URL=url_file.read_text().strip())
        env["GO_MODULE_PATH"] = "github.com/acme/checkout"
        subprocess.run(
            [str(topt_bin()), "sync", "--service", "checkout-api", "--runtime-name", "go",
             "--repo-root", str(repo), "--workspace-root", str(h.ROOT)],
            check=True, env=env, capture_output=True,
        )
        yield repo
    finally:
        intake.terminate()
        intake.wait(timeout=10)


def eval_file(path: pathlib.Path):
    h.CALLS.clear()
    source = path.read_text(encoding="utf-8")
    if path.name == "BUILD":
        # BUILD files see the native rules as globals.
        source = "filegroup = native.filegroup\nexports_files = native.exports_files\n" + source
    return h.eval_source(str(path), source, path)


def topt_data_of(repo):
    mod = eval_file(repo / "export.bzl")
    src = 'load(":export.bzl", "topt_data")\ndef get():\n    return topt_data\n'
    getter = h.eval_source("get_topt_data", src, repo / "getter.bzl")
    del mod
    return h.call(getter, "get")


def test_export_bzl_shape(sync_repo):
    data = topt_data_of(sync_repo)
    assert list(data) == ["repo_name", "service_name", "manifest_path", "ruby_manifest_path", "labels", "set", "runtimes"]
    assert data["repo_name"] == "test_optimization_data"
    assert data["service_name"] == "checkout-api"
    assert data["manifest_path"] == ".testoptimization/manifest.txt"
    assert data["ruby_manifest_path"] == ".testoptimization/ruby_manifest.txt"
    assert (sync_repo / data["ruby_manifest_path"]).read_text() == "1\n"
    assert data["labels"] == sorted(data["labels"]) and data["labels"]
    assert data["set"] == {label: True for label in data["labels"]}
    assert list(data["runtimes"]) == RUNTIMES
    for runtime in RUNTIMES:
        entry = data["runtimes"][runtime]
        assert list(entry) == ["module_path", "sanitized_module_path", "module_included"]
        assert isinstance(entry["module_included"], bool)
    go = data["runtimes"]["go"]
    assert go["module_path"] == "github.com/acme/checkout"
    assert go["sanitized_module_path"] == "github_com_acme_checkout"
    assert go["module_included"] == (go["sanitized_module_path"] in data["labels"])
    labels = h.load(h.ROOT / "bazel/private/labels.bzl")
    for label in data["labels"]:
        assert h.call(labels, "is_sanitized", label)


def test_build_targets_exist(sync_repo):
    data = topt_data_of(sync_repo)
    eval_file(sync_repo / "BUILD")
    calls = list(h.CALLS)
    by_name = {c.get("name"): c for c in calls if "name" in c}
    manifest = data["manifest_path"]
    out_dir = manifest.rsplit("/", 1)[0]

    full = by_name["test_optimization_files"]
    assert full["kind"] == "filegroup"
    assert full["srcs"] == [f"{out_dir}/cache/http/settings.json", manifest, data["ruby_manifest_path"]] + [
        f"{out_dir}/cache/http/{n}.json" for n in ("known_tests", "test_management", "flaky_tests")
    ]
    context = by_name["test_optimization_context"]
    assert context["srcs"] == [f"{out_dir}/context.json", f"{out_dir}/telemetry_facts.json"]
    exports = [c for c in calls if c["kind"] == "exports_files"]
    assert exports and exports[0]["args_"][0] == ["export.bzl", manifest, data["ruby_manifest_path"]]
    for target in (full, context):
        assert target["visibility"] == ["//visibility:public"]
        for src in target["srcs"]:
            assert (sync_repo / src).is_file(), src

    # Every label a macro turns into @<repo>//:module_<label> exists, with existing files.
    for label in data["labels"]:
        group = by_name.get("module_" + label)
        assert group is not None, f"module_{label} missing from the generated BUILD"
        assert group["kind"].endswith("_topt_module_files_impl")
        assert group["settings"] == f"{out_dir}/cache/http/settings.json"
        assert group["manifest"] == manifest
        for key in ("known_tests", "test_management", "flaky_tests"):
            assert (sync_repo / group[key]).is_file(), group[key]
            assert group[key].endswith(f"/{key}.json")
    modules = sorted(n for n in by_name if n.startswith("module_"))
    assert modules == sorted("module_" + l for l in data["labels"])
    assert (sync_repo / manifest).read_bytes() == b"version=1\n"


def test_macros_accept_the_generated_export(sync_repo):
    data = topt_data_of(sync_repo)
    for language in md.MACROS:
        d = md.run_macro(language, "t", "pkg/cart", topt_data=data)
        assert d["selector"]["groups"] == ["@test_optimization_data//:module_" + l for l in data["labels"]]
        result = md.analyse_selector(d["selector"], [])
        if language == "go":
            # The root module is no backend module (module_included False): full bundle, but the
            # identifier is <module path>/<package>.
            assert result["payload_selection"] == "full_bundle_disabled"
            assert result["identifier"] == "github.com/acme/checkout/pkg/cart"
            d = md.run_macro(language, "t", "pkg/cart", topt_data=data, importpath="github.com/acme/checkout/pkg/cart")
            result = md.analyse_selector(d["selector"], [])
            assert result["group"] == "module_github_com_acme_checkout_pkg_cart"
            assert result["payload_selection"] == "module"
        assert result["payload_selection"] in ("module", "full_bundle_disabled", "full_bundle_no_match")
