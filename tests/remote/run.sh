#!/usr/bin/env bash
# The `remote` suite (scripts/test.sh remote): topt's BEP reader and ByteStream client against a
# real remote cache.
#   1. the Rust tests that start BuildGrid on a free 127.0.0.1 port (ignored in the `rust` suite):
#      blobs written with ByteStream Write / CAS BatchUpdateBlobs read back and verified,
#      instance names, NOT_FOUND, a stopped server;
#   2. tests/remote/capture.sh --check: the real Bazel 4.2.3 runs a scratch workspace against
#      BuildGrid with --remote_download_minimal, and every output its BEP files name is read back
#      (bytestream:// from the CAS, file:// in place) and verified.
# Needs tests/remote/setup.sh (BuildGrid) and tests/bazel4/setup.sh (Bazel), both in scripts/setup.sh.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
TOPT_BGD="$(bash tests/remote/setup.sh --bgd)"
export TOPT_BGD
cargo test --quiet -p topt-cli --bin topt remote::tests::buildgrid -- --ignored
TOPT_BEP_CAPTURE_WORKDIR="${TOPT_REMOTE_WORKDIR:-${TMPDIR:-/tmp}/topt-remote}" \
  bash tests/remote/capture.sh --check
