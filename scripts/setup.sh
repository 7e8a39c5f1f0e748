#!/usr/bin/env bash
# Installs everything the test suite and the demo need on a clean Debian 12 machine (run as
# root; idempotent and quiet when everything is already there). Each language and each Starlark/
# Bazel suite installs its own toolchain through its own setup.sh (lang/*/setup.sh, tests/*/setup.sh,
# fuzz/setup.sh).
#
#   scripts/setup.sh          everything scripts/test.sh needs
#   scripts/setup.sh --core   only what building topt and libtopt and scripts/demo.sh need
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages, as "command package..." pairs: installed when the command is missing.
# Building: cargo links with the system C compiler (cc) and downloads crates over HTTPS, which
# needs the system's CA certificates; the demo and the Python suites run python3.
core=(
  "cc gcc libc6-dev"
  "/etc/ssl/certs/ca-certificates.crt ca-certificates"
  "python3 python3"
)
# The Rust/C suites: the C test links cJSON and runs under valgrind; the uploader tests build
# Bazel-style outputs.zip files with zip; the symbol check reads the library with nm; the
# buildifier suite lists the repository's files with git; the remote client's TLS test makes its
# certificates with openssl; the man page test renders the pages with groff.
suites=(
  "valgrind valgrind"
  "/usr/include/cjson/cJSON.h libcjson-dev"
  "zip zip"
  "unzip unzip"
  "nm binutils"
  "git git"
  "openssl openssl"
  "groff groff-base"
)
wanted=("${core[@]}")
[ "${1:-}" = "--core" ] || wanted+=("${suites[@]}")
need=()
for entry in "${wanted[@]}"; do
  read -r probe packages <<<"$entry"
  if [[ "$probe" == /* ]]; then [ -e "$probe" ] && continue; else command -v "$probe" >/dev/null && continue; fi
  read -r -a more <<<"$packages"
  need+=("${more[@]}")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages; as root: apt-get install ${need[*]}" >&2
    exit 1
  fi
  echo "setup: apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

command -v cargo >/dev/null || { echo "setup: cargo is required (rustup)"; exit 1; }
[ "${1:-}" = "--core" ] && exit 0

# Every suite's own set-up, languages first (the Bazel and tracer suites use their toolchains):
# a suite that adds a setup.sh is set up without being listed here.
for script in lang/*/setup.sh tests/*/setup.sh fuzz/setup.sh; do
  echo "setup: $script"
  bash "$script"
done
echo "setup: done"
