#!/usr/bin/env bash
# Builds libtopt, the .NET binding (Datadog.Topt.dll) and its test runner with Mono's mcs, then
# runs every test. The runner ends with "N passed, N failed" and exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")"
root="$(cd ../.. && pwd)"

(cd "$root" && cargo build -q -p topt-ffi)
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
lib="$target/debug/libtopt.so"

mkdir -p bin
mcs -nologo -warnaserror -target:library -out:bin/Datadog.Topt.dll src/*.cs
mcs -nologo -warnaserror -out:bin/Datadog.Topt.Tests.exe -r:bin/Datadog.Topt.dll tests/*.cs

# No Bazel variables: the smoke test expects a context that is outside Bazel.
exec env -u RUNFILES_DIR -u RUNFILES_MANIFEST_FILE -u TEST_SRCDIR -u JAVA_RUNFILES \
  -u TEST_UNDECLARED_OUTPUTS_DIR -u DD_TEST_OPTIMIZATION_MANIFEST_FILE \
  -u TEST_OPTIMIZATION_MANIFEST_FILE -u DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES \
  TOPT_LIBRARY="$lib" TOPT_VECTORS_DIR="$root/testdata/vectors" \
  mono --debug bin/Datadog.Topt.Tests.exe "$@"
