"""rules_rust for libtopt in WORKSPACE mode: the first of three steps (docs/bazel.md, "Where libtopt and topt come from").

Bazel evaluates only the main workspace's WORKSPACE file, never the WORKSPACE.bazel of a repository
it depends on, so a workspace that builds libtopt with rules_rust declares what topt's own
WORKSPACE.bazel declares. That takes three steps, because a WORKSPACE file can load a .bzl file only
from a repository declared before the load:

1. `topt_rust_repositories()` (@topt//bazel:repositories.bzl): rules_rust;
2. `topt_rust_dependencies()` (@topt//bazel:rust_dependencies.bzl, loads rules_rust): rules_rust's
   and crate_universe's dependencies and `@topt_crates`, topt's crates;
3. `topt_crate_repositories()` (@topt//bazel:crate_repositories.bzl, loads `@topt_crates`): one
   repository per crate.

The Rust toolchain is yours to register (`rust_register_toolchains` in the guide). topt's
WORKSPACE.bazel runs the same three steps.
"""

load("@bazel_tools//tools/build_defs/repo:http.bzl", "http_archive")
load("@bazel_tools//tools/build_defs/repo:utils.bzl", "maybe")

# rules_rust 0.6.0's release archive: rules_rust itself, and the sources of its crate_universe
# generator (rust_dependencies.bzl).
RULES_RUST_ARCHIVE = struct(
    sha256 = "872b04538ca20dad94791c348623f079ba93daf274c1d57ae6bfe0930ec77f0d",
    urls = [
        "https://mirror.bazel.build/github.com/bazelbuild/rules_rust/releases/download/0.6.0/rules_rust-v0.6.0.tar.gz",
        "https://github.com/bazelbuild/rules_rust/releases/download/0.6.0/rules_rust-v0.6.0.tar.gz",
    ],
)

def topt_rust_repositories():
    """Declares rules_rust 0.6.0, the last release for Bazel 4, and bazel_skylib, unless declared before.

    bazel_skylib is the one rules_rust 0.6.0 asks for (1.2.0): step 2 loads crate_universe, which
    needs it before `rules_rust_dependencies()` could declare it.
    """
    maybe(
        http_archive,
        name = "rules_rust",
        sha256 = RULES_RUST_ARCHIVE.sha256,
        urls = RULES_RUST_ARCHIVE.urls,
    )
    maybe(
        http_archive,
        name = "bazel_skylib",
        sha256 = "af87959afe497dc8dfd4c6cb66e1279cb98ccc84284619ebfec27d9c09a903de",
        urls = [
            "https://github.com/bazelbuild/bazel-skylib/releases/download/1.2.0/bazel-skylib-1.2.0.tar.gz",
            "https://mirror.bazel.build/github.com/bazelbuild/bazel-skylib/releases/download/1.2.0/bazel-skylib-1.2.0.tar.gz",
        ],
    )
