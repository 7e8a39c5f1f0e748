"""dd_topt_nodejs_test: its one definition."""

load("//bazel:lang_support.bzl", "topt_nodejs_payloads_selector", "topt_test")

# Selection-only keyword arguments, not passed to the test rule.
_SELECTION_ONLY = ["package_name", "module_name", "npm_package", "test_framework"]

def dd_topt_nodejs_test(
        name,
        topt_data,
        nodejs_test_rule = None,
        topt_service = None,
        module_label_override = None,
        module_identifier = None,
        topt_library = Label("//:topt"),
        binding = Label("//lang/nodejs:binding"),
        **kwargs):
    """A Node.js test that gets the Test Optimization data of its module.

    Declares `<name>` (the test you run), `<name>__raw_nodejs_test`, `<name>_topt_payloads` and
    `<name>_topt_bazel_metadata` (docs/bazel.md, "What every language macro does").

    Module selection, at analysis time: with `module_identifier`, only that identifier (a miss
    fails the build); otherwise, in order: `package_name`, `module_name`, `npm_package`,
    `entry_point`, candidates from `deps` (same attributes, transitively),
    `test_framework` (dd-trace reports the framework (e.g. `mocha`) as the module), then `<module path>/<package>`; identifiers are slashed (`\\` becomes `/`).

    Args:
      name: the public test target.
      topt_data: `topt_data` from `@<sync repo>//:export.bzl`, or `topt_data_by_service` of the
        multi-service aggregator (then pass `topt_service`).
      nodejs_test_rule: required: a Node.js test rule (e.g. aspect_rules_js's `js_test`).
      topt_service: the service key (or name) when `topt_data` holds several services.
      module_label_override: a module label (without `module_`) selected verbatim; an unknown
        one fails the build and lists the labels.
      module_identifier: the module identifier (e.g. `@acme/web`), the only candidate.
      topt_library: libtopt (default `@topt//:topt`, built by rules_rust); the test gets its
        absolute path in `TOPT_LIBRARY`.
      binding: the binding's files (default `@topt//lang/nodejs:binding`), added to `data`; None
        leaves them out.
      **kwargs: attributes of the test rule (`entry_point` and `deps` also feed the selection). `args`, `flaky`, `local`,
        `shard_count`, `size`, `tags`, `timeout` and `visibility` go to the public test; `env` (a
        dict or a select()) is exported by it; `data` (a list, one label or a select()) goes to
        both. Selection-only, not passed to the rule:
          package_name: a module identifier candidate.
          module_name: a module identifier candidate.
          npm_package: a module identifier candidate.
          test_framework: the test framework, the module the tracer reports.
    """
    if nodejs_test_rule == None:
        fail("dd_topt_nodejs_test(%s): nodejs_test_rule is required; pass the rule that runs the test, e.g. js_test from @aspect_rules_js//js:defs.bzl" % name)
    topt_test(
        language = "nodejs",
        name = name,
        topt_data = topt_data,
        test_rule = nodejs_test_rule,
        test_kwargs = kwargs,
        selector_rule = topt_nodejs_payloads_selector,
        module_identifier = module_identifier,
        selection_only = _SELECTION_ONLY,
        topt_service = topt_service,
        module_label_override = module_label_override,
        topt_library = topt_library,
        binding = binding,
    )
