"""`bazel run` targets wrapping `topt doctor` and `topt upload`, and the helper declaring both.

Attribute names follow the reference implementation. Both launchers hand topt every sync
repository's `context.json` as `--context KEY=PATH`, KEY being the repository name that test
metadata sidecars carry in `bazel.test_optimization.repo_name`.

The launchers find those files at run time, in the output base's `external/` folder, instead of
depending on the sync repositories: a dependency would make `bazel run` fetch them, and Bazel
re-runs the sync for a `local` repository after every server restart and whenever a declared
environment variable differs from the `bazel test` run (e.g. no DD_API_KEY in that shell). The
context the doctor and the uploader need is the one of the sync the tests ran with, which is the
one already in the output base (docs/bazel.md, "Doctor and uploader").
"""

load(":payloads_selector.bzl", "rlocation_path")
load(":selection.bzl", "PAYLOAD_SELECTIONS")
load(":test_wrapper.bzl", "shell_quote")

_TOPT = Label("//crates/topt-cli:topt")

def validate_expected_targets(expected_targets, what):
    """Checks the `expected_targets` labels at analysis time: local `//pkg:name` labels only.

    Args:
      expected_targets: list of labels as strings.
      what: prefix for error messages.
    """
    for label in expected_targets:
        if label.startswith("@"):
            fail("%s: expected_targets does not support external labels (%s); list targets of this workspace as //pkg:name" % (what, label))
        if not label.startswith("//") or ":" not in label:
            fail("%s: expected_targets entries must look like //pkg:name, got '%s'" % (what, label))
        name = label[label.find(":") + 1:]
        if not name or name.startswith("/") or ".." in name.split("/"):
            fail("%s: invalid target name in expected_targets entry '%s'" % (what, label))

LAUNCHER_PREAMBLE = [
    "#!/usr/bin/env bash",
    "set -eu",
    "_topt_runfiles=\"${RUNFILES_DIR:-}\"",
    "if [ -z \"$_topt_runfiles\" ] || [ ! -d \"$_topt_runfiles\" ]; then _topt_runfiles=\"$0.runfiles\"; fi",
    # The output base: this script lives in <output base>/execroot/<workspace>/bazel-out/....
    "_topt_self=\"$(cd \"$(dirname \"$0\")\" && pwd -P)\"",
    "case \"$_topt_self\" in",
    "  */execroot/*) _topt_external=\"${_topt_self%%/execroot/*}/external\" ;;",
    "  *) echo \"topt: cannot find Bazel's output base from $0; run this target with bazel run\" >&2; exit 2 ;;",
    "esac",
    "_topt_contexts=()",
    # $1: the sync repository's name (its folder may carry a bzlmod prefix such as _main~ext~).
    "_topt_context() {",
    "  local d f",
    "  for d in \"$_topt_external/$1\" \"$_topt_external\"/*[~+]\"$1\"; do",
    "    for f in \"$d\"/.testoptimization/context.json \"$d\"/*/context.json \"$d\"/.[!.]*/context.json; do",
    "      if [ -f \"$f\" ]; then _topt_contexts+=(--context \"$1=$f\"); return; fi",
    "    done",
    "  done",
    "  echo \"topt: no context.json of the sync repository $1 in $_topt_external; run bazel test first (the sync runs there)\" >&2",
    "  exit 2",
    "}",
]

def _launcher(ctx, subcommand, args, env_defaults):
    topt = ctx.executable.topt
    lines = list(LAUNCHER_PREAMBLE)
    for key, value in env_defaults:
        lines.append("export %s=\"${%s:-%s}\"" % (key, key, value))
    for repo in ctx.attr.sync_repos:
        lines.append("_topt_context %s" % shell_quote(repo))
    cmd = ["\"$_topt_runfiles/%s\"" % rlocation_path(ctx.workspace_name, topt), subcommand, "${_topt_contexts[@]+\"${_topt_contexts[@]}\"}"]
    cmd.extend([shell_quote(a) for a in args])
    lines.append("exec " + " ".join(cmd) + " \"$@\"")
    lines.append("")
    script = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.write(script, "\n".join(lines), is_executable = True)
    runfiles = ctx.runfiles(files = [topt])
    runfiles = runfiles.merge(ctx.attr.topt[DefaultInfo].default_runfiles)
    return [DefaultInfo(executable = script, runfiles = runfiles)]

