"""Calls a real dd_topt_<lang>_test macro in the Starlark harness and returns what it declared."""

from __future__ import annotations

import json

import pytest
import starlark as sl

import harness as h

MACROS = {
    "go": ("//lang/go:defs.bzl", "dd_topt_go_test", "go_test_rule = native.fake_test, "),
    "python": ("//lang/python:defs.bzl", "dd_topt_py_test", ""),
    "java": ("//lang/java:defs.bzl", "dd_topt_java_test", 'agent_jar = "//tools:dd-java-agent.jar", '),
    "nodejs": ("//lang/nodejs:defs.bzl", "dd_topt_nodejs_test", "nodejs_test_rule = native.fake_test, "),
    "dotnet": ("//lang/dotnet:defs.bzl", "dd_topt_dotnet_test", "dotnet_test_rule = native.fake_test, "),
    "ruby": ("//lang/ruby:defs.bzl", "dd_topt_ruby_test", "ruby_test_rule = native.fake_test, "),
}

RAW_KIND = {
    "go": "fake_test",
    "python": "py_test",
    "java": "java_test",
    "nodejs": "fake_test",
    "dotnet": "fake_test",
    "ruby": "fake_test",
}

_DRIVER = '''
load("{defs}", "{macro}")

def _conv(v):
    # A JSON object stands for a non-string Starlark value such as a select().
    if type(v) == "dict" and "__select__" in v:
        return select(v["__select__"])
    return v

def run(kw):
    kw = {{k: _conv(v) for k, v in kw.items()}}
    {macro}({rule_kw}**kw)
'''

_drivers: dict[str, sl.FrozenModule] = {}


def driver(language: str) -> sl.FrozenModule:
    if language not in _drivers:
        defs, macro, rule_kw = MACROS[language]
        src = _DRIVER.format(defs=defs, macro=macro, rule_kw=rule_kw)
        _drivers[language] = h.eval_source(f"driver_{language}", src, h.ROOT / "driver.bzl")
    return _drivers[language]


def topt_data_for(case: dict) -> dict:
    """A single-service export like the one `topt sync` writes, shaped by a selection case."""
    language = case["language"]
    runtime = {"module_path": case.get("module_path", ""), "sanitized_module_path": ""}
    if "module_included" in case:
        runtime["module_included"] = case["module_included"]
    labels = case.get("labels")
    data = {
        "repo_name": "test_optimization_data",
        "service_name": case.get("service_name", "checkout-api"),
        "manifest_path": ".testoptimization/manifest.txt",
        "labels": labels,
        "set": {l: True for l in labels} if isinstance(labels, list) and all(isinstance(l, str) for l in labels) else {},
        "runtimes": {language: runtime},
    }
    return data


def run_macro(language: str, name: str, package: str = "", **kwargs) -> dict:
    """Runs the macro; returns the recorded calls grouped by role."""
    h.CALLS.clear()
    h.STATE["package"] = package
    h.call(driver(language), "run", dict(name=name, **kwargs))
    calls = list(h.CALLS)
    by_name = {c.get("name"): c for c in calls}
    return {
        "calls": calls,
        "raw": by_name.get(f"{name}__raw_{language}_test"),
        "selector": by_name.get(f"{name}_topt_payloads"),
        "metadata": by_name.get(f"{name}_topt_bazel_metadata"),
        "wrapper": by_name.get(name),
    }


_request_attrs_cache: list = []


def _request_attrs() -> list[str]:
    if not _request_attrs_cache:
        src = 'load("//bazel/private:payloads_selector.bzl", "REQUEST_ATTRS")\ndef get():\n    return REQUEST_ATTRS\n'
        mod = h.eval_source("request_attrs", src, h.ROOT / "x.bzl")
        _request_attrs_cache.extend(h.call(mod, "get"))
    return _request_attrs_cache


def _resolve(value):
    """What Bazel passes a rule for a configurable attribute given a select(): here, always the
    `//conditions:default` branch (the harness's select() is struct(select = {...}))."""
    if isinstance(value, dict) and set(value) == {"select"}:
        return value["select"].get("//conditions:default")
    return value


def analyse_selector(selector_kwargs: dict, dep_candidates: list[str]) -> dict:
    """What the selector rule's implementation computes at analysis time."""
    ps = h.load(h.ROOT / "bazel/private/payloads_selector.bzl")
    sel = h.load(h.ROOT / "bazel/private/selection.bzl")
    attrs = {k: _resolve(selector_kwargs.get(k)) for k in _request_attrs()}
    request = h.call(ps, "selection_request", attrs, dep_candidates)
    return h.call(sel, "select_module", request)


def macro_kwargs_for(case: dict) -> dict:
    kw = {"topt_data": topt_data_for(case)}
    if case.get("module_label_override") is not None:
        kw["module_label_override"] = case["module_label_override"]
    for key, value in (case.get("attrs") or {}).items():
        kw[key] = {"__select__": value} if isinstance(value, dict) else value
    return kw


def name_and_context(case: dict) -> tuple[str, str]:
    context = case.get("context")
    if context and ":" in context:
        return context.rsplit(":", 1)[1], context
    return "t", None


def expect_error(fn, needle: str):
    with pytest.raises(sl.StarlarkError) as err:
        fn()
    assert needle in str(err.value), f"expected {needle!r} in:\n{err.value}"


def dumps(v) -> str:
    return json.dumps(v, sort_keys=True)
