#!/usr/bin/env bash
# Installs the Starlark interpreter used by the harness (PyPI starlark-pyo3, import name `starlark`)
# and pytest into the project's virtual environment (scripts/venv.sh, scripts/requirements.txt).
# Idempotent.
set -euo pipefail
source "$(dirname "$0")/../../scripts/venv.sh"
