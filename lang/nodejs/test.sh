#!/usr/bin/env bash
# Builds libtopt, then runs the Node.js binding's suite with node's test runner. Works from any
# directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
source ../testenv.sh

exec node --test "$@" test/*.test.js
