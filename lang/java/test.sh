#!/usr/bin/env bash
# Builds libtopt, then runs the Java binding's JUnit suite through Maven Surefire.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)

(cd "$root" && cargo build --quiet -p topt-ffi)
export TOPT_LIBRARY="${CARGO_TARGET_DIR:-$root/target}/debug/libtopt.so"

# The smoke test opens a context from the environment and expects Bazel mode to be off.
exec env -u RUNFILES_DIR -u RUNFILES_MANIFEST_FILE -u TEST_SRCDIR -u JAVA_RUNFILES \
  -u TEST_UNDECLARED_OUTPUTS_DIR -u DD_TEST_OPTIMIZATION_MANIFEST_FILE \
  -u TEST_OPTIMIZATION_MANIFEST_FILE -u DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES \
  mvn -B --no-transfer-progress -Dstyle.color=never test "$@"
