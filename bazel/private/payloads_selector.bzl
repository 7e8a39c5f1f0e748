"""The payloads selector (`<name>_topt_payloads`) and the dependency-candidate aspects.

The selector runs `select_module` (selection.bzl) at analysis time, once the aspect has collected
module identifier candidates from the test's dependencies, and exposes the chosen module group (or
the full bundle) as files and runfiles. It adds runfiles symlinks so that `known_tests.json`,
`test_management.json` and `flaky_tests.json` of the chosen module sit at their canonical paths
`<repo>/<out_dir>/cache/http/<file>` next to `settings.json`, where a tracer that knows nothing of
modules looks for them (docs/bazel.md, "What every language macro does"; topt also re-points
`flaky_tests.json`, which the reference implementation does not).

Each language has its own selector rule, because the aspect on `deps` is part of the rule's
attributes: `payloads_selector(aspect)` makes one. Go's lives in lang/go/private/, where the
rules_go providers its aspect reads can be loaded; the other five are here.
"""

load(":providers.bzl", "ToptCandidatesInfo", "ToptSelectionInfo")
load(":selection.bzl", "select_module")

_MAX_CANDIDATES = 64

CANONICAL_FILES = ["known_tests.json", "test_management.json", "flaky_tests.json"]

# String-valued selection attributes (and `imports`, a string list) a caller may give as a
# select(): the macro hands such a select() to the selector's configurable attribute
# `attr_<name>`, so Bazel resolves it before the selection runs (as the reference does).
CONFIGURABLE_STRINGS = [
    "importpath",
    "module_path",
    "test_class",
    "java_package",
    "package",
    "package_name",
    "module_name",
    "npm_package",
    "entry_point",
    "test_framework",
    "root_namespace",
    "assembly_name",
    "project_name",
    "require_path",
    "gem_name",
    "library_name",
]
CONFIGURABLE_LISTS = ["imports"]

# Attributes of the selector rule that form the selection request (besides the candidates).
REQUEST_ATTRS = [
    "language",
    "labels",
    "module_included",
    "module_path",
    "bazel_package",
    "module_label_override",
    "selection_attrs",
    "service_name",
    "context",
    "configurable",
] + ["attr_" + n for n in CONFIGURABLE_STRINGS + CONFIGURABLE_LISTS]

def selection_request(attrs, dep_candidates):
    """Builds the request of selection.bzl from the selector's attribute values.

    The macro encodes the request into plain string attributes; this is the inverse. The harness
    calls it with the keyword arguments the macro passed to the selector, so the macro's encoding
    and the rule's decoding are both covered by the shared vectors.

    Args:
      attrs: dict with the REQUEST_ATTRS values.
      dep_candidates: list of candidates collected by the aspect.

    Returns:
      The selection request dict.
    """
    included = attrs.get("module_included") or ""
    selection_attrs = json.decode(attrs.get("selection_attrs") or "{}")
    for name in attrs.get("configurable") or []:
        # The select() the caller gave, resolved by Bazel.
        selection_attrs[name] = attrs.get("attr_" + name)
    return {
        "language": attrs.get("language"),
        "labels": list(attrs.get("labels") or []),
        "module_included": None if included == "" else included == "true",
        "module_path": attrs.get("module_path") or "",
        "bazel_package": attrs.get("bazel_package") or "",
        "module_label_override": attrs.get("module_label_override") or None,
        "attrs": selection_attrs,
        "dep_candidates": list(dep_candidates),
        "service_name": attrs.get("service_name") or "",
        "context": attrs.get("context") or None,
    }

def rlocation_path(workspace_name, file):
    """The runfiles path of a file (what `$(rlocationpath)` gives on recent Bazel versions).

    Args:
      workspace_name: `ctx.workspace_name`.
      file: a File.

    Returns:
      `<repo>/<path>` for external files, `<workspace_name>/<short_path>` otherwise.
    """
    if file.short_path.startswith("../"):
        return file.short_path[3:]
    return workspace_name + "/" + file.short_path

