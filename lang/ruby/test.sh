#!/usr/bin/env bash
# Builds libtopt and runs the Ruby binding's minitest suite (one process, one summary line). Works
# from any directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
source ../testenv.sh

exec timeout 600 ruby -w -Ilib -Itest test/all.rb "$@"
