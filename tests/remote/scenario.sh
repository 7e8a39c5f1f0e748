#!/usr/bin/env bash
# Remote execution without downloading outputs, for real: Bazel 4.2.3 runs the walk-through of
# docs/bazel.md (a dd_topt_py_test writing its payload through libtopt, plus a 2-shard test whose
# shards write byte-identical payloads) with
#   --remote_cache=grpc://127.0.0.1:PORT --remote_download_minimal --build_event_json_file=…
# against BuildGrid (CAS on disk). The local test outputs are then removed — standing for remote
# execution, where they never come down — and
#   1. topt doctor --bep passes and topt upload --bep uploads every payload through the CAS into
#      `topt intake`; the same upload again sends nothing (the ledger);
#   2. faults, each an error of its test, nothing recorded in the ledger, exit 1: the cache
#      unreachable; a blob missing; a blob corrupted on BuildGrid's disk (digest mismatch); a blob
#      truncated there (BuildGrid stops the stream: DATA_LOSS);
#   3. a second invocation in a fresh output base gets remote cache hits: doctor and upload pass,
#      nothing is sent;
#   4. topt ci -- bazel test … on that warm cache passes (ci adds --build_event_json_file).
# Needs tests/remote/setup.sh (BuildGrid) and tests/bazel4/setup.sh (Bazel 4.2.3). Work folder:
# $TOPT_REMOTE_WORKDIR/scenario (default ${TMPDIR:-/tmp}/topt-remote), removed at the end.
set -euo pipefail
suite=remote-scenario
source "$(dirname "$0")/../bazel4/lib.sh"
need_tools
base="${TOPT_REMOTE_WORKDIR:-${TMPDIR:-/tmp}/topt-remote}/scenario"
bgd="${TOPT_BGD:-$(bash "$root/tests/remote/setup.sh" --bgd)}" || die "tests/remote/setup.sh failed"

say "building topt and libtopt (cargo build -p topt-cli -p topt-ffi)"
(cd "$root" && cargo build --quiet -p topt-cli -p topt-ffi) || die "cargo build failed"
topt="$root/target/debug/topt"

# Bazel leaves read-only folders in its output bases.
wipe() { [[ ! -e $1 ]] || { chmod -R u+w "$1" 2>/dev/null || true; rm -rf "$1"; }; }
wipe "$base"
mkdir -p "$base/bin"
ws="$base/shop"
ln -sfn "$root" "$base/topt"
python3 "$bazel4/guide.py" extract "$root/docs/bazel.md" "$ws" || die "cannot extract the walk-through"
# The walk-through's WORKSPACE declares libtopt's rules_rust build: its repositories come from
# what "Offline Bazel 4" lists (the bazel4-rust suite's folder, as in the guide suite). The tests
# here load topt_binary's libtopt instead, so the scenario fetches rules_rust but builds no Rust:
# the guide suite proves that build, this one the remote cache.
source "$root/tests/bazel4_rust/lib.sh"
bash "$root/tests/bazel4_rust/setup.sh" "$rust_cache" || die "tests/bazel4_rust/setup.sh failed"
set_rust_offline_flags || die "the bazel4-rust cache is not ready"
sed -i 's#^    topt_data = topt_data,$#&\n    topt_library = "@topt_tool//:libtopt",#' "$ws/checkout/api/handlers/BUILD.bazel"
grep -q '@topt_tool//:libtopt' "$ws/checkout/api/handlers/BUILD.bazel" || die "the walk-through's test changed shape"
# Two shards, each writing the walk-through test's payload: the same bytes twice, two payloads.
cat >> "$ws/checkout/api/handlers/BUILD.bazel" <<'BUILD'

