"""What the six dd_topt_<lang>_test macros declare: targets, data, environment (docs/bazel.md)."""

import json

import pytest

import harness as h
import macro_driver as md

LANGS = list(md.MACROS)
REPO = "test_optimization_data"
MANIFEST = "@test_optimization_data//:.testoptimization/manifest.txt"
LIB = "@topt//:topt"
NEVER_SET = ["DD_TRACE_AGENT_URL", "DD_CIVISIBILITY_AGENTLESS_ENABLED", "DD_CIVISIBILITY_AGENTLESS_URL", "DD_API_KEY"]
LABELS = ["acme_web", "com_acme_api", "github_com_acme_checkout_pkg_cart"]


def topt_data(**runtime):
    return {
        "repo_name": REPO,
        "service_name": "checkout-api",
        "manifest_path": ".testoptimization/manifest.txt",
        "labels": LABELS,
        "set": {l: True for l in LABELS},
        "runtimes": {"go": dict(module_path="github.com/acme/checkout", **runtime)},
    }


def run(language, name="t", package="svc", **kwargs):
    kwargs.setdefault("topt_data", topt_data())
    return md.run_macro(language, name, package, **kwargs)


def wrapper_env(d):
    env = dict(d["wrapper"].get("env") or {})
    env.update(d["wrapper"]["topt_env"])
    return env


@pytest.mark.parametrize("language", LANGS)
def test_declares_four_targets(language):
    d = run(language, name="cart_test", tags=["unit"], size="small", args=["-v"], timeout="short",
            visibility=["//visibility:public"], flaky=True, shard_count=2, local=True)
    assert [c["name"] for c in d["calls"]] == [
        "cart_test_topt_payloads",
        "cart_test_topt_bazel_metadata",
        f"cart_test__raw_{language}_test",
        "cart_test",
    ]
    raw, wrapper = d["raw"], d["wrapper"]
    assert raw["kind"] == md.RAW_KIND[language]
    assert raw["tags"] == ["unit", "manual"]
    assert raw["visibility"] == ["//visibility:private"]
    for key in ("args", "flaky", "local", "shard_count", "size", "timeout"):
        assert key not in raw, key
    assert wrapper["kind"].endswith("_wrapper_impl")
    assert wrapper["tags"] == ["unit"]
    assert wrapper["size"] == "small" and wrapper["args"] == ["-v"] and wrapper["timeout"] == "short"
    assert wrapper["visibility"] == ["//visibility:public"]
    assert wrapper["test"] == f":cart_test__raw_{language}_test"
    assert wrapper["metadata"] == ":cart_test_topt_bazel_metadata"
    assert d["selector"]["tags"] == ["manual"] and d["metadata"]["tags"] == ["manual"]


@pytest.mark.parametrize("language", LANGS)
def test_shared_attrs_go_to_both(language):
    d = run(language, target_compatible_with=["@platforms//os:linux"], testonly=True)
    assert d["raw"]["target_compatible_with"] == ["@platforms//os:linux"]
    assert d["wrapper"]["target_compatible_with"] == ["@platforms//os:linux"]
    assert d["raw"]["testonly"] is True and d["wrapper"]["testonly"] is True


@pytest.mark.parametrize("language", LANGS)
def test_data_and_runfiles_paths(language):
    d = run(language, data=["//fixtures:a.json"])
    data = d["raw"]["data"]
    assert data[0] == "//fixtures:a.json"
    assert ":t_topt_payloads" in data and MANIFEST in data and LIB in data
    assert d["wrapper"]["data"] == data
    assert d["wrapper"]["rlocation_env"] == {MANIFEST: "DD_TEST_OPTIMIZATION_MANIFEST_FILE"}
    # libtopt gets its own attribute: the script exports its absolute path as TOPT_LIBRARY.
    assert d["wrapper"]["library"] == LIB


RUBY_MANIFEST = "@test_optimization_data//:.testoptimization/ruby_manifest.txt"


