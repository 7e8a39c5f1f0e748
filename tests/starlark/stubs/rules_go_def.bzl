"""Stand-in for @io_bazel_rules_go//go:def.bzl in the harness: only the provider the aspect reads."""

# buildifier: disable=name-conventions
GoArchive = provider(
    doc = "rules_go's compiled-archive provider (the aspect reads `data.importpath`, `data.pathtype`).",
    fields = ["data"],
)
