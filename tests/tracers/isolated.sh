#!/usr/bin/env bash
# isolated.sh SENTINEL_DIR CMD...: runs CMD with no network but a sentinel on loopback.
#
# Inside a fresh network namespace (`unshare -n`, when the caller may create one) only the
# loopback device exists. A `topt intake` started there records any request, and every Datadog
# endpoint variable (agent, agentless, proxies) points at it, so the driver can assert afterwards
# that the tracer called nothing. Without `unshare` the sentinel still catches any request to
# those endpoints. $TOPT is the topt binary.
set -uo pipefail
sentinel=$1
shift
if [ -z "${TOPT_ISOLATED:-}" ] && unshare -n true 2>/dev/null; then
  TOPT_ISOLATED=netns exec unshare -n "$0" "$sentinel" "$@"
fi
export TOPT_ISOLATED=${TOPT_ISOLATED:-sentinel-only}
[ "$TOPT_ISOLATED" = netns ] && ip link set lo up
mkdir -p "$sentinel"
echo "$TOPT_ISOLATED" >"$sentinel/mode"
"$TOPT" intake --port 0 --addr-file "$sentinel/url" --record "$sentinel/requests.jsonl" --quiet &
intake=$!
for _ in $(seq 200); do [ -s "$sentinel/url" ] && break; sleep 0.05; done
url=$(cat "$sentinel/url")
port=${url##*:}
export DD_TRACE_AGENT_URL=$url DD_AGENT_HOST=127.0.0.1 DD_TRACE_AGENT_PORT=$port
export DD_CIVISIBILITY_AGENTLESS_URL=$url DD_TEST_OPTIMIZATION_AGENTLESS_URL=$url
export DD_DOGSTATSD_URL=udp://127.0.0.1:9 DD_INSTRUMENTATION_TELEMETRY_ENABLED=true
export HTTP_PROXY=$url HTTPS_PROXY=$url http_proxy=$url https_proxy=$url NO_PROXY= no_proxy=
"$@"
rc=$?
kill "$intake" 2>/dev/null
wait "$intake" 2>/dev/null
exit $rc
