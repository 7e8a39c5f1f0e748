"""Module selection shared by every `dd_topt_<lang>_test` macro (docs/bazel.md, "Module selection").

Starlark twin of `crates/topt-core/src/selection.rs`. Everything here is a pure function over plain
values (dicts, lists, strings), so the harness under `tests/starlark/` runs the shared cases of
`testdata/vectors/selection.json` through exactly this code, and the payloads selector rule calls
`select_module` at analysis time with the candidates its aspect collected.

A selection *request* is a dict with the keys of the vectors:

* `language`: `go`, `python`, `java`, `nodejs`, `dotnet` or `ruby`;
* `labels`: the selected service's `topt_data["labels"]`;
* `module_included`: `topt_data["runtimes"][<language>]["module_included"]`, absent or None when
  the export has no such key;
* `module_path`: `topt_data["runtimes"][<language>]["module_path"]`;
* `bazel_package`: the package of the test target;
* `module_label_override`: the macro argument of that name;
* `attrs`: the selection attributes the user passed, by name; a value that is neither a string,
  a list nor None (a `select()`, a Label) counts as supplied but yields no candidate;
* `dep_candidates`: what the dependency aspect collected, in order;
* `service_name`: the synced service (`topt_data["service_name"]`);
* `context`: prefix of error messages, usually the target label.
"""

load(":labels.bzl", "is_sanitized", "sanitize_label_fragment")

LANGUAGES = ["go", "python", "java", "nodejs", "dotnet", "ruby"]

# Attributes whose presence turns per-module selection on (the "inference inputs" of a language).
INFERENCE_INPUTS = {
    "go": ["importpath", "embed"],
    "python": ["module_identifier", "imports", "deps", "importpath", "module_path"],
    "java": ["module_identifier", "test_class", "deps", "java_package", "package"],
    "nodejs": ["module_identifier", "deps", "package_name", "module_name", "npm_package", "entry_point", "test_framework"],
    "dotnet": ["module_identifier", "deps", "root_namespace", "assembly_name", "project_name", "test_class"],
    "ruby": ["module_identifier", "deps", "require_path", "gem_name", "library_name", "main", "test_framework"],
}

_STYLE = {
    "go": "raw",
    "python": "dotted",
    "java": "dotted",
    "dotnet": "dotted",
    "nodejs": "slashed",
    "ruby": "slashed",
}

PAYLOAD_SELECTIONS = ["full_bundle_disabled", "full_bundle_no_match", "module", "module_override"]

def _is_list(value):
    return type(value) in ("list", "tuple")

def supplied(value):
    """Whether a selection attribute counts as an inference input (turns per-module selection on).

    Args:
      value: the attribute value as the user wrote it.

    Returns:
      False for None, blank strings and empty lists; True for anything else (a `select()` counts).
    """
    if value == None:
        return False
    if type(value) == "string":
        return bool(value.strip())
    if _is_list(value):
        return len(value) > 0
    return True

def _string_attr(attrs, name):
    value = attrs.get(name)
    return value if type(value) == "string" else ""

def _string_list(attrs, name):
    value = attrs.get(name)
    if _is_list(value):
        return [v for v in value if type(v) == "string"]
    if type(value) == "string":
        return [value]
    return []

def _split_join(value, sep):
    return sep.join([part for part in value.split(sep) if part])

def normalize_identifier(language, value):
    """Normalises an identifier the way the language spells modules.

    Dotted (python, java, dotnet): trim, `\\` and `/` become `.`, empty segments dropped.
    Slashed (nodejs, ruby): trim, `\\` becomes `/`, empty segments dropped. Go: unchanged.

    Args:
      language: one of LANGUAGES.
      value: the identifier; a non-string gives "".

    Returns:
      The normalised identifier.
    """
    style = _STYLE[language]
    if style == "raw":
        return value if type(value) == "string" else ""
    if type(value) != "string":
        return ""
    trimmed = value.strip().replace("\\", "/" if style == "slashed" else ".")
    if style == "dotted":
        return _split_join(trimmed.replace("/", "."), ".")
    return _split_join(trimmed, "/")

def java_package_of(test_class):
    """The package of a Java class name: `com.a.Test` gives `com.a`, `Test` gives "".

    Args:
      test_class: the `test_class` attribute (None or a string).

    Returns:
      The package, or "".
    """
    if type(test_class) != "string" or not test_class:
        return ""
    trimmed = test_class.strip()
    if trimmed.endswith("."):
        trimmed = trimmed[:-1]
    i = trimmed.rfind(".")
    if i <= 0:
        return ""
    return trimmed[:i]

def validate_labels(labels, context = ""):
    """Validates `topt_data["labels"]` (a list of sanitised labels) and returns them as a list.

    Args:
      labels: None, or a list or tuple of sanitised label strings.
      context: prefix for error messages.

    Returns:
      A list of labels (empty for None).
    """
    prefix = "[%s] " % context if context else ""
    if labels == None:
        return []
    if not _is_list(labels):
        fail(prefix + "topt_data labels must be a list or tuple of module labels; regenerate export.bzl with topt sync")
    for label in labels:
        if type(label) != "string":
            fail(prefix + "topt_data labels entries must be strings; regenerate export.bzl with topt sync")
        if not label:
            fail(prefix + "topt_data labels entries must be non-empty; regenerate export.bzl with topt sync")
        if not is_sanitized(label):
            fail(prefix + "topt_data labels entries must be sanitized ([a-z0-9_]), got '%s'; regenerate export.bzl with topt sync" % label)
    return list(labels)

