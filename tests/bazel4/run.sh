#!/usr/bin/env bash
# Bazel 4.2.3 smoke test (Debian bazel-bootstrap, WORKSPACE mode, offline):
#   1. a WORKSPACE whose repository rules build `topt` with the host cargo and run `topt sync`
#      against a local `topt intake` (serving testdata/api);
#   2. two dd_topt_py_test targets whose test loads libtopt through the Python binding, reads the
#      synced files of its module from runfiles and writes a payload;
#   3. `bazel run` of the doctor and the uploader (dry run, then a real upload into the intake) over
#      the resulting bazel-testlogs, where Bazel 4 zips test outputs into outputs.zip.
# Needs: tests/bazel4/setup.sh; cargo. Takes 1-3 minutes (first run longer: Bazel extracts itself).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/tests/bazel4"
work="${TOPT_BAZEL4_WORKDIR:-${TMPDIR:-/tmp}/topt-bazel4}"
say() { printf '[bazel4-smoke] %s\n' "$*"; }
die() { say "FAIL: $*" >&2; exit 1; }

command -v bazel >/dev/null || die "no bazel on PATH; run tests/bazel4/setup.sh first"
[[ -d /usr/share/bazel/rules/java ]] || die "/usr/share/bazel/rules/java missing; run tests/bazel4/setup.sh first"
command -v cargo >/dev/null || die "cargo is needed (topt and libtopt are built from source)"

say "building topt and libtopt (cargo build -p topt-cli -p topt-ffi)"
(cd "$root" && cargo build --quiet -p topt-cli -p topt-ffi) || die "cargo build failed"
topt="$root/target/debug/topt"
lib="$root/target/debug/libtopt.so"
[[ -x "$topt" ]] || die "missing $topt"
[[ -f "$lib" ]] || die "missing $lib (topt-ffi cdylib)"
[[ -f "$root/lang/python/topt/__init__.py" ]] || die "the Python binding lang/python/topt is missing"
for sub in sync intake doctor upload; do
  "$topt" "$sub" --help >/dev/null 2>&1 || die "topt $sub is not available in this build"
done

ws="$work/ws"
rm -rf "$ws" "$work/stubs" "$work/intake.jsonl"
mkdir -p "$ws" "$work"
cp -R "$here/stubs" "$work/stubs"
cp "$here/example/smoke_test.py" "$here/example/lang_check.py" "$here/example/fake_rules.bzl" "$ws/"
cp "$here/example/BUILD.bazel.in" "$ws/BUILD.bazel"
sed "s#@TOPT_ROOT@#$root#" "$here/example/WORKSPACE.in" > "$ws/WORKSPACE"
cp "$lib" "$ws/libtopt.so"
# The shared vectors, run by the real Bazel through the real selection/label code.
mkdir -p "$ws/vectors"
python3 "$here/vectors_to_bzl.py" "$root" "$ws/vectors/vectors.bzl"
cp "$here/example/vectors_check.bzl" "$ws/vectors/"
printf 'load(":vectors_check.bzl", "check_vectors")\n\ncheck_vectors(name = "vectors")\n' > "$ws/vectors/BUILD.bazel"
# A target whose explicit identifier names no module: analysis must fail, listing the modules.
mkdir -p "$ws/bad"
cat > "$ws/bad/BUILD.bazel" <<'BAD'
load("@test_optimization_data//:export.bzl", "topt_data")
load("@dd_topt//lang/python:defs.bzl", "dd_topt_py_test")

dd_topt_py_test(
    name = "bad_test",
    srcs = ["//:smoke_test.py"],
    main = "//:smoke_test.py",
    module_identifier = "no.such.module",
    topt_data = topt_data,
    topt_library = "//:libtopt.so",
)
BAD
cat > "$ws/.bazelrc" <<RC
# Offline stand-ins for Bazel 4.2.3 (toolchains.md §8).
common --override_repository=rules_cc=$work/stubs/rules_cc
common --override_repository=rules_python=$work/stubs/rules_python
common --override_repository=rules_java=/usr/share/bazel/rules/java
common --override_repository=remote_coverage_tools=$work/stubs/remote_coverage_tools
# Sync inputs go to the repository rule (never --test_env).
common --repo_env=DD_API_KEY=local
common --repo_env=DD_GIT_REPOSITORY_URL=https://github.com/acme/smoke.git
common --repo_env=DD_GIT_COMMIT_SHA=9f2c1e7a3b5d4c6e8f0a1b2c3d4e5f6a7b8c9d0e
common --repo_env=DD_GIT_BRANCH=main
common --repo_env=TOPT_CARGO_TARGET_DIR=$root/target
RC