dd_topt_py_test(
    name = "sharded_test",
    size = "small",
    srcs = ["handlers_test.py"],
    main = "handlers_test.py",
    shard_count = 2,
    topt_data = topt_data,
    topt_library = "@topt_tool//:libtopt",
    deps = [":handlers"],
)
BUILD

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="$(free_port)"
sed -e "s#@PORT@#$port#" -e "s#@DIR@#$base/cas#" "$root/tests/remote/buildgrid-disk.yml.in" > "$base/buildgrid.yml"
"$bgd" server start "$base/buildgrid.yml" > "$base/buildgrid.log" 2>&1 &
bgd_pid=$!
"$topt" intake --port 0 --addr-file "$base/intake.url" --record "$base/intake.jsonl" --quiet &
intake_pid=$!
cleanup() {
  kill "$bgd_pid" "$intake_pid" 2>/dev/null || true
  wait "$bgd_pid" "$intake_pid" 2>/dev/null || true
  [[ -n ${TOPT_REMOTE_KEEP:-} ]] || wipe "$base"
}
trap cleanup EXIT
for _ in $(seq 600); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && [[ -s $base/intake.url ]] && break
  kill -0 "$bgd_pid" 2>/dev/null || break
  sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || die "BuildGrid did not start: $(tail -5 "$base/buildgrid.log")"
intake_url="$(cat "$base/intake.url")"
say "BuildGrid on 127.0.0.1:$port (CAS in $base/cas), topt intake on $intake_url"

export DD_API_KEY=local DD_TEST_OPTIMIZATION_AGENTLESS_URL="$intake_url"
export DD_GIT_REPOSITORY_URL=https://github.com/acme/shop.git DD_GIT_BRANCH=main
export DD_GIT_COMMIT_SHA=9f2c1e7a3b5d4c6e8f0a1b2c3d4e5f6a7b8c9d0e
export TOPT_CARGO_TARGET_DIR="$root/target"
unset TESTLOGS_DIR TOPT_REMOTE_CACHE BUILD_WORKSPACE_DIRECTORY
remote=(--remote_cache="grpc://127.0.0.1:$port" --remote_download_minimal)
# No --disk_cache: every hit in the second invocation must come from the remote cache. No
# convenience symlinks: a second output base would take the first one's bazel-shop for a package,
# and nothing here may depend on bazel-testlogs.
common=(--repository_cache="$cache/repository_cache" --test_output=errors --symlink_prefix=/
  "${rust_offline_flags[@]}")
