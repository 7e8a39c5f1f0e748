"""Public API of the topt core rules: the doctor and uploader `bazel run` targets.

Usage (BUILD.bazel at the workspace root):

```starlark
load("@topt//bazel:defs.bzl", "dd_test_optimization_targets")

dd_test_optimization_targets(
    expected_targets = ["//svc/api:api_test"],
)
```

Then, after `bazel test //...`:

```sh
bazel run //:dd_test_optimization_doctor
bazel run //:dd_upload_payloads -- --dry-run --validate-enrichment
bazel run //:dd_upload_payloads
```

Full attribute documentation: bazel/private/post_test.bzl.
"""

load(
    "//bazel/private:post_test.bzl",
    _dd_payload_uploader = "dd_payload_uploader",
    _dd_test_optimization_doctor = "dd_test_optimization_doctor",
    _dd_test_optimization_targets = "dd_test_optimization_targets",
)

dd_test_optimization_doctor = _dd_test_optimization_doctor
dd_payload_uploader = _dd_payload_uploader
dd_test_optimization_targets = _dd_test_optimization_targets