@pytest.mark.parametrize("language", LANGS)
def test_ruby_gets_the_manifest_it_accepts(language):
    # datadog-ci reads only TEST_OPTIMIZATION_MANIFEST_FILE and accepts only a manifest that is
    # exactly `1`: the Ruby macro exports the sync tree's ruby_manifest.txt there (and keeps the
    # DD_ variable for libtopt); no other language gets it.
    data = dict(topt_data(), ruby_manifest_path=".testoptimization/ruby_manifest.txt")
    d = run(language, topt_data=data)
    rlocation_env = d["wrapper"]["rlocation_env"]
    assert rlocation_env[MANIFEST] == "DD_TEST_OPTIMIZATION_MANIFEST_FILE"
    if language == "ruby":
        assert rlocation_env[RUBY_MANIFEST] == "TEST_OPTIMIZATION_MANIFEST_FILE"
        assert RUBY_MANIFEST in d["raw"]["data"] and RUBY_MANIFEST in d["wrapper"]["data"]
    else:
        assert RUBY_MANIFEST not in rlocation_env and RUBY_MANIFEST not in d["raw"]["data"]


@pytest.mark.parametrize("language", LANGS)
def test_data_normalisation(language):
    assert run(language, data="//x:y")["raw"]["data"][0] == "//x:y"
    assert run(language, data=("//x:a", "//x:b"))["raw"]["data"][:2] == ["//x:a", "//x:b"]
    md.expect_error(lambda: run(language, data={"a": "b"}), "data must be a list of labels")


@pytest.mark.parametrize("language", LANGS)
def test_required_environment(language):
    d = run(language, name="cart_test")
    env = wrapper_env(d)
    assert env["DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES"] == "true"
    assert env["DD_TEST_OPTIMIZATION_BAZEL_TARGET_METADATA_BASENAME"] == "cart_test_topt_bazel_metadata.json"
    assert env["DD_SERVICE"] == "checkout-api"
    if language in ("go", "java"):
        assert env["DD_CIVISIBILITY_ENABLED"] == "true"
    else:
        assert "DD_CIVISIBILITY_ENABLED" not in env
    for key in NEVER_SET:
        assert key not in env


@pytest.mark.parametrize("language", LANGS)
def test_required_environment_overwrites_caller(language):
    d = run(language, env={"DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES": "false", "DD_SERVICE": "mine", "X": "1"})
    env = wrapper_env(d)
    assert env["DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES"] == "true"
    assert env["DD_SERVICE"] == "mine"
    assert env["X"] == "1"


@pytest.mark.parametrize("language", LANGS)
def test_select_env_is_passed_untouched(language):
    d = run(language, env={"__select__": {"//conditions:default": {"A": "b"}}})
    assert d["wrapper"]["env"] == {"select": {"//conditions:default": {"A": "b"}}}
    assert "DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES" in d["wrapper"]["topt_env"]


@pytest.mark.parametrize("language", ["go", "java"])
def test_ci_visibility_can_be_turned_off(language):
    d = run(language, ci_visibility_enabled=False)
    assert "DD_CIVISIBILITY_ENABLED" not in wrapper_env(d)


@pytest.mark.parametrize("language", LANGS)
def test_selector_and_metadata_wiring(language):
    d = run(language, name="cart_test", package="pkg/cart")
    sel = d["selector"]
    assert sel["groups"] == [f"@{REPO}//:module_{l}" for l in LABELS]
    assert sel["full_bundle"] == f"@{REPO}//:test_optimization_files"
    assert sel["language"] == language and sel["bazel_package"] == "pkg/cart"
    assert sel["context"] == "//pkg/cart:cart_test"
    meta = d["metadata"]
    assert meta["target_name"] == "cart_test" and meta["package"] == "pkg/cart"
    assert meta["repo_name"] == REPO and meta["service_name"] == "checkout-api"
    assert meta["runtime_name"] == language
    assert meta["selector"] == ":cart_test_topt_payloads"


