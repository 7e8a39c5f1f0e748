#!/usr/bin/env bash
# Installs what the Bazel 4 suites need on a clean Debian 12 machine (run as root; idempotent):
# Debian's Bazel 4.2.3 (bazel-bootstrap, WORKSPACE mode only, works offline), Debian's Java rules
# for it, Go 1.19 (the newest Go whose SDK ships the precompiled standard library rules_go 0.34
# needs), and the JNA and JUnit jars from Maven Central, checked against pinned sha256 sums, into
# the suites' cache (tests/bazel4/lib.sh) with curl.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
missing=()
for pkg in bazel-bootstrap bazel-rules-java golang-1.19-go curl; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
bazel --version >/dev/null

mkdir -p "$cache/maven"
for entry in "${maven_artifacts[@]}"; do
  path="${entry%% *}" sum="${entry##* }" file="$cache/maven/$(basename "${entry%% *}")"
  if [[ ! -f "$file" ]] || [[ "$(sha256sum "$file" | cut -d' ' -f1)" != "$sum" ]]; then
    curl -fsSL --retry 3 -o "$file.tmp" "https://repo1.maven.org/maven2/$path"
    got="$(sha256sum "$file.tmp" | cut -d' ' -f1)"
    [[ "$got" == "$sum" ]] || { rm -f "$file.tmp"; echo "setup: $path has sha256 $got, want $sum" >&2; exit 1; }
    mv "$file.tmp" "$file"
  fi
done