def canonical_symlinks(workspace_name, files):
    """Runfiles root symlinks placing module files at their canonical paths (see above).

    Args:
      workspace_name: `ctx.workspace_name`.
      files: the files of the chosen group.

    Returns:
      A dict from runfiles path to File, for `ctx.runfiles(root_symlinks = ...)`.
    """
    settings = [f for f in files if f.basename == "settings.json"]
    if not settings:
        return {}
    base = rlocation_path(workspace_name, settings[0])
    base = base[:base.rfind("/")]
    out = {}
    for f in files:
        if f.basename in CANONICAL_FILES:
            canonical = base + "/" + f.basename
            if rlocation_path(workspace_name, f) != canonical and canonical not in out:
                out[canonical] = f
    return out

def _cap(values):
    out = []
    for v in values:
        if v and v not in out:
            out.append(v)
        if len(out) >= _MAX_CANDIDATES:
            break
    return out

def attr_strings(rule_attr, names):
    """The string values (and string list entries) of the named attributes of a rule.

    Args:
      rule_attr: `ctx.rule.attr` of an aspect.
      names: attribute names; missing and non-string attributes are skipped.

    Returns:
      A list of strings, in order.
    """
    out = []
    for name in names:
        value = getattr(rule_attr, name, None)
        if type(value) == "string":
            out.append(value)
        elif type(value) == "list":
            out.extend([v for v in value if type(v) == "string"])
    return out

def dep_candidates(rule_attr, names):
    """The candidates the aspect already collected on the targets of the named attributes.

    Args:
      rule_attr: `ctx.rule.attr` of an aspect.
      names: label-list attribute names.

    Returns:
      A list of strings, in order.
    """
    out = []
    for name in names:
        value = getattr(rule_attr, name, None)
        if type(value) != "list":
            continue
        for dep in value:
            if type(dep) == "Target" and ToptCandidatesInfo in dep:
                out.extend(dep[ToptCandidatesInfo].candidates)
    return out

def candidates_info(values):
    """The aspect's provider: `values` de-duplicated, empty ones dropped, capped.

    Args:
      values: candidate strings in order.

    Returns:
      A list with one ToptCandidatesInfo.
    """
    return [ToptCandidatesInfo(candidates = _cap(values))]

def _python_aspect_impl(_target, ctx):
    a = ctx.rule.attr
    return candidates_info(attr_strings(a, ["imports"]) + dep_candidates(a, ["deps"]) + attr_strings(a, ["importpath", "module_path"]))

def _java_aspect_impl(_target, ctx):
    a = ctx.rule.attr
    return candidates_info(dep_candidates(a, ["deps"]) + attr_strings(a, ["java_package", "package"]))

def _nodejs_aspect_impl(_target, ctx):
    a = ctx.rule.attr
    return candidates_info(attr_strings(a, ["package_name", "module_name", "npm_package", "entry_point"]) + dep_candidates(a, ["deps"]))

def _dotnet_aspect_impl(_target, ctx):
    a = ctx.rule.attr
    return candidates_info(attr_strings(a, ["root_namespace", "assembly_name", "project_name", "test_class"]) + dep_candidates(a, ["deps"]))

def _ruby_aspect_impl(_target, ctx):
    a = ctx.rule.attr
    return candidates_info(attr_strings(a, ["require_path", "gem_name", "library_name", "main"]) + dep_candidates(a, ["deps"]))

_ASPECT_DOC = "Collects module identifier candidates along `deps` for dd_topt_{}_test (docs/bazel.md, \"Module selection\")."

topt_python_candidates_aspect = aspect(
    implementation = _python_aspect_impl,
    attr_aspects = ["deps"],
    doc = _ASPECT_DOC.format("py"),
)
topt_java_candidates_aspect = aspect(
    implementation = _java_aspect_impl,
    attr_aspects = ["deps"],
    doc = _ASPECT_DOC.format("java"),
)
topt_nodejs_candidates_aspect = aspect(
    implementation = _nodejs_aspect_impl,
    attr_aspects = ["deps"],
    doc = _ASPECT_DOC.format("nodejs"),
)
topt_dotnet_candidates_aspect = aspect(
    implementation = _dotnet_aspect_impl,
    attr_aspects = ["deps"],
    doc = _ASPECT_DOC.format("dotnet"),
)
topt_ruby_candidates_aspect = aspect(
    implementation = _ruby_aspect_impl,
    attr_aspects = ["deps"],
    doc = _ASPECT_DOC.format("ruby"),
)