def test_module_included_is_passed_as_tristate():
    assert run("go")["selector"]["module_included"] == ""
    assert run("go", topt_data=topt_data(module_included=True))["selector"]["module_included"] == "true"
    assert run("go", topt_data=topt_data(module_included=False))["selector"]["module_included"] == "false"
    assert run("go")["selector"]["module_path"] == "github.com/acme/checkout"


# ---- Python ----

def test_python_pytest_addopts():
    assert wrapper_env(run("python"))["PYTEST_ADDOPTS"] == "--ddtrace"
    assert wrapper_env(run("python", env={"PYTEST_ADDOPTS": "-x"}))["PYTEST_ADDOPTS"] == "-x --ddtrace"
    assert wrapper_env(run("python", env={"PYTEST_ADDOPTS": "-x --no-ddtrace"}))["PYTEST_ADDOPTS"] == "-x --no-ddtrace"


def test_python_ddtrace_plugin():
    # ddtrace_plugin = True: ddtrace's Bazel mode through libtopt (lang/python/topt/ddtrace_bazel.py).
    env = wrapper_env(run("python", ddtrace_plugin=True))
    assert env["PYTEST_ADDOPTS"] == "--ddtrace -p topt.ddtrace_bazel"
    env = wrapper_env(run("python", ddtrace_plugin=True, env={"PYTEST_ADDOPTS": "-x"}))
    assert env["PYTEST_ADDOPTS"] == "-x --ddtrace -p topt.ddtrace_bazel"
    env = wrapper_env(run("python", ddtrace_plugin=True, env={"PYTEST_ADDOPTS": "--no-ddtrace"}))
    assert env["PYTEST_ADDOPTS"] == "--no-ddtrace"
    assert "ddtrace_plugin" not in run("python", ddtrace_plugin=True)["raw"]
    md.expect_error(lambda: run("python", ddtrace_plugin=True, binding=None), "ddtrace_plugin = True needs the binding")


def test_python_binding_and_selection_only_kwargs():
    d = run("python", deps=["//api:handlers"], importpath="a.b", module_path="c.d", imports=["src"])
    raw = d["raw"]
    assert raw["deps"] == ["//api:handlers", "@topt//lang/python:topt"]
    assert "importpath" not in raw and "module_path" not in raw
    assert raw["imports"] == ["src"]
    assert d["selector"]["deps"] == ["//api:handlers"]
    attrs = json.loads(d["selector"]["selection_attrs"])
    assert attrs == {"deps": ["//api:handlers"], "importpath": "a.b", "imports": ["src"], "module_path": "c.d"}
    assert "deps" not in {k for k in attrs if k == "binding"}
    assert run("python", binding=None)["raw"].get("deps") is None


def test_python_managed_pytest():
    d = run("python", package="api", runner_mode="managed_pytest", srcs=["t_test.py"])
    raw = d["raw"]
    assert raw["srcs"] == ["t_test.py", "@topt//lang/python/private:run_pytest.py"]
    assert raw["main"] == "@topt//lang/python/private:run_pytest.py"
    assert raw["imports"] == ["api"]
    assert d["wrapper"]["args"] == ["api"]
    md.expect_error(lambda: run("python", runner_mode="nope"), "runner_mode must be")


# ---- Java ----

def test_java_agent_and_testonly():
    d = run("java", jvm_flags=["-Xmx1g"], java_package="com.acme", package="com.acme2", test_class="com.acme.T")
    raw = d["raw"]
    assert raw["jvm_flags"] == ["-Xmx1g", "-javaagent:$(rootpath //tools:dd-java-agent.jar)"]
    assert "//tools:dd-java-agent.jar" in raw["data"]
    assert raw["testonly"] is True and d["wrapper"]["testonly"] is True
    assert "java_package" not in raw and "package" not in raw
    assert raw["test_class"] == "com.acme.T"


