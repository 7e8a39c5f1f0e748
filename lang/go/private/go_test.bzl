"""Implementation of dd_topt_go_test (see lang/go/defs.bzl for the user documentation)."""

load("//bazel:lang_support.bzl", "topt_test")

_PIN_FILES = ["go.mod", "go.sum", "orchestrion.tool.go", "orchestrion.yml"]

def go_selection_attrs(kwargs):
    """The selection attributes of a dd_topt_go_test call (spec §5.3, Go row).

    Args:
      kwargs: the macro's keyword arguments.

    Returns:
      A dict by attribute name.
    """
    return {
        "importpath": kwargs.get("importpath"),
        "embed": kwargs.get("embed"),
    }

def go_metadata_attrs(kwargs, orchestrion_enabled = False):
    """The go_test attributes recorded as `bazel.go.attr.*` in the metadata sidecar (spec §6.4).

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
        topt_service = None,
        module_label_override = None,
        stage_sources = False,
        ci_visibility_enabled = True,
        orchestrion_pin_files = None,
        go_test_rule = None,
        topt_library = Label("//:topt"),
        binding = None,
        **kwargs):
    """See lang/go/defs.bzl.

    Args:
      name: see defs.bzl.
      topt_data: see defs.bzl.
      topt_service: see defs.bzl.
      module_label_override: see defs.bzl.
      stage_sources: see defs.bzl.
      ci_visibility_enabled: see defs.bzl.
      orchestrion_pin_files: see defs.bzl.
      go_test_rule: see defs.bzl.
      topt_library: see defs.bzl.
      binding: see defs.bzl.
      **kwargs: see defs.bzl.
    """
    if go_test_rule == None:
        fail("dd_topt_go_test(%s): go_test_rule is required; pass go_test_rule = go_test, loaded from @io_bazel_rules_go//go:def.bzl (or @rules_go//go:def.bzl)" % name)
    selection_attrs = go_selection_attrs(kwargs)
    package = native.package_name()
    extra_data = native.glob(_PIN_FILES, allow_empty = True) + list(orchestrion_pin_files or [])
    if stage_sources:
        for key in ("srcs", "embedsrcs"):
            if type(kwargs.get(key)) == "list":
                extra_data = extra_data + kwargs[key]
    if kwargs.get("rundir") == None:
        kwargs["rundir"] = "." if stage_sources else (package or ".")
    if binding != None:
        kwargs["deps"] = (kwargs.get("deps") or []) + [binding]
    topt_test(
        language = "go",
        name = name,
        topt_data = topt_data,
        test_rule = go_test_rule,
        test_kwargs = kwargs,
        selection_attrs = selection_attrs,
        selection_deps = selection_attrs["embed"],
        topt_service = topt_service,
        module_label_override = module_label_override,
        topt_library = topt_library,
        extra_env = {"DD_CIVISIBILITY_ENABLED": "true"} if ci_visibility_enabled else {},
        extra_data = extra_data,
        go_metadata = go_metadata_attrs(kwargs),
    )
