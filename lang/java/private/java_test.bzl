"""dd_topt_java_test: its one definition."""

load("//bazel:lang_support.bzl", "topt_java_payloads_selector", "topt_test")

# Selection-only keyword arguments that java_test does not accept.
_SELECTION_ONLY = ["java_package", "package"]

def dd_topt_java_test(
        name,
        topt_data,
        agent_jar = None,
        java_test_rule = None,
        topt_service = None,
        module_label_override = None,
        module_identifier = None,
        ci_visibility_enabled = True,
        stage_sources = False,
        topt_library = Label("//:topt"),
        binding = None,
        **kwargs):
    """A `java_test` that gets the Test Optimization data of its Java module.

    Declares `<name>` (the test you run), `<name>__raw_java_test`, `<name>_topt_payloads` and
    `<name>_topt_bazel_metadata` (docs/bazel.md, "What every language macro does").

    Module selection, at analysis time: with `module_identifier`, only that identifier (a miss
    fails the build); otherwise, in order: the package of `test_class`, candidates from `deps`
    (their `java_package`/`package`, transitively, deepest first), `java_package`, `package`, the
    synced service name (dd-java-agent outside a build tool reports it as the module), then
    `<module path>.<package>`; identifiers are dotted.

    Java extras: `-javaagent:$(rootpath <agent_jar>)` is appended to `jvm_flags` and the agent
    added to `data`; `DD_CIVISIBILITY_ENABLED=true`; `testonly` defaults to True.

    Args:
      name: the public test target.
      topt_data: `topt_data` from `@<sync repo>//:export.bzl`, or `topt_data_by_service` of the
        multi-service aggregator (then pass `topt_service`).
      agent_jar: required: the dd-java-agent jar.
      java_test_rule: the java_test rule; default `native.java_test` (pass rules_java's where
        Bazel has no native Java rules).
      topt_service: the service key (or name) when `topt_data` holds several services.
      module_label_override: a module label (without `module_`) selected verbatim; an unknown
        one fails the build and lists the labels.
      module_identifier: the module identifier (e.g. `com.acme.api`), the only candidate.
      ci_visibility_enabled: set `DD_CIVISIBILITY_ENABLED=true`.
      stage_sources: also put `srcs` in the runfiles.
      topt_library: libtopt (default `@topt//:topt`, built by rules_rust); the test gets its
        absolute path in `TOPT_LIBRARY`.
      binding: the topt Java binding to add to `runtime_deps`, e.g. `@topt//lang/java:topt` (a
        java_library; it needs JNA, see docs/bazel.md); None leaves it out.
      **kwargs: java_test attributes (`test_class` and `deps` also feed the selection). `args`,
        `flaky`, `local`, `shard_count`, `size`, `tags`, `timeout` and `visibility` go to the
        public test; `env` (a dict or a select()) is exported by it; `data` (a list, one label or
        a select()) goes to both. Selection-only, not passed to java_test:
          java_package: a module identifier candidate.
          package: a module identifier candidate.
    """
    if agent_jar == None:
        fail("dd_topt_java_test(%s): agent_jar is required; pass the label of the dd-java-agent jar, e.g. agent_jar = \"@dd_java_agent//file\"" % name)
    if java_test_rule == None:
        java_test_rule = getattr(native, "java_test", None)
        if java_test_rule == None:
            fail("dd_topt_java_test(%s): this Bazel has no native java_test; pass java_test_rule = java_test from @rules_java//java:java_test.bzl" % name)
    kwargs["jvm_flags"] = (kwargs.get("jvm_flags") or []) + ["-javaagent:$(rootpath %s)" % agent_jar]
    if kwargs.get("testonly") == None:
        kwargs["testonly"] = True
    extra_data = [agent_jar]
    if stage_sources and type(kwargs.get("srcs")) == "list":
        extra_data = extra_data + kwargs["srcs"]
    topt_test(
        language = "java",
        name = name,
        topt_data = topt_data,
        test_rule = java_test_rule,
        test_kwargs = kwargs,
        selector_rule = topt_java_payloads_selector,
        module_identifier = module_identifier,
        selection_only = _SELECTION_ONLY,
        topt_service = topt_service,
        module_label_override = module_label_override,
        topt_library = topt_library,
        binding = binding,
        binding_attr = "runtime_deps",
        extra_env = {"DD_CIVISIBILITY_ENABLED": "true"} if ci_visibility_enabled else {},
        extra_data = extra_data,
    )
