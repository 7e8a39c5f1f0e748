# Sourced (bash): puts the project's Python virtual environment first on PATH, so `python3` is an
# interpreter with the packages of scripts/requirements.txt (pytest, starlark-pyo3). Debian's own
# python3 refuses `pip install` (externally managed) and comes without pip; a venv needs neither.
# The venv lives in ${TOPT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/topt-tests/venv} and is rebuilt
# only when requirements.txt changes. Creating it needs python3's venv module, which Debian ships
# separately (python3-venv): installed here when missing and running as root.
topt_venv="${TOPT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/topt-tests/venv}"
topt_venv_create() {
  local requirements sum
  requirements="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/requirements.txt"
  sum="$(sha256sum "$requirements" | cut -d' ' -f1)"
  [ "$(cat "$topt_venv/.topt-requirements" 2>/dev/null)" = "$sum" ] && return 0
  echo "venv: $topt_venv (scripts/requirements.txt from PyPI)"
  rm -rf "$topt_venv"
  if ! python3 -m venv "$topt_venv" >/dev/null 2>&1; then
    rm -rf "$topt_venv"
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
      echo "venv: python3 -m venv failed; install python3's venv module (Debian: python3-venv)" >&2
      return 1
    fi
    echo "venv: apt-get install python3 python3-venv"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 python3-venv \
      >/dev/null 2>&1 || {
      apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null
    } || return 1
    python3 -m venv "$topt_venv" || return 1
  fi
  "$topt_venv/bin/python3" -m pip install -q --disable-pip-version-check -r "$requirements" ||
    { echo "venv: pip install -r $requirements failed" >&2; return 1; }
  echo "$sum" >"$topt_venv/.topt-requirements"
}
topt_venv_create && export VIRTUAL_ENV="$topt_venv" PATH="$topt_venv/bin:$PATH"
