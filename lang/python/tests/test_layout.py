"""The generated ctypes layer against include/topt.abi.json (whose layouts `cargo xtask header`
checks against the C compiler), and the idiomatic enums against the ABI's."""

import ctypes
import json
import pathlib

import pytest

import topt
from topt import _raw

ABI = pathlib.Path(__file__).resolve().parents[3] / "include" / "topt.abi.json"


@pytest.fixture(scope="module")
def abi():
    if not ABI.exists():
        pytest.skip("not in the topt repository")
    return json.loads(ABI.read_text())


def test_struct_layouts_match_the_abi(abi):
    assert ctypes.sizeof(ctypes.c_void_p) == abi["data_model"]["pointer_size"]
    for s in abi["structs"]:
        cls = getattr(_raw, s["name"])
        assert ctypes.sizeof(cls) == s["size"], s["name"]
        assert [(f["name"], f["offset"]) for f in s["fields"]] == [(n, getattr(cls, n).offset) for n, _ in cls._fields_]


def test_every_abi_enum_member_is_exposed(abi):
    for e in abi["enums"]:
        cls = getattr(topt, e["name"].removeprefix("topt_"))
        assert {m["name"]: m["value"] for m in e["members"]} == {m.name: int(m) for m in cls}, cls
