"""Building blocks for language companions (lang/<x>/private/): the shared test macro machinery.

Not a user API: users load `@topt//lang/<x>:defs.bzl`. This file exists so that files outside
//bazel do not load //bazel/private directly (buildifier's bzl-visibility rule).
"""

load(
    "//bazel/private:payloads_selector.bzl",
    _attr_strings = "attr_strings",
    _candidates_info = "candidates_info",
    _dep_candidates = "dep_candidates",
    _payloads_selector = "payloads_selector",
    _topt_dotnet_payloads_selector = "topt_dotnet_payloads_selector",
    _topt_java_payloads_selector = "topt_java_payloads_selector",
    _topt_nodejs_payloads_selector = "topt_nodejs_payloads_selector",
    _topt_python_payloads_selector = "topt_python_payloads_selector",
    _topt_ruby_payloads_selector = "topt_ruby_payloads_selector",
)
load("//bazel/private:test_macro.bzl", _topt_test = "topt_test")

topt_test = _topt_test
payloads_selector = _payloads_selector
attr_strings = _attr_strings
candidates_info = _candidates_info
dep_candidates = _dep_candidates
topt_python_payloads_selector = _topt_python_payloads_selector
topt_java_payloads_selector = _topt_java_payloads_selector
topt_nodejs_payloads_selector = _topt_nodejs_payloads_selector
topt_dotnet_payloads_selector = _topt_dotnet_payloads_selector
topt_ruby_payloads_selector = _topt_ruby_payloads_selector
