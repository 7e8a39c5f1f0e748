"""The part of every dd_topt_<lang>_test macro that does not depend on the language.

A language macro (lang/<x>/private/) decides its selection-only arguments, its extra environment
and data, its binding and which rule runs the test; `topt_test` then declares the four targets
(docs/bazel.md, "What every language macro does"):

| target | name |
|---|---|
| raw test | `<name>__raw_<language>_test` (tags + `manual`, private) |
| selector | `<name>_topt_payloads` (selection.bzl at analysis time) |
| metadata | `<name>_topt_bazel_metadata` -> `<name>_topt_bazel_metadata.json` |
| public test | `<name>` (test_wrapper.bzl) |

Macros are legacy `def` macros, so they load in WORKSPACE mode as well as with bzlmod.
"""

load(":metadata.bzl", "topt_bazel_metadata")
load(":payloads_selector.bzl", "CONFIGURABLE_LISTS", "CONFIGURABLE_STRINGS")
load(":selection.bzl", "INFERENCE_INPUTS", "select_service", "validate_labels")
load(":test_wrapper.bzl", "topt_wrapped_test")

# Attributes that only make sense on the public test (moved off the raw test).
WRAPPER_ONLY_ATTRS = ["args", "flaky", "local", "shard_count", "size", "tags", "timeout", "visibility"]

# Attributes copied to both the raw and the public test.
SHARED_ATTRS = ["compatible_with", "exec_compatible_with", "restricted_to", "target_compatible_with", "testonly"]

RUNTIME_NAMES = {
    "go": "go",
    "python": "python",
    "java": "java",
    "nodejs": "nodejs",
    "dotnet": "dotnet",
    "ruby": "ruby",
}

def normalize_data(data, context):
    """Normalises the caller's `data`: None, a list, a tuple or one label become a list.

    Args:
      data: None, a list, a tuple, a single string, or a select().
      context: prefix for error messages.

    Returns:
      A list (or the select() unchanged, to be concatenated with a list).
    """
    if data == None:
        return []
    if type(data) == "list":
        return list(data)
    if type(data) == "tuple":
        return list(data)
    if type(data) == "string":
        return [data]
    if type(data) in ("dict", "bool", "int"):
        fail("[%s] data must be a list of labels (or a single label string), got %s" % (context, type(data)))

    # A select(): Bazel concatenates it with the lists appended later.
    return data

def is_select(value):
    """Whether a value is a select() (the Starlark test harness models one as struct(select=...)).

    Args:
      value: any value.

    Returns:
      A bool.
    """
    return type(value) == "select" or (type(value) == "struct" and hasattr(value, "select"))

def encode_selection_value(value):
    """Turns a selection attribute into a JSON-encodable value for the selector rule.

    Strings and lists of strings stay as they are (Labels become strings); any other value (a
    select(), a Label used as `main`) becomes a marker object, which counts as supplied but
    yields no candidate (docs/bazel.md, "Module selection").

    Args:
      value: the attribute value.

    Returns:
      A string, a list of strings, None, or `{"non_string": "<type>"}`.
    """
    if value == None or type(value) == "string":
        return value
    if type(value) in ("list", "tuple"):
        out = []
        for v in value:
            if type(v) == "string":
                out.append(v)
            elif type(v) == "Label":
                out.append(str(v))
            else:
                return {"non_string": type(value)}
        return out
    return {"non_string": type(value)}

def _add_binding(kwargs, attr, binding):
    value = kwargs.get(attr)
    if value == None:
        kwargs[attr] = [binding]
    elif type(value) in ("list", "tuple"):
        kwargs[attr] = list(value) + [binding]
    else:
        # A select(): Bazel concatenates it with the list.
        kwargs[attr] = value + [binding]

