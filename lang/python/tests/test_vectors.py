"""The shared conformance vectors (testdata/vectors/*.json) driven through the binding, with the
semantics of the Rust reference harness (crates/topt-core/tests/vectors_*.rs)."""

import os
import re

import pytest

import topt
from conftest import count_vector, payload_config, vectors

LABELS = vectors("labels.json")
SELECTION = vectors("selection.json")
CONTEXT = vectors("context.json")
PAYLOADS = vectors("payloads.json")


def ids(cases):
    return [c.get("name") or str(c.get("input")) for c in cases]


@pytest.mark.parametrize("case", LABELS["sanitize"], ids=ids(LABELS["sanitize"]))
def test_sanitize(case):
    count_vector("labels.json")
    assert topt.sanitize_label(case["input"]) == case["output"]


@pytest.mark.parametrize("case", LABELS["dedup"], ids=ids(LABELS["dedup"]))
def test_dedup(case):
    count_vector("labels.json")
    assert topt.dedup_labels(case["input"]) == case["output"]


@pytest.mark.parametrize("case", LABELS["label_map"], ids=ids(LABELS["label_map"]))
def test_label_map(case):
    count_vector("labels.json")
    got = topt.label_map(case["known_tests"], case["test_management"], case["flaky_tests"])
    assert got == case["labels"]


@pytest.mark.parametrize("case", SELECTION["cases"], ids=ids(SELECTION["cases"]))
def test_selection(case):
    count_vector("selection.json")
    request = {k: v for k, v in case.items() if k not in ("name", "expect")}
    expect = case["expect"]
    if "error_contains" in expect:
        with pytest.raises(topt.ToptError) as e:
            topt.select_module(request)
        assert expect["error_contains"] in e.value.message
        return
    got = topt.select_module(request)
    for key, want in expect.items():
        assert got.get(key) == want, f"{key} in {got}"


def _open_case(case, root):
    sub = lambda s: s.replace("${F}", str(root))  # noqa: E731
    for rel, content in case["files"].items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(sub(content).encode())
    fields = CONTEXT["config_fields"]
    assert set(case["config"]) <= set(fields), "unknown config field"
    # Every field explicitly ("" when absent) so the process environment never leaks in.
    return topt.Context(**{f: sub(case["config"].get(f, "")) for f in fields}), sub


def _check_info(ctx, want, sub):
    info = ctx.info()
    for key, value in want.items():
        if key in ("manifest_diagnostic_contains", "payloads_diagnostic_contains"):
            diag = info.manifest_diagnostic if key.startswith("manifest") else info.payloads_diagnostic
            assert value in (diag or ""), f"{key}: {diag!r}"
            continue
        if key == "runfiles_mode":
            got = info.runfiles_mode.label
        elif key in ("manifest_enabled", "payloads_enabled", "manifest_version", "manifest_path", "payloads_dir"):
            got = getattr(info, key)
        else:
            raise AssertionError(f"unknown info key {key}")
        assert got == (sub(value) if isinstance(value, str) else value), key


@pytest.mark.parametrize("case", CONTEXT["cases"], ids=ids(CONTEXT["cases"]))
def test_context(case, tmp_path):
    count_vector("context.json")
    if "context_error" in case:
        want = case["context_error"]
        with pytest.raises(topt.ToptError) as e:
            _open_case(case, tmp_path)
        assert e.value.name == want["code"]
        assert want["message_contains"] in e.value.message
        return
    ctx, sub = _open_case(case, tmp_path)
    with ctx:
        if "info" in case:
            _check_info(ctx, case["info"], sub)
        for r in case.get("rlocation", []):
            if "error" in r:
                with pytest.raises(topt.ToptError) as e:
                    ctx.rlocation(r["path"])
                assert e.value.name == r["error"], r
            else:
                assert ctx.rlocation(r["path"]) == sub(r["expect"]), r
        for c in case.get("cache", []):
            file = topt.CacheFile[c["file"].upper()]
            if "error" in c:
                with pytest.raises(topt.ToptError) as e:
                    ctx.read_cache(file, c.get("module"))
                assert e.value.name == c["error"], c
            else:
                data, source = ctx.read_cache(file, c.get("module"))
                assert (source.label, data) == (c["source"], c["text"].encode()), c


@pytest.mark.parametrize("case", PAYLOADS["cases"], ids=ids(PAYLOADS["cases"]))
def test_payload(case, tmp_path):
    count_vector("payloads.json")
    kind = topt.PayloadKind[case["kind"].upper()]
    fmt = topt.PayloadFormat[case["format"].upper()]
    data = bytes.fromhex(case["input_hex"]) if "input_hex" in case else case["input"].encode()
    with topt.Context(**payload_config(tmp_path)) as ctx:
        if "error" in case:
            with pytest.raises(topt.ToptError) as e:
                ctx.write_payload(kind, data, fmt)
            result = e.value.name
        else:
            result = ctx.write_payload(kind, data, fmt)
    kind_dir = tmp_path / "payloads" / case["kind"]
    files = sorted(os.listdir(kind_dir)) if kind_dir.exists() else []
    if "error" in case:
        assert (result, files) == (case["error"], [])
        return
    assert len(files) == 1, files
    assert re.match(PAYLOADS["name_pattern"], files[0]) and files[0].startswith(case["kind"])
    assert os.path.dirname(result) == str(kind_dir)
    with open(result, "rb") as f:
        assert f.read() == case["output"].encode()


def test_every_vector_case_ran():
    """Runs last in this file: each file's cases all ran (none skipped or deselected)."""
    expected = {
        "labels.json": sum(len(LABELS[k]) for k in ("sanitize", "dedup", "label_map")),
        "selection.json": len(SELECTION["cases"]),
        "context.json": len(CONTEXT["cases"]),
        "payloads.json": len(PAYLOADS["cases"]),
    }
    from conftest import VECTOR_COUNTS

    assert all(expected.values())
    assert VECTOR_COUNTS == expected
