"""WORKSPACE-mode entry point: the repository rules without bzlmod (docs/bazel.md, "Walk-through: a first workspace").

`topt_binary` provides the topt CLI and libtopt; `test_optimization_sync` runs `topt sync` once per
fetch; `test_optimization_multi_sync` does so for several services; `topt_rust_repositories` is the
first step towards libtopt built by rules_rust (then rust_dependencies.bzl, crate_repositories.bzl).
Parameters: docs/bazel-reference.md.
"""

load("//bazel/private:rust_repositories.bzl", _topt_rust_repositories = "topt_rust_repositories")
load(
    "//bazel/private:sync.bzl",
    _test_optimization_multi_sync = "test_optimization_multi_sync",
    _test_optimization_sync = "test_optimization_sync",
    _topt_binary = "topt_binary",
)

test_optimization_sync = _test_optimization_sync
test_optimization_multi_sync = _test_optimization_multi_sync
topt_binary = _topt_binary
topt_rust_repositories = _topt_rust_repositories