def _doctor_impl(ctx):
    what = str(ctx.label)
    validate_expected_targets(ctx.attr.expected_targets, what)
    allowed = ctx.attr.allowed_payload_selections
    bad = [s for s in allowed if s not in PAYLOAD_SELECTIONS]
    if bad:
        fail("%s: allowed_payload_selections contains unsupported value(s) %s; expected some of %s" % (what, bad, PAYLOAD_SELECTIONS))
    if "full_bundle_no_match" in allowed and ctx.attr.forbid_full_bundle_no_match:
        fail("%s: allowed_payload_selections includes full_bundle_no_match while forbid_full_bundle_no_match=True; drop one of them" % what)
    for label, selection in ctx.attr.expected_payload_selection_by_target.items():
        if selection not in PAYLOAD_SELECTIONS:
            fail("%s: expected_payload_selection_by_target['%s'] has unsupported value '%s'; expected one of %s" % (what, label, selection, PAYLOAD_SELECTIONS))
    args = []
    for label in ctx.attr.expected_targets:
        args.extend(["--expected-target", label])
    if not ctx.attr.require_git_metadata:
        args.append("--no-require-git-metadata")
    if not ctx.attr.require_bazel_metadata:
        args.append("--no-require-bazel-metadata")
    if not ctx.attr.require_json_payloads:
        args.append("--no-require-json-payloads")
    if not ctx.attr.forbid_full_bundle_no_match:
        args.append("--allow-full-bundle-no-match")
    if not ctx.attr.forbid_msgpack_payloads:
        args.append("--allow-msgpack")
    if not ctx.attr.forbid_dd_git_test_env:
        args.append("--no-bazelrc-check")
    for selection in allowed:
        args.extend(["--allowed-payload-selection", selection])
    for label in sorted(ctx.attr.expected_payload_selection_by_target.keys()):
        args.extend(["--expected-payload-selection", "%s=%s" % (label, ctx.attr.expected_payload_selection_by_target[label])])
    return _launcher(ctx, "doctor", args, [])

_TOPT_ATTR = attr.label(
    default = _TOPT,
    allow_files = True,
    executable = True,
    cfg = "exec",
    doc = "The topt binary (default: built from this module's sources; `@topt_tool//:topt` in WORKSPACE setups).",
)

_SYNC_REPOS_ATTR = attr.string_list(
    default = ["test_optimization_data"],
    doc = "Names of the sync repositories whose context.json to use (several services: every `<name>_<key>`).",
)

dd_test_optimization_doctor = rule(
    implementation = _doctor_impl,
    executable = True,
    doc = "`bazel run` after `bazel test` (and before the uploader): `topt doctor` over bazel-testlogs.",
    attrs = {
        "allowed_payload_selections": attr.string_list(doc = "Explicit allowlist of Go payload selections; empty = module, module_override, full_bundle_disabled (+ full_bundle_no_match when not forbidden)."),
        "expected_payload_selection_by_target": attr.string_dict(doc = "`//pkg:name` -> required `bazel.go.payload_selection`."),
        "expected_targets": attr.string_list(doc = "Local labels `//pkg:name` that must have test outputs."),
        "forbid_dd_git_test_env": attr.bool(default = True, doc = "Scan .bazelrc files for --test_env of DD_GIT_*, DD_API_KEY, DD_SITE and the URLs."),
        "forbid_full_bundle_no_match": attr.bool(default = True, doc = "Reject `full_bundle_no_match` Go selections."),
        "forbid_msgpack_payloads": attr.bool(default = True, doc = "Reject *.msgpack payloads."),
        "require_bazel_metadata": attr.bool(default = True, doc = "Every output directory must contain bazel_target_metadata.json."),
        "require_git_metadata": attr.bool(default = True, doc = "Contexts must carry git URL, SHA and branch or tag."),
        "require_json_payloads": attr.bool(default = True, doc = "Every output directory must contain at least one JSON payload."),
        "sync_repos": _SYNC_REPOS_ATTR,
        "topt": _TOPT_ATTR,
    },
)

