#!/usr/bin/env bash
# Installs what lang/dotnet/test.sh needs on a clean Debian 12: Mono's C# compiler (mcs) and
# runtime. No .NET SDK exists in Debian 12 (or any registry these machines reach), so the
# netstandard2.0 library is compiled and tested with Mono. Idempotent and quiet when done.
set -euo pipefail

packages=(mono-mcs mono-runtime)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
echo "lang/dotnet/setup.sh: installing ${missing[*]}"
# The package lists may be missing on a fresh image: update once, then install.
if ! $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