def topt_test(
        language,
        name,
        topt_data,
        test_rule,
        test_kwargs,
        selector_rule,
        module_identifier = None,
        selection_kwargs = None,
        selection_only = None,
        topt_service = None,
        module_label_override = None,
        topt_library = None,
        binding = None,
        binding_attr = "data",
        extra_env = None,
        default_env = None,
        extra_data = None,
        go_metadata = None):
    """Declares the raw test, the payloads selector, the metadata sidecar and the public test.

    Args:
      language: go, python, java, nodejs, dotnet or ruby.
      name: the public test target's name.
      topt_data: `topt_data` from `@<sync repo>//:export.bzl`, or `topt_data_by_service`.
      test_rule: the rule or macro that declares the raw test (e.g. `native.py_test`).
      test_kwargs: keyword arguments for the raw test; `selection_only` ones are removed, `env`,
        `data` and the wrapper-only attributes are taken out here.
      selector_rule: the language's payloads selector rule (it carries the candidate aspect).
      module_identifier: the explicit module identifier, if the caller gave one.
      selection_kwargs: where the selection inputs are read, when the language macro changed
        `test_kwargs` first (its own defaults are no candidates); None = `test_kwargs`.
      selection_only: names of keyword arguments that only feed the selection.
      topt_service: service key when `topt_data` maps several services.
      module_label_override: module label selected verbatim.
      topt_library: label of libtopt; the wrapper exports its absolute path as `TOPT_LIBRARY`.
      binding: the language binding's target, or None.
      binding_attr: the raw test attribute `binding` is appended to (`deps`, `runtime_deps` or
        `data`); appended after the selection inputs were read, so the binding is no candidate.
      extra_env: required language variables, overwriting the caller's.
      default_env: function `(env dict, service) -> None` adding language defaults to a
        dict-typed caller env; None for none.
      extra_data: more labels for the raw test's `data` (pin files, agent jars, ...).
      go_metadata: Go only, the dict recorded as `bazel.go.attr.*` in the sidecar.
    """
    package = native.package_name()
    context = "//%s:%s" % (package, name)
    if language not in RUNTIME_NAMES:
        fail("[%s] unknown language '%s'" % (context, language))
    if test_rule == None:
        fail("[%s] no test rule given; pass the rule that runs %s tests" % (context, language))
    service = select_service(topt_data, topt_service, context)
    repo = service["repo_name"]
    labels = validate_labels(service.get("labels"), context)
    manifest_path = service.get("manifest_path") or ".testoptimization/manifest.txt"
    runtimes = service.get("runtimes") or {}
    runtime = runtimes.get(language) if type(runtimes) == "dict" else None
    if type(runtime) != "dict":
        runtime = {}
    module_included = ""
    if "module_included" in runtime:
        module_included = "true" if runtime["module_included"] else "false"

    kwargs = dict(test_kwargs)
    inputs = test_kwargs if selection_kwargs == None else selection_kwargs
    encoded = {}
    configurable = {}
    for key in INFERENCE_INPUTS[language]:
        value = module_identifier if key == "module_identifier" else inputs.get(key)
        if is_select(value) and key in CONFIGURABLE_STRINGS + CONFIGURABLE_LISTS:
            # Bazel resolves it in the selector's configurable attribute (as the reference).
            configurable["attr_" + key] = value
            continue
        value = encode_selection_value(value)
        if value != None:
            encoded[key] = value

    # The candidate aspect walks `embed` (Go) or `deps` (the others), as the caller wrote them.
    selection_deps = inputs.get("embed" if language == "go" else "deps")
    for key in selection_only or []:
        kwargs.pop(key, None)
    extra_data = list(extra_data or [])
    if binding != None:
        if binding_attr == "data":
            extra_data.append(binding)
        else:
            _add_binding(kwargs, binding_attr, binding)

    wrapper_kwargs = {}
    for key in WRAPPER_ONLY_ATTRS:
        if key in kwargs:
            wrapper_kwargs[key] = kwargs.pop(key)
    for key in SHARED_ATTRS:
        if key in kwargs:
            wrapper_kwargs[key] = kwargs[key]
    tags = list(wrapper_kwargs.get("tags") or [])
    testonly = kwargs.get("testonly")

    repo_prefix = "@%s//" % repo
    manifest_label = repo_prefix + ":" + manifest_path
    selector_name = name + "_topt_payloads"
    metadata_name = name + "_topt_bazel_metadata"
    raw_name = "%s__raw_%s_test" % (name, language)

    selector_rule(
        name = selector_name,
        language = language,
        labels = labels,
        module_included = module_included,
        module_path = runtime.get("module_path") or "",
        bazel_package = package,
        module_label_override = module_label_override or "",
        selection_attrs = json.encode(encoded),
        configurable = sorted([k[len("attr_"):] for k in configurable]),
        service_name = service.get("service_name") or "",
        context = context,
        deps = selection_deps if type(selection_deps) in ("list", "tuple") else [],
        groups = [repo_prefix + ":module_" + label for label in labels],
        full_bundle = repo_prefix + ":test_optimization_files",
        tags = ["manual"],
        testonly = testonly,
        visibility = ["//visibility:private"],
        **configurable
    )

    topt_bazel_metadata(
        name = metadata_name,
        package = package,
        target_name = name,
        repo_name = repo,
        service_name = service.get("service_name") or "",
        runtime_name = RUNTIME_NAMES[language],
        selector = ":" + selector_name,
        go_attrs = json.encode(go_metadata) if go_metadata != None else "",
        tags = ["manual"],
        testonly = testonly,
        visibility = ["//visibility:private"],
    )

    env = kwargs.pop("env", None)
    if env == None:
        env = {}
    if type(env) == "dict":
        env = dict(env)
        service_name = service.get("service_name") or ""
        if service_name and "DD_SERVICE" not in env:
            env["DD_SERVICE"] = service_name
        if default_env != None:
            default_env(env, service)
    elif type(env) in ("list", "tuple", "string", "bool", "int"):
        fail("[%s] env must be a dict of strings (or a select() of such dicts), got %s" % (context, type(env)))

    topt_env = {
        "DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES": "true",
        "DD_TEST_OPTIMIZATION_BAZEL_TARGET_METADATA_BASENAME": metadata_name + ".json",
    }
    topt_env.update(extra_env or {})

    rlocation_env = {manifest_label: "DD_TEST_OPTIMIZATION_MANIFEST_FILE"}
    manifest_labels = [manifest_label]

    # Ruby's datadog-ci reads only TEST_OPTIMIZATION_MANIFEST_FILE and accepts only a manifest
    # whose whole text is `1`, which Java rejects: topt sync writes that second manifest next
    # to manifest.txt (same cache files beside it). Trees without it leave Ruby as before.
    ruby_manifest_path = service.get("ruby_manifest_path")
    if language == "ruby" and ruby_manifest_path:
        ruby_manifest_label = repo_prefix + ":" + ruby_manifest_path
        rlocation_env[ruby_manifest_label] = "TEST_OPTIMIZATION_MANIFEST_FILE"
        manifest_labels.append(ruby_manifest_label)

    data = normalize_data(kwargs.pop("data", None), context)
    data = data + [":" + selector_name] + manifest_labels + [topt_library] + extra_data

    test_rule(
        name = raw_name,
        data = data,
        tags = tags + ["manual"],
        visibility = ["//visibility:private"],
        **kwargs
    )

    topt_wrapped_test(
        name = name,
        test = ":" + raw_name,
        metadata = ":" + metadata_name,
        rlocation_env = rlocation_env,
        library = topt_library,
        env = env,
        topt_env = topt_env,
        data = data,
        language = language,
        **wrapper_kwargs
    )