def _selector_impl(ctx):
    dep_candidates = []
    for dep in ctx.attr.deps:
        if ToptCandidatesInfo in dep:
            dep_candidates.extend(dep[ToptCandidatesInfo].candidates)
    request = selection_request({name: getattr(ctx.attr, name) for name in REQUEST_ATTRS}, dep_candidates)
    result = select_module(request)
    chosen = ctx.attr.full_bundle
    if result["group"]:
        matches = [g for g in ctx.attr.groups if g.label.name == result["group"]]
        if not matches:
            fail("[%s] selected %s, but it is not among the module groups given to the selector; regenerate the sync repository (bazel sync --configure or --repo_env=FETCH_SALT=$(date +%%s))" % (ctx.attr.context, result["group"]))
        chosen = matches[0]
    files = chosen[DefaultInfo].files.to_list()
    runfiles = ctx.runfiles(
        files = files,
        root_symlinks = canonical_symlinks(ctx.workspace_name, files),
    ).merge(chosen[DefaultInfo].default_runfiles)
    return [
        DefaultInfo(files = depset(files), runfiles = runfiles),
        ToptSelectionInfo(
            group = result["group"],
            identifier = result["identifier"],
            identifier_source = result["identifier_source"],
            payload_selection = result["payload_selection"],
        ),
    ]

def _selector_attrs(aspect_):
    attrs = {
        "bazel_package": attr.string(doc = "Package of the test target (fallback identifier)."),
        "context": attr.string(doc = "Prefix of error messages: the test target's label."),
        "deps": attr.label_list(
            aspects = [aspect_],
            doc = "Targets the aspect collects candidates from (Go: `embed`; others: `deps`).",
        ),
        "full_bundle": attr.label(
            mandatory = True,
            doc = "`@<repo>//:test_optimization_files`, used when no module group matches.",
        ),
        "groups": attr.label_list(doc = "Every `@<repo>//:module_<label>` of the selected service."),
        "labels": attr.string_list(doc = "The selected service's `topt_data[\"labels\"]`."),
        "language": attr.string(mandatory = True, doc = "go, python, java, nodejs, dotnet or ruby."),
        "module_included": attr.string(doc = "`true`, `false` or empty when the export has no such key."),
        "module_label_override": attr.string(doc = "Label to select verbatim (not sanitised)."),
        "module_path": attr.string(doc = "`topt_data[\"runtimes\"][<language>][\"module_path\"]`."),
        "selection_attrs": attr.string(doc = "JSON object of the macro's selection attributes."),
        "service_name": attr.string(doc = "The synced service (dd-java-agent reports it as the module)."),
        "configurable": attr.string_list(doc = "Selection attributes given as a select(), in `attr_<name>`."),
    }
    for name in CONFIGURABLE_STRINGS:
        attrs["attr_" + name] = attr.string(doc = "`%s` when the caller gave a select() (resolved by Bazel)." % name)
    for name in CONFIGURABLE_LISTS:
        attrs["attr_" + name] = attr.string_list(doc = "`%s` when the caller gave a select() (resolved by Bazel)." % name)
    return attrs

def payloads_selector(aspect_, language):
    """Makes the payloads selector rule of one language.

    Assign the result to a top-level name of a .bzl file (Bazel names rules after it).

    Args:
      aspect_: the language's candidate aspect, applied to the selector's `deps`.
      language: the language, for the rule's doc.

    Returns:
      A rule.
    """
    return rule(
        implementation = _selector_impl,
        attrs = _selector_attrs(aspect_),
        doc = "Selects the module payload files of one dd_topt_%s_test target (docs/bazel.md, \"Module selection\")." % language,
    )

topt_python_payloads_selector = payloads_selector(topt_python_candidates_aspect, "py")
topt_java_payloads_selector = payloads_selector(topt_java_candidates_aspect, "java")
topt_nodejs_payloads_selector = payloads_selector(topt_nodejs_candidates_aspect, "nodejs")
topt_dotnet_payloads_selector = payloads_selector(topt_dotnet_candidates_aspect, "dotnet")
topt_ruby_payloads_selector = payloads_selector(topt_ruby_candidates_aspect, "ruby")
