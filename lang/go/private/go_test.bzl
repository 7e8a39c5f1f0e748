"""dd_topt_go_test: its one definition, its candidate aspect and its payloads selector.

The aspect reads the importpath rules_go computed for an embedded library from its `GoArchive`
provider, so this file loads rules_go (`@io_bazel_rules_go`, the name rules_go documents for
WORKSPACE setups; topt's MODULE.bazel maps it to the `rules_go` module).
"""

load("@io_bazel_rules_go//go:def.bzl", "GoArchive")
load("//bazel:lang_support.bzl", "attr_strings", "candidates_info", "dep_candidates", "payloads_selector", "topt_test")

_PIN_FILES = ["go.mod", "go.sum", "orchestrion.tool.go", "orchestrion.yml"]

# rules_go's pathtype of an importpath it derived from the target's label (no `importpath` set).
_INFERRED_PATH = "inferred"

def _go_aspect_impl(target, ctx):
    # rules_go's own answer first: the importpath it compiled the library with, unless rules_go
    # made it up from the label (that is what rules_go itself skips when a test embeds it).
    if GoArchive in target:
        data = target[GoArchive].data
        importpath = getattr(data, "importpath", "") or ""
        if importpath and getattr(data, "pathtype", "") != _INFERRED_PATH:
            return candidates_info([importpath])
        return candidates_info([])

    # No GoArchive (a go_source, or another ruleset's rule): its `importpath` attribute, else the
    # first found through its own `embed`.
    found = attr_strings(ctx.rule.attr, ["importpath"]) + dep_candidates(ctx.rule.attr, ["embed"])
    return candidates_info(found[:1])

topt_go_candidates_aspect = aspect(
    implementation = _go_aspect_impl,
    attr_aspects = ["embed"],
    doc = "The importpath of each `embed` target of a dd_topt_go_test (docs/bazel.md, \"Module selection\").",
)

topt_go_payloads_selector = payloads_selector(topt_go_candidates_aspect, "go")

def go_metadata_attrs(kwargs, orchestrion_enabled = False):
    """The go_test attributes recorded as `bazel.go.attr.*` in the metadata sidecar.

    Args:
      kwargs: the macro's keyword arguments.
      orchestrion_enabled: whether Orchestrion instrumentation is on.

    Returns:
      A JSON-encodable dict (select() values are left out).
    """
    out = {"orchestrion_enabled": orchestrion_enabled}
    cgo = kwargs.get("cgo")
    out["cgo"] = cgo if type(cgo) == "bool" else False
    for key in ("pure", "race", "msan", "linkmode", "goos", "goarch"):
        value = kwargs.get(key)
        if type(value) == "string" and value:
            out[key] = value
    return out

def dd_topt_go_test(
        name,
        topt_data,
        go_test_rule = None,
        topt_service = None,
        module_label_override = None,
        stage_sources = False,
        ci_visibility_enabled = True,
        orchestrion_pin_files = None,
        topt_library = Label("//:topt"),
        binding = None,
        **kwargs):
    """A rules_go `go_test` that gets the Test Optimization data of its Go module.

    Declares `<name>` (the test you run), `<name>__raw_go_test`, `<name>_topt_payloads` and
    `<name>_topt_bazel_metadata` (docs/bazel.md, "What every language macro does").

    Module selection, at analysis time: the explicit `importpath`; else the importpath of the
    first `embed` library, as rules_go compiled it (a library without an `importpath` of its own
    gives none); else `<module path>/<package>`. An explicit `importpath` that names no module fails
    the build and lists the modules. The metadata sidecar records the outcome
    (`bazel.go.importpath`, `bazel.go.importpath_source`, `bazel.go.payload_selection`) and the
    `cgo`, `pure`, `race`, `msan`, `linkmode`, `goos` and `goarch` attributes.

    Go extras: `DD_CIVISIBILITY_ENABLED=true`; `rundir` defaults to the package; the package's
    `go.mod`, `go.sum`, `orchestrion.tool.go` and `orchestrion.yml` are added to `data`.

    Args:
      name: the public test target.
      topt_data: `topt_data` from `@<sync repo>//:export.bzl`, or `topt_data_by_service` of the
        multi-service aggregator (then pass `topt_service`).
      go_test_rule: required: rules_go's `go_test`.
      topt_service: the service key (or name) when `topt_data` holds several services.
      module_label_override: a module label (without `module_`) selected verbatim; an unknown
        one fails the build and lists the labels.
      stage_sources: also put `srcs` and `embedsrcs` in the runfiles; `rundir` then defaults
        to `.`.
      ci_visibility_enabled: set `DD_CIVISIBILITY_ENABLED=true`.
      orchestrion_pin_files: more Orchestrion pin files for `data`.
      topt_library: libtopt (default `@topt//:topt`, built by rules_rust); the test gets its
        absolute path in `TOPT_LIBRARY`.
      binding: the topt Go binding to add to `deps`, e.g. `@topt//lang/go:binding` (a cgo
        go_library); None leaves it out.
      **kwargs: go_test attributes (`importpath` and `embed` also feed the selection). `args`,
        `flaky`, `local`, `shard_count`, `size`, `tags`, `timeout` and `visibility` go to the
        public test; `env` (a dict or a select()) is exported by it; `data` (a list, one label or
        a select()) goes to both.
    """
    if go_test_rule == None:
        fail("dd_topt_go_test(%s): go_test_rule is required; pass go_test_rule = go_test, loaded from @io_bazel_rules_go//go:def.bzl (or @rules_go//go:def.bzl)" % name)
    package = native.package_name()
    extra_data = native.glob(_PIN_FILES, allow_empty = True) + list(orchestrion_pin_files or [])
    if stage_sources:
        for key in ("srcs", "embedsrcs"):
            if type(kwargs.get(key)) == "list":
                extra_data = extra_data + kwargs[key]
    if kwargs.get("rundir") == None:
        kwargs["rundir"] = "." if stage_sources else (package or ".")
    topt_test(
        language = "go",
        name = name,
        topt_data = topt_data,
        test_rule = go_test_rule,
        test_kwargs = kwargs,
        selector_rule = topt_go_payloads_selector,
        topt_service = topt_service,
        module_label_override = module_label_override,
        topt_library = topt_library,
        binding = binding,
        binding_attr = "deps",
        extra_env = {"DD_CIVISIBILITY_ENABLED": "true"} if ci_visibility_enabled else {},
        extra_data = extra_data,
        go_metadata = go_metadata_attrs(kwargs),
    )
