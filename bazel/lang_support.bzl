"""Building blocks for language companions (lang/<x>/private/): the shared test macro machinery.

Not a user API: users load `@topt//lang/<x>:defs.bzl`. This file exists so that files outside
//bazel do not load //bazel/private directly (buildifier's bzl-visibility rule).
"""

load("//bazel/private:test_macro.bzl", _topt_test = "topt_test")

topt_test = _topt_test
