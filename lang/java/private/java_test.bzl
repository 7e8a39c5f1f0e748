"""Implementation of dd_topt_java_test (see lang/java/defs.bzl for the user documentation)."""

load("//bazel:lang_support.bzl", "topt_test")

# Selection-only keyword arguments that java_test does not accept.
_SELECTION_ONLY = ["java_package", "package"]

def java_selection_attrs(kwargs, module_identifier = None):
    """The selection attributes of a dd_topt_java_test call (spec §5.3, Java row).

    Args:
      kwargs: the macro's keyword arguments.
      module_identifier: the explicit identifier, if any.

    Returns:
      A dict by attribute name.
    """
    return {
        "module_identifier": module_identifier,
        "test_class": kwargs.get("test_class"),
        "deps": kwargs.get("deps"),
        "java_package": kwargs.get("java_package"),
        "package": kwargs.get("package"),
    }

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
    """See lang/java/defs.bzl.

    Args:
      name: see defs.bzl.
      topt_data: see defs.bzl.
      agent_jar: see defs.bzl.
      topt_service: see defs.bzl.
      module_label_override: see defs.bzl.
      module_identifier: see defs.bzl.
      ci_visibility_enabled: see defs.bzl.
      stage_sources: see defs.bzl.
      java_test_rule: see defs.bzl.
      topt_library: see defs.bzl.
      binding: see defs.bzl.
      **kwargs: see defs.bzl.
    """
    if agent_jar == None:
        fail("dd_topt_java_test(%s): agent_jar is required; pass the label of the dd-java-agent jar, e.g. agent_jar = \"@dd_java_agent//file\"" % name)
    selection_attrs = java_selection_attrs(kwargs, module_identifier)
    for key in _SELECTION_ONLY:
        kwargs.pop(key, None)
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
    if binding != None:
        kwargs["runtime_deps"] = (kwargs.get("runtime_deps") or []) + [binding]
    topt_test(
        language = "java",
        name = name,
        topt_data = topt_data,
        test_rule = java_test_rule,
        test_kwargs = kwargs,
        selection_attrs = selection_attrs,
        selection_deps = selection_attrs["deps"],
        topt_service = topt_service,
        module_label_override = module_label_override,
        topt_library = topt_library,
        extra_env = {"DD_CIVISIBILITY_ENABLED": "true"} if ci_visibility_enabled else {},
        extra_data = extra_data,
    )
