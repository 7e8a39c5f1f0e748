#!/usr/bin/env bash
# The `tracers` suite: the real tracers (versions.env) in Bazel mode against a `topt sync` tree,
# then `topt doctor` and `topt upload`. setup.sh installs the tracers (cached); the driver is
# pytest (test_tracers.py), run with the system python3.
set -euo pipefail
cd "$(dirname "$0")"
bash setup.sh
[ -x ../../target/debug/topt ] || (cd ../.. && cargo build -q -p topt-cli)
exec python3 -m pytest -p no:cacheprovider -q -rA test_tracers.py "$@"
