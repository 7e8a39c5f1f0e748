"""Implementation of dd_topt_py_test (see lang/python/defs.bzl for the user documentation)."""

load("//bazel:lang_support.bzl", "topt_test")

_RUN_PYTEST = Label("//lang/python/private:run_pytest.py")

# Selection-only keyword arguments that py_test does not accept.
_SELECTION_ONLY = ["importpath", "module_path"]

def _add_ddtrace(env, _service):
    # PYTEST_ADDOPTS gets --ddtrace unless the caller opted out with --no-ddtrace (spec §6.2).
    current = env.get("PYTEST_ADDOPTS")
    if current == None:
        env["PYTEST_ADDOPTS"] = "--ddtrace"
    elif type(current) == "string" and "--no-ddtrace" not in current.split(" "):
        env["PYTEST_ADDOPTS"] = current + " --ddtrace"

def python_selection_attrs(kwargs, module_identifier = None):
    """The selection attributes of a dd_topt_py_test call (spec §5.3, Python row).

    Args:
      kwargs: the macro's keyword arguments.
      module_identifier: the explicit identifier, if any.

    Returns:
      A dict by attribute name.
    """
    return {
        "module_identifier": module_identifier,
        "imports": kwargs.get("imports"),
        "deps": kwargs.get("deps"),
        "importpath": kwargs.get("importpath"),
        "module_path": kwargs.get("module_path"),
    }

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
    """See lang/python/defs.bzl.

    Args:
      name: see defs.bzl.
      topt_data: see defs.bzl.
      topt_service: see defs.bzl.
      module_label_override: see defs.bzl.
      module_identifier: see defs.bzl.
      runner_mode: see defs.bzl.
      py_test_rule: see defs.bzl.
      topt_library: see defs.bzl.
      binding: see defs.bzl.
      **kwargs: see defs.bzl.
    """
    selection_attrs = python_selection_attrs(kwargs, module_identifier)
    for key in _SELECTION_ONLY:
        kwargs.pop(key, None)
    if py_test_rule == None:
        py_test_rule = getattr(native, "py_test", None)
        if py_test_rule == None:
            fail("dd_topt_py_test(%s): this Bazel has no native py_test; pass py_test_rule = py_test from @rules_python//python:py_test.bzl" % name)
    if runner_mode not in ("consumer_runner", "managed_pytest"):
        fail("dd_topt_py_test(%s): runner_mode must be 'consumer_runner' or 'managed_pytest', got %r" % (name, runner_mode))
    if runner_mode == "managed_pytest":
        package = native.package_name()
        kwargs["srcs"] = list(kwargs.get("srcs") or []) + [_RUN_PYTEST]
        kwargs["main"] = _RUN_PYTEST
        if kwargs.get("args") == None:
            kwargs["args"] = [package or "."]
        if kwargs.get("imports") == None:
            kwargs["imports"] = [package] if package else []
    if binding != None:
        kwargs["deps"] = (kwargs.get("deps") or []) + [binding]
    topt_test(
        language = "python",
        name = name,
        topt_data = topt_data,
        test_rule = py_test_rule,
        test_kwargs = kwargs,
        selection_attrs = selection_attrs,
        selection_deps = selection_attrs["deps"],
        topt_service = topt_service,
        module_label_override = module_label_override,
        topt_library = topt_library,
        default_env = _add_ddtrace,
    )