bazel_test() {
  local ob=$1 bep=$2
  shift 2
  (cd "$ws" && bazel --batch --output_base="$ob" test "${common[@]}" "${remote[@]}" \
    --build_event_json_file="$bep" "$@" //...) > "$bep.log" 2>&1 \
    || die "bazel test failed: $(grep -m5 -E 'ERROR|FAIL' "$bep.log")"
}
# Every upload the intake received (test payloads and telemetry), and the test payloads alone.
uploads() { grep -c '"upload_seq":[1-9]' "$base/intake.jsonl" || true; }
test_uploads() { grep -c '"kind":"citestcycle"' "$base/intake.jsonl" || true; }
ledger_records() { [[ -f $1 ]] && grep -c . "$1" || echo 0; }
# Prints how many test attempts of a BEP file are executed / cached remotely, and how many name
# outputs.zip by a bytestream:// URI.
bep_counts() {
  python3 - "$1" <<'PY'
import json, sys
executed = remote_hits = zips = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    r = e.get("testResult")
    if r is None or "testResult" not in e.get("id", {}):
        continue
    if r.get("executionInfo", {}).get("cachedRemotely"):
        remote_hits += 1
    elif not r.get("cachedLocally"):
        executed += 1
    zips += sum(1 for o in r.get("testActionOutput", [])
                if o["name"] == "test.outputs__outputs.zip" and o["uri"].startswith("bytestream://"))
print(executed, remote_hits, zips)
PY
}

ob1="$base/ob1"
say "bazel test //... (remote cache, --remote_download_minimal, build events)"
bazel_test "$ob1" "$base/bep1.json"
read -r executed hits zips < <(bep_counts "$base/bep1.json")
[[ "$executed $hits $zips" == "3 0 3" ]] || die "bep1.json: $executed executed, $hits remote hits, $zips bytestream outputs.zip (want 3 0 3)"
testlogs=("$ob1"/execroot/*/bazel-out/*/testlogs)
[[ -d ${testlogs[0]} ]] || die "no testlogs under $ob1"
# Standing for remote execution: the outputs never came down.
rm -rf "${testlogs[@]}"
ctx="test_optimization_data=$ob1/external/test_optimization_data/.testoptimization/context.json"
ledger="$ob1/topt-uploaded.ledger"

say "topt doctor --bep (outputs read from the CAS)"
"$topt" doctor --bep "$base/bep1.json" --context "$ctx" --workspace "$ws" --json > "$base/doctor1.json" \
  || die "the doctor failed: $(head -c 2000 "$base/doctor1.json")"
grep -q '"validated_dirs":3' "$base/doctor1.json" || die "the doctor did not check 3 attempts: $(head -c 2000 "$base/doctor1.json")"
grep -q "bytestream://127.0.0.1:$port/blobs/" "$base/doctor1.json" || die "the doctor did not read from the CAS"

say "topt upload --bep (through the CAS into topt intake)"
"$topt" upload --bep "$base/bep1.json" --context "$ctx" --no-progress > "$base/upload1.log" 2>&1 \
  || die "the upload failed: $(tail -20 "$base/upload1.log")"
[[ "$(test_uploads)" -eq 3 ]] || die "expected 3 citestcycle uploads (1 test, 2 shards), got $(test_uploads): $(tail -20 "$base/upload1.log")"
sent="$(uploads)"
for target in //checkout/api/handlers:handlers_test //checkout/api/handlers:sharded_test; do
  grep -q "$target" "$base/intake.jsonl" || die "no upload carries bazel.target $target"
done
# 3 payloads and the synthetic telemetry of the sync's facts (once per invocation).
[[ "$(ledger_records "$ledger")" -eq 4 ]] || die "the ledger $ledger has $(ledger_records "$ledger") records, not 4"

say "the same upload again: nothing sent twice"
"$topt" upload --bep "$base/bep1.json" --context "$ctx" --no-progress > "$base/upload2.log" 2>&1 \
  || die "the second upload failed: $(tail -20 "$base/upload2.log")"
[[ "$(uploads)" -eq $sent ]] || die "the second upload sent again: $(uploads) uploads, not $sent"
grep -q "already uploaded" "$base/upload2.log" || die "the second upload does not say why: $(cat "$base/upload2.log")"

# Each fault: exit 1, an error naming the test and the cause, nothing sent, the ledger unchanged.
fault() {
  local name=$1 bep=$2 want=$3 errors=$4
  shift 4
  local log="$base/fault-$name.log" code=0
  "$topt" upload --bep "$bep" --context "$ctx" --no-progress --remote-retries 1 "$@" > "$log" 2>&1 || code=$?
  [[ $code -eq 1 ]] || die "$name: exit $code, not 1: $(tail -10 "$log")"
  local n
  n="$(grep -c "error: //checkout/api/handlers:.*cannot read its outputs.*$want" "$log" || true)"
  [[ $n -eq $errors ]] || die "$name: $n errors saying '$want', not $errors: $(cat "$log")"
  [[ "$(uploads)" -eq $sent ]] || die "$name: something was sent ($(uploads) uploads, not $sent)"
  [[ "$(ledger_records "$ledger")" -eq 4 ]] || die "$name: the ledger changed"
  say "fault $name: $errors test(s) failed with '$want', nothing sent or recorded"
}
fault unreachable "$base/bep1.json" "unreachable" 3 --remote-cache "grpc://127.0.0.1:$(free_port)" --remote-timeout 3

# Every stored zip, by the sharded test's first shard (its blob is the one broken below).
zip_uri="$(python3 - "$base/bep1.json" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    rid = e.get("id", {}).get("testResult")
    if rid and rid["label"].endswith(":sharded_test") and rid.get("shard") == 1:
        print(next(o["uri"] for o in e["testResult"]["testActionOutput"] if o["name"] == "test.outputs__outputs.zip"))
PY
)"
[[ $zip_uri == bytestream://* ]] || die "no outputs.zip URI for the first shard"
hash="$(basename "$(dirname "$zip_uri")")"
size="$(basename "$zip_uri")"
# A digest nobody stored: the BEP names a blob the cache does not have.
missing="$(printf 'never stored' | sha256sum | cut -c1-64)"
sed "s#blobs/$hash/$size#blobs/$missing/12#" "$base/bep1.json" > "$base/bep-missing.json"
fault missing "$base/bep-missing.json" "does not have this blob" 1

blob="$base/cas/cas/objects/${hash:0:2}/${hash:2}"
[[ -f $blob ]] || die "BuildGrid's disk storage has no $blob"
cp "$blob" "$base/blob.orig"
# One byte flipped where BuildGrid keeps the blob: served whole, hashing to something else.
python3 - "$blob" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x01
open(p, "wb").write(bytes(b))
PY
fault corrupted "$base/bep1.json" "digest mismatch" 1
# Cut short there: BuildGrid sends what it has, then ends the stream with DATA_LOSS.
head -c $((size / 2)) "$base/blob.orig" > "$blob"
fault truncated "$base/bep1.json" "DataLoss" 1
cp "$base/blob.orig" "$blob"

ob2="$base/ob2"
say "a second invocation in a fresh output base (remote cache hits)"
bazel_test "$ob2" "$base/bep2.json"
read -r executed hits zips < <(bep_counts "$base/bep2.json")
[[ "$executed $hits" == "0 3" ]] || die "bep2.json: $executed executed, $hits remote hits (want 0 3)"
ctx2="test_optimization_data=$ob2/external/test_optimization_data/.testoptimization/context.json"
"$topt" doctor --bep "$base/bep2.json" --context "$ctx2" --workspace "$ws" --json > "$base/doctor2.json" \
  || die "the doctor failed on cache hits: $(head -c 2000 "$base/doctor2.json")"
grep -q '"cached_dirs":3' "$base/doctor2.json" || die "the doctor did not report 3 cached results"
"$topt" upload --bep "$base/bep2.json" --context "$ctx2" --no-progress > "$base/upload3.log" 2>&1 \
  || die "the upload failed on cache hits: $(tail -20 "$base/upload3.log")"
grep -q "cached (remotely" "$base/upload3.log" || die "the upload does not report the cache hits: $(cat "$base/upload3.log")"
[[ "$(uploads)" -eq $sent ]] || die "the upload of cache hits sent something ($(uploads) uploads, not $sent)"

say "topt ci -- bazel test … on the warm cache"
(cd "$ws" && "$topt" ci --context "$ctx2" -- bazel --batch --output_base="$ob2" test "${common[@]}" "${remote[@]}" //...) \
  > "$base/ci.log" 2>&1 || die "topt ci failed on a warm cache: $(tail -20 "$base/ci.log")"
grep -q -- "--build_event_json_file=" "$base/ci.log" || die "topt ci did not add --build_event_json_file: $(head -5 "$base/ci.log")"
grep -q "tests: ok, doctor: ok, dry-run: ok, upload: ok" "$base/ci.log" || die "topt ci: $(tail -5 "$base/ci.log")"
[[ "$(uploads)" -eq $sent ]] || die "topt ci on a warm cache sent something ($(uploads) uploads, not $sent)"
say "OK: 3 payloads from the CAS with no local outputs, a re-run and the cache hits sending nothing, 4 faults each an error of its test, topt ci on a warm cache"
