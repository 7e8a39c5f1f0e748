#!/usr/bin/env bash
# Installs what lang/python/test.sh needs on a clean Debian 12 machine (run as root). Idempotent
# and quiet when everything is present. The binding itself is standard library only (ctypes);
# the tests need pytest (in the project's virtual environment, scripts/venv.sh), and a C compiler
# for the struct-layout check.
set -euo pipefail

missing=()
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v cc >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
command -v cargo >/dev/null 2>&1 || { echo "lang/python/setup.sh: cargo is required to build libtopt" >&2; exit 1; }
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
source "$(dirname "$0")/../../scripts/venv.sh"
