#!/usr/bin/env bash
# Installs Debian's Bazel 4.2.3 (bazel-bootstrap, WORKSPACE mode only, works offline) and the Java
# rules it needs for tests (toolchains.md §8). Idempotent; needs root (apt-get).
set -euo pipefail
missing=()
for pkg in bazel-bootstrap bazel-rules-java; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
bazel --version >/dev/null
