"""Writes testdata/vectors (selection.json, labels.json) as a Starlark file for the Bazel 4 smoke
test, so a real Bazel runs the shared cases through bazel/private/{selection,labels}.bzl."""

import json
import pathlib
import sys


def emit(v):
    if v is None:
        return "None"
    if v is True:
        return "True"
    if v is False:
        return "False"
    if isinstance(v, (int, float)):
        return json.dumps(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(emit(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(emit(k) + ": " + emit(x) for k, x in v.items()) + "}"
    raise TypeError(type(v))


def main(root: pathlib.Path, out: pathlib.Path):
    sel = json.loads((root / "testdata/vectors/selection.json").read_text(encoding="utf-8"))
    lab = json.loads((root / "testdata/vectors/labels.json").read_text(encoding="utf-8"))
    lines = ['"""Generated from testdata/vectors by tests/bazel4/vectors_to_bzl.py."""', ""]
    lines.append("SELECTION = " + emit(sel["cases"]))
    lines.append("SANITIZE = " + emit(lab["sanitize"]))
    lines.append("DEDUP = " + emit(lab["dedup"]))
    lines.append("LABEL_MAP = " + emit(lab["label_map"]))
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]))
