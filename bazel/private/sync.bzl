"""Repository rules: obtain `topt` (and libtopt) and run `topt sync` (docs/bazel.md, docs/sync.md).

Thin by design: all HTTP, retries, JSON splitting, sanitising and CI/git detection live in Rust.
The rules only

1. obtain `topt`: an explicit label (`topt`), else a sha256-pinned prebuilt (`topt_urls` +
   `topt_sha256`), else a build of this module's sources with the host cargo; `topt_binary` also
   provides libtopt the same way (`libtopt_urls` + `libtopt_sha256`, or the cargo build);
2. run `topt sync` with the attributes as flags, in the repository directory;
3. declare every environment variable that can change the result (sync_env.bzl), so Bazel
   refetches exactly when one changes (`--repo_env=FETCH_SALT=$(date +%s)` forces it).
"""

load(":labels.bzl", "dedup_keys", "sanitize_label_fragment")
load(":sync_env.bzl", "SYNC_ENVIRON")

_CARGO_TOML = Label("//:Cargo.toml")

TOPT_BINARY_ATTRS = {
    "cargo_profile": attr.string(
        default = "release",
        doc = "Cargo profile used when building topt from source (`release` or `dev`).",
    ),
    "topt": attr.label(
        allow_single_file = True,
        doc = "A `topt` executable to use as is (e.g. `@topt_tool//:topt`). Wins over the others.",
    ),
    "topt_sha256": attr.string(doc = "sha256 of the prebuilt binary in `topt_urls`."),
    "topt_urls": attr.string_list(
        doc = "URLs of a prebuilt `topt` for this host (a bare executable); needs `topt_sha256`.",
    ),
}

# topt_binary only: libtopt next to the CLI, for the macros' `topt_library` without rules_rust.
LIBTOPT_ATTRS = {
    "libtopt_sha256": attr.string(doc = "sha256 of the prebuilt library in `libtopt_urls`."),
    "libtopt_urls": attr.string_list(
        doc = "URLs of a prebuilt libtopt for this host (`libtopt.so`, `libtopt.dylib` or `topt.dll`); needs `libtopt_sha256`.",
    ),
}

def _is_windows(rctx):
    return "windows" in rctx.os.name.lower()

def _realpath(rctx, path):
    # Build from the real source directory, not Bazel's symlinked view of it: cargo keys its
    # incremental state on the path, so a stable path keeps rebuilds incremental.
    real = getattr(path, "realpath", None)
    if real != None:
        return real
    result = rctx.execute(["realpath", str(path)])
    if result.return_code == 0 and result.stdout.strip():
        return result.stdout.strip()
    return path

def _library_name(rctx):
    name = rctx.os.name.lower()
    if "windows" in name:
        return "topt.dll"
    if "mac" in name or "darwin" in name:
        return "libtopt.dylib"
    return "libtopt.so"

def _build_from_source(rctx, with_library = False):
    """Builds topt (and libtopt) with the host cargo; returns the target profile directory."""
    cargo = rctx.which("cargo")
    if cargo == None:
        fail("topt: no prebuilt binary is configured and `cargo` is not on PATH. Either set " +
             "topt_urls + topt_sha256 (a pinned prebuilt topt for this host), pass topt = <label " +
             "of a topt executable>, or install Rust (https://rustup.rs) so topt can be built from " +
             "this module's sources.")
    manifest = _realpath(rctx, rctx.path(_CARGO_TOML))
    target_dir = rctx.os.environ.get("TOPT_CARGO_TARGET_DIR") or str(rctx.path("_cargo_target"))
    profile = rctx.attr.cargo_profile or "release"
    args = [cargo, "build", "--locked", "--package", "topt-cli", "--bin", "topt"]
    if with_library:
        args.extend(["--package", "topt-ffi", "--lib"])
    args.extend(["--manifest-path", str(manifest), "--profile", profile])
    rctx.report_progress("building topt from source (cargo build --profile %s)" % profile)
    result = rctx.execute(args, environment = {"CARGO_TARGET_DIR": target_dir}, timeout = 3600, quiet = False)
    if result.return_code != 0:
        fail("topt: `%s` failed (exit %d):\n%s\nFix the build, or configure a prebuilt with topt_urls + topt_sha256." % (" ".join([str(a) for a in args]), result.return_code, result.stderr))
    out_dir = "debug" if profile == "dev" else profile
    return "%s/%s" % (target_dir, out_dir)