say "starting topt intake"
"$topt" intake --port 0 --addr-file "$work/intake.url" --record "$work/intake.jsonl" --quiet &
intake_pid=$!
trap 'kill "$intake_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [[ -s "$work/intake.url" ]] && break; sleep 0.1; done
[[ -s "$work/intake.url" ]] || die "topt intake did not start"
url="$(cat "$work/intake.url")"
rm -f "$work/intake.url"

cd "$ws"
bz=(bazel --batch --output_base="$work/output_base")
common=(--repo_env="DD_TEST_OPTIMIZATION_AGENTLESS_URL=$url" --repo_env="FETCH_SALT=$(date +%s%N)" --repo_env="PATH=$PATH")

say "bazel test //... (sync through the repository rule, then the tests)"
"${bz[@]}" test "${common[@]}" --test_output=errors --nocache_test_results -- //... -//bad/... || die "bazel test failed"

"${bz[@]}" build //vectors "${common[@]}" || die "shared vectors failed under Bazel 4 (see above)"
say "shared vectors under Bazel 4: $(cat "$ws/bazel-bin/vectors/vectors.txt") cases passed"

say "bazel build //bad:bad_test (must fail at analysis: unknown module identifier)"
if "${bz[@]}" build //bad:bad_test "${common[@]}" > "$work/bad.log" 2>&1; then
  die "//bad:bad_test built although its module_identifier names no module"
fi
grep -q "explicit module identifier 'no.such.module' resolved to 'module_no_such_module', but no matching module group exists. Available module groups: module_caf, module_checkout_api_handlers" "$work/bad.log" \
  || die "unexpected failure for //bad:bad_test: $(grep -m3 ERROR "$work/bad.log")"

meta="$ws/bazel-testlogs/smoke_test/test.outputs"
[[ -f "$meta/outputs.zip" ]] || die "expected Bazel 4 to zip the test outputs into $meta/outputs.zip"
listing="$(unzip -l "$meta/outputs.zip")"
grep -q 'bazel_target_metadata.json' <<<"$listing" || die "outputs.zip has no bazel_target_metadata.json"
grep -q 'payloads/tests/.*\.json' <<<"$listing" || die "outputs.zip has no payloads/tests/*.json"
sidecar="$(unzip -p "$meta/outputs.zip" bazel_target_metadata.json)"
grep -q '"bazel.target":"//:smoke_test"' <<<"$sidecar" || die "metadata sidecar lacks bazel.target: $sidecar"

go_meta="$(unzip -p "$ws/bazel-testlogs/go_test/test.outputs/outputs.zip" bazel_target_metadata.json)"
grep -q '"bazel.go.importpath_source":"inferred"' <<<"$go_meta" || die "Go sidecar: $go_meta"
grep -q '"bazel.go.payload_selection":"module"' <<<"$go_meta" || die "Go sidecar: $go_meta"

say "bazel run //:dd_test_optimization_doctor"
"${bz[@]}" run //:dd_test_optimization_doctor "${common[@]}" || die "the doctor found problems"

say "bazel run //:dd_upload_payloads -- --dry-run --validate-enrichment"
"${bz[@]}" run //:dd_upload_payloads "${common[@]}" -- --dry-run --validate-enrichment || die "dry run failed"

say "bazel run //:dd_upload_payloads (into the local intake)"
DD_API_KEY=local DD_TEST_OPTIMIZATION_AGENTLESS_URL="$url" \
  "${bz[@]}" run //:dd_upload_payloads "${common[@]}" -- --no-progress || die "upload failed"

uploads="$(grep -c '"kind":"citestcycle"' "$work/intake.jsonl" || true)"
[[ "$uploads" -ge 7 ]] || die "expected >= 7 citestcycle uploads in the intake, got $uploads"
grep -q '//:smoke_test' "$work/intake.jsonl" || die "uploaded payloads lack bazel.target //:smoke_test"
say "OK: sync, 7 tests through all six macros, doctor, dry run and $uploads uploads under Bazel 4.2.3"
