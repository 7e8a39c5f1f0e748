"""Bzlmod entry point: the sync module extensions (docs/bazel.md, "Bzlmod").

`test_optimization_sync_extension` (tag `test_optimization_sync`) and
`test_optimization_multi_sync_extension` (tag `test_optimization_multi_sync`). Parameters:
docs/bazel-reference.md.
"""

load(
    "//bazel/private:extensions.bzl",
    _test_optimization_multi_sync_extension = "test_optimization_multi_sync_extension",
    _test_optimization_sync_extension = "test_optimization_sync_extension",
)

test_optimization_sync_extension = _test_optimization_sync_extension
test_optimization_multi_sync_extension = _test_optimization_multi_sync_extension
