#!/usr/bin/env bash
# Installs everything the test suite and the demo need on a clean Debian 12 machine (run as
# root; idempotent and quiet when everything is already there). Each language and each Starlark/
# Bazel suite installs its own toolchain through its own setup.sh, listed below.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the Rust/C side needs: the C test links cJSON and runs under valgrind; the
# uploader tests use zip to build Bazel-style outputs.zip files.
need=()
command -v valgrind >/dev/null || need+=(valgrind)
[ -f /usr/include/cjson/cJSON.h ] || need+=(libcjson-dev)
command -v zip >/dev/null || need+=(zip)
command -v unzip >/dev/null || need+=(unzip)
command -v cc >/dev/null || need+=(gcc libc6-dev)
command -v nm >/dev/null || need+=(binutils)
# The remote client's TLS test makes its certificates with openssl.
command -v openssl >/dev/null || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

command -v cargo >/dev/null || { echo "setup: cargo is required (rustup)"; exit 1; }

for script in fuzz/setup.sh lang/go/setup.sh lang/python/setup.sh lang/java/setup.sh lang/nodejs/setup.sh \
  lang/dotnet/setup.sh lang/ruby/setup.sh tests/starlark/setup.sh tests/bazel/setup.sh \
  tests/bazel4/setup.sh tests/bazel4_rust/setup.sh tests/remote/setup.sh; do
  if [ -f "$script" ]; then
    echo "setup: $script"
    bash "$script"
  fi
done
echo "setup: done"
