"""The rule of the Python binding's target, without a load of rules_python.

Bazel 4 to 7 have native Python rules, and `dd_topt_py_test` defaults to `native.py_test`, so a
WORKSPACE without rules_python must be able to load lang/python/BUILD.bazel: this picks the native
`py_library`. Where Bazel has none (autoloads off on Bazel 8+), the binding's target fails with the
fix instead of the whole package.
"""

def _no_native_py_library_impl(ctx):
    fail(("%s: this Bazel has no native py_library. Turn Bazel's autoloads of rules_python on " +
          "(--incompatible_autoload_externally=+@rules_python), or pass dd_topt_py_test a binding " +
          "of your own: a py_library over @topt//lang/python:binding_srcs that puts lang/python " +
          "on the import path.") % ctx.label)

_no_native_py_library = rule(
    implementation = _no_native_py_library_impl,
    doc = "Stands in for the binding's py_library where Bazel has no native Python rules.",
    attrs = {
        "data": attr.label_list(allow_files = True),
        "imports": attr.string_list(),
        "srcs": attr.label_list(allow_files = True),
    },
)

def topt_py_library(**kwargs):
    """`native.py_library` where it exists, else a target that fails with the fix when used.

    Args:
      **kwargs: py_library attributes (`name`, `srcs`, `data`, `imports`, `visibility`).
    """
    rule = getattr(native, "py_library", None)
    if rule != None:
        rule(**kwargs)
    else:
        _no_native_py_library(**kwargs)
