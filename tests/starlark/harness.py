"""Loads the project's real .bzl files into starlark-pyo3 (starlark-rust) with stubbed Bazel builtins.

`native.*` rules, `rule()`-made rules and macros' test rules record their calls into CALLS, so a
test can call a `dd_topt_<lang>_test` macro and inspect the targets it would declare. Rules made
with `rule()` keep their Starlark implementation's name as `kind` (e.g. `_selector_impl`).

Labels in load() resolve against the repository root: `//pkg:file.bzl`, `@topt//pkg:file.bzl` and
`:file.bzl` (relative to the loading file); other rulesets' files resolve to the stand-ins under
stubs/ (STUBS).
"""

from __future__ import annotations

import json
import pathlib
import re

import starlark as sl

ROOT = pathlib.Path(__file__).resolve().parents[2]
VECTORS = ROOT / "testdata" / "vectors"

GLOBALS = sl.Globals.extended_by(
    [sl.LibraryExtension.StructType, sl.LibraryExtension.Json, sl.LibraryExtension.Print]
)
DIALECT = sl.Dialect.extended()

NATIVE_RULES = [
    "py_test",
    "py_library",
    "java_test",
    "java_library",
    "label_flag",
    "filegroup",
    "exports_files",
    "genrule",
    "sh_test",
    "sh_binary",
    "alias",
    "cc_library",
    "cc_test",
    "fake_test",
]

CALLS: list[dict] = []
STATE = {"package": "", "globs": {}}


def _recorder(kind):
    def record(*args, **kwargs):
        call = dict(kwargs)
        call["kind"] = kind
        if args:
            call["args_"] = list(args)
        CALLS.append(call)

    return record


def _record_call(kind, kwargs):
    call = dict(kwargs)
    call["kind"] = kind
    CALLS.append(call)


def _package_name():
    return STATE["package"]


def _glob(include, exclude=None, allow_empty=True, **_):
    globs = STATE["globs"]
    return [p for p in include if p in globs.get(STATE["package"], [])]


def _label(s):
    s = str(s)
    if s.startswith("//"):
        return "@topt" + s
    return s


PRELUDE = (
    "native = struct("
    + ", ".join(f"{r} = _native_{r}" for r in NATIVE_RULES)
    + ", package_name = _package_name, glob = _glob)\n"
    + '''
def _implementation_name(implementation):
    s = str(implementation)
    for prefix in ("<function ", "<function"):
        if s.startswith(prefix):
            s = s[len(prefix):]
    return s.rstrip(">").strip()

def rule(implementation, attrs = {}, doc = "", test = False, executable = False, **_kwargs):
    kind = _implementation_name(implementation)
    def _record(**kwargs):
        _record_call(kind, kwargs)
    return _record

def aspect(implementation, attr_aspects = [], doc = "", **_kwargs):
    return struct(aspect = _implementation_name(implementation), attr_aspects = attr_aspects)

def provider(doc = "", fields = None, **_kwargs):
    def _make(**kwargs):
        return struct(**kwargs)
    return _make

def _attr(**kwargs):
    return kwargs

attr = struct(
    label = _attr,
    label_list = _attr,
    label_keyed_string_dict = _attr,
    string = _attr,
    string_list = _attr,
    string_dict = _attr,
    bool = _attr,
    int = _attr,
    output = _attr,
)

def select(d, no_match_error = ""):
    return struct(select = d)

def depset(direct = [], transitive = [], **_kwargs):
    return direct

DefaultInfo = provider()

def tag_class(attrs = {}, doc = ""):
    return struct(tag_class = attrs)

def module_extension(implementation, tag_classes = {}, doc = "", **_kwargs):
    return struct(module_extension = _implementation_name(implementation), tag_classes = tag_classes)

def repository_rule(implementation, attrs = {}, doc = "", environ = [], local = False, **_kwargs):
    kind = _implementation_name(implementation)
    def _record(**kwargs):
        _record_call(kind, kwargs)
    return _record
'''
)

_cache: dict[pathlib.Path, sl.FrozenModule] = {}

_WORKSPACE_RULES = pathlib.Path(__file__).parent / "stubs" / "workspace_rules.bzl"
STUBS = {
    "@io_bazel_rules_go//go:def.bzl": pathlib.Path(__file__).parent / "stubs" / "rules_go_def.bzl",
    "@bazel_tools//tools/build_defs/repo:http.bzl": _WORKSPACE_RULES,
    "@bazel_tools//tools/build_defs/repo:utils.bzl": _WORKSPACE_RULES,
    "@rules_rust//rust:repositories.bzl": _WORKSPACE_RULES,
    "@rules_rust//crate_universe:repositories.bzl": _WORKSPACE_RULES,
    "@rules_rust//crate_universe:defs.bzl": _WORKSPACE_RULES,
    "@rules_rust//cargo:defs.bzl": _WORKSPACE_RULES,
    "@topt_crates//:defs.bzl": _WORKSPACE_RULES,
}


def resolve(label: str, current: pathlib.Path) -> pathlib.Path:
    if label in STUBS:
        return STUBS[label]
    if label.startswith(":"):
        return current.parent / label[1:]
    m = re.fullmatch(r"(?:@topt|@)?//([^:]*):(.+)", label)
    if not m:
        raise ValueError(f"cannot resolve load label {label!r} from {current}")
    return ROOT / m.group(1) / m.group(2)


def new_module() -> sl.Module:
    mod = sl.Module()
    for r in NATIVE_RULES:
        mod.add_callable(f"_native_{r}", _recorder(r))
    mod.add_callable("_record_call", _record_call)
    mod.add_callable("_package_name", _package_name)
    mod.add_callable("_glob", _glob)
    mod.add_callable("Label", _label)
    sl.eval(mod, sl.parse("prelude", PRELUDE, DIALECT), GLOBALS)
    return mod


def eval_source(name: str, source: str, current: pathlib.Path, mod: sl.Module | None = None):
    mod = mod or new_module()
    loader = sl.FileLoader(lambda label: load(resolve(label, current)))
    sl.eval(mod, sl.parse(name, source, DIALECT), GLOBALS, loader)
    return mod.freeze()


def load(path: pathlib.Path) -> sl.FrozenModule:
    path = path.resolve()
    if path not in _cache:
        _cache[path] = eval_source(str(path), path.read_text(encoding="utf-8"), path)
    return _cache[path]


def call(module: sl.FrozenModule, fn: str, *args, **kwargs):
    """Calls a function of a frozen module (call_with also accepts a `name` kwarg)."""
    result = module.call_with(sl.EvalOptions(), fn, *args, **kwargs)
    return result.value if isinstance(result, sl.EvalResult) else result


def vectors(name: str):
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def calls_of(kind: str) -> list[dict]:
    return [c for c in CALLS if c["kind"] == kind or c["kind"].endswith("." + kind)]
