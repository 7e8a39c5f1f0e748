"""WORKSPACE mode, libtopt with rules_rust, third step (docs/bazel.md, "Where libtopt and topt come from").

Load it after `topt_rust_dependencies()` (@topt//bazel:rust_dependencies.bzl) declared `@topt_crates`.
"""

load("//bazel/private:crate_repositories.bzl", _topt_crate_repositories = "topt_crate_repositories")

topt_crate_repositories = _topt_crate_repositories
