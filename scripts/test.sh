#!/usr/bin/env bash
# The whole test suite: the README's test command and what .ci/run calls. Installs what it needs
# (scripts/setup.sh), then runs every suite and prints one summary line per suite and a final
# "N passed, N failed" line. Exits non-zero if any suite failed.
#
#   scripts/test.sh            everything
#   scripts/test.sh rust c     only the named suites (see SUITES below)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

SUITES=(rust header c symbols fuzz go python java nodejs dotnet ruby starlark buildifier bazel4 guide bazel4-rust remote tracers)

run_suite() {
  case "$1" in
    rust)
      cargo fmt --all -- --check &&
        cargo clippy --workspace --all-targets -- -D warnings &&
        cargo test --workspace ;;
    header) cargo xtask header --check && cargo xtask manifests --check ;;
    c) cargo xtask c-test ;;
    symbols) cargo xtask symbols ;;
    fuzz) bash fuzz/run.sh ;;
    go | python | java | nodejs | dotnet | ruby) bash "lang/$1/test.sh" ;;
    starlark) bash tests/starlark/test.sh ;;
    buildifier) bash tests/bazel/lint.sh ;;
    bazel4) bash tests/bazel4/run.sh ;;
    guide) bash tests/bazel4/guide.sh ;;
    bazel4-rust) bash tests/bazel4_rust/run.sh ;;
    remote) bash tests/remote/run.sh ;;
    tracers) bash tests/tracers/run.sh ;;
    *) echo "unknown suite $1 (one of: ${SUITES[*]})"; return 2 ;;
  esac
}

selected=("$@")
[ ${#selected[@]} -gt 0 ] || selected=("${SUITES[@]}")

bash scripts/setup.sh || { echo "setup failed"; exit 1; }
# Every suite's python3 is the project's venv (pytest, starlark-pyo3; scripts/requirements.txt).
source scripts/venv.sh || { echo "setup failed (Python venv)"; exit 1; }
cargo build --workspace --quiet || { echo "cargo build failed"; exit 1; }

passed=0 failed=0 summary=()
for suite in "${selected[@]}"; do
  echo
  echo "=============== suite: $suite"
  start=$(date +%s)
  if (cd "$root" && run_suite "$suite"); then
    passed=$((passed + 1)); summary+=("ok     $suite ($(( $(date +%s) - start ))s)")
  else
    failed=$((failed + 1)); summary+=("FAILED $suite ($(( $(date +%s) - start ))s)")
  fi
done
echo
echo "=============== summary"
printf '%s\n' "${summary[@]}"
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
