"""Public API of the topt Go companion: `dd_topt_go_test`.

Usage (BUILD.bazel):

```starlark
load("@io_bazel_rules_go//go:def.bzl", "go_library", "go_test")
load("@test_optimization_data//:export.bzl", "topt_data")
load("@topt//lang/go:defs.bzl", "dd_topt_go_test")

dd_topt_go_test(
    name = "cart_test",
    srcs = ["cart_test.go"],
    embed = [":cart"],
    go_test_rule = go_test,
    topt_data = topt_data,
)
```

`bazel test //pkg:cart_test` runs the test with the synced Test Optimization data of its module;
see docs/bazel.md for the MODULE.bazel / WORKSPACE and .bazelrc setup.
"""

load("//lang/go/private:go_test.bzl", _dd_topt_go_test = "dd_topt_go_test")

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
    """A Go test with Datadog Test Optimization data selected for its module.

    Declares `<name>` (the test you run), `<name>__raw_go_test` (the real go_test, tagged
    `manual`), `<name>_topt_payloads` (the selected module's payload files) and
    `<name>_topt_bazel_metadata` (the metadata sidecar copied into the test outputs).

    Module selection happens at analysis time (spec sync-and-selection §5): the explicit `importpath`, else the
    importpath of the first `embed` target that has one (found by an aspect), else
    `<module path>/<package>`. An explicit `importpath` that names no module fails the build.
    The outcome is recorded in the metadata sidecar (`bazel.go.payload_selection`).
    Nothing matches: the full bundle `@<repo>//:test_optimization_files` is used.

    The test gets, in its environment: `DD_TEST_OPTIMIZATION_MANIFEST_FILE` (runfiles path of
    the sync repository's manifest), `DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES=true`,
    `DD_TEST_OPTIMIZATION_BAZEL_TARGET_METADATA_BASENAME`, `TOPT_LIBRARY` (runfiles path of
    libtopt), `DD_CIVISIBILITY_ENABLED=true` (unless `ci_visibility_enabled = False`), and `DD_SERVICE` (the synced service) unless `env` sets it.
    `known_tests.json`, `test_management.json` and `flaky_tests.json` of the selected module are
    at their canonical runfiles paths next to `settings.json`.

    Args:
      name: name of the public test target.
      topt_data: `topt_data` loaded from `@<sync repo>//:export.bzl`, or `topt_data_by_service`
        from the multi-service aggregator (then pass `topt_service`).
      go_test_rule: required: the go_test rule to use (`go_test` from rules_go).
      stage_sources: also put `srcs` and `embedsrcs` in the runfiles; `rundir` then defaults to `.`
        (else to the package path).
      ci_visibility_enabled: set `DD_CIVISIBILITY_ENABLED=true` (default True).
      orchestrion_pin_files: extra Orchestrion pin files for `data`; the package's `go.mod`, `go.sum`,
        `orchestrion.tool.go` and `orchestrion.yml` are added when present.
      topt_service: service key (or name) to use when `topt_data` holds several services;
        optional with a single service.
      module_label_override: a module label (without `module_`) selected verbatim; not
        sanitised. A label that does not exist fails the build and lists the available ones.
      topt_library: label of libtopt (default `//:topt`, the rust_shared_library); its file is in
        the runfiles and its runfiles path in `TOPT_LIBRARY`.
      binding: optional go_library of the topt Go binding, added to `deps`; default None
        (your test code imports it anyway).
      **kwargs: passed to the test rule, except nothing (`importpath` and `embed` are go_test attributes). `args`, `flaky`, `local`,
        `shard_count`, `size`, `tags`, `timeout` and `visibility` go to the public test; `env`
        (a dict or a select()) is exported by the public test; `data` (a list, a single label or
        a select()) goes to both.
    """
    _dd_topt_go_test(
        name = name,
        topt_data = topt_data,
        topt_service = topt_service,
        module_label_override = module_label_override,
        stage_sources = stage_sources,
        ci_visibility_enabled = ci_visibility_enabled,
        orchestrion_pin_files = orchestrion_pin_files,
        go_test_rule = go_test_rule,
        topt_library = topt_library,
        binding = binding,
        **kwargs
    )
