"""Public API of the topt core rules: the doctor and uploader `bazel run` targets.

`dd_test_optimization_targets` declares both (docs/bazel.md, "Doctor and uploader"); the rules
themselves are `dd_test_optimization_doctor` and `dd_payload_uploader`. Parameters:
docs/bazel-reference.md.
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
