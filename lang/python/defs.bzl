"""Public API of the topt Python companion: `dd_topt_py_test` (docs/bazel.md, "Python"; parameters: docs/bazel-reference.md)."""

load("//lang/python/private:py_test.bzl", _dd_topt_py_test = "dd_topt_py_test")

dd_topt_py_test = _dd_topt_py_test
