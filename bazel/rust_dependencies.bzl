"""WORKSPACE mode, libtopt with rules_rust, second step (docs/bazel.md, "Where libtopt and topt come from").

Load it after `topt_rust_repositories()` (@topt//bazel:repositories.bzl) declared rules_rust.
Parameters: docs/bazel-reference.md.
"""

load("//bazel/private:rust_dependencies.bzl", _topt_rust_dependencies = "topt_rust_dependencies")

topt_rust_dependencies = _topt_rust_dependencies
