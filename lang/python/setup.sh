#!/usr/bin/env bash
# Installs what lang/python/test.sh needs on a clean Debian 12 machine (run as root). Idempotent
# and quiet when everything is present. The binding itself is standard library only (ctypes);
# the tests need pytest, and a C compiler for the struct-layout check.
set -euo pipefail

missing=()
command -v python3 >/dev/null 2>&1 || missing+=(python3 python3-pip)
command -v cc >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
command -v cargo >/dev/null 2>&1 || { echo "lang/python/setup.sh: cargo is required to build libtopt" >&2; exit 1; }
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# pytest from PyPI with the interpreter's own pip (preinstalled on polyglot machines).
if ! python3 -c 'import pytest' >/dev/null 2>&1; then
  python3 -m pip install -q --disable-pip-version-check pytest \
    || python3 -m pip install -q --disable-pip-version-check --break-system-packages pytest
fi
