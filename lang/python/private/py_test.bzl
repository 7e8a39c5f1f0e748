"""dd_topt_py_test: its one definition."""

load("//bazel:lang_support.bzl", "topt_python_payloads_selector", "topt_test")

_RUN_PYTEST = Label("//lang/python/private:run_pytest.py")

# Selection-only keyword arguments that py_test does not accept.
_SELECTION_ONLY = ["importpath", "module_path"]

def _add_ddtrace(env, _service):
    # PYTEST_ADDOPTS gets --ddtrace unless the caller opted out with --no-ddtrace.
    current = env.get("PYTEST_ADDOPTS")
    if current == None:
        env["PYTEST_ADDOPTS"] = "--ddtrace"
    elif type(current) == "string" and "--no-ddtrace" not in current.split(" "):
        env["PYTEST_ADDOPTS"] = current + " --ddtrace"

_PLUGIN = "-p topt.ddtrace_bazel"

def _add_ddtrace_and_plugin(env, service):
    # ddtrace_plugin = True: the plugin after --ddtrace (still nothing with --no-ddtrace).
    _add_ddtrace(env, service)
    current = env.get("PYTEST_ADDOPTS")
    if type(current) == "string" and "--no-ddtrace" not in current.split(" ") and _PLUGIN not in current:
        env["PYTEST_ADDOPTS"] = current + " " + _PLUGIN

def dd_topt_py_test(
        name,
        topt_data,
        py_test_rule = None,
        topt_service = None,
        module_label_override = None,
        module_identifier = None,
        runner_mode = "consumer_runner",
        topt_library = Label("//:topt"),
        binding = Label("//lang/python:topt"),
        ddtrace_plugin = False,
        **kwargs):
    """A `py_test` that gets the Test Optimization data of its Python module.

    Declares `<name>` (the test you run), `<name>__raw_python_test`, `<name>_topt_payloads` and
    `<name>_topt_bazel_metadata` (docs/bazel.md, "What every language macro does").

    Module selection, at analysis time: with `module_identifier`, only that identifier (a miss
    fails the build); otherwise, in order: `imports`, candidates from `deps` (their `imports`,
    `importpath`, `module_path`, transitively), `importpath`, `module_path`, then
    `<module path>.<package>`; identifiers are dotted (`a/b` becomes `a.b`).

    Python extras: `PYTEST_ADDOPTS` gets `--ddtrace` unless it contains `--no-ddtrace`; the
    Python binding (`import topt`) is added to `deps`.

    Args:
      name: the public test target.
      topt_data: `topt_data` from `@<sync repo>//:export.bzl`, or `topt_data_by_service` of the
        multi-service aggregator (then pass `topt_service`).
      py_test_rule: the py_test rule; default `native.py_test` (pass rules_python's `py_test` where
        Bazel has no native Python rules).
      topt_service: the service key (or name) when `topt_data` holds several services.
      module_label_override: a module label (without `module_`) selected verbatim; an unknown
        one fails the build and lists the labels.
      module_identifier: the module identifier (e.g. `com.acme.api`), the only candidate.
      runner_mode: `consumer_runner` (your `main`) or `managed_pytest` (a bundled pytest entry
        point is the `main`; `args` and `imports` default to the package).
      topt_library: libtopt (default `@topt//:topt`, built by rules_rust); the test gets its
        absolute path in `TOPT_LIBRARY`.
      binding: the Python binding (default `@topt//lang/python:topt`, a py_library), added to
        `deps`; None leaves it out.
      ddtrace_plugin: True runs ddtrace's Bazel mode through libtopt: `-p topt.ddtrace_bazel` is
        added to `PYTEST_ADDOPTS` after `--ddtrace` (needs the binding). The plugin reads each
        cache file by its own runfiles path (the module's files, also with manifest-only
        runfiles) and writes payload files atomically; it refuses ddtrace versions it does not
        support (`SUPPORTED_DDTRACE` in lang/python/topt/ddtrace_bazel.py).
      **kwargs: py_test attributes (`imports` and `deps` also feed the selection). `args`,
        `flaky`, `local`, `shard_count`, `size`, `tags`, `timeout` and `visibility` go to the
        public test; `env` (a dict or a select()) is exported by it; `data` (a list, one label or
        a select()) goes to both. Selection-only, not passed to py_test:
          importpath: a module identifier candidate.
          module_path: a module identifier candidate.
    """
    selection_kwargs = dict(kwargs)
    if ddtrace_plugin and binding == None:
        fail("dd_topt_py_test(%s): ddtrace_plugin = True needs the binding (binding = None given)" % name)
    if py_test_rule == None:
        py_test_rule = getattr(native, "py_test", None)
        if py_test_rule == None:
            fail("dd_topt_py_test(%s): this Bazel has no native py_test; pass py_test_rule = py_test from @rules_python//python:defs.bzl" % name)
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
    topt_test(
        language = "python",
        name = name,
        topt_data = topt_data,
        test_rule = py_test_rule,
        test_kwargs = kwargs,
        selector_rule = topt_python_payloads_selector,
        module_identifier = module_identifier,
        selection_kwargs = selection_kwargs,
        selection_only = _SELECTION_ONLY,
        topt_service = topt_service,
        module_label_override = module_label_override,
        topt_library = topt_library,
        binding = binding,
        binding_attr = "deps",
        default_env = _add_ddtrace_and_plugin if ddtrace_plugin else _add_ddtrace,
    )
