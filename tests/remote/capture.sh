#!/usr/bin/env bash
# Captures the Build Event Protocol JSON files under testdata/bep/bazel-4.2.3/ from the real
# Bazel 4.2.3 (Debian bazel-bootstrap, offline) and a real remote cache (BuildGrid, installed by
# tests/remote/setup.sh), so the BEP reader's tests read what Bazel really writes:
#
#   executed.json           tests run (locally) with --remote_cache + --remote_download_minimal
#   cached-locally.json     the same command again in the same output base
#   cached-remotely.json    the same command in a fresh output base: remote cache hits
#   instance-name.json      a fresh output base with --remote_instance_name=main (its own cache)
#   local-files.json        no remote cache at all, --runs_per_test=2: file:// URIs
#
# The workspace has three sh_tests: one plain, one with shard_count = 2, and one flaky = True that
# fails its first attempt. Every test writes an undeclared output, so Bazel zips test.outputs.
#
#   tests/remote/capture.sh           capture into $work (default /tmp/bep-capture)
#   tests/remote/capture.sh --check   then, while BuildGrid still runs, read every output the BEP
#                                     files name (bytestream:// from BuildGrid, file:// in place)
#                                     with topt's BEP reader and ByteStream client (a Rust test)
#   tests/remote/capture.sh --update  copy the files into testdata/bep/bazel-4.2.3/
#
# Digests, ports, paths and times differ from one capture to the next: after --update, the BEP
# reader's fixture tests (crates/topt-cli/src/bep/tests.rs) name the new values.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="${TOPT_BEP_CAPTURE_WORKDIR:-${TMPDIR:-/tmp}/bep-capture}"
say() { printf '[bep-capture] %s\n' "$*"; }
die() { say "FAIL: $*" >&2; exit 1; }

bgd="${TOPT_BGD:-$(bash "$root/tests/remote/setup.sh" --bgd)}" || die "tests/remote/setup.sh failed"
[[ -x $bgd ]] || die "no BuildGrid at $bgd"
command -v bazel >/dev/null || die "no bazel; run tests/bazel4/setup.sh"

rm -rf "$work"
mkdir -p "$work/ws/pkg" "$work/bep"
# The offline stand-ins a Bazel 4 user provides, from docs/bazel.md (their one source), as the
# Bazel 4 suites extract them.
python3 "$root/tests/bazel4/guide.py" extract "$root/docs/bazel.md" --prefix third_party/bazel4_offline/ \
  "$work/stubs" || die "cannot extract the offline stand-ins from docs/bazel.md"
# rules_cc: the release archive, unpacked (what "Offline Bazel 4" asks an offline user for), from
# the folder the rules_rust suites prepare.
source "$root/tests/bazel4_rust/lib.sh"
bash "$root/tests/bazel4_rust/setup.sh" "$rust_cache" || die "tests/bazel4_rust/setup.sh failed"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
sed "s/@PORT@/$port/" "$root/tests/remote/buildgrid.yml.in" > "$work/buildgrid.yml"
"$bgd" server start "$work/buildgrid.yml" > "$work/buildgrid.log" 2>&1 &
bgd_pid=$!
trap 'kill "$bgd_pid" 2>/dev/null || true' EXIT
# BuildGrid imports for a few seconds (longer on a busy machine) before it listens.
for _ in $(seq 600); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$bgd_pid" 2>/dev/null || break
  sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || die "BuildGrid did not start: $(tail -5 "$work/buildgrid.log")"
say "BuildGrid on 127.0.0.1:$port"

cd "$work/ws"
touch WORKSPACE
cat > pkg/BUILD <<'BUILD'
sh_test(
    name = "hello_test",
    srcs = ["hello_test.sh"],
)

sh_test(
    name = "sharded_test",
    srcs = ["hello_test.sh"],
    shard_count = 2,
)

sh_test(
    name = "flaky_test",
    srcs = ["flaky_test.sh"],
    flaky = True,
)
BUILD
cat > pkg/hello_test.sh <<'SH'
#!/bin/sh
mkdir -p "$TEST_UNDECLARED_OUTPUTS_DIR/payloads"
echo "{\"shard\":\"${TEST_SHARD_INDEX:-}\"}" > "$TEST_UNDECLARED_OUTPUTS_DIR/payloads/p.json"
if [ -n "${TEST_SHARD_STATUS_FILE:-}" ]; then touch "$TEST_SHARD_STATUS_FILE"; fi
echo hello
SH
# The marker lives outside the sandbox (under $work), so the second attempt sees the first one's.
cat > pkg/flaky_test.sh <<SH
#!/bin/sh
echo attempt > "\$TEST_UNDECLARED_OUTPUTS_DIR/attempt.txt"
if [ ! -f "$work/flaky.marker" ]; then touch "$work/flaky.marker"; exit 1; fi
rm -f "$work/flaky.marker"
SH
chmod +x pkg/*.sh
cat > .bazelrc <<RC
common --override_repository=remote_coverage_tools=$work/stubs/remote_coverage_tools
common --override_repository=rules_cc=$rust_cache/rules/rules_cc
common --override_repository=rules_java=/usr/share/bazel/rules/java
RC

remote=(--remote_cache="grpc://127.0.0.1:$port" --remote_download_minimal)
run() {
  local name=$1 ob=$2
  shift 2
  rm -f "$work/flaky.marker"
  say "bazel test //pkg/... $* -> $name.json"
  bazel --batch --output_base="$work/$ob" test //pkg/... --test_output=errors \
    --build_event_json_file="$work/bep/$name.json" "$@" > "$work/$name.log" 2>&1 \
    || die "bazel test failed: $(grep -m3 -E 'ERROR|FAIL' "$work/$name.log")"
}
run executed ob1 "${remote[@]}"
run cached-locally ob1 "${remote[@]}"
run cached-remotely ob2 "${remote[@]}"
run instance-name ob3 "${remote[@]}" --remote_instance_name=main
run local-files ob4 --runs_per_test=2

if [[ ${1:-} == --check ]]; then
  say "reading every output the BEP files name (cargo test remote::tests::live)"
  (cd "$root" && TOPT_CAPTURE_BEP_DIR="$work/bep" TOPT_CAPTURE_REMOTE="grpc://127.0.0.1:$port" \
    cargo test --quiet -p topt-cli --lib remote::tests::live -- --ignored --nocapture 2>&1 |
      tee "$work/live-test.log") || die "the outputs the BEP names could not all be read"
  grep -q "test result: ok. 1 passed" "$work/live-test.log" || die "the live test did not run"
fi
rm -rf "$work"/ob?

if [[ ${1:-} == --update ]]; then
  dest="$root/testdata/bep/bazel-4.2.3"
  mkdir -p "$dest"
  cp "$work"/bep/*.json "$dest/"
  say "copied $(ls "$work"/bep | wc -l) files into $dest (BuildGrid port $port, work dir $work)"
else
  say "captured into $work/bep (BuildGrid port $port); --update copies them into testdata/bep/bazel-4.2.3"
fi
