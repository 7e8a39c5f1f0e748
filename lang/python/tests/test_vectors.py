"""testdata/vectors/context.json through the binding: every topt_Config field in, every topt_Info
field, cache source and rlocation result out. The other vector files exercise only libtopt's own
logic (Rust and the C test run them); test_marshalling.py covers their functions' marshalling."""

import pytest

import topt
from conftest import vectors

CONTEXT = vectors("context.json")


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
        if key.endswith("_diagnostic_contains"):
            diag = getattr(info, key.removesuffix("_contains"))
            assert value in (diag or ""), f"{key}: {diag!r}"
        elif key == "runfiles_mode":
            assert info.runfiles_mode.label == value
        else:
            assert getattr(info, key) == (sub(value) if isinstance(value, str) else value), key


def _expect_error(name, call, *args):
    with pytest.raises(topt.ToptError) as e:
        call(*args)
    assert e.value.name == name
    return e.value


@pytest.mark.parametrize("case", CONTEXT["cases"], ids=[c["name"] for c in CONTEXT["cases"]])
def test_context(case, tmp_path):
    if "context_error" in case:
        err = _expect_error(case["context_error"]["code"], _open_case, case, tmp_path)
        assert case["context_error"]["message_contains"] in err.message
        return
    ctx, sub = _open_case(case, tmp_path)
    with ctx:
        if "info" in case:
            _check_info(ctx, case["info"], sub)
        for r in case.get("rlocation", []):
            if "error" in r:
                _expect_error(r["error"], ctx.rlocation, r["path"])
            else:
                assert ctx.rlocation(r["path"]) == sub(r["expect"]), r
        for c in case.get("cache", []):
            file = topt.CacheFile[c["file"].upper()]
            if "error" in c:
                _expect_error(c["error"], ctx.read_cache, file, c.get("module"))
            else:
                data, source = ctx.read_cache(file, c.get("module"))
                assert (source.label, data) == (c["source"], c["text"].encode()), c
