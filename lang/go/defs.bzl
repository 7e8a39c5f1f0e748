"""Public API of the topt Go companion: `dd_topt_go_test` (docs/bazel.md, "Go"; parameters: docs/bazel-reference.md)."""

load("//lang/go/private:go_test.bzl", _dd_topt_go_test = "dd_topt_go_test")

dd_topt_go_test = _dd_topt_go_test
