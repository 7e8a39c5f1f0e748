#!/usr/bin/env bash
# Installs the Starlark interpreter used by the harness (PyPI starlark-pyo3, import name `starlark`).
# Idempotent. Do not also install PyPI `starlark` (same import name).
set -euo pipefail
if python3 -c 'import starlark, sys; sys.exit(0 if hasattr(starlark, "FileLoader") else 1)' 2>/dev/null; then
  exit 0
fi
python3 -m pip install --quiet --disable-pip-version-check 'starlark-pyo3==2026.1.3'
