"""Generates docs/bazel-reference.md from the .bzl files: the public surface, documented once.

Each public file (bazel/{defs,repositories,rust_dependencies,crate_repositories,extensions}.bzl,
lang/<x>/defs.bzl) only re-exports definitions from private/ files; this follows every re-export to
its one definition and renders its docstring (macros) or its `doc` and attribute docs (rules,
repository rules, module extensions). Starlark's syntax is close enough to Python's that `ast` reads the files; the few
expressions attribute dicts are built from (literals, names, `_merge(...)`, `dict(a, **b)`) are
evaluated here.

    python3 tests/starlark/reference.py --write    regenerate
    python3 tests/starlark/reference.py --check    exit 1 if the file is stale (the suite runs this)
"""

from __future__ import annotations

import argparse
import ast
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "bazel-reference.md"
LANGS = ["go", "python", "java", "nodejs", "dotnet", "ruby"]
PUBLIC = ["bazel/repositories.bzl", "bazel/rust_dependencies.bzl", "bazel/crate_repositories.bzl",
          "bazel/extensions.bzl", "bazel/defs.bzl"] + [f"lang/{l}/defs.bzl" for l in LANGS]
RULE_MAKERS = {"rule": "rule", "repository_rule": "repository rule", "module_extension": "module extension"}


class Module:
    """One parsed .bzl file: its top-level assignments, functions and loads."""

    _cache: dict[pathlib.Path, "Module"] = {}

    def __init__(self, path: pathlib.Path):
        self.path = path
        self.tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        self.assigns: dict[str, ast.expr] = {}
        self.defs: dict[str, ast.FunctionDef] = {}
        self.loads: dict[str, tuple[pathlib.Path, str]] = {}
        for node in self.tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                self.assigns[node.targets[0].id] = node.value
            elif isinstance(node, ast.FunctionDef):
                self.defs[node.name] = node
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and getattr(node.value.func, "id", "") == "load":
                label = node.value.args[0].value
                target = resolve(label, path)
                for arg in node.value.args[1:]:
                    self.loads[arg.value] = (target, arg.value)
                for kw in node.value.keywords:
                    self.loads[kw.arg] = (target, kw.value.value)

    @classmethod
    def of(cls, path: pathlib.Path) -> "Module":
        path = path.resolve()
        if path not in cls._cache:
            cls._cache[path] = Module(path)
        return cls._cache[path]

    def docstring(self) -> str:
        return ast.get_docstring(self.tree) or ""

    def lookup(self, name: str):
        """(module, kind, node) of a name: follows `x = _x` re-exports and loads."""
        if name in self.defs:
            return self, "def", self.defs[name]
        if name in self.assigns:
            value = self.assigns[name]
            if isinstance(value, ast.Name):
                return self.lookup(value.id)
            return self, "value", value
        if name in self.loads:
            path, original = self.loads[name]
            return Module.of(path).lookup(original)
        raise KeyError(f"{name} is not defined in {self.path.relative_to(ROOT)}")

    def evaluate(self, node: ast.expr):
        """The few expression forms docs and attribute options are written with."""
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in ("True", "False", "None"):
                return {"True": True, "False": False, "None": None}[node.id]
            mod, _, value = self.lookup(node.id)
            return mod.evaluate(value)
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self.evaluate(e) for e in node.elts]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.evaluate(node.left) + self.evaluate(node.right)
        raise ValueError(f"{self.path.relative_to(ROOT)}:{node.lineno}: cannot evaluate {ast.unparse(node)}")

    def attr_dict(self, node: ast.expr) -> dict[str, ast.expr]:
        """Name -> attr.*() call node, with the node's module kept for nested names."""
        if isinstance(node, ast.Name):
            mod, _, value = self.lookup(node.id)
            return mod.attr_dict(value)
        if isinstance(node, ast.Dict):
            return {self.evaluate(k): (self, v) for k, v in zip(node.keys, node.values)}
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("_merge", "dict"):
            out = {}
            for arg in node.args:
                out.update(self.attr_dict(arg))
            for kw in node.keywords:
                if kw.arg is None:
                    out.update(self.attr_dict(kw.value))
                else:
                    out[kw.arg] = (self, kw.value)
            return out
        raise ValueError(f"{self.path.relative_to(ROOT)}:{node.lineno}: not an attribute dict: {ast.unparse(node)}")


def resolve(label: str, current: pathlib.Path) -> pathlib.Path:
    if label.startswith(":"):
        return current.parent / label[1:]
    m = re.fullmatch(r"(?:@topt)?//([^:]*):(.+)", label)
    if not m:
        return pathlib.Path("/nonexistent") / label  # another ruleset's file: never followed
    return ROOT / m.group(1) / m.group(2)


def kwargs_of(call: ast.Call) -> dict[str, ast.expr]:
    return {kw.arg: kw.value for kw in call.keywords if kw.arg}


def starlark(node: ast.expr, mod: Module | None = None) -> str:
    """A default as a user reads it: double-quoted strings, names resolved, and `Label("//x")`
    (a label in topt's own repository) written `"@topt//x"`."""
    if mod is not None and isinstance(node, ast.Name) and node.id not in ("True", "False", "None"):
        mod, _, node = mod.lookup(node.id)
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Label":
        return '"@topt' + node.args[0].value + '"' if node.args[0].value.startswith("//") else starlark(node.args[0])
    return ast.unparse(node).replace("'", '"')


def escape(cell: str) -> str:
    return cell.replace("|", "\\|")


def one_line(text: str) -> str:
    return " ".join(text.split())


