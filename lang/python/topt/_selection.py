"""Module selection and label rules: the Bazel macros' logic, no context needed."""

from __future__ import annotations

import ctypes
import json
from typing import Any, Dict, Iterable, List, Union

from . import _raw
from ._context import c_string, take_bytes
from ._errors import check
from ._library import lib


def _json_call(fn, text):
    out = _raw.topt_Bytes()
    check(fn(c_string(text), ctypes.byref(out)))
    return take_bytes(out).decode()


def select_module(request: Union[Dict[str, Any], str, bytes]) -> Dict[str, Any]:
    """Picks the module group for a test target by the dd_topt_<lang>_test macros' rules.

    `request` is a selection request (a dict, or its JSON text; testdata/vectors/selection.json
    documents the shape). Returns the dict {"group", "label", "identifier",
    "identifier_source", "payload_selection", "include_per_module", "strict"}. A strict miss
    raises ToptError INVALID_ARGUMENT with the macros' message.
    """
    if not isinstance(request, (str, bytes)):
        request = json.dumps(request)
    return json.loads(_json_call(lib().topt_select_module, request))


def sanitize_label(name: str) -> str:
    """The label fragment of a module name ("github.com/a/b" -> "github_com_a_b")."""
    return _json_call(lib().topt_label_sanitize, name)


def dedup_labels(keys: Iterable[str]) -> List[str]:
    """De-duplicates keys in order (["a", "a"] -> ["a", "a_2"])."""
    return json.loads(_json_call(lib().topt_label_dedup, json.dumps(list(keys))))


def label_map(
    known_tests: Iterable[str] = (), test_management: Iterable[str] = (), flaky_tests: Iterable[str] = ()
) -> Dict[str, str]:
    """The label of every module over the union of the sources' module names."""
    sources = {
        "known_tests": list(known_tests),
        "test_management": list(test_management),
        "flaky_tests": list(flaky_tests),
    }
    return json.loads(_json_call(lib().topt_label_map, json.dumps(sources)))