def test_java_agent_jar_required():
    src = 'load("//lang/java:defs.bzl", "dd_topt_java_test")\ndef run(td):\n    dd_topt_java_test(name = "t", topt_data = td)\n'
    mod = h.eval_source("java_missing_agent", src, h.ROOT / "x.bzl")
    md.expect_error(lambda: h.call(mod, "run", topt_data()), "agent_jar is required")


# ---- Go ----

def test_go_rundir_pins_and_metadata_attrs():
    h.STATE["globs"] = {"svc": ["go.mod", "orchestrion.yml"]}
    try:
        d = run("go", embed=[":lib"], cgo=True, race="on", goos="linux", orchestrion_pin_files=["//:tools.go"])
    finally:
        h.STATE["globs"] = {}
    raw = d["raw"]
    assert raw["rundir"] == "svc"
    assert raw["embed"] == [":lib"]
    assert raw["data"][:3] == [":t_topt_payloads", MANIFEST, LIB]
    assert raw["data"][3:] == ["go.mod", "orchestrion.yml", "//:tools.go"]
    assert d["selector"]["deps"] == [":lib"]
    assert json.loads(d["metadata"]["go_attrs"]) == {"cgo": True, "goos": "linux", "orchestrion_enabled": False, "race": "on"}


def test_go_stage_sources():
    d = run("go", stage_sources=True, srcs=["a_test.go"], embedsrcs=["x.txt"])
    assert d["raw"]["rundir"] == "."
    assert d["raw"]["data"][-2:] == ["a_test.go", "x.txt"]


def test_go_rule_required():
    src = 'load("//lang/go:defs.bzl", "dd_topt_go_test")\ndef run(td):\n    dd_topt_go_test(name = "t", topt_data = td)\n'
    mod = h.eval_source("go_missing_rule", src, h.ROOT / "x.bzl")
    md.expect_error(lambda: h.call(mod, "run", topt_data()), "go_test_rule is required")


# ---- Node.js, .NET, Ruby ----

@pytest.mark.parametrize(
    "language,popped,kept",
    [
        ("nodejs", ["package_name", "module_name", "npm_package"], ["entry_point"]),
        ("dotnet", ["root_namespace", "assembly_name", "project_name", "test_class"], []),
        ("ruby", ["require_path", "gem_name", "library_name"], ["main"]),
    ],
)
def test_user_rule_languages(language, popped, kept):
    kwargs = {k: "x/y" for k in popped + kept}
    d = run(language, **kwargs)
    for k in popped:
        assert k not in d["raw"]
    for k in kept:
        assert d["raw"][k] == "x/y"
    assert f"@topt//lang/{language}:binding" in d["raw"]["data"]
    attrs = json.loads(d["selector"]["selection_attrs"])
    assert attrs == {k: "x/y" for k in popped + kept}


@pytest.mark.parametrize("language,arg", [("nodejs", "nodejs_test_rule"), ("dotnet", "dotnet_test_rule"), ("ruby", "ruby_test_rule")])
def test_user_rule_required(language, arg):
    defs, macro, _ = md.MACROS[language]
    src = f'load("{defs}", "{macro}")\ndef run(td):\n    {macro}(name = "t", topt_data = td)\n'
    mod = h.eval_source(f"{language}_missing_rule", src, h.ROOT / "x.bzl")
    md.expect_error(lambda: h.call(mod, "run", topt_data()), f"{arg} is required")


# ---- selection attribute encoding ----

def test_non_string_selection_values_become_markers():
    # A select() (the harness's stand-in is a struct; Bazel's is a "select") counts as supplied
    # but yields no candidate: it becomes a marker object.
    d = run("ruby", main={"__select__": {"//conditions:default": "x"}})
    attrs = json.loads(d["selector"]["selection_attrs"])
    assert set(attrs["main"]) == {"non_string"}


# ---- service selection ----

SERVICE = h.vectors("service_selection.json")["cases"]


@pytest.mark.parametrize("case", SERVICE, ids=[c["name"] for c in SERVICE])
def test_service_selection(case):
    sel = h.load(h.ROOT / "bazel/private/selection.bzl")
    expect = case["expect"]
    fn = lambda: h.call(sel, "select_service", case["topt_data"], case["topt_service"], "//svc:t")
    if "error_contains" in expect:
        md.expect_error(fn, expect["error_contains"])
    else:
        assert fn()["repo_name"] == expect["repo_name"]