def _exe_name(rctx):
    return "topt.exe" if _is_windows(rctx) else "topt"

def _download(rctx, urls, sha256, what, output, executable):
    if not sha256:
        fail("topt: %s_urls needs %s_sha256 (the prebuilt must be pinned); get it with `sha256sum %s`" % (what, what, output.split("/")[-1]))
    rctx.download(urls, output = output, sha256 = sha256, executable = executable)
    return rctx.path(output)

def obtain_topt(rctx):
    """Returns the path of a `topt` executable for a repository rule (see the module docstring).

    Args:
      rctx: the repository_ctx; its rule has TOPT_BINARY_ATTRS.

    Returns:
      A path.
    """
    if rctx.attr.topt:
        return rctx.path(rctx.attr.topt)
    if rctx.attr.topt_urls:
        return _download(rctx, rctx.attr.topt_urls, rctx.attr.topt_sha256, "topt", "_topt/" + _exe_name(rctx), True)
    return rctx.path(_build_from_source(rctx) + "/" + _exe_name(rctx))

def _topt_binary_impl(rctx):
    exe = _exe_name(rctx)
    lib = _library_name(rctx)
    library = None
    if rctx.attr.topt or rctx.attr.topt_urls:
        topt = obtain_topt(rctx)
        if rctx.attr.libtopt_urls:
            library = _download(rctx, rctx.attr.libtopt_urls, rctx.attr.libtopt_sha256, "libtopt", "_topt/" + lib, False)
    else:
        out = _build_from_source(rctx, with_library = True)
        topt = rctx.path(out + "/" + exe)
        library = rctx.path(out + "/" + lib)
    rctx.symlink(topt, exe)
    build = ["# Generated by topt_binary.", "exports_files([\"%s\"], visibility = [\"//visibility:public\"])" % exe]
    if exe != "topt":
        build.append("alias(name = \"topt\", actual = \"%s\", visibility = [\"//visibility:public\"])" % exe)
    if library != None:
        rctx.symlink(library, lib)
        build.append("exports_files([\"%s\"], visibility = [\"//visibility:public\"])" % lib)
        build.append("alias(name = \"libtopt\", actual = \"%s\", visibility = [\"//visibility:public\"])" % lib)
    rctx.file("BUILD.bazel", "\n".join(build) + "\n")

topt_binary = repository_rule(
    implementation = _topt_binary_impl,
    doc = "A repository exporting `:topt` (the CLI) and, when built from source or given " +
          "`libtopt_urls`, `:libtopt` (the shared library) for the macros' `topt_library`.",
    attrs = dict(TOPT_BINARY_ATTRS, **LIBTOPT_ATTRS),
    # Not `local`: the binary is kept across Bazel server restarts; --repo_env=FETCH_SALT=... (or a
    # changed attribute) gets a new one.
    environ = ["TOPT_CARGO_TARGET_DIR", "FETCH_SALT"],
)

# Attributes of one sync (docs/sync.md has the flags they become), shared with the module
# extension's tag.
SYNC_ATTRS = {
    "debug": attr.bool(default = False, doc = "Print request and response bodies (never the API key)."),
    "flaky_tests": attr.bool(default = True, doc = "Kill-switch: False skips the flaky tests request."),
    "http_connect_timeout_seconds": attr.int(default = -1, doc = "Connect timeout per attempt; -1 = env or 10."),
    "http_execute_timeout_buffer_seconds": attr.int(default = -1, doc = "Extra seconds per request budget; -1 = env or 60."),
    "http_max_time_seconds": attr.int(default = -1, doc = "Time per attempt; -1 = env or 60."),
    "http_retry_attempts": attr.int(default = -1, doc = "Retries (> 0); -1 = env or 3."),
    "http_retry_delay_seconds": attr.int(default = -1, doc = "First retry delay; -1 = env or 2."),
    "known_tests": attr.bool(default = True, doc = "Kill-switch: False skips the known tests request."),
    "on_error": attr.string(
        default = "fail",
        values = ["fail", "stub"],
        doc = "`fail` (default, like the reference) or `stub`: continue with stub files and a loud warning.",
    ),
    "out_dir": attr.string(default = "", doc = "Payload directory in the repository; empty = `.testoptimization`."),
    "require_git_metadata": attr.bool(default = False, doc = "Fail before any request when git URL, branch/tag or SHA is missing."),
    "runtime_arch": attr.string(default = "", doc = "Request `runtime.architecture` (detected when empty)."),
    "runtime_module_path": attr.string(default = "", doc = "Module path of the code under test (export.bzl `runtimes`)."),
    "runtime_name": attr.string(default = "", doc = "Request `runtime.name` (`unknown` when empty) and module-path routing."),
    "runtime_version": attr.string(default = "", doc = "Request `runtime.version` (`unknown` when empty)."),
    "test_management": attr.bool(default = True, doc = "Kill-switch: False skips the test management request."),
}