def _uploader_impl(ctx):
    env = [
        ("DD_TEST_OPTIMIZATION_QUIESCENT_SEC", str(ctx.attr.quiescent_sec)),
        ("DD_TEST_OPTIMIZATION_MAX_WAIT_SEC", str(ctx.attr.max_wait_sec)),
    ]
    for key, on in (
        ("DD_TEST_OPTIMIZATION_DEBUG", ctx.attr.debug),
        ("DD_TEST_OPTIMIZATION_KEEP_PAYLOADS", ctx.attr.keep_payloads),
        ("DD_TEST_OPTIMIZATION_FILTER_PREFIX", ctx.attr.filter_prefix),
        ("DD_TEST_OPTIMIZATION_GZIP", ctx.attr.gzip_payloads),
    ):
        if on:
            env.append((key, "true"))
    args = ["--fail-on-error"] if ctx.attr.fail_on_error else []
    return _launcher(ctx, "upload", args, env)

dd_payload_uploader = rule(
    implementation = _uploader_impl,
    executable = True,
    doc = "`bazel run [-- --dry-run ...]`: `topt upload` of the payloads under bazel-testlogs (handles outputs.zip).",
    attrs = {
        "debug": attr.bool(default = False, doc = "Default of DD_TEST_OPTIMIZATION_DEBUG."),
        "fail_on_error": attr.bool(default = False, doc = "Exit 1 when tests ran but wrote no payloads (attribute only, no env)."),
        "filter_prefix": attr.bool(default = False, doc = "Default of DD_TEST_OPTIMIZATION_FILTER_PREFIX."),
        "gzip_payloads": attr.bool(default = False, doc = "Default of DD_TEST_OPTIMIZATION_GZIP."),
        "keep_payloads": attr.bool(default = False, doc = "Default of DD_TEST_OPTIMIZATION_KEEP_PAYLOADS."),
        "max_wait_sec": attr.int(default = 300, doc = "Default of DD_TEST_OPTIMIZATION_MAX_WAIT_SEC."),
        "quiescent_sec": attr.int(default = 10, doc = "Default of DD_TEST_OPTIMIZATION_QUIESCENT_SEC."),
        "sync_repos": _SYNC_REPOS_ATTR,
        "topt": _TOPT_ATTR,
    },
)

def dd_test_optimization_targets(
        name = "test_optimization",
        sync_repos = ["test_optimization_data"],
        doctor_name = "dd_test_optimization_doctor",
        uploader_name = "dd_upload_payloads",
        expected_targets = [],
        doctor_kwargs = None,
        uploader_kwargs = None):
    """Declares the doctor and the uploader `bazel run` targets.

    Run the doctor after `bazel test` and before the uploader (the uploader deletes what the
    intake accepted). Declare them in a package that loads no `export.bzl` (the root BUILD file,
    usually), so `bazel run` never fetches, and so never re-runs, the sync.

    Args:
      name: a filegroup of both launchers.
      sync_repos: the sync repositories whose context.json to use: the name of your
        `test_optimization_sync`, or every `<name>_<key>` of a `test_optimization_multi_sync`.
      doctor_name: the doctor target (`topt doctor`).
      uploader_name: the uploader target (`topt upload`).
      expected_targets: `//pkg:name` labels the doctor requires test outputs for.
      doctor_kwargs: more attributes of `dd_test_optimization_doctor`.
      uploader_kwargs: more attributes of `dd_payload_uploader`.
    """
    for what, kwargs in (("doctor_kwargs", doctor_kwargs), ("uploader_kwargs", uploader_kwargs)):
        for reserved in ("name", "sync_repos", "expected_targets"):
            if kwargs and reserved in kwargs:
                fail("dd_test_optimization_targets(%s): %s may not set '%s'; use the helper's own arguments" % (name, what, reserved))
    dd_test_optimization_doctor(
        name = doctor_name,
        sync_repos = sync_repos,
        expected_targets = expected_targets,
        **(doctor_kwargs or {})
    )
    dd_payload_uploader(
        name = uploader_name,
        sync_repos = sync_repos,
        **(uploader_kwargs or {})
    )
    native.filegroup(
        name = name,
        srcs = [":" + doctor_name, ":" + uploader_name],
    )