def parse_docstring(doc: str):
    """(description, [(arg, text, [(sub, text)])]) of a Google-style docstring."""
    lines = doc.split("\n")
    desc, args, section = [], [], None
    for line in lines:
        stripped = line.strip()
        if stripped in ("Args:", "Returns:"):
            section = stripped
            continue
        if section is None:
            desc.append(line)
        elif section == "Args:" and stripped:
            indent = len(line) - len(line.lstrip())
            m = re.match(r"(\*{0,2}\w+):\s*(.*)", stripped)
            if m and indent <= 2:
                args.append([m.group(1), m.group(2), []])
            elif m and indent >= 6 and args and args[-1][0].startswith("**"):
                args[-1][2].append([m.group(1), m.group(2)])
            elif args:
                target = args[-1][2][-1] if args[-1][2] and indent >= 8 else args[-1]
                target[1] += " " + stripped
    return "\n".join(desc).strip(), args


def signature(fn: ast.FunctionDef) -> str:
    parts = []
    a = fn.args
    defaults = [None] * (len(a.args) - len(a.defaults)) + list(a.defaults)
    for arg, default in zip(a.args, defaults):
        parts.append(arg.arg if default is None else f"{arg.arg} = {starlark(default)}")
    if a.kwarg:
        parts.append("**" + a.kwarg.arg)
    return f"{fn.name}(\n" + "".join(f"    {p},\n" for p in parts) + ")"


def render_macro(name: str, fn: ast.FunctionDef) -> list[str]:
    desc, args = parse_docstring(ast.get_docstring(fn) or "")
    out = [f"### `{name}`", "", "Macro.", "", "```starlark", signature(fn), "```", "", desc, ""]
    if args:
        out += ["| Argument | Description |", "|---|---|"]
        for arg, text, subs in args:
            cell = one_line(text)
            if subs:
                cell += " " + " ".join(f"`{s}`: {one_line(t)}" for s, t in subs)
            out.append(f"| `{arg}` | {escape(cell)} |")
        out.append("")
    return out


def attr_row(name: str, mod: Module, node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        mod, _, node = mod.lookup(node.id)
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        raise ValueError(f"{name}: not an attr.* call")
    kind = node.func.attr
    kw = kwargs_of(node)
    doc = one_line(str(mod.evaluate(kw["doc"]))) if "doc" in kw else ""
    if "values" in kw:
        doc += " One of: " + ", ".join(f"`{v}`" for v in mod.evaluate(kw["values"])) + "."
    if "mandatory" in kw and mod.evaluate(kw["mandatory"]):
        default = "required"
    elif "default" in kw:
        default = f"`{starlark(kw['default'], mod)}`"
    else:
        default = ""
    return f"| `{name}` | {kind} | {default} | {escape(doc)} |"


def render_attrs(attrs: dict) -> list[str]:
    out = ["| Attribute | Type | Default | Description |", "|---|---|---|---|"]
    for name in sorted(attrs):
        if name.startswith("_"):
            continue
        mod, node = attrs[name]
        out.append(attr_row(name, mod, node))
    return out + [""]


def render_rule(name: str, mod: Module, call: ast.Call) -> list[str]:
    maker = call.func.id
    kw = kwargs_of(call)
    doc = one_line(str(mod.evaluate(kw["doc"]))) if "doc" in kw else ""
    out = [f"### `{name}`", "", RULE_MAKERS[maker].capitalize() + ".", "", doc, ""]
    if maker == "module_extension":
        for tag, tag_node in mod.attr_dict(kw["tag_classes"]).items():
            tmod, tnode = tag_node
            if isinstance(tnode, ast.Name):
                tmod, _, tnode = tmod.lookup(tnode.id)
            tkw = kwargs_of(tnode)
            out += [f"Tag `{tag}`: {one_line(str(tmod.evaluate(tkw['doc'])))}", ""]
            out += render_attrs(tmod.attr_dict(tkw["attrs"]))
    elif "attrs" in kw:
        out += render_attrs(mod.attr_dict(kw["attrs"]))
    return out


def generate() -> str:
    out = [
        "# Bazel reference",
        "",
        "<!-- Generated by tests/starlark/reference.py from the .bzl files; do not edit. Regenerate:",
        "     python3 tests/starlark/reference.py --write -->",
        "",
        "Every public rule and macro of topt's Bazel layer, with each parameter as its one definition",
        "documents it. How the pieces fit: [the user guide](bazel.md). Load labels are written",
        "`@topt//…` (bzlmod); in WORKSPACE mode use the name you gave the topt repository.",
        "",
    ]
    for public in PUBLIC:
        mod = Module.of(ROOT / public)
        label = "@topt//" + public.rsplit("/", 1)[0] + ":" + public.rsplit("/", 1)[1]
        out += [f"## `{label}`", "", one_line(mod.docstring()), ""]
        for name, value in mod.assigns.items():
            if name.startswith("_") or not isinstance(value, ast.Name):
                continue
            dmod, kind, node = mod.lookup(value.id)
            if kind == "def":
                out += render_macro(name, node)
            elif isinstance(node, ast.Call) and getattr(node.func, "id", None) in RULE_MAKERS:
                out += render_rule(name, dmod, node)
            else:
                raise ValueError(f"{public}: {name} re-exports neither a macro nor a rule")
    text = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip() + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    text = generate()
    if args.write:
        OUT.write_text(text, encoding="utf-8")
        return 0
    if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
        print(f"{OUT.relative_to(ROOT)} is stale: run python3 tests/starlark/reference.py --write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
