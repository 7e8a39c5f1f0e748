"""Public API of the topt .NET companion: `dd_topt_dotnet_test`.

Usage (BUILD.bazel):

```starlark
load("@rules_dotnet//dotnet:defs.bzl", "csharp_test")
load("@test_optimization_data//:export.bzl", "topt_data")
load("@topt//lang/dotnet:defs.bzl", "dd_topt_dotnet_test")

dd_topt_dotnet_test(
    name = "ApiTests",
    srcs = ["ApiTests.cs"],
    dotnet_test_rule = csharp_test,
    root_namespace = "Acme.Api",
    topt_data = topt_data,
)
```

`bazel test //pkg:ApiTests` runs the test with the synced Test Optimization data of its module;
see docs/bazel.md for the MODULE.bazel / WORKSPACE and .bazelrc setup.
"""

load("//lang/dotnet/private:dotnet_test.bzl", _dd_topt_dotnet_test = "dd_topt_dotnet_test")

def dd_topt_dotnet_test(
        name,
        topt_data,
        dotnet_test_rule = None,
        topt_service = None,
        module_label_override = None,
        module_identifier = None,
        topt_library = Label("//:topt"),
        binding = Label("//lang/dotnet:binding"),
        **kwargs):
    """A .NET test with Datadog Test Optimization data selected for its module.

    Declares `<name>` (the test you run), `<name>__raw_dotnet_test` (the real test rule you pass, tagged
    `manual`), `<name>_topt_payloads` (the selected module's payload files) and
    `<name>_topt_bazel_metadata` (the metadata sidecar copied into the test outputs).

    Module selection happens at analysis time (spec sync-and-selection §5): with `module_identifier`, only that
    identifier (dotted); otherwise, in order: `root_namespace`, `assembly_name`, `project_name`,
    `test_class` (whole), candidates from `deps` (same attributes, transitively), then
    `<module path>.<package>`.
    Nothing matches: the full bundle `@<repo>//:test_optimization_files` is used.

    The test gets, in its environment: `DD_TEST_OPTIMIZATION_MANIFEST_FILE` (runfiles path of
    the sync repository's manifest), `DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES=true`,
    `DD_TEST_OPTIMIZATION_BAZEL_TARGET_METADATA_BASENAME`, `TOPT_LIBRARY` (runfiles path of
    libtopt), and `DD_SERVICE` (the synced service) unless `env` sets it.
    `known_tests.json`, `test_management.json` and `flaky_tests.json` of the selected module are
    at their canonical runfiles paths next to `settings.json`.

    Args:
      name: name of the public test target.
      topt_data: `topt_data` loaded from `@<sync repo>//:export.bzl`, or `topt_data_by_service`
        from the multi-service aggregator (then pass `topt_service`).
      dotnet_test_rule: required: the rule that runs the test (e.g. `csharp_test` from rules_dotnet).
      module_identifier: the module identifier (e.g. `Acme.Api`); when given, the only candidate, and
        a miss fails the build.
      topt_service: service key (or name) to use when `topt_data` holds several services;
        optional with a single service.
      module_label_override: a module label (without `module_`) selected verbatim; not
        sanitised. A label that does not exist fails the build and lists the available ones.
      topt_library: label of libtopt (default `//:topt`, the rust_shared_library); its file is in
        the runfiles and its runfiles path in `TOPT_LIBRARY`.
      binding: the .NET binding files (default `//lang/dotnet:binding`), added to `data`;
        None to leave them out.
      **kwargs: passed to the test rule, except `root_namespace`, `assembly_name`, `project_name` and `test_class`. `args`, `flaky`, `local`,
        `shard_count`, `size`, `tags`, `timeout` and `visibility` go to the public test; `env`
        (a dict or a select()) is exported by the public test; `data` (a list, a single label or
        a select()) goes to both. Selection-only keyword arguments (not passed on):
          root_namespace: a module identifier candidate.
          assembly_name: a module identifier candidate.
          project_name: a module identifier candidate.
          test_class: a module identifier candidate, used whole.
    """
    _dd_topt_dotnet_test(
        name = name,
        topt_data = topt_data,
        dotnet_test_rule = dotnet_test_rule,
        topt_service = topt_service,
        module_label_override = module_label_override,
        module_identifier = module_identifier,
        topt_library = topt_library,
        binding = binding,
        **kwargs
    )
