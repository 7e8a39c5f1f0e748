"""Public API of the topt Python companion: `dd_topt_py_test`.

Usage (BUILD.bazel):

```starlark
load("@test_optimization_data//:export.bzl", "topt_data")
load("@topt//lang/python:defs.bzl", "dd_topt_py_test")

dd_topt_py_test(
    name = "handlers_test",
    srcs = ["handlers_test.py"],
    imports = ["."],
    deps = ["//api:handlers"],
    topt_data = topt_data,
)
```

`bazel test //pkg:handlers_test` runs the test with the synced Test Optimization data of its module;
see docs/bazel.md for the MODULE.bazel / WORKSPACE and .bazelrc setup.
"""

load("//lang/python/private:py_test.bzl", _dd_topt_py_test = "dd_topt_py_test")

def dd_topt_py_test(
        name,
        topt_data,
        topt_service = None,
        module_label_override = None,
        module_identifier = None,
        runner_mode = "consumer_runner",
        py_test_rule = None,
        topt_library = Label("//:topt"),
        binding = Label("//lang/python:topt"),
        **kwargs):
    """A Python test with Datadog Test Optimization data selected for its module.

    Declares `<name>` (the test you run), `<name>__raw_python_test` (the real py_test, tagged
    `manual`), `<name>_topt_payloads` (the selected module's payload files) and
    `<name>_topt_bazel_metadata` (the metadata sidecar copied into the test outputs).

    Module selection happens at analysis time (spec sync-and-selection §5): with `module_identifier`, only that
    identifier (dotted); otherwise, in order: `imports`, candidates from `deps` (their `imports`,
    `importpath`, `module_path`, transitively), `importpath`, `module_path`, then
    `<module path>.<package>`.
    Nothing matches: the full bundle `@<repo>//:test_optimization_files` is used.

    The test gets, in its environment: `DD_TEST_OPTIMIZATION_MANIFEST_FILE` (runfiles path of
    the sync repository's manifest), `DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES=true`,
    `DD_TEST_OPTIMIZATION_BAZEL_TARGET_METADATA_BASENAME`, `TOPT_LIBRARY` (runfiles path of
    libtopt), `PYTEST_ADDOPTS` with `--ddtrace` appended unless it contains `--no-ddtrace`, and `DD_SERVICE` (the synced service) unless `env` sets it.
    `known_tests.json`, `test_management.json` and `flaky_tests.json` of the selected module are
    at their canonical runfiles paths next to `settings.json`.

    Args:
      name: name of the public test target.
      topt_data: `topt_data` loaded from `@<sync repo>//:export.bzl`, or `topt_data_by_service`
        from the multi-service aggregator (then pass `topt_service`).
      module_identifier: the module identifier (e.g. `com.acme.api`); when given, the only candidate,
        and a miss fails the build.
      runner_mode: `consumer_runner` (default: your `main`) or `managed_pytest` (a bundled pytest
        entry point is the `main`; `args` default to the package, `imports` to the package).
      py_test_rule: the py_test rule to use; default `native.py_test` (pass rules_python's `py_test` on
        Bazel versions without native Python rules).
      topt_service: service key (or name) to use when `topt_data` holds several services;
        optional with a single service.
      module_label_override: a module label (without `module_`) selected verbatim; not
        sanitised. A label that does not exist fails the build and lists the available ones.
      topt_library: label of libtopt (default `//:topt`, the rust_shared_library); its file is in
        the runfiles and its runfiles path in `TOPT_LIBRARY`.
      binding: the Python binding (default `//lang/python:topt`, a py_library), added to
        `deps`; None to leave it out.
      **kwargs: passed to the test rule, except `importpath` and `module_path`. `args`, `flaky`, `local`,
        `shard_count`, `size`, `tags`, `timeout` and `visibility` go to the public test; `env`
        (a dict or a select()) is exported by the public test; `data` (a list, a single label or
        a select()) goes to both. Selection-only keyword arguments (not passed on):
          importpath: a module identifier candidate.
          module_path: a module identifier candidate.
    """
    _dd_topt_py_test(
        name = name,
        topt_data = topt_data,
        topt_service = topt_service,
        module_label_override = module_label_override,
        module_identifier = module_identifier,
        runner_mode = runner_mode,
        py_test_rule = py_test_rule,
        topt_library = topt_library,
        binding = binding,
        **kwargs
    )