def fallback_identifier(language, module_path, package):
    """The identifier tried when no inferred candidate matched: `<module path>` joined with the package.

    Args:
      language: one of LANGUAGES.
      module_path: `topt_data["runtimes"][<language>]["module_path"]`.
      package: the Bazel package of the test.

    Returns:
      The fallback identifier (not yet normalised).
    """
    module_path = module_path or ""
    package = package or ""
    if language == "go":
        base = module_path[:-1] if module_path.endswith("/") else module_path
        if not base:
            return package
        return base if not package else base + "/" + package
    if _STYLE[language] == "dotted":
        dotted = package.replace("/", ".").replace("\\", ".")
        if not module_path:
            return dotted
        return module_path if not dotted else module_path + "." + dotted
    base = module_path.replace("\\", "/").rstrip("/")
    pkg = package.replace("\\", "/").lstrip("/")
    if not base:
        return pkg
    return base if not pkg else base + "/" + pkg

def inferred_candidates(language, attrs, dep_candidates, service_name = ""):
    """Candidates from attributes and dependencies in the language's order (docs/bazel.md, per language).

    Then the module key the language's tracer itself reports, which keys the backend's data for
    that tracer's runs: dd-java-agent outside a build tool reports the service name; dd-trace
    (Node.js) and datadog-ci (Ruby) the test framework (`test_framework`). dd-trace-go's key is
    the importpath, .NET's the assembly, ddtrace's the dotted package (the fallback).

    Args:
      language: one of LANGUAGES.
      attrs: the selection attributes by name.
      dep_candidates: what the dependency aspect collected.
      service_name: the synced service.

    Returns:
      The raw candidates, before normalisation and de-duplication.
    """
    deps = [d for d in (dep_candidates or []) if type(d) == "string"]
    service_name = service_name if type(service_name) == "string" else ""
    if language == "go":
        return deps[:1]
    if language == "python":
        return _string_list(attrs, "imports") + deps + [_string_attr(attrs, "importpath"), _string_attr(attrs, "module_path")]
    if language == "java":
        return [java_package_of(attrs.get("test_class"))] + deps + [_string_attr(attrs, "java_package"), _string_attr(attrs, "package"), service_name]
    if language == "nodejs":
        return [_string_attr(attrs, n) for n in ("package_name", "module_name", "npm_package", "entry_point")] + deps + [_string_attr(attrs, "test_framework")]
    if language == "dotnet":
        return [_string_attr(attrs, n) for n in ("root_namespace", "assembly_name", "project_name", "test_class")] + deps
    if language == "ruby":
        return [_string_attr(attrs, n) for n in ("require_path", "gem_name", "library_name", "main")] + deps + [_string_attr(attrs, "test_framework")]
    fail("unknown language '%s'; expected one of %s" % (language, ", ".join(LANGUAGES)))

def _dedupe_normalized(language, values):
    out = []
    for value in values:
        normalized = normalize_identifier(language, value)
        if normalized and normalized not in out:
            out.append(normalized)
    return out

def include_per_module(language, attrs, module_included, labels):
    """The per-module gate: any inference input, else `module_included`, else whether labels exist.

    Args:
      language: one of LANGUAGES.
      attrs: the selection attributes by name.
      module_included: `runtimes.<language>.module_included`, or None when absent.
      labels: the validated labels.

    Returns:
      A bool.
    """
    for name in INFERENCE_INPUTS[language]:
        if supplied(attrs.get(name)):
            return True
    if module_included != None:
        return bool(module_included)
    return len(labels) > 0

def _attempt(identifier, source, strict):
    return {"identifier": identifier, "source": source, "strict": strict}