def sync_args(attrs, repo_name, workspace_root, services):
    """The `topt sync` command-line flags for one sync.

    Args:
      attrs: struct or dict-like with the SYNC_ATTRS values (`getattr` access).
      repo_name: the apparent repository name exported as `topt_data["repo_name"]`.
      workspace_root: where git metadata is read.
      services: list of service names; empty = DD_SERVICE or `unnamed-service`.

    Returns:
      A list of strings.
    """
    args = ["sync", "--repo-root", ".", "--repo-name", repo_name, "--workspace-root", workspace_root]
    for service in services:
        args.extend(["--service", service])
    if attrs.out_dir:
        args.extend(["--out-dir", attrs.out_dir])
    for flag, value in (
        ("--runtime-name", attrs.runtime_name),
        ("--runtime-version", attrs.runtime_version),
        ("--runtime-arch", attrs.runtime_arch),
        ("--runtime-module-path", attrs.runtime_module_path),
    ):
        if value:
            args.extend([flag, value])
    for flag, value in (
        ("--http-connect-timeout-seconds", attrs.http_connect_timeout_seconds),
        ("--http-max-time-seconds", attrs.http_max_time_seconds),
        ("--http-retry-attempts", attrs.http_retry_attempts),
        ("--http-retry-delay-seconds", attrs.http_retry_delay_seconds),
        ("--http-execute-timeout-buffer-seconds", attrs.http_execute_timeout_buffer_seconds),
    ):
        if value != -1:
            args.extend([flag, str(value)])
    args.append("--known-tests=%s" % ("true" if attrs.known_tests else "false"))
    args.append("--test-management=%s" % ("true" if attrs.test_management else "false"))
    args.append("--flaky-tests=%s" % ("true" if attrs.flaky_tests else "false"))
    if attrs.require_git_metadata:
        args.append("--require-git-metadata")
    if attrs.debug:
        args.append("--debug")
    args.extend(["--on-error", attrs.on_error or "fail"])
    return args

def _workspace_root(rctx):
    if rctx.attr.workspace_root:
        return rctx.attr.workspace_root
    root = getattr(rctx, "workspace_root", None)
    if root != None:
        return str(root)

    # Bazel < 6 has no repository_ctx.workspace_root; WORKSPACE mode always has this file.
    return str(rctx.path(Label("@//:WORKSPACE")).dirname)

def _watch_git(rctx, workspace_root):
    # Re-run when HEAD moves (Bazel >= 7.1; older versions re-run after a server restart, this rule
    # being `local`, or with --repo_env=FETCH_SALT=$(date +%s)).
    if not hasattr(rctx, "watch"):
        return
    for name in ("HEAD", "FETCH_HEAD", "ORIG_HEAD", "packed-refs"):
        path = rctx.path(workspace_root + "/.git/" + name)
        if path.exists:
            rctx.watch(path)

def run_topt_sync(rctx, services, repo_name):
    """Runs `topt sync` into the repository directory; fails the fetch on error.

    Args:
      rctx: the repository_ctx.
      services: list of service names (one for a plain sync).
      repo_name: the apparent name exported as `topt_data["repo_name"]`.
    """
    topt = obtain_topt(rctx)
    workspace_root = _workspace_root(rctx)
    _watch_git(rctx, workspace_root)
    args = [topt] + sync_args(rctx.attr, repo_name, workspace_root, services)
    result = rctx.execute(args, timeout = 3600, quiet = not rctx.attr.debug)
    if result.return_code != 0:
        fail(("topt sync failed for repository '%s' (exit %d):\n%s%s\n" +
              "The sync reads DD_API_KEY, DD_SITE and the other settings from the environment of " +
              "the bazel command (export DD_API_KEY=...; never --test_env); see \"The API key\" " +
              "in topt's docs/bazel.md for the forms that work on each Bazel version.") % (
            repo_name,
            result.return_code,
            result.stdout,
            result.stderr,
        ))
    if result.stderr and rctx.attr.debug:
        print(result.stderr)  # buildifier: disable=print

