#!/usr/bin/env bash
# Builds libtopt, the .NET binding (Datadog.Topt.dll) and its test runner with Mono's mcs, then
# runs every test. The runner ends with "N passed, N failed" and exits non-zero on failure. Works
# from any directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
source ../testenv.sh

mkdir -p bin
mcs -nologo -warnaserror -target:library -out:bin/Datadog.Topt.dll src/*.cs
mcs -nologo -warnaserror -out:bin/Datadog.Topt.Tests.exe -r:bin/Datadog.Topt.dll tests/*.cs
exec mono --debug bin/Datadog.Topt.Tests.exe "$@"
