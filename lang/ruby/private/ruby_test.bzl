"""Implementation of dd_topt_ruby_test (see lang/ruby/defs.bzl for the user documentation)."""

load("//bazel:lang_support.bzl", "topt_test")

# Selection-only keyword arguments, not passed to the test rule.
_SELECTION_ONLY = ["require_path", "gem_name", "library_name"]

def ruby_selection_attrs(kwargs, module_identifier = None):
    """The selection attributes of a dd_topt_ruby_test call (spec §5.3).

    Args:
      kwargs: the macro's keyword arguments.
      module_identifier: the explicit identifier, if any.

    Returns:
      A dict by attribute name.
    """
    return {
        "module_identifier": module_identifier,
        "deps": kwargs.get("deps"),
        "require_path": kwargs.get("require_path"),
        "gem_name": kwargs.get("gem_name"),
        "library_name": kwargs.get("library_name"),
        "main": kwargs.get("main"),
    }

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
    """See lang/ruby/defs.bzl.

    Args:
      name: see defs.bzl.
      topt_data: see defs.bzl.
      ruby_test_rule: see defs.bzl.
      topt_service: see defs.bzl.
      module_label_override: see defs.bzl.
      module_identifier: see defs.bzl.
      topt_library: see defs.bzl.
      binding: see defs.bzl.
      **kwargs: see defs.bzl.
    """
    if ruby_test_rule == None:
        fail("dd_topt_ruby_test(%s): ruby_test_rule is required; pass the rule that runs the test, e.g. rb_test from @rules_ruby//ruby:defs.bzl" % name)
    selection_attrs = ruby_selection_attrs(kwargs, module_identifier)
    for key in _SELECTION_ONLY:
        kwargs.pop(key, None)
    topt_test(
        language = "ruby",
        name = name,
        topt_data = topt_data,
        test_rule = ruby_test_rule,
        test_kwargs = kwargs,
        selection_attrs = selection_attrs,
        selection_deps = selection_attrs["deps"],
        topt_service = topt_service,
        module_label_override = module_label_override,
        topt_library = topt_library,
        extra_data = [binding] if binding != None else [],
    )
