#!/usr/bin/env bash
# Runs the Starlark harness: shared selection/label vectors through bazel/private and all six
# dd_topt_<lang>_test macros, macro wiring, and the files `topt sync` generates.
# Needs target/debug/topt (cargo build -p topt-cli) or TOPT_BIN.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if [[ -z "${TOPT_BIN:-}" && ! -x "$root/target/debug/topt" ]]; then
  (cd "$root" && cargo build --quiet -p topt-cli)
fi
source "$root/scripts/venv.sh"  # python3 with pytest and starlark-pyo3
cd "$here"
exec python3 -m pytest -q -p no:cacheprovider "$@"
