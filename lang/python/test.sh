#!/usr/bin/env bash
# Builds libtopt and runs the Python binding's tests against it. Works from any directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
root="$(cd ../.. && pwd)"

# An absolute TOPT_LIBRARY already set (say, a release build) is tested as is.
if [[ "${TOPT_LIBRARY:-}" != /* ]]; then
  (cd "$root" && cargo build -q -p topt-ffi)
  export TOPT_LIBRARY="$root/target/debug/libtopt.so"
fi

export PYTHONDONTWRITEBYTECODE=1
python3 -m pytest -v -p no:cacheprovider
