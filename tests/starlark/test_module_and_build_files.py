"""MODULE.bazel and the repository's BUILD files, evaluated with stub Bazel functions.

No modern Bazel runs here (no bzlmod on these machines), so these checks pin down what the files
declare: the rules_rust toolchain and crate universe, the dev-only sync extension, and that every
label the root BUILD files name exists on disk.
"""

import pathlib

import harness as h

RECORD = []


def _rec(kind):
    def f(*args, **kwargs):
        RECORD.append(dict(kind=kind, args_=list(args), **kwargs))
        return None

    return f


def _ext(bzl, name, dev_dependency=False, **_):
    RECORD.append(dict(kind="use_extension", bzl=bzl, name=name, dev_dependency=dev_dependency))
    return None


MODULE_PRELUDE = '''
def _proxy(ext):
    return struct(
        name = ext,
        toolchain = lambda **kw: _tag(ext, "toolchain", kw),
        from_cargo = lambda **kw: _tag(ext, "from_cargo", kw),
        test_optimization_sync = lambda **kw: _tag(ext, "test_optimization_sync", kw),
    )

def use_repo(proxy, *names):
    _use_repo(proxy.name, *names)

def use_extension(bzl, name, dev_dependency = False, **kwargs):
    _use_extension(bzl, name, dev_dependency = dev_dependency)
    return _proxy(name)
'''


def _tag(ext, tag, kw):
    RECORD.append(dict(kind="tag", ext=ext, tag=tag, **kw))


def eval_module():
    RECORD.clear()
    import starlark as sl

    mod = sl.Module()
    for name in ("module", "bazel_dep", "register_toolchains"):
        mod.add_callable(name, _rec(name))
    mod.add_callable("_use_repo", _rec("use_repo"))
    mod.add_callable("_use_extension", _ext)
    mod.add_callable("_tag", _tag)
    sl.eval(mod, sl.parse("prelude", MODULE_PRELUDE, h.DIALECT), h.GLOBALS)
    src = (h.ROOT / "MODULE.bazel").read_text()
    sl.eval(mod, sl.parse("MODULE.bazel", src, h.DIALECT), h.GLOBALS)
    return list(RECORD)


def test_module_bazel():
    calls = eval_module()
    module = [c for c in calls if c["kind"] == "module"][0]
    assert module["name"] == "topt"
    deps = {c["name"] for c in calls if c["kind"] == "bazel_dep"}
    assert {"rules_rust", "rules_cc", "platforms", "rules_python"} <= deps

    toolchain = [c for c in calls if c["kind"] == "tag" and c["tag"] == "toolchain"][0]
    assert toolchain["edition"] == "2024" and toolchain["versions"]
    assert ["@rust_toolchains//:all"] in [c["args_"] for c in calls if c["kind"] == "register_toolchains"]

    cargo = [c for c in calls if c["kind"] == "tag" and c["tag"] == "from_cargo"][0]
    assert cargo["name"] == "topt_crates"
    assert cargo["cargo_lockfile"] == "//:Cargo.lock"
    for label in cargo["manifests"]:
        pkg, file = label[2:].split(":")
        assert (h.ROOT / pkg / file).is_file(), label
    # Every workspace member is listed, so crate_universe sees the whole workspace.
    import tomllib

    members = tomllib.loads((h.ROOT / "Cargo.toml").read_text())["workspace"]["members"]
    assert sorted(cargo["manifests"]) == sorted(["//:Cargo.toml"] + [f"//{m}:Cargo.toml" for m in members])
    assert set(cargo["supported_platform_triples"]) >= {
        "x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu", "aarch64-apple-darwin"}

    repos = [c["args_"] for c in calls if c["kind"] == "use_repo"]
    assert ["crate", "topt_crates"] in repos and ["rust", "rust_toolchains"] in repos
    assert ["test_optimization_sync_extension", "test_optimization_data"] in repos

    exts = {c["name"]: c for c in calls if c["kind"] == "use_extension"}
    assert exts["test_optimization_sync_extension"]["dev_dependency"] is True
    assert exts["test_optimization_sync_extension"]["bzl"] == "//bazel:extensions.bzl"
    assert exts["rust"]["dev_dependency"] is False and exts["crate"]["dev_dependency"] is False


def eval_workspace():
    """WORKSPACE.bazel through the harness: the repositories it (and topt's WORKSPACE macros) declare."""
    import starlark as sl

    h.CALLS.clear()
    mod = h.new_module()
    mod.add_callable("workspace", lambda **kw: h.CALLS.append(dict(kind="workspace", **kw)))
    src = (h.ROOT / "WORKSPACE.bazel").read_text()
    loader = sl.FileLoader(lambda label: h.load(h.resolve(label, h.ROOT / "WORKSPACE.bazel")))
    sl.eval(mod, sl.parse("WORKSPACE.bazel", src, h.DIALECT), h.GLOBALS, loader)
    return list(h.CALLS)


