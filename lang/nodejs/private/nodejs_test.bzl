"""Implementation of dd_topt_nodejs_test (see lang/nodejs/defs.bzl for the user documentation)."""

load("//bazel:lang_support.bzl", "topt_test")

# Selection-only keyword arguments, not passed to the test rule.
_SELECTION_ONLY = ["package_name", "module_name", "npm_package"]

def nodejs_selection_attrs(kwargs, module_identifier = None):
    """The selection attributes of a dd_topt_nodejs_test call (spec §5.3).

    Args:
      kwargs: the macro's keyword arguments.
      module_identifier: the explicit identifier, if any.

    Returns:
      A dict by attribute name.
    """
    return {
        "module_identifier": module_identifier,
        "deps": kwargs.get("deps"),
        "package_name": kwargs.get("package_name"),
        "module_name": kwargs.get("module_name"),
        "npm_package": kwargs.get("npm_package"),
        "entry_point": kwargs.get("entry_point"),
    }

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
    """See lang/nodejs/defs.bzl.

    Args:
      name: see defs.bzl.
      topt_data: see defs.bzl.
      nodejs_test_rule: see defs.bzl.
      topt_service: see defs.bzl.
      module_label_override: see defs.bzl.
      module_identifier: see defs.bzl.
      topt_library: see defs.bzl.
      binding: see defs.bzl.
      **kwargs: see defs.bzl.
    """
    if nodejs_test_rule == None:
        fail("dd_topt_nodejs_test(%s): nodejs_test_rule is required; pass the rule that runs the test, e.g. js_test from @aspect_rules_js//js:defs.bzl" % name)
    selection_attrs = nodejs_selection_attrs(kwargs, module_identifier)
    for key in _SELECTION_ONLY:
        kwargs.pop(key, None)
    topt_test(
        language = "nodejs",
        name = name,
        topt_data = topt_data,
        test_rule = nodejs_test_rule,
        test_kwargs = kwargs,
        selection_attrs = selection_attrs,
        selection_deps = selection_attrs["deps"],
        topt_service = topt_service,
        module_label_override = module_label_override,
        topt_library = topt_library,
        extra_data = [binding] if binding != None else [],
    )
