"""Every function's arguments and results cross the boundary intact (text, bytes with NUL and
high bytes, JSON both ways, enums); test_errors.py covers the error paths."""

import os

import pytest

import topt
from conftest import payload_config

CART = "github.com/acme/checkout/pkg/cart"


def test_labels():
    assert topt.sanitize_label(CART) == "github_com_acme_checkout_pkg_cart"
    assert topt.sanitize_label("café/模块") == "caf"  # UTF-8 in
    assert topt.dedup_labels(["a", "a", "b", "a"]) == ["a", "a_2", "b", "a_3"]
    assert topt.dedup_labels([]) == []
    assert topt.label_map([CART], flaky_tests=["x.y"]) == {CART: "github_com_acme_checkout_pkg_cart", "x.y": "x_y"}


def test_select_module():
    request = {"language": "go", "labels": ["github_com_acme_checkout_pkg_cart"], "attrs": {"importpath": CART}}
    got = topt.select_module(request)
    assert (got["group"], got["identifier"], got["identifier_source"]) == (
        "module_github_com_acme_checkout_pkg_cart", CART, "explicit")
    request["attrs"]["importpath"] = "github.com/acme/other"
    with pytest.raises(topt.ToptError) as e:
        topt.select_module(request)
    assert e.value.code is topt.Status.INVALID_ARGUMENT and "github_com_acme_checkout_pkg_cart" in e.value.message


@pytest.mark.parametrize(
    "kind, fmt, data, want",
    [
        (topt.PayloadKind.TESTS, topt.PayloadFormat.JSON, '{"version":1,"n":"é"}', b'{"version":1,"n":"\xc3\xa9"}'),
        (topt.PayloadKind.COVERAGE, topt.PayloadFormat.JSON, b"{}", b"{}"),
        (topt.PayloadKind.TELEMETRY, topt.PayloadFormat.MSGPACK, bytes.fromhex("81a16100"), b'{"a":0}'),
        (topt.PayloadKind.TESTS, topt.PayloadFormat.MSGPACK, bytes.fromhex("81a162c402ff00"), b'{"b":"/wA="}'),
    ],
)
def test_write_payload(tmp_path, kind, fmt, data, want):
    with topt.Context(**payload_config(tmp_path)) as ctx:
        path = ctx.write_payload(kind, data, fmt)
    assert os.path.dirname(path) == str(tmp_path / "payloads" / kind.label)
    with open(path, "rb") as f:
        assert f.read() == want


def test_status_names():
    assert topt._errors.status_name(topt.Status.NOT_FOUND) == "NOT_FOUND"
    assert topt._errors.status_name(12345) == "UNKNOWN"


def test_enums_print_as_their_labels():
    source = topt.Source.MODULE_FILE
    read = topt.CacheRead(b"{}", source)
    assert (str(read.source), f"{read.source}", f"{source:>12}") == ("module_file", "module_file", " module_file")
    assert repr(source) == "<Source.MODULE_FILE: 2>" and source == 2
    assert [str(k) for k in topt.PayloadKind] == ["tests", "coverage", "telemetry"]