def test_workspace_bazel_runs_the_steps_a_user_runs():
    calls = eval_workspace()
    kinds = [c["kind"] for c in calls]
    # The three steps of docs/bazel.md, in order, and the toolchain the workspace registers itself.
    assert kinds == ["workspace", "http_archive", "http_archive", "rules_rust_dependencies",
                     "crate_universe_dependencies", "http_archive", "cargo_bootstrap_repository",
                     "crates_repository", "rust_register_toolchains", "crate_repositories"], kinds
    archives = {c["name"]: c for c in calls if c["kind"] == "http_archive"}
    assert set(archives) == {"rules_rust", "bazel_skylib", "topt_cargo_bazel_src"}
    assert all(u.endswith("/0.6.0/rules_rust-v0.6.0.tar.gz") for u in archives["rules_rust"]["urls"])
    assert all(len(a["sha256"]) == 64 for a in archives.values())

    # The generator: cargo-bazel from the same rules_rust archive with topt's patch, built by cargo.
    src = archives["topt_cargo_bazel_src"]
    assert (src["urls"], src["sha256"]) == (archives["rules_rust"]["urls"], archives["rules_rust"]["sha256"])
    assert [str(p) for p in src["patches"]] == ["@topt//bazel/private:cargo-bazel-0.3.0.patch"]
    assert (h.ROOT / "bazel/private/cargo-bazel-0.3.0.patch").is_file()
    boot = [c for c in calls if c["kind"] == "cargo_bootstrap_repository"][0]
    assert boot["name"] == "topt_cargo_bazel" and boot["binary"] == "cargo-bazel"
    assert boot["cargo_toml"] == "@topt_cargo_bazel_src//crate_universe:Cargo.toml"
    toolchain = [c for c in calls if c["kind"] == "rust_register_toolchains"][0]
    assert toolchain["edition"] == "2024" and toolchain["version"] == "1.95.0"

    # @topt_crates: the same workspace, lock file and platforms as MODULE.bazel's crate.from_cargo.
    crates = [c for c in calls if c["kind"] == "crates_repository"][0]
    module = [c for c in eval_module() if c["kind"] == "tag" and c["tag"] == "from_cargo"][0]
    assert crates["name"] == module["name"] == "topt_crates"
    assert crates["lockfile"] == "@topt" + module["cargo_lockfile"]
    assert sorted(crates["manifests"]) == sorted("@topt" + m for m in module["manifests"])
    assert crates["supported_platform_triples"] == module["supported_platform_triples"]
    assert crates["generator"] == "@topt_cargo_bazel//:cargo-bazel"


def test_build_files_load_the_topt_specific_crates_repository():
    # A user's WORKSPACE shares one repository namespace with topt's BUILD files: never @crates.
    for build in [h.ROOT / "BUILD.bazel", *sorted((h.ROOT / "crates").glob("*/BUILD.bazel"))]:
        text = build.read_text()
        assert "@crates//" not in text, build
        if "all_crate_deps" in text:
            assert 'load("@topt_crates//:defs.bzl", "all_crate_deps")' in text, build


def _crate_deps(dev=False):
    """Per member: its external normal dependencies (and, with dev, (normal, dev) pairs)."""
    import tomllib

    root = tomllib.loads((h.ROOT / "Cargo.toml").read_text())
    external = {k for k, v in root["workspace"]["dependencies"].items() if not (isinstance(v, dict) and "path" in v)}
    out = {}
    for member in root["workspace"]["members"]:
        manifest = tomllib.loads((h.ROOT / member / "Cargo.toml").read_text())
        normal = {d for d in manifest.get("dependencies", {}) if d in external}
        dev_deps = {d for d in manifest.get("dev-dependencies", {}) if d in external}
        out[member] = (normal, dev_deps) if dev else normal
    return out


