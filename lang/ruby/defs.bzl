"""Public API of the topt Ruby companion: `dd_topt_ruby_test`.

Usage (BUILD.bazel):

```starlark
load("@rules_ruby//ruby:defs.bzl", "rb_test")
load("@test_optimization_data//:export.bzl", "topt_data")
load("@topt//lang/ruby:defs.bzl", "dd_topt_ruby_test")

dd_topt_ruby_test(
    name = "web_test",
    srcs = ["web_test.rb"],
    require_path = "acme/web",
    ruby_test_rule = rb_test,
    topt_data = topt_data,
)
```

`bazel test //pkg:web_test` runs the test with the synced Test Optimization data of its module;
see docs/bazel.md for the MODULE.bazel / WORKSPACE and .bazelrc setup.
"""

load("//lang/ruby/private:ruby_test.bzl", _dd_topt_ruby_test = "dd_topt_ruby_test")

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
    """A Ruby test with Datadog Test Optimization data selected for its module.

    Declares `<name>` (the test you run), `<name>__raw_ruby_test` (the real test rule you pass, tagged
    `manual`), `<name>_topt_payloads` (the selected module's payload files) and
    `<name>_topt_bazel_metadata` (the metadata sidecar copied into the test outputs).

    Module selection happens at analysis time (spec sync-and-selection §5): with `module_identifier`, only that
    identifier (slashed); otherwise, in order: `require_path`, `gem_name`, `library_name`,
    `main` (when a string), candidates from `deps` (same attributes, transitively), then
    `<module path>/<package>`.
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
      ruby_test_rule: required: the rule that runs the test (e.g. `rb_test` from rules_ruby).
      module_identifier: the module identifier (e.g. `acme/web`); when given, the only candidate, and
        a miss fails the build.
      topt_service: service key (or name) to use when `topt_data` holds several services;
        optional with a single service.
      module_label_override: a module label (without `module_`) selected verbatim; not
        sanitised. A label that does not exist fails the build and lists the available ones.
      topt_library: label of libtopt (default `//:topt`, the rust_shared_library); its file is in
        the runfiles and its runfiles path in `TOPT_LIBRARY`.
      binding: the Ruby binding files (default `//lang/ruby:binding`), added to `data`;
        None to leave them out.
      **kwargs: passed to the test rule, except `require_path`, `gem_name` and `library_name` (`main` and `deps` are passed). `args`, `flaky`, `local`,
        `shard_count`, `size`, `tags`, `timeout` and `visibility` go to the public test; `env`
        (a dict or a select()) is exported by the public test; `data` (a list, a single label or
        a select()) goes to both. Selection-only keyword arguments (not passed on):
          require_path: a module identifier candidate.
          gem_name: a module identifier candidate.
          library_name: a module identifier candidate.
    """
    _dd_topt_ruby_test(
        name = name,
        topt_data = topt_data,
        ruby_test_rule = ruby_test_rule,
        topt_service = topt_service,
        module_label_override = module_label_override,
        module_identifier = module_identifier,
        topt_library = topt_library,
        binding = binding,
        **kwargs
    )
