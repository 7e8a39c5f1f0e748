#!/usr/bin/env bash
# End to end on the embedded default, no Datadog account needed:
#   1. `topt intake` plays the Datadog API (embedded sample responses) and the intake;
#   2. `topt sync` fetches settings, known tests, test management and flaky tests from it and
#      writes the synced tree (what the Bazel repository rule does);
#   3. a stand-in test (scripts/demo_test.py) finds that tree through Bazel runfiles with libtopt
#      (via the Python binding), reads its module's known tests, and writes payload files into
#      its undeclared outputs, laid out as `bazel test` leaves them in bazel-testlogs;
#   4. `topt inspect`, `topt doctor` and `topt upload` run over that tree; the uploads land in the
#      local intake, which records exactly what it received.
# Everything happens under a temporary directory (kept with --keep) and on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
keep=0
[ "${1:-}" = "--keep" ] && keep=1

# The C linker cargo needs, CA certificates for crates.io, python3 (installed as root if missing).
bash scripts/setup.sh --core || { echo "demo: set-up failed (scripts/setup.sh --core)"; exit 1; }
echo "== building topt and libtopt"
cargo build -q -p topt-cli -p topt-ffi
topt="$root/target/debug/topt"
export TOPT_LIBRARY="$root/target/debug/libtopt.so"

work=$(mktemp -d /tmp/topt-demo.XXXXXX)
intake_pid=""
cleanup() {
  [ -n "$intake_pid" ] && kill "$intake_pid" 2>/dev/null || true
  if [ "$keep" = 1 ]; then echo "demo files kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

echo "== 1. local intake (API + intake stand-in) on 127.0.0.1"
"$topt" intake --port 0 --addr-file "$work/intake.url" --record "$work/intake.jsonl" --quiet &
intake_pid=$!
for _ in $(seq 100); do [ -s "$work/intake.url" ] && break; sleep 0.05; done
url=$(cat "$work/intake.url")
echo "   listening on $url"

# Agentless mode against the local stand-in. The key is a placeholder: it never reaches a file.
export DD_API_KEY=demo-placeholder-key DD_TEST_OPTIMIZATION_AGENTLESS_URL="$url"
export DD_SERVICE=checkout-api DD_ENV=ci
export DD_GIT_REPOSITORY_URL=https://github.com/acme/checkout.git DD_GIT_BRANCH=main
export DD_GIT_COMMIT_SHA=9f2c1e7a3b5d4c6e8f0a1b2c3d4e5f6a7b8c9d0e

echo "== 2. topt sync (what the repository rule runs)"
mkdir -p "$work/external/test_optimization_data"
"$topt" sync --repo-root "$work/external/test_optimization_data" --workspace-root "$work"
(cd "$work/external/test_optimization_data" && find . -type f | sort | sed 's/^/   /')

echo "== 3. a test writes payloads through libtopt (runfiles as bazel test lays them out)"
runfiles="$work/runfiles"
mkdir -p "$runfiles"
ln -s "$work/external/test_optimization_data" "$runfiles/test_optimization_data"
outputs="$work/bazel-testlogs/pkg/cart/cart_test/test.outputs"
mkdir -p "$outputs"
printf '{"bazel.package":"//pkg/cart","bazel.target":"//pkg/cart:cart_test","bazel.test_optimization.repo_name":"test_optimization_data","bazel.test_optimization.runtime_name":"python","bazel.test_optimization.service_name":"checkout-api"}\n' \
  >"$outputs/bazel_target_metadata.json"
test_env=(
  RUNFILES_DIR="$runfiles"
  DD_TEST_OPTIMIZATION_MANIFEST_FILE=test_optimization_data/.testoptimization/manifest.txt
  DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES=true
  TEST_UNDECLARED_OUTPUTS_DIR="$outputs"
)
(cd "$work" && env "${test_env[@]}" python3 "$root/scripts/demo_test.py")

echo "== 4a. topt inspect (what libtopt saw)"
env "${test_env[@]}" "$topt" inspect --module github.com/acme/checkout/pkg/cart | sed 's/^/   /'

context="$work/external/test_optimization_data/.testoptimization/context.json"
echo "== 4b. topt doctor"
"$topt" doctor --testlogs "$work/bazel-testlogs" --workspace "$work" --context "$context"

echo "== 4c. topt upload --dry-run --validate-enrichment, then topt upload"
"$topt" upload --testlogs "$work/bazel-testlogs" --context "$context" --quiescent-sec 0 \
  --dry-run --validate-enrichment
"$topt" upload --testlogs "$work/bazel-testlogs" --context "$context" --quiescent-sec 0

echo "== what the intake received"
python3 - "$work/intake.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(f"   {r['method']} {r['path']} ({r['body_len']} bytes)")
    if r["path"].endswith("citestcycle"):
        body = r.get("body") or {}
        event = body.get("events", [{}])[0].get("content", {})
        meta = event.get("meta", {})
        # The id the test wrote is above 2^53: a JSON tool that goes through floats would round it.
        sent = 18446744073709551557
        same = "the test's 64-bit id, unchanged" if event.get("trace_id") == sent else f"CHANGED from {sent}"
        print(f"     trace_id {event.get('trace_id')} ({same}); enriched with "
              f"git.repository_url={meta.get('git.repository_url')}, bazel.target={meta.get('bazel.target')}")
PY
left=$(find "$work/bazel-testlogs" -name '*.json' -path '*payloads*' | wc -l)
echo "== payload files left after upload: $left (deleted only after the intake answered 2xx)"
