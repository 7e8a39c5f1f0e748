"""Extracts the runnable parts of docs/bazel.md, so the suite runs the user guide as written.

The guide marks them with HTML comments (invisible when the markdown is rendered), each on the
line before a fenced block:

    <!-- file: PATH -->     the block is (or, if PATH was seen before, is appended to) file PATH
    <!-- run -->            the block is shell commands a user types, in order

    python3 guide.py extract GUIDE OUTDIR [--prefix P]   write the files (only those under P, P cut)
    python3 guide.py commands GUIDE                      print the commands, one per line
    python3 guide.py list GUIDE                          print the marked files and commands
"""

from __future__ import annotations

import argparse
import pathlib
import re
import sys

MARK = re.compile(r"^<!--\s*(file|run)\s*(?::\s*(\S+))?\s*-->\s*$")
FENCE = re.compile(r"^(```+|~~~+)")


class GuideError(Exception):
    pass


def blocks(text: str):
    """Yields (kind, path, body, line) for every marked fenced block, in document order."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = MARK.match(lines[i])
        if not m:
            i += 1
            continue
        kind, path, at = m.group(1), m.group(2), i + 1
        if (kind == "file") != bool(path):
            raise GuideError(f"line {at}: `file` needs a path and `run` takes none")
        i += 1
        if i >= len(lines) or not FENCE.match(lines[i]):
            raise GuideError(f"line {at}: the marker must be directly followed by a fenced block")
        fence = FENCE.match(lines[i]).group(1)
        body = []
        i += 1
        while i < len(lines) and not lines[i].startswith(fence):
            body.append(lines[i])
            i += 1
        if i >= len(lines):
            raise GuideError(f"line {at}: unterminated fenced block")
        i += 1
        yield kind, path, "\n".join(body) + "\n", at


def files(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for kind, path, body, at in blocks(text):
        if kind != "file":
            continue
        if path.startswith("/") or ".." in pathlib.PurePosixPath(path).parts:
            raise GuideError(f"line {at}: file paths are relative to the workspace, got {path}")
        out[path] = out.get(path, "") + body
    return out


def commands(text: str) -> list[str]:
    out = []
    for kind, _, body, _ in blocks(text):
        if kind == "run":
            for line in body.split("\n"):
                line = line.strip()
                if line and not line.startswith("#"):
                    out.append(line)
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    ex = sub.add_parser("extract")
    ex.add_argument("guide", type=pathlib.Path)
    ex.add_argument("outdir", type=pathlib.Path)
    ex.add_argument("--prefix", default="")
    for name in ("commands", "list"):
        sub.add_parser(name).add_argument("guide", type=pathlib.Path)
    args = parser.parse_args(argv)
    text = args.guide.read_text(encoding="utf-8")
    try:
        if args.cmd == "extract":
            written = 0
            for path, body in files(text).items():
                if not path.startswith(args.prefix):
                    continue
                target = args.outdir / path[len(args.prefix):]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(body, encoding="utf-8")
                written += 1
            if not written:
                raise GuideError(f"no marked file under {args.prefix!r} in {args.guide}")
        elif args.cmd == "commands":
            print("\n".join(commands(text)))
        else:
            for kind, path, _, at in blocks(text):
                print(f"{at}: {kind} {path or ''}".rstrip())
    except GuideError as e:
        print(f"guide.py: {args.guide}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
