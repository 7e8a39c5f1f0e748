"""The public surface is defined once: façades that only re-export, and a reference generated from
the one definition's docs (docs/bazel-reference.md). Plus the API key forms the files recommend."""

import ast
import re

import harness as h
import reference

PUBLIC = reference.PUBLIC


def test_reference_is_fresh():
    assert (h.ROOT / "docs/bazel-reference.md").read_text(encoding="utf-8") == reference.generate(), (
        "docs/bazel-reference.md is stale: run python3 tests/starlark/reference.py --write"
    )


def test_public_files_only_reexport_private_definitions():
    for public in PUBLIC:
        mod = reference.Module.of(h.ROOT / public)
        assert not mod.defs, f"{public} defines {sorted(mod.defs)}: define it in private/ and re-export it"
        exported = {n: v for n, v in mod.assigns.items() if not n.startswith("_")}
        assert exported, f"{public} exports nothing"
        for name, value in exported.items():
            assert isinstance(value, ast.Name) and value.id in mod.loads, f"{public}: {name} is not a re-export"
            path, original = mod.loads[value.id]
            assert "/private/" in str(path) and original == name, f"{public}: {name} should re-export private/…:{name}"


def test_every_macro_parameter_is_documented_once():
    for public in PUBLIC:
        mod = reference.Module.of(h.ROOT / public)
        for name, value in mod.assigns.items():
            _, kind, node = mod.lookup(value.id) if isinstance(value, ast.Name) else (None, None, None)
            if kind != "def":
                continue
            _, args = reference.parse_docstring(ast.get_docstring(node) or "")
            documented = [a for a, _, _ in args]
            params = [a.arg for a in node.args.args] + (["**" + node.args.kwarg.arg] if node.args.kwarg else [])
            assert documented == params, f"{name}: Args {documented} do not match the parameters {params}"


def test_the_api_key_section_exists_and_the_files_use_forms_every_bazel_takes():
    guide = (h.ROOT / "docs/bazel.md").read_text(encoding="utf-8")
    assert re.search(r"^## The API key$", guide, re.M), "docs/bazel.md lost its section \"The API key\""
    sync = (h.ROOT / "bazel/private/sync.bzl").read_text(encoding="utf-8")
    assert '\\"The API key\\"' in sync and "docs/bazel.md" in sync
    # A value-less --repo_env=NAME crashes every Bazel before 5.3: neither topt's own .bazelrc,
    # nor the block users copy, nor the sync's failure hint may recommend one.
    valueless = re.compile(r"--repo_env=[A-Z_]+(?![=A-Z_])")
    assert not valueless.search(sync)
    for line in (h.ROOT / ".bazelrc").read_text(encoding="utf-8").splitlines():
        if not line.lstrip().startswith("#"):
            assert not valueless.search(line), line
    import sys

    sys.path.insert(0, str(h.ROOT / "tests/bazel4"))
    import guide as guide_blocks

    bazelrc = guide_blocks.files(guide)[".bazelrc"]
    assert not valueless.search(bazelrc), bazelrc


def test_module_bazel_maps_rules_go_to_its_workspace_name():
    # lang/go loads @io_bazel_rules_go: with bzlmod that name must reach the rules_go module.
    text = (h.ROOT / "MODULE.bazel").read_text(encoding="utf-8")
    assert re.search(r'bazel_dep\(name = "rules_go", version = "[^"]+", repo_name = "io_bazel_rules_go"\)', text)
    assert re.search(r'bazel_dep\(name = "rules_java"', text)
