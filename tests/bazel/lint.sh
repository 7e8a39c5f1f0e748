#!/usr/bin/env bash
# buildifier (npm @bazel/buildifier, pinned in the root package.json): format check and lint warnings
# over every Starlark file of the repository. Exit 0 = clean. `tests/bazel/lint.sh --fix` rewrites.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
bin="$root/node_modules/.bin/buildifier"
if [[ ! -x "$bin" ]]; then
  npm ci --no-audit --no-fund --silent
fi
# Our Starlark files; generated trees (target/, node_modules/, bazel-*) and other people's
# vendored files are not ours to lint.
mapfile -t files < <(git ls-files --cached --others --exclude-standard \
  'MODULE.bazel' 'WORKSPACE' 'WORKSPACE.bazel' '*.bzl' '*BUILD.bazel' '*BUILD.bazel.in' '*WORKSPACE.in' '*/BUILD' '*.star' \
  | grep -v -E '^(target|node_modules|bazel-[^/]*|testdata)/' | sort -u)
if [[ "${1:-}" == "--fix" ]]; then
  "$bin" --mode=fix "${files[@]}"
fi
"$bin" --mode=check --lint=warn "${files[@]}"
echo "buildifier: ${#files[@]} Starlark files clean"
