#!/usr/bin/env bash
# The `remote` suite (scripts/test.sh remote): topt against a real remote cache.
#   1. the Rust tests that start BuildGrid on a free 127.0.0.1 port (ignored in the `rust` suite):
#      blobs written with ByteStream Write / CAS BatchUpdateBlobs read back and verified,
#      instance names, NOT_FOUND, a stopped server;
#   2. tests/remote/capture.sh --check: the real Bazel 4.2.3 runs a scratch workspace against
#      BuildGrid with --remote_download_minimal, and every output its BEP files name is read back
#      (bytestream:// from the CAS, file:// in place) and verified;
#   3. tests/remote/scenario.sh: the walk-through of docs/bazel.md on Bazel 4.2.3 against BuildGrid
#      with no local test outputs: topt doctor/upload --bep through the CAS into `topt intake`,
#      re-runs and cache hits sending nothing, the faults, topt ci on a warm cache.
# Needs tests/remote/setup.sh (BuildGrid) and tests/bazel4/setup.sh (Bazel), both in scripts/setup.sh.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
TOPT_BGD="$(bash tests/remote/setup.sh --bgd)"
export TOPT_BGD
work="${TOPT_REMOTE_WORKDIR:-${TMPDIR:-/tmp}/topt-remote}"
mkdir -p "$work"
# The tests live in the library target; a filter that matches nothing would pass: count them.
cargo test --quiet -p topt-cli --lib remote::tests::buildgrid -- --ignored 2>&1 | tee "$work/buildgrid-tests.log"
grep -q "test result: ok. 3 passed" "$work/buildgrid-tests.log" || { echo "remote: the 3 BuildGrid tests did not all run" >&2; exit 1; }
TOPT_BEP_CAPTURE_WORKDIR="$work/capture" bash tests/remote/capture.sh --check
TOPT_REMOTE_WORKDIR="$work" bash tests/remote/scenario.sh
