"""dd_topt_ruby_test: its one definition."""

load("//bazel:lang_support.bzl", "topt_ruby_payloads_selector", "topt_test")

# Selection-only keyword arguments, not passed to the test rule.
_SELECTION_ONLY = ["require_path", "gem_name", "library_name", "test_framework"]

def dd_topt_ruby_test(
        name,
        topt_data,
        ruby_test_rule = None,
        topt_service = None,
        module_label_override = None,
        module_identifier = None,
        topt_library = Label("//:topt"),
        binding = Label("//lang/ruby:binding"),
        **kwargs):
    """A Ruby test that gets the Test Optimization data of its module.

    Declares `<name>` (the test you run), `<name>__raw_ruby_test`, `<name>_topt_payloads` and
    `<name>_topt_bazel_metadata` (docs/bazel.md, "What every language macro does").

    Module selection, at analysis time: with `module_identifier`, only that identifier (a miss
    fails the build); otherwise, in order: `require_path`, `gem_name`, `library_name`, `main`
    (when a string), candidates from `deps` (same attributes, transitively),
    `test_framework` (datadog-ci reports the framework (`rspec`, `minitest`) as the module), then `<module path>/<package>`; identifiers are slashed (`\\` becomes `/`).

    Ruby extras: `TEST_OPTIMIZATION_MANIFEST_FILE` (the only variable datadog-ci reads) is the
    runfiles path of the sync tree's `ruby_manifest.txt` (exactly `1`, the only manifest it
    accepts), next to `manifest.txt`.

    Args:
      name: the public test target.
      topt_data: `topt_data` from `@<sync repo>//:export.bzl`, or `topt_data_by_service` of the
        multi-service aggregator (then pass `topt_service`).
      ruby_test_rule: required: a Ruby test rule (e.g. rules_ruby's `rb_test`).
      topt_service: the service key (or name) when `topt_data` holds several services.
      module_label_override: a module label (without `module_`) selected verbatim; an unknown
        one fails the build and lists the labels.
      module_identifier: the module identifier (e.g. `acme/web`), the only candidate.
      topt_library: libtopt (default `@topt//:topt`, built by rules_rust); the test gets its
        absolute path in `TOPT_LIBRARY`.
      binding: the binding's files (default `@topt//lang/ruby:binding`), added to `data`; None
        leaves them out.
      **kwargs: attributes of the test rule (`main` and `deps` also feed the selection). `args`, `flaky`, `local`,
        `shard_count`, `size`, `tags`, `timeout` and `visibility` go to the public test; `env` (a
        dict or a select()) is exported by it; `data` (a list, one label or a select()) goes to
        both. Selection-only, not passed to the rule:
          require_path: a module identifier candidate.
          gem_name: a module identifier candidate.
          library_name: a module identifier candidate.
          test_framework: the test framework, the module the tracer reports.
    """
    if ruby_test_rule == None:
        fail("dd_topt_ruby_test(%s): ruby_test_rule is required; pass the rule that runs the test, e.g. rb_test from @rules_ruby//ruby:defs.bzl" % name)
    topt_test(
        language = "ruby",
        name = name,
        topt_data = topt_data,
        test_rule = ruby_test_rule,
        test_kwargs = kwargs,
        selector_rule = topt_ruby_payloads_selector,
        module_identifier = module_identifier,
        selection_only = _SELECTION_ONLY,
        topt_service = topt_service,
        module_label_override = module_label_override,
        topt_library = topt_library,
        binding = binding,
    )
