"""dd_topt_dotnet_test: its one definition."""

load("//bazel:lang_support.bzl", "topt_dotnet_payloads_selector", "topt_test")

# Selection-only keyword arguments, not passed to the test rule.
_SELECTION_ONLY = ["root_namespace", "assembly_name", "project_name", "test_class"]

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
    """A .NET test that gets the Test Optimization data of its module.

    Declares `<name>` (the test you run), `<name>__raw_dotnet_test`, `<name>_topt_payloads` and
    `<name>_topt_bazel_metadata` (docs/bazel.md, "What every language macro does").

    Module selection, at analysis time: with `module_identifier`, only that identifier (a miss
    fails the build); otherwise, in order: `root_namespace`, `assembly_name`, `project_name`,
    `test_class` (whole), candidates from `deps` (same attributes, transitively),
    then `<module path>.<package>`; identifiers are dotted.

    Args:
      name: the public test target.
      topt_data: `topt_data` from `@<sync repo>//:export.bzl`, or `topt_data_by_service` of the
        multi-service aggregator (then pass `topt_service`).
      dotnet_test_rule: required: a .NET test rule (e.g. rules_dotnet's `csharp_test`).
      topt_service: the service key (or name) when `topt_data` holds several services.
      module_label_override: a module label (without `module_`) selected verbatim; an unknown
        one fails the build and lists the labels.
      module_identifier: the module identifier (e.g. `Acme.Api`), the only candidate.
      topt_library: libtopt (default `@topt//:topt`, built by rules_rust); the test gets its
        absolute path in `TOPT_LIBRARY`.
      binding: the binding's files (default `@topt//lang/dotnet:binding`), added to `data`; None
        leaves them out.
      **kwargs: attributes of the test rule (`deps` also feeds the selection). `args`, `flaky`, `local`,
        `shard_count`, `size`, `tags`, `timeout` and `visibility` go to the public test; `env` (a
        dict or a select()) is exported by it; `data` (a list, one label or a select()) goes to
        both. Selection-only, not passed to the rule:
          root_namespace: a module identifier candidate.
          assembly_name: a module identifier candidate.
          project_name: a module identifier candidate.
          test_class: a module identifier candidate, used whole.
    """
    if dotnet_test_rule == None:
        fail("dd_topt_dotnet_test(%s): dotnet_test_rule is required; pass the rule that runs the test, e.g. csharp_test from @rules_dotnet//dotnet:defs.bzl" % name)
    topt_test(
        language = "dotnet",
        name = name,
        topt_data = topt_data,
        test_rule = dotnet_test_rule,
        test_kwargs = kwargs,
        selector_rule = topt_dotnet_payloads_selector,
        module_identifier = module_identifier,
        selection_only = _SELECTION_ONLY,
        topt_service = topt_service,
        module_label_override = module_label_override,
        topt_library = topt_library,
        binding = binding,
    )
