#!/usr/bin/env bash
# Builds libtopt, then runs the Java binding's JUnit suite through Maven Surefire. Works from any
# directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
source ../testenv.sh

exec mvn -B --no-transfer-progress -Dstyle.color=never test "$@"
