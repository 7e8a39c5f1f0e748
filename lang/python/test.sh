#!/usr/bin/env bash
# Builds libtopt and runs the Python binding's tests against it. Works from any directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
source ../testenv.sh
source ../../scripts/venv.sh  # python3 with pytest

export PYTHONDONTWRITEBYTECODE=1
python3 -m pytest -v -p no:cacheprovider
