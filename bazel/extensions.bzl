"""Bzlmod entry point: the sync module extensions.

Usage (MODULE.bazel):

```starlark
bazel_dep(name = "topt", version = "0.1.0")

topt_sync = use_extension("@topt//bazel:extensions.bzl", "test_optimization_sync_extension")
topt_sync.test_optimization_sync(
    name = "test_optimization_data",
    service = "checkout-api",
    runtime_name = "python",
)
use_repo(topt_sync, "test_optimization_data")
```

Then `load("@test_optimization_data//:export.bzl", "topt_data")` in BUILD files. Full attribute
documentation: bazel/private/extensions.bzl and bazel/private/sync.bzl (`SYNC_ATTRS`).
"""

load(
    "//bazel/private:extensions.bzl",
    _test_optimization_multi_sync_extension = "test_optimization_multi_sync_extension",
    _test_optimization_sync_extension = "test_optimization_sync_extension",
)

test_optimization_sync_extension = _test_optimization_sync_extension
test_optimization_multi_sync_extension = _test_optimization_multi_sync_extension
