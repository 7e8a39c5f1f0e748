#!/usr/bin/env bash
# Installs BuildGrid (a Remote Execution API server from PyPI) into a virtualenv in the test cache,
# for the `remote` suite: its CAS and ByteStream services stand for a real remote cache.
# Debian's python3 refuses `pip install` outside a virtualenv (externally-managed-environment),
# hence `python3 -m venv`. BuildGrid 0.4.4 is its newest release that supports Python 3.11.
# Idempotent: a complete venv (stamp file written last) whose `bgd` runs is kept.
#   tests/remote/setup.sh --bgd   also prints the path of `bgd` (what TOPT_BGD is set to)
set -euo pipefail
version=0.4.4
cache="${XDG_CACHE_HOME:-$HOME/.cache}/topt-tests"
venv="$cache/buildgrid-$version"
python=/usr/bin/python3
[[ -x $python ]] || python=python3

finish() {
  [[ ${1:-} != --bgd ]] || echo "$venv/bin/bgd"
  exit 0
}
if [[ -f $venv/.complete ]] && "$venv/bin/bgd" --help >/dev/null 2>&1; then
  finish "$@"
fi
if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
  echo "setup: apt-get install python3-venv" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
fi
echo "setup: buildgrid $version into $venv" >&2
# A venv is not relocatable (its scripts name their interpreter by path), so it is built in place;
# the stamp marks it complete, and an interrupted install is redone from scratch.
rm -rf "$venv"
mkdir -p "$cache"
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "buildgrid==$version" >&2
"$venv/bin/bgd" --help >/dev/null
touch "$venv/.complete"
finish "$@"
