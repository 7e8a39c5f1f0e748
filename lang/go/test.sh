#!/usr/bin/env bash
# Builds libtopt and runs the Go binding's tests against it. Works from any directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
source ../testenv.sh
# Standard library only: stay offline and on the installed toolchain.
export GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local CGO_ENABLED=1

unformatted=$(gofmt -l .)
[[ -z "$unformatted" ]] || { echo "gofmt needed: $unformatted" >&2; exit 1; }
go vet ./...
# -race checks the binding's locking; topt_debug forces a GC before every libtopt call so a
# context freed too early would fail here instead of crashing rarely in a tracer.
go test -count=1 -race -tags topt_debug -v ./... 2>&1 | grep -v '^=== RUN'
