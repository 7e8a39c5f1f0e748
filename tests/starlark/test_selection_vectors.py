"""Every case of testdata/vectors/selection.json and labels.json through the Starlark code.

Each selection case runs twice: through selection.bzl's pure `select_module` (the request as
written), and end to end through the case's language macro: the real `dd_topt_<lang>_test` is
called with the case's attributes, and the selector call it declares is analysed the way the
selector rule's implementation does it (with the case's aspect candidates).
"""

import pytest

import harness as h
import macro_driver as md

SELECTION = h.vectors("selection.json")["cases"]
# Through the macros, a select() for a string-valued attribute reaches the selection resolved by
# Bazel: cases that give one are checked by bazel_cases there instead.
MACRO_CASES = [c for c in SELECTION if not any(isinstance(v, dict) and "select" in v and k != "main"
                                               for k, v in (c.get("attrs") or {}).items())]
MACRO_CASES += h.vectors("selection.json")["bazel_cases"]
LABELS = h.vectors("labels.json")


def _check(result, expect):
    for key, value in expect.items():
        assert result.get(key) == value, f"{key}: got {result.get(key)!r}, want {value!r}"


@pytest.mark.parametrize("case", SELECTION, ids=[c["name"] for c in SELECTION])
def test_select_module(case):
    sel = h.load(h.ROOT / "bazel/private/selection.bzl")
    request = {k: v for k, v in case.items() if k not in ("name", "expect")}
    expect = case["expect"]
    if "error_contains" in expect:
        md.expect_error(lambda: h.call(sel, "select_module", request), expect["error_contains"])
    else:
        _check(h.call(sel, "select_module", request), expect)


@pytest.mark.parametrize("case", MACRO_CASES, ids=[c["name"] for c in MACRO_CASES])
def test_macro_selection(case):
    language = case["language"]
    name, context = md.name_and_context(case)
    package = case.get("bazel_package", "")
    expect = dict(case["expect"])
    kwargs = md.macro_kwargs_for(case)

    def run():
        declared = md.run_macro(language, name, package, **kwargs)
        selector = declared["selector"]
        assert selector is not None, f"no selector among {[c.get('name') for c in declared['calls']]}"
        return md.analyse_selector(selector, case.get("dep_candidates", []))

    if "error_contains" in expect:
        needle = expect["error_contains"]
        if context:
            needle = needle.replace(context, "//%s:%s" % (package, name))
        md.expect_error(run, needle)
    else:
        _check(run(), expect)


@pytest.mark.parametrize("case", LABELS["sanitize"], ids=[repr(c["input"]) for c in LABELS["sanitize"]])
def test_sanitize(case):
    labels = h.load(h.ROOT / "bazel/private/labels.bzl")
    assert h.call(labels, "sanitize_label_fragment", case["input"]) == case["output"]


@pytest.mark.parametrize("case", LABELS["dedup"], ids=[repr(c["input"]) for c in LABELS["dedup"]])
def test_dedup(case):
    labels = h.load(h.ROOT / "bazel/private/labels.bzl")
    assert h.call(labels, "dedup_keys", case["input"]) == case["output"]


@pytest.mark.parametrize("case", LABELS["label_map"], ids=[c["name"] for c in LABELS["label_map"]])
def test_label_map(case):
    labels = h.load(h.ROOT / "bazel/private/labels.bzl")
    got = h.call(labels, "label_map", case["known_tests"], case["test_management"], case["flaky_tests"])
    assert got == case["labels"]


# Cases about topt_data["labels"] do not depend on the language: run them through all six macros.
LABEL_CASES = [c for c in SELECTION if c["name"].startswith("labels:")]


@pytest.mark.parametrize("case", LABEL_CASES, ids=[c["name"] for c in LABEL_CASES])
@pytest.mark.parametrize("language", list(md.MACROS))
def test_label_validation_in_every_macro(case, language):
    case = dict(case, language=language, attrs={})
    expect = case["expect"]
    kwargs = md.macro_kwargs_for(case)

    def run():
        declared = md.run_macro(language, "t", "", **kwargs)
        return md.analyse_selector(declared["selector"], [])

    if "error_contains" in expect:
        md.expect_error(run, expect["error_contains"])
    else:
        assert run()["group"] is None
