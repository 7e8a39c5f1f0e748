"""Stand-in for the repository rules and macros a WORKSPACE file loads, in the harness.

Every @bazel_tools repository .bzl, rules_rust's repositories and crate_universe files and the
generated @topt_crates//:defs.bzl resolve here (harness.STUBS); each call is recorded under its own
name, so a test sees which repositories a WORKSPACE file (or topt's WORKSPACE macros) declares.
"""

def _recorder(kind):
    def _record(**kwargs):
        _record_call(kind, kwargs)

    return _record

http_archive = _recorder("http_archive")
crates_repository = _recorder("crates_repository")
cargo_bootstrap_repository = _recorder("cargo_bootstrap_repository")

def maybe(repo_rule, name, **kwargs):
    repo_rule(name = name, **kwargs)

def rules_rust_dependencies():
    _record_call("rules_rust_dependencies", {})

def crate_universe_dependencies():
    _record_call("crate_universe_dependencies", {})

def rust_register_toolchains(**kwargs):
    _record_call("rust_register_toolchains", kwargs)

def crate_repositories():
    _record_call("crate_repositories", {})
