"""Public API of the topt Java companion: `dd_topt_java_test`.

Usage (BUILD.bazel):

```starlark
load("@test_optimization_data//:export.bzl", "topt_data")
load("@topt//lang/java:defs.bzl", "dd_topt_java_test")

dd_topt_java_test(
    name = "ApiTest",
    srcs = ["ApiTest.java"],
    agent_jar = "@dd_java_agent//file",
    test_class = "com.acme.api.ApiTest",
    topt_data = topt_data,
)
```

`bazel test //pkg:ApiTest` runs the test with the synced Test Optimization data of its module;
see docs/bazel.md for the MODULE.bazel / WORKSPACE and .bazelrc setup.
"""

load("//lang/java/private:java_test.bzl", _dd_topt_java_test = "dd_topt_java_test")

def dd_topt_java_test(
        name,
        topt_data,
        agent_jar = None,
        topt_service = None,
        module_label_override = None,
        module_identifier = None,
        ci_visibility_enabled = True,
        stage_sources = False,
        java_test_rule = None,
        topt_library = Label("//:topt"),
        binding = None,
        **kwargs):
    """A Java test with Datadog Test Optimization data selected for its module.

    Declares `<name>` (the test you run), `<name>__raw_java_test` (the real java_test, tagged
    `manual`), `<name>_topt_payloads` (the selected module's payload files) and
    `<name>_topt_bazel_metadata` (the metadata sidecar copied into the test outputs).

    Module selection happens at analysis time (spec sync-and-selection §5): with `module_identifier`, only that
    identifier (dotted); otherwise, in order: the package of `test_class`, candidates from `deps`
    (their `java_package`/`package`, transitively, deepest first), `java_package`, `package`,
    then `<module path>.<package>`.
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
      agent_jar: required: label of the dd-java-agent jar; added to `data` and to `jvm_flags` as
        `-javaagent:$(rootpath <agent_jar>)`.
      module_identifier: the module identifier (e.g. `com.acme.api`); when given, the only candidate,
        and a miss fails the build.
      ci_visibility_enabled: set `DD_CIVISIBILITY_ENABLED=true` (default True).
      stage_sources: also put `srcs` in the runfiles.
      java_test_rule: the java_test rule; default `native.java_test` (pass rules_java's on Bazel
        versions without native Java rules).
      topt_service: service key (or name) to use when `topt_data` holds several services;
        optional with a single service.
      module_label_override: a module label (without `module_`) selected verbatim; not
        sanitised. A label that does not exist fails the build and lists the available ones.
      topt_library: label of libtopt (default `//:topt`, the rust_shared_library); its file is in
        the runfiles and its runfiles path in `TOPT_LIBRARY`.
      binding: optional java_library of the topt Java binding, added to `runtime_deps`;
        default None. `testonly` defaults to True.
      **kwargs: passed to the test rule, except `java_package` and `package`. `args`, `flaky`, `local`,
        `shard_count`, `size`, `tags`, `timeout` and `visibility` go to the public test; `env`
        (a dict or a select()) is exported by the public test; `data` (a list, a single label or
        a select()) goes to both. Selection-only keyword arguments (not passed on):
          java_package: a module identifier candidate.
          package: a module identifier candidate.
    """
    _dd_topt_java_test(
        name = name,
        topt_data = topt_data,
        agent_jar = agent_jar,
        topt_service = topt_service,
        module_label_override = module_label_override,
        module_identifier = module_identifier,
        ci_visibility_enabled = ci_visibility_enabled,
        stage_sources = stage_sources,
        java_test_rule = java_test_rule,
        topt_library = topt_library,
        binding = binding,
        **kwargs
    )
