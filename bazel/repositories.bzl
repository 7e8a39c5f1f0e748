"""WORKSPACE-mode entry point: the sync repository rules without bzlmod.

Usage (WORKSPACE):

```starlark
local_repository(name = "topt", path = "third_party/topt")  # or http_archive with a sha256

load("@topt//bazel:repositories.bzl", "test_optimization_sync", "topt_binary")

topt_binary(name = "topt_tool")  # pinned prebuilt (topt_urls + topt_sha256) or a cargo build

test_optimization_sync(
    name = "test_optimization_data",
    service = "checkout-api",
    runtime_name = "python",
    topt = "@topt_tool//:topt",
)
```

Attributes: bazel/private/sync.bzl (`SYNC_ATTRS`, `TOPT_BINARY_ATTRS`).
"""

load(
    "//bazel/private:sync.bzl",
    _multi_sync_repo_names = "multi_sync_repo_names",
    _test_optimization_aggregate = "test_optimization_aggregate",
    _test_optimization_sync = "test_optimization_sync",
    _topt_binary = "topt_binary",
)

test_optimization_sync = _test_optimization_sync
topt_binary = _topt_binary

def test_optimization_multi_sync(name, services, **kwargs):
    """One sync repository per service plus the aggregator `name` (spec §7).

    Args:
      name: aggregator repository name; service repositories are `<name>_<key>`, where `<key>` is
        the sanitised, de-duplicated service name.
      services: service names, in order (non-empty).
      **kwargs: attributes of `test_optimization_sync` for every service (`out_dir` defaults to
        `.testoptimization`), and `topt` / `topt_urls` / `topt_sha256` / `cargo_profile`.
    """
    binary = {k: kwargs[k] for k in ("topt", "topt_urls", "topt_sha256", "cargo_profile") if k in kwargs}
    for repo_name, service in _multi_sync_repo_names(name, services):
        _test_optimization_sync(name = repo_name, repo_name = repo_name, service = service, **kwargs)
    _test_optimization_aggregate(name = name, repo_name = name, services = services, **binary)
