#!/usr/bin/env bash
# Installs what lang/go/test.sh needs on a clean Debian 12 machine (run as root). Idempotent and
# quiet when everything is present. The binding uses only the standard library, so nothing is
# fetched from the Go module proxy; cgo needs a C compiler.
set -euo pipefail

missing=()
command -v go >/dev/null 2>&1 || missing+=(golang)  # Debian 12: Go 1.19, what go.mod asks for
command -v gcc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
command -v cargo >/dev/null 2>&1 || { echo "lang/go/setup.sh: cargo is required to build libtopt" >&2; exit 1; }

if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
