#!/usr/bin/env bash
# The `tracers` suite: the real tracers (versions.env) in Bazel mode against a `topt sync` tree,
# then `topt doctor` and `topt upload`. setup.sh installs the tracers (cached); the driver is
# pytest (test_tracers.py), run with the project's venv (scripts/venv.sh).
set -euo pipefail
cd "$(dirname "$0")"
bash setup.sh
# The Go that go/go.mod needs, when setup.sh fetched one (the Go on PATH is older), and python3
# with pytest (the project's venv).
go_root=${XDG_CACHE_HOME:-$HOME/.cache}/topt-tests/tracers/go
[ ! -x "$go_root/bin/go" ] || export PATH="$go_root/bin:$PATH"
source ../../scripts/venv.sh
[ -x ../../target/debug/topt ] || (cd ../.. && cargo build -q -p topt-cli)
exec python3 -m pytest -p no:cacheprovider -q -rA test_tracers.py "$@"