def _sync_impl(rctx):
    service = rctx.attr.service
    run_topt_sync(rctx, [service] if service else [], rctx.attr.repo_name or rctx.name)

_REPO_ATTRS = {
    "repo_name": attr.string(doc = "Name exported as `topt_data[\"repo_name\"]` (the apparent name users load from); empty = the rule name."),
    "service": attr.string(doc = "Service name; empty = DD_SERVICE, else `unnamed-service`."),
    "workspace_root": attr.string(doc = "Where git metadata is read; empty = the main workspace root."),
}

def _merge(*dicts):
    out = {}
    for d in dicts:
        out.update(d)
    return out

test_optimization_sync = repository_rule(
    implementation = _sync_impl,
    doc = "Runs `topt sync`: settings, known tests, test management and flaky tests as a repository " +
          "with BUILD, export.bzl (`topt_data`) and per-module targets.",
    attrs = _merge(SYNC_ATTRS, TOPT_BINARY_ATTRS, _REPO_ATTRS),
    environ = SYNC_ENVIRON,
    local = True,
)

def _aggregate_impl(rctx):
    topt = obtain_topt(rctx)
    args = [topt, "sync", "--aggregate-only", "--repo-root", ".", "--repo-name", rctx.attr.repo_name or rctx.name]
    for service in rctx.attr.services:
        args.extend(["--service", service])
    result = rctx.execute(args, timeout = 600)
    if result.return_code != 0:
        fail("topt sync --aggregate-only failed for '%s' (exit %d):\n%s%s" % (rctx.name, result.return_code, result.stdout, result.stderr))

test_optimization_aggregate = repository_rule(
    implementation = _aggregate_impl,
    doc = "The multi-service aggregator repository: aggregate.bzl, export.bzl (`topt_data_by_service`), BUILD.",
    attrs = _merge(TOPT_BINARY_ATTRS, {
        "repo_name": attr.string(doc = "Apparent name of the aggregator; empty = the rule name."),
        "services": attr.string_list(mandatory = True, doc = "Service names, in order."),
    }),
    local = True,
)

def multi_sync_repo_names(name, services):
    """Per-service repository names of a multi-service sync: `<name>_<sanitised, de-duplicated service>`.

    Args:
      name: the aggregator name.
      services: service names, in order.

    Returns:
      A list of `(repo_name, service)` pairs.
    """
    if not services:
        fail("test_optimization_multi_sync(%s): services must be a non-empty list of service names" % name)
    keys = dedup_keys([sanitize_label_fragment(s) for s in services])
    return [("%s_%s" % (name, keys[i]), s) for i, s in enumerate(services)]

def test_optimization_multi_sync(name, services, **kwargs):
    """WORKSPACE: one sync repository per service plus the aggregator `name`.

    The aggregator exports `topt_data_by_service` (pass it as `topt_data` with `topt_service`) and
    `:test_optimization_context_<key>` per service, for the doctor and the uploader.

    Args:
      name: aggregator repository name; service repositories are `<name>_<key>`, where `<key>` is
        the sanitised, de-duplicated service name.
      services: service names, in order (non-empty).
      **kwargs: attributes of `test_optimization_sync` for every service (`out_dir` defaults to
        `.testoptimization`), and `topt` / `topt_urls` / `topt_sha256` / `cargo_profile`.
    """
    binary = {k: kwargs[k] for k in ("topt", "topt_urls", "topt_sha256", "cargo_profile") if k in kwargs}
    for repo_name, service in multi_sync_repo_names(name, services):
        test_optimization_sync(name = repo_name, repo_name = repo_name, service = service, **kwargs)
    test_optimization_aggregate(name = name, repo_name = name, services = services, **binary)
