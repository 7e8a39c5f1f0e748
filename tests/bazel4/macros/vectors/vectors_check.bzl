"""Runs the shared vectors through the real selection and label code under a real Bazel.

Only cases without an expected error: fail() cannot be caught in Starlark (the error path is
checked by //bad:bad_test instead). Strings reach Bazel as one character per UTF-8 byte, so this
also checks the byte semantics of the sanitiser's hash (e.g. "日本" -> module_328851).
"""

load("@dd_topt//bazel/private:labels.bzl", "dedup_keys", "label_map", "sanitize_label_fragment")  # buildifier: disable=bzl-visibility
load("@dd_topt//bazel/private:selection.bzl", "select_module")  # buildifier: disable=bzl-visibility
load(":vectors.bzl", "DEDUP", "LABEL_MAP", "SANITIZE", "SELECTION")

def check_vectors(name):
    """Fails loading on any mismatch; declares `name`, a file with the number of cases run.

    Args:
      name: target name.
    """
    failures = []
    count = 0
    for case in SELECTION:
        expect = case["expect"]
        if "error_contains" in expect:
            continue
        request = {k: v for k, v in case.items() if k not in ("name", "expect")}
        got = select_module(request)
        for key, value in expect.items():
            if got.get(key) != value:
                failures.append("%s: %s = %r, want %r" % (case["name"], key, got.get(key), value))
        count += 1
    for case in SANITIZE:
        got = sanitize_label_fragment(case["input"])
        if got != case["output"]:
            failures.append("sanitize(%r) = %r, want %r" % (case["input"], got, case["output"]))
        count += 1
    for case in DEDUP:
        got = dedup_keys(case["input"])
        if got != case["output"]:
            failures.append("dedup_keys(%r) = %r, want %r" % (case["input"], got, case["output"]))
        count += 1
    for case in LABEL_MAP:
        got = label_map(case["known_tests"], case["test_management"], case["flaky_tests"])
        if got != case["labels"]:
            failures.append("label_map %s = %r, want %r" % (case["name"], got, case["labels"]))
        count += 1
    if failures:
        fail("shared vectors failed under this Bazel:\n" + "\n".join(failures))
    native.genrule(
        name = name,
        outs = [name + ".txt"],
        cmd = "echo %d > $@" % count,
    )
