#!/usr/bin/env bash
# Builds libtopt and runs the Ruby binding's minitest suite (one process, one summary line).
set -euo pipefail
cd "$(dirname "$0")"
root="$(cd ../.. && pwd)"

(cd "$root" && cargo build -q -p topt-ffi)
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
lib="$target/debug/libtopt.so"

# No Bazel variables: the smoke test expects a context that is outside Bazel.
exec env -u RUNFILES_DIR -u RUNFILES_MANIFEST_FILE -u TEST_SRCDIR -u JAVA_RUNFILES \
  -u TEST_UNDECLARED_OUTPUTS_DIR -u DD_TEST_OPTIMIZATION_MANIFEST_FILE \
  -u TEST_OPTIMIZATION_MANIFEST_FILE -u DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES \
  TOPT_LIBRARY="$lib" TOPT_VECTORS_DIR="$root/testdata/vectors" \
  timeout 600 ruby -w -Ilib -Itest test/all.rb "$@"
