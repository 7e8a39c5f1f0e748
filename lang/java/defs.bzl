"""Public API of the topt Java companion: `dd_topt_java_test` (docs/bazel.md, "Java"; parameters: docs/bazel-reference.md)."""

load("//lang/java/private:java_test.bzl", _dd_topt_java_test = "dd_topt_java_test")

dd_topt_java_test = _dd_topt_java_test