@pytest.mark.parametrize("case", SERVICE, ids=[c["name"] for c in SERVICE])
@pytest.mark.parametrize("language", LANGS)
def test_service_selection_through_macros(case, language):
    expect = case["expect"]
    kwargs = {"topt_data": case["topt_data"]}
    if case["topt_service"] is not None:
        kwargs["topt_service"] = case["topt_service"]
    fn = lambda: md.run_macro(language, "t", "svc", **kwargs)
    if "error_contains" in expect:
        md.expect_error(fn, expect["error_contains"])
    else:
        d = fn()
        assert d["selector"]["full_bundle"] == "@%s//:test_optimization_files" % expect["repo_name"]
        assert d["metadata"]["repo_name"] == expect["repo_name"]


# ---- pure helpers of the rules ----

def test_metadata_dict():
    meta = h.load(h.ROOT / "bazel/private/metadata.bzl")
    d = h.call(meta, "metadata_dict", "pkg/cart", "cart_test", REPO, "checkout-api", "python")
    assert d == {
        "bazel.package": "//pkg/cart",
        "bazel.target": "//pkg/cart:cart_test",
        "bazel.test_optimization.repo_name": REPO,
        "bazel.test_optimization.runtime_name": "python",
        "bazel.test_optimization.service_name": "checkout-api",
    }
    assert list(d) == sorted(d)
    go = h.call(meta, "metadata_dict", "", "t", REPO, "s", "go",
                {"cgo": True, "goarch": "arm64", "orchestrion_enabled": False},
                {"identifier": "x/y", "identifier_source": "explicit", "payload_selection": "module"})
    assert go["bazel.package"] == "//" and go["bazel.target"] == "//:t"
    assert go["bazel.go.importpath"] == "x/y" and go["bazel.go.payload_selection"] == "module"
    assert go["bazel.go.attr.cgo"] is True and go["bazel.go.attr.linkmode"] == "auto"
    assert go["bazel.go.attr.goarch"] == "arm64" and "bazel.go.attr.goos" not in go
    assert list(go) == sorted(go)


def _file(short_path):
    return {"short_path": short_path, "basename": short_path.rsplit("/", 1)[-1]}


def test_canonical_symlinks_include_flaky_tests():
    src = '''
load("//bazel/private:payloads_selector.bzl", "canonical_symlinks")
def run(files):
    out = canonical_symlinks("_main", [struct(**f) for f in files])
    return {k: v.short_path for k, v in out.items()}
'''
    mod = h.eval_source("symlinks", src, h.ROOT / "x.bzl")
    base = "../test_optimization_data/.testoptimization"
    files = [
        _file(base + "/cache/http/settings.json"),
        _file(base + "/manifest.txt"),
        _file(base + "/cache/http/module_a/known_tests.json"),
        _file(base + "/module_a/test_management.json"),
        _file(base + "/cache/http/module_a/flaky_tests.json"),
    ]
    got = h.call(mod, "run", files)
    root = "test_optimization_data/.testoptimization/cache/http/"
    assert got == {
        root + "known_tests.json": base + "/cache/http/module_a/known_tests.json",
        root + "test_management.json": base + "/module_a/test_management.json",
        root + "flaky_tests.json": base + "/cache/http/module_a/flaky_tests.json",
    }
    # The full bundle is already canonical: no symlinks.
    full = [_file(base + "/cache/http/" + n) for n in ("settings.json", "known_tests.json", "test_management.json", "flaky_tests.json")]
    assert h.call(mod, "run", full) == {}


def test_wrapper_shell_quote():
    mod = h.load(h.ROOT / "bazel/private/test_wrapper.bzl")
    assert h.call(mod, "shell_quote", "a'b $x") == "'a'\\''b $x'"
