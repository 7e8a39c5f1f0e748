"""The payloads selector (`<name>_topt_payloads`) and the dependency-candidate aspects.

The selector runs `select_module` (selection.bzl) at analysis time, once the aspect has collected
module identifier candidates from the test's dependencies, and exposes the chosen module group (or
the full bundle) as files and runfiles. It adds runfiles symlinks so that `known_tests.json`,
`test_management.json` and `flaky_tests.json` of the chosen module sit at their canonical paths
`<repo>/<out_dir>/cache/http/<file>` next to `settings.json` (spec §1.7.4; topt also re-points
`flaky_tests.json`, which the reference implementation does not).
"""

load(":providers.bzl", "ToptCandidatesInfo", "ToptSelectionInfo")
load(":selection.bzl", "select_module")

_MAX_CANDIDATES = 64

CANONICAL_FILES = ["known_tests.json", "test_management.json", "flaky_tests.json"]

# Attributes of the selector rule that form the selection request (besides the candidates).
REQUEST_ATTRS = [
    "language",
    "labels",
    "module_included",
    "module_path",
    "bazel_package",
    "module_label_override",
    "selection_attrs",
    "context",
]

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
    return {
        "language": attrs.get("language"),
        "labels": list(attrs.get("labels") or []),
        "module_included": None if included == "" else included == "true",
        "module_path": attrs.get("module_path") or "",
        "bazel_package": attrs.get("bazel_package") or "",
        "module_label_override": attrs.get("module_label_override") or None,
        "attrs": json.decode(attrs.get("selection_attrs") or "{}"),
        "dep_candidates": list(dep_candidates),
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
    """Runfiles root symlinks placing module files at their canonical paths (spec §1.7.4).

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

def _strings(rule_attr, names):
    out = []
    for name in names:
        value = getattr(rule_attr, name, None)
        if type(value) == "string":
            out.append(value)
        elif type(value) == "list":
            out.extend([v for v in value if type(v) == "string"])
    return out

def _from_deps(rule_attr, names):
    out = []
    for name in names:
        value = getattr(rule_attr, name, None)
        if type(value) != "list":
            continue
        for dep in value:
            if type(dep) == "Target" and ToptCandidatesInfo in dep:
                out.extend(dep[ToptCandidatesInfo].candidates)
    return out

def _candidates_info(values):
    return [ToptCandidatesInfo(candidates = _cap(values))]

def _go_aspect_impl(_target, ctx):
    # First non-empty of: the importpath attribute, then the first found through embed, then deps.
    for value in _strings(ctx.rule.attr, ["importpath"]) + _from_deps(ctx.rule.attr, ["embed"]) + _from_deps(ctx.rule.attr, ["deps"]):
        if value:
            return _candidates_info([value])
    return _candidates_info([])

def _python_aspect_impl(_target, ctx):
    a = ctx.rule.attr
    return _candidates_info(_strings(a, ["imports"]) + _from_deps(a, ["deps"]) + _strings(a, ["importpath", "module_path"]))

def _java_aspect_impl(_target, ctx):
    a = ctx.rule.attr
    return _candidates_info(_from_deps(a, ["deps"]) + _strings(a, ["java_package", "package"]))

def _nodejs_aspect_impl(_target, ctx):
    a = ctx.rule.attr
    return _candidates_info(_strings(a, ["package_name", "module_name", "npm_package", "entry_point"]) + _from_deps(a, ["deps"]))

def _dotnet_aspect_impl(_target, ctx):
    a = ctx.rule.attr
    return _candidates_info(_strings(a, ["root_namespace", "assembly_name", "project_name", "test_class"]) + _from_deps(a, ["deps"]))

def _ruby_aspect_impl(_target, ctx):
    a = ctx.rule.attr
    return _candidates_info(_strings(a, ["require_path", "gem_name", "library_name", "main"]) + _from_deps(a, ["deps"]))

_ASPECT_DOC = "Collects module identifier candidates along `deps` for dd_topt_{}_test (spec §5.3)."

topt_go_candidates_aspect = aspect(
    implementation = _go_aspect_impl,
    attr_aspects = ["embed", "deps"],
    doc = _ASPECT_DOC.format("go"),
)
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
    return {
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
    }

_SELECTOR_DOC = "Selects the module payload files of one dd_topt_{}_test target (spec §5.6)."

topt_go_payloads_selector = rule(
    implementation = _selector_impl,
    attrs = _selector_attrs(topt_go_candidates_aspect),
    doc = _SELECTOR_DOC.format("go"),
)
topt_python_payloads_selector = rule(
    implementation = _selector_impl,
    attrs = _selector_attrs(topt_python_candidates_aspect),
    doc = _SELECTOR_DOC.format("py"),
)
topt_java_payloads_selector = rule(
    implementation = _selector_impl,
    attrs = _selector_attrs(topt_java_candidates_aspect),
    doc = _SELECTOR_DOC.format("java"),
)
topt_nodejs_payloads_selector = rule(
    implementation = _selector_impl,
    attrs = _selector_attrs(topt_nodejs_candidates_aspect),
    doc = _SELECTOR_DOC.format("nodejs"),
)
topt_dotnet_payloads_selector = rule(
    implementation = _selector_impl,
    attrs = _selector_attrs(topt_dotnet_candidates_aspect),
    doc = _SELECTOR_DOC.format("dotnet"),
)
topt_ruby_payloads_selector = rule(
    implementation = _selector_impl,
    attrs = _selector_attrs(topt_ruby_candidates_aspect),
    doc = _SELECTOR_DOC.format("ruby"),
)

PAYLOADS_SELECTORS = {
    "go": topt_go_payloads_selector,
    "python": topt_python_payloads_selector,
    "java": topt_java_payloads_selector,
    "nodejs": topt_nodejs_payloads_selector,
    "dotnet": topt_dotnet_payloads_selector,
    "ruby": topt_ruby_payloads_selector,
}
