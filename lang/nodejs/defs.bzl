"""Public API of the topt Node.js companion: `dd_topt_nodejs_test` (docs/bazel.md, "Node.js"; parameters: docs/bazel-reference.md)."""

load("//lang/nodejs/private:nodejs_test.bzl", _dd_topt_nodejs_test = "dd_topt_nodejs_test")

dd_topt_nodejs_test = _dd_topt_nodejs_test