def _eval_build(path):
    h.CALLS.clear()
    source = "".join(
        f"{n} = native.{n}\n"
        for n in ("filegroup", "exports_files", "alias", "cc_library", "cc_test", "java_library", "label_flag")
    ) + path.read_text()
    # load()s of rules_rust/rules_cc/rules_python resolve to recording stubs.
    stub_src = '''
def _r(kind):
    def f(**kw):
        _record_call(kind, kw)
    return f
rust_library = _r("rust_library")
rust_binary = _r("rust_binary")
rust_shared_library = _r("rust_shared_library")
rust_test = _r("rust_test")
rust_test_suite = _r("rust_test_suite")
cc_library = _r("cc_library")
cc_test = _r("cc_test")
py_library = _r("py_library")
go_library = _r("go_library")
java_library = _r("java_library")
'''
    stub = h.eval_source("rules_stub", stub_src, h.ROOT / "stub.bzl")
    import starlark as sl

    mod = h.new_module()
    mod.add_callable("package", lambda **kw: None)
    mod.add_callable("config_setting", lambda **kw: h.CALLS.append(dict(kind="config_setting", **kw)))
    def glob(include, exclude=None, allow_empty=False, **_):
        excluded = {p for pat in (exclude or []) for p in path.parent.glob(pat)}
        return [str(p.relative_to(path.parent)) for pat in include for p in sorted(path.parent.glob(pat))
                if p.is_file() and p not in excluded]

    mod.add_callable("glob", glob)

    # crate_universe's all_crate_deps() stands for the package's Cargo.toml dependencies; the stub
    # answers them from the manifests, so the assertions below check that every Rust target takes
    # its external crates from crate_universe (or an equal list) and nothing else.
    package = str(path.parent.relative_to(h.ROOT)) if path.parent != h.ROOT else ""
    manifests = _crate_deps(dev=True)
    crates_src = f"""
def all_crate_deps(normal = False, normal_dev = False, package_name = None):
    return _crate_deps_of(package_name or "{package}", normal_dev)
"""
    crates_mod = h.new_module()
    crates_mod.add_callable(
        "_crate_deps_of",
        lambda pkg, dev: sorted("@topt_crates//:" + d for d in manifests[pkg][1 if dev else 0]),
    )
    crates = h.eval_source("crates_defs", crates_src, path, mod=crates_mod)
    mod.add_callable("package_name", lambda: package)

    def loader(label):
        if label.startswith(("@rules_", "@io_bazel_rules_go//")):
            return stub
        if label == "@topt_crates//:defs.bzl":
            return crates
        return h.load(h.resolve(label, path))

    sl.eval(mod, sl.parse(str(path), source, h.DIALECT), h.GLOBALS, sl.FileLoader(loader))
    return {c.get("name"): c for c in h.CALLS}


def test_rust_targets_use_every_crate_dependency():
    deps = _crate_deps()
    core = _eval_build(h.ROOT / "crates/topt-core/BUILD.bazel")["topt_core"]
    assert {d.split(":")[1] for d in core["deps"] if d.startswith("@topt_crates")} == deps["crates/topt-core"]
    cli_build = _eval_build(h.ROOT / "crates/topt-cli/BUILD.bazel")
    cli = cli_build["topt_cli"]  # the library behind the `topt` binary
    assert {d.split(":")[1] for d in cli["deps"] if d.startswith("@topt_crates")} == deps["crates/topt-cli"]
    assert cli["compile_data"] == ["//testdata:api"]
    assert cli_build["topt"]["deps"] == [":topt_cli"]
    root = _eval_build(h.ROOT / "BUILD.bazel")
    lib = root["topt"]
    assert lib["kind"] == "rust_shared_library" and lib["crate_name"] == "topt"
    assert {d.split(":")[1] for d in lib["deps"] if d.startswith("@topt_crates")} == deps["ffi"]
    assert root["topt_c"]["hdrs"] == ["include/topt.h"] and root["topt_c"]["deps"] == [":topt"]
    assert (h.ROOT / "include/topt.h").is_file()
    for src in root["topt_c_test"]["srcs"]:
        assert (h.ROOT / src).is_file(), src
    assert root["topt_cli"]["actual"] == "//crates/topt-cli:topt"


def test_lang_build_files():
    for lang in ("nodejs", "dotnet", "ruby"):
        assert "binding" in _eval_build(h.ROOT / "lang" / lang / "BUILD.bazel"), lang

    # Go: a real cgo go_library whose importpath is the module line of lang/go/go.mod.
    go = _eval_build(h.ROOT / "lang/go/BUILD.bazel")["binding"]
    assert go["kind"] == "go_library" and go["cgo"] is True
    module = (h.ROOT / "lang/go/go.mod").read_text().split("\n")[0].split()[1]
    assert go["importpath"] == module
    assert "raw.c" in go["srcs"] and "raw.h" in go["srcs"] and "topt.h" in go["srcs"]
    assert not [s for s in go["srcs"] if s.endswith("_test.go")]

    # Java: a java_library over the sources, its JNA through a label_flag.
    java = _eval_build(h.ROOT / "lang/java/BUILD.bazel")
    assert java["topt"]["kind"] == "java_library" and java["topt"]["deps"] == [":jna"]
    assert java["topt"]["srcs"] and all(s.endswith(".java") for s in java["topt"]["srcs"])
    assert java["jna"]["kind"] == "label_flag" and java["jna"]["build_setting_default"] == ":jna_not_configured"

    # Python: the native py_library (this Bazel has one), and no load of rules_python, so a
    # WORKSPACE without rules_python can load the package.
    text = (h.ROOT / "lang/python/BUILD.bazel").read_text()
    assert "@rules_python" not in text
    py = _eval_build(h.ROOT / "lang/python/BUILD.bazel")
    assert py["topt"]["kind"] == "py_library" and py["topt"]["imports"] == ["."]
    assert py["topt"]["srcs"] == [":binding_srcs"]
    assert "topt/__init__.py" in py["binding_srcs"]["srcs"]
