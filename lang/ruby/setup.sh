#!/usr/bin/env bash
# Installs what lang/ruby/test.sh needs on a clean Debian 12: Ruby, the ffi gem and minitest,
# all from Debian's packages (ruby-ffi ships the compiled extension, so no compiler or gem
# server is needed). Idempotent and quiet when done.
set -euo pipefail

packages=(ruby ruby-ffi ruby-minitest)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
echo "lang/ruby/setup.sh: installing ${missing[*]}"
# The package lists may be missing on a fresh image: update once, then install.
if ! $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
