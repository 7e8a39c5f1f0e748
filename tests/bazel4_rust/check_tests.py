#!/usr/bin/env python3
"""Checks what `bazel test` ran, from its build event file (--build_event_json_file).

Fails when a test target ran zero tests (libtest prints "running 0 tests": such a target proves
nothing), or when a Rust crate that Bazel builds has tests (`#[test]` in src/ or tests/) but its
Bazel package has no test target. Prints the number of test targets and of Rust tests that passed.

Usage: check_tests.py BUILD_EVENTS_JSON REPOSITORY_ROOT
"""

import json
import pathlib
import re
import sys
import tomllib
import urllib.parse


def test_logs(events_path):
    """{label: path of test.log} for every test target in the build event file."""
    logs = {}
    for line in pathlib.Path(events_path).read_text().splitlines():
        event = json.loads(line)
        result = event.get("testResult")
        if result is None:
            continue
        label = event["id"]["testResult"]["label"]
        for output in result.get("testActionOutput", []):
            if output["name"] == "test.log":
                logs[label] = pathlib.Path(urllib.parse.urlparse(output["uri"]).path)
    return logs


def crates_with_tests(root):
    """Workspace members built by Bazel whose Rust sources contain tests.

    A member is built by Bazel when its BUILD.bazel takes its sources (src/); xtask's, for one,
    only exports its Cargo.toml for crate_universe.
    """
    members = tomllib.loads((root / "Cargo.toml").read_text())["workspace"]["members"]
    packages = set()
    for member in members:
        crate = root / member
        build = crate / "BUILD.bazel"
        if not build.exists() or "src/" not in build.read_text():
            continue
        sources = list((crate / "src").glob("**/*.rs")) + list((crate / "tests").glob("*.rs"))
        if any("#[test]" in s.read_text(errors="replace") for s in sources):
            packages.add(member)
    return packages


def main(events_path, root):
    root = pathlib.Path(root)
    logs = test_logs(events_path)
    problems = []
    rust_tests = 0
    for label, log in sorted(logs.items()):
        text = log.read_text(errors="replace")
        if re.search(r"^running 0 tests$", text, re.M):
            problems.append(f"{label} runs zero tests")
        rust_tests += sum(int(n) for n in re.findall(r"^test result: ok\. (\d+) passed", text, re.M))
    tested = {label[2:].split(":")[0] for label in logs}
    for package in sorted(crates_with_tests(root) - tested):
        problems.append(f"//{package} has Rust tests but no test target")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    print(f"{len(logs)} test targets, {rust_tests} Rust tests passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
