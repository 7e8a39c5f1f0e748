"""The Bazel target metadata sidecar `<name>_topt_bazel_metadata.json`.

Compact JSON with sorted keys: `bazel.package`, `bazel.target`, the sync repository, service and
runtime names, and for Go the selection outcome and the go_test attributes (docs/bazel.md, "Go").
The test wrapper copies it into the test outputs, where the doctor and the uploader read it.
"""

load(":providers.bzl", "ToptSelectionInfo")

def sorted_dict(d):
    """A copy of `d` with keys inserted in sorted order (json.encode then emits them sorted).

    Bazel's json.encode sorts keys itself; other interpreters keep insertion order.

    Args:
      d: a dict with string keys.

    Returns:
      A new dict.
    """
    return {k: d[k] for k in sorted(d.keys())}

def metadata_dict(package, name, repo_name, service_name, runtime_name, go = None, selection = None):
    """The content of the metadata sidecar.

    Args:
      package: the Bazel package of the test.
      name: the test target's name.
      repo_name: the selected service's `repo_name`.
      service_name: the selected `service_name`.
      runtime_name: go, python, java, nodejs, dotnet or ruby.
      go: for Go, a dict of the go_test kwargs recorded as `bazel.go.attr.*` plus
        `orchestrion_enabled`; None for other languages.
      selection: for Go, the selection dict (`identifier`, `identifier_source`, `payload_selection`).

    Returns:
      A dict with sorted keys.
    """
    d = {
        "bazel.package": "//" + package,
        "bazel.target": "//%s:%s" % (package, name),
        "bazel.test_optimization.repo_name": repo_name,
        "bazel.test_optimization.service_name": service_name,
        "bazel.test_optimization.runtime_name": runtime_name,
    }
    if go != None:
        selection = selection or {}
        d["bazel.go.importpath"] = selection.get("identifier", "")
        d["bazel.go.importpath_source"] = selection.get("identifier_source", "empty")
        d["bazel.go.payload_selection"] = selection.get("payload_selection", "full_bundle_disabled")
        d["bazel.go.orchestrion.enabled"] = bool(go.get("orchestrion_enabled", False))
        d["bazel.go.attr.cgo"] = bool(go.get("cgo", False))
        for key in ("pure", "race", "msan", "linkmode"):
            d["bazel.go.attr." + key] = go.get(key) or "auto"
        for key in ("goos", "goarch"):
            if go.get(key):
                d["bazel.go.attr." + key] = go[key]
    return sorted_dict(d)

def _metadata_impl(ctx):
    selection = None
    go = None
    if ctx.attr.runtime_name == "go":
        info = ctx.attr.selector[ToptSelectionInfo]
        selection = {
            "identifier": info.identifier,
            "identifier_source": info.identifier_source,
            "payload_selection": info.payload_selection,
        }
        go = json.decode(ctx.attr.go_attrs or "{}")
    content = metadata_dict(
        package = ctx.attr.package,
        name = ctx.attr.target_name,
        repo_name = ctx.attr.repo_name,
        service_name = ctx.attr.service_name,
        runtime_name = ctx.attr.runtime_name,
        go = go,
        selection = selection,
    )
    out = ctx.actions.declare_file(ctx.label.name + ".json")
    ctx.actions.write(out, json.encode(content) + "\n")
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

topt_bazel_metadata = rule(
    implementation = _metadata_impl,
    doc = "Writes `<name>.json`, the Bazel target metadata sidecar of one test.",
    attrs = {
        "go_attrs": attr.string(doc = "Go only: JSON object of cgo/pure/race/msan/linkmode/goos/goarch and orchestrion_enabled."),
        "package": attr.string(doc = "Package of the test target."),
        "repo_name": attr.string(doc = "The selected service's sync repository name."),
        "runtime_name": attr.string(mandatory = True, doc = "go, python, java, nodejs, dotnet or ruby."),
        "selector": attr.label(providers = [ToptSelectionInfo], doc = "The test's payloads selector."),
        "service_name": attr.string(doc = "The selected service name."),
        "target_name": attr.string(mandatory = True, doc = "Name of the public test target."),
    },
)
