#!/usr/bin/env bash
# What the fuzz suite needs: the nightly toolchain (libFuzzer's coverage instrumentation and
# AddressSanitizer are nightly-only), cargo-fuzz from crates.io, and a C++ compiler
# (libfuzzer-sys builds libFuzzer from source). Idempotent; called by scripts/setup.sh.
set -euo pipefail

CARGO_FUZZ_VERSION=0.13.2

if ! rustup toolchain list | grep -q '^nightly'; then
  echo "setup: rustup toolchain install nightly"
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  echo "setup: cargo install cargo-fuzz $CARGO_FUZZ_VERSION"
  cargo install --quiet --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi
if ! command -v c++ >/dev/null; then
  echo "setup: apt-get install g++"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends g++ >/dev/null
fi
