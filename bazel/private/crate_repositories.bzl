"""rules_rust for libtopt in WORKSPACE mode, third step: one repository per crate of `@topt_crates`.

See rust_repositories.bzl for the three steps.
"""

load("@topt_crates//:defs.bzl", "crate_repositories")

def topt_crate_repositories():
    """Declares the repository of every crate `@topt_crates` lists (each a download from static.crates.io).
    """
    crate_repositories()
