"""Public API of the topt Ruby companion: `dd_topt_ruby_test` (docs/bazel.md, "Ruby"; parameters: docs/bazel-reference.md)."""

load("//lang/ruby/private:ruby_test.bzl", _dd_topt_ruby_test = "dd_topt_ruby_test")

dd_topt_ruby_test = _dd_topt_ruby_test
