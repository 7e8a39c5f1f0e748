#!/usr/bin/env bash
# Installs the real tracers the `tracers` suite runs, at the versions in versions.env, from their
# registries: ddtrace + pytest (PyPI, into a venv), dd-trace-go (Go module proxy, through
# go/go.mod), dd-java-agent + the JUnit 5 console launcher (Maven Central), dd-trace + mocha (npm).
# Everything goes under ${XDG_CACHE_HOME:-$HOME/.cache}/topt-tests/tracers; a stamp per tracer
# makes a warm run skip the installs. Idempotent; run by scripts/setup.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=/dev/null
. "$here/versions.env"
cache=${XDG_CACHE_HOME:-$HOME/.cache}/topt-tests/tracers
mkdir -p "$cache"

# stamp NAME VALUE: true when NAME was installed with VALUE already.
fresh() { [ "$(cat "$cache/$1.stamp" 2>/dev/null)" = "$2" ]; }
done_() { echo "$2" >"$cache/$1.stamp"; }

# isolated.sh brings the loopback device up in its network namespace with `ip` (iproute2).
if ! command -v ip >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends iproute2 >/dev/null
fi
for tool in python3 go java javac mvn node npm unshare ip curl unzip; do
  command -v "$tool" >/dev/null || { echo "tests/tracers/setup.sh: $tool is required (scripts/setup.sh installs it)" >&2; exit 1; }
done

want="ddtrace==$DDTRACE_PY pytest==$PYTEST"
if ! fresh python "$want"; then
  echo "tracers setup: $want (PyPI)"
  rm -rf "$cache/python"
  python3 -m venv "$cache/python"
  # shellcheck disable=SC2086
  "$cache/python/bin/pip" install -q --disable-pip-version-check $want
  done_ python "$want"
fi

# go/go.mod's `go` line is the oldest Go that builds dd-trace-go. An older `go` on PATH (Debian 12
# has 1.19) gets that release from the Go module proxy, where each Go release is a version of the
# module golang.org/toolchain (what GOTOOLCHAIN downloads), into $cache/go; run.sh puts it first
# on PATH.
want_go=$(awk '$1 == "go" {print $2}' "$here/go/go.mod")
have_go=$(go env GOVERSION | sed 's/^go//')
if [ "$(printf '%s\n%s\n' "$want_go" "$have_go" | sort -V | head -1)" != "$want_go" ] &&
  ! fresh gotoolchain "$want_go"; then
  echo "tracers setup: Go $want_go (Go module proxy, golang.org/toolchain; go on PATH is $have_go)"
  module="golang.org/toolchain@v0.0.1-go$want_go.linux-amd64"
  proxy=$(go env GOPROXY | tr ',|' '\n\n' | grep -m1 '^http' || echo https://proxy.golang.org)
  rm -rf "$cache/go" "$cache/go.tmp" && mkdir -p "$cache/go.tmp"
  curl -fsSL --retry 3 -o "$cache/go.tmp/go.zip" "$proxy/${module%@*}/@v/${module#*@}.zip"
  (cd "$cache/go.tmp" && unzip -q go.zip)
  mv "$cache/go.tmp/$module" "$cache/go" && rm -rf "$cache/go.tmp"
  chmod +x "$cache/go/bin/"* "$cache/go/pkg/tool/"*/*  # zip entries carry no mode bits
  done_ gotoolchain "$want_go"
fi
[ ! -x "$cache/go/bin/go" ] || export PATH="$cache/go/bin:$PATH"

# dd-trace-go is pinned by go/go.mod (with go.sum); versions.env must say the same.
grep -q "github.com/DataDog/dd-trace-go/v2 $DD_TRACE_GO\$" "$here/go/go.mod" || {
  echo "tests/tracers/setup.sh: go/go.mod does not require dd-trace-go $DD_TRACE_GO (versions.env)" >&2
  exit 1
}
want="dd-trace-go $DD_TRACE_GO $(sha256sum "$here/go/go.sum" | cut -c1-16)"
if ! fresh go "$want"; then
  echo "tracers setup: $want (Go module proxy)"
  (cd "$here/go" && GOMODCACHE="$cache/gomod" GOFLAGS=-modcacherw go mod download)
  done_ go "$want"
fi

want="dd-java-agent $DD_JAVA_AGENT junit-platform-console-standalone $JUNIT_PLATFORM"
if ! fresh java "$want"; then
  echo "tracers setup: $want (Maven Central)"
  rm -rf "$cache/java" && mkdir -p "$cache/java"
  for artifact in "com.datadoghq:dd-java-agent:$DD_JAVA_AGENT" \
    "org.junit.platform:junit-platform-console-standalone:$JUNIT_PLATFORM"; do
    mvn -B -q --no-transfer-progress dependency:copy -Dartifact="$artifact" -DoutputDirectory="$cache/java"
  done
  done_ java "$want"
fi

want="dd-trace@$DD_TRACE_JS mocha@$MOCHA"
if ! fresh nodejs "$want"; then
  echo "tracers setup: $want (npm)"
  rm -rf "$cache/nodejs" && mkdir -p "$cache/nodejs"
  # shellcheck disable=SC2086
  (cd "$cache/nodejs" && echo '{"private":true}' >package.json &&
    npm install --no-audit --no-fund --loglevel=error --ignore-scripts $want)
  done_ nodejs "$want"
fi