def select_module(request):
    """Runs the selection rules over one request (see the module docstring).

    A strict miss (an explicit identifier or override that names no group) fails with a message
    that lists the available module groups, like the Rust selector's error.

    Args:
      request: the selection request dict.

    Returns:
      A dict with `group` (`module_<label>`, or None for the full bundle), `label`, `identifier`,
      `identifier_source` (`explicit`, `inferred`, `fallback`, `empty`), `payload_selection`,
      `include_per_module` and `strict`.
    """
    language = request.get("language")
    if language not in INFERENCE_INPUTS:
        fail("selection request needs a language (%s), got %r" % (", ".join(LANGUAGES), language))
    context = request.get("context") or "dd_topt_%s_test" % language
    labels = validate_labels(request.get("labels"), context)
    groups = ["module_" + label for label in labels]
    attrs = request.get("attrs") or {}
    dep_candidates = request.get("dep_candidates") or []
    module_path = request.get("module_path") or ""
    package = request.get("bazel_package") or ""

    include = include_per_module(language, attrs, request.get("module_included"), labels)
    override = request.get("module_label_override")
    if type(override) != "string" or not override:
        override = None

    # As the reference: Go's importpath is explicit when it is a non-empty string (even blank:
    # `bool(importpath)`, not trimmed); another language's module_identifier when it is still
    # non-empty once normalised (one that normalises to nothing counts as absent).
    if language == "go":
        explicit = _string_attr(attrs, "importpath")
    else:
        explicit = normalize_identifier(language, _string_attr(attrs, "module_identifier"))
    if not explicit:
        explicit = None
    strict = include and len(groups) > 0 and (explicit != None or override != None)

    if language == "go" and explicit != None:
        fallback = explicit
    else:
        fallback = fallback_identifier(language, module_path, package)

    if language == "go":
        # Go tries exactly one identifier; an inferred path that misses does not fall back.
        inferred = [c for c in inferred_candidates(language, attrs, dep_candidates) if c]
        if explicit != None:
            attempts = [_attempt(explicit, "explicit", strict)]
        elif inferred:
            attempts = [_attempt(inferred[0], "inferred", strict)]
        elif fallback:
            attempts = [_attempt(fallback, "fallback", strict)]
        else:
            attempts = [_attempt("", "empty", strict)]
    elif explicit != None:
        attempts = [_attempt(explicit, "explicit", strict)]
    else:
        candidates = _dedupe_normalized(language, inferred_candidates(language, attrs, dep_candidates, request.get("service_name")))
        if not candidates:
            candidates = [""]
        attempts = [
            _attempt(c, "inferred" if c else "empty", strict and i == 0)
            for i, c in enumerate(candidates)
        ]
        attempts.append(_attempt(normalize_identifier(language, fallback), "fallback", False))

    result = {
        "group": None,
        "label": None,
        "identifier": attempts[0]["identifier"],
        "identifier_source": attempts[0]["source"],
        "payload_selection": "full_bundle_disabled",
        "include_per_module": include,
        "strict": strict,
    }
    if not include or not groups:
        return result

    for attempt in attempts:
        wanted = override if override != None else sanitize_label_fragment(attempt["identifier"])
        name = "module_" + wanted
        result["identifier"] = attempt["identifier"]
        result["identifier_source"] = attempt["source"]
        if name in groups:
            result["group"] = name
            result["label"] = wanted
            result["payload_selection"] = "module_override" if override != None else "module"
            return result
        if attempt["strict"]:
            available = ", ".join(sorted(groups)) if groups else "<none>"
            if override != None:
                what = "module_label_override '%s'" % override
                fix = "pass one of the available labels (without the module_ prefix) or drop module_label_override"
            else:
                what = "explicit module identifier '%s'" % attempt["identifier"]
                fix = "fix the identifier, or pass module_label_override with one of the available labels"
            fail(("[%s] %s resolved to '%s', but no matching module group exists. " +
                  "Available module groups: %s. To fix: %s.") % (context, what, name, available, fix))

    result["payload_selection"] = "full_bundle_no_match"
    if language != "go":
        # Report the first candidate, not the fallback, as the identifier of a miss.
        result["identifier"] = attempts[0]["identifier"]
        result["identifier_source"] = attempts[0]["source"]
    return result

def select_service(topt_data, topt_service = None, context = ""):
    """Picks the export of one service: the only one, or the one `topt_service` names.

    `topt_data` is either one service's export (a dict with a truthy `repo_name`, as loaded from
    `@<repo>//:export.bzl`) or a mapping from service key to export (`topt_data_by_service` of the
    multi-service aggregator).

    Args:
      topt_data: a single export or a mapping of exports.
      topt_service: the service key or name; required when the mapping has several services.
      context: prefix for error messages.

    Returns:
      The selected export dict.
    """
    prefix = "[%s] " % context if context else ""
    if type(topt_data) != "dict":
        fail(prefix + "topt_data must be the topt_data dict loaded from @<sync repo>//:export.bzl " +
             "(or topt_data_by_service from the multi-service aggregator), got %s" % type(topt_data))
    if topt_data.get("repo_name"):
        return topt_data
    services = {}
    for key, value in topt_data.items():
        if type(value) == "dict" and value.get("repo_name"):
            services[key] = value
    keys = sorted(services.keys())
    if not services:
        fail(prefix + "topt_data has no service export (no value with a repo_name); load topt_data " +
             "from @<sync repo>//:export.bzl or topt_data_by_service from the aggregator")
    if topt_service == None:
        if len(keys) == 1:
            return services[keys[0]]
        fail(prefix + "topt_data holds several services; please pass topt_service (one of: %s)" % ", ".join(keys))
    if type(topt_service) != "string":
        fail(prefix + "topt_service must be a string (one of: %s)" % ", ".join(keys))
    if topt_service in services:
        return services[topt_service]
    key = sanitize_label_fragment(topt_service)
    if key in services:
        return services[key]
    fail(prefix + "topt_service '%s' not found. Available: %s" % (topt_service, ", ".join(keys)))
