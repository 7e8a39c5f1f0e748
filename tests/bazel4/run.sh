#!/usr/bin/env bash
# The macros under their real rules, on Debian's Bazel 4.2.3 (WORKSPACE mode, offline):
#   - dd_topt_go_test over rules_go 0.34's go_test (Go 1.19 SDK), with go_library embeds whose
#     importpath the aspect reads from rules_go's GoArchive: explicit, inferred and fallback
#     selection; the Go tests check the sidecar and their module's files through the Go binding;
#   - dd_topt_java_test over Bazel's native java_test (Debian's rules_java; Bazel's Java compile
#     tools replaced by tests/bazel4/java_tools), a JUnit 4 test using the Java binding (JNA);
#   - dd_topt_py_test over rules_python 0.8.1's py_test, through the Python binding;
#   - Node.js, .NET and Ruby through a stand-in test rule (no ruleset of theirs runs here);
#   - the shared selection/label vectors through bazel/private, a strict miss failing analysis;
#   - the repository rules (topt_binary building topt and libtopt with cargo, test_optimization_sync
#     against a local `topt intake`), then `bazel run` of the doctor and the uploader (dry run, then
#     a real upload into the intake) over bazel-testlogs, where Bazel 4 zips outputs.
# Needs tests/bazel4/setup.sh. Cached under $TOPT_BAZEL4_CACHE (see lib.sh).
set -euo pipefail
suite=bazel4
source "$(dirname "$0")/lib.sh"
need_tools
[[ -x "$go_sdk/bin/go" ]] || die "$go_sdk is missing; run tests/bazel4/setup.sh (golang-1.19-go)"

say "building topt and libtopt (cargo build -p topt-cli -p topt-ffi)"
(cd "$root" && cargo build --quiet -p topt-cli -p topt-ffi) || die "cargo build failed"
topt="$root/target/debug/topt"
rules="$(unpack_rulesets)"
maven="$(maven_dir)"
java_tools="$(java_tools_repo)"
standins="$(standins_dir)"

ws="$work/macros"
rm -rf "$ws"
mkdir -p "$ws"
(cd "$bazel4/macros" && find . -type f | while read -r f; do
  mkdir -p "$ws/$(dirname "$f")"
  case "$f" in
    *.bazel.in) cp "$f" "$ws/${f%.in}" ;;
    ./WORKSPACE.in | ./bazelrc.in) ;;
    *) cp "$f" "$ws/$f" ;;
  esac
done)
subst() {
  sed -e "s#@TOPT_ROOT@#$root#g" -e "s#@RULES@#$rules#g" -e "s#@GO_SDK@#$go_sdk#g" -e "s#@MAVEN@#$maven#g" \
    -e "s#@JAVA_TOOLS@#$java_tools#g" -e "s#@STANDINS@#$standins#g" \
    -e "s#@JNA_VERSION@#5.14.0#g" -e "s#@JUNIT_VERSION@#4.13.2#g" -e "s#@HAMCREST_VERSION@#1.3#g" "$1"
}
subst "$bazel4/macros/WORKSPACE.in" > "$ws/WORKSPACE"
subst "$bazel4/macros/bazelrc.in" > "$ws/.bazelrc"
python3 "$bazel4/vectors_to_bzl.py" "$root" "$ws/vectors/vectors.bzl"

start_intake "$topt" "$work/macros-intake.jsonl"
bazel_cmd macros
cd "$ws"
# The sync's inputs come from the environment of the bazel command ("The API key" in docs/bazel.md).
export DD_API_KEY=local DD_TEST_OPTIMIZATION_AGENTLESS_URL="$intake_url"
export DD_GIT_REPOSITORY_URL=https://github.com/acme/smoke.git DD_GIT_BRANCH=main
export DD_GIT_COMMIT_SHA=9f2c1e7a3b5d4c6e8f0a1b2c3d4e5f6a7b8c9d0e
export TOPT_CARGO_TARGET_DIR="$root/target"
# A new salt per suite run: a fresh sync, and topt_binary rebuilds topt from the current sources.
salt=(--repo_env="FETCH_SALT=$(date +%s%N)")

say "bazel test //... (sync through the repository rule, then the tests under their real rules)"
"${bz[@]}" test "${bzflags[@]}" "${salt[@]}" --nocache_test_results -- //... -//bad/... || die "bazel test failed"

"${bz[@]}" build "${bzflags[@]}" "${salt[@]}" //vectors || die "shared vectors failed under Bazel 4 (see above)"
say "shared vectors under Bazel 4: $(cat "$ws/bazel-bin/vectors/vectors.txt") cases passed"

say "bazel build //bad:bad_test (must fail at analysis: unknown module identifier)"
if "${bz[@]}" build "${bzflags[@]}" "${salt[@]}" //bad:bad_test > "$work/macros-bad.log" 2>&1; then
  die "//bad:bad_test built although its module_identifier names no module"
fi
grep -q "explicit module identifier 'no.such.module' resolved to 'module_no_such_module', but no matching module group exists. Available module groups: module_caf, module_checkout_api_handlers" "$work/macros-bad.log" \
  || die "unexpected failure for //bad:bad_test: $(grep -m3 ERROR "$work/macros-bad.log")"

sidecar() { unzip -p "$ws/bazel-testlogs/$1/test.outputs/outputs.zip" bazel_target_metadata.json; }
for t in pkg/cart/cart_test:inferred pkg/pay/pay_test:fallback svc/payments/payments_test:explicit; do
  meta="$(sidecar "${t%%:*}")"
  grep -q "\"bazel.go.importpath_source\":\"${t##*:}\"" <<<"$meta" || die "${t%%:*} sidecar: $meta"
  grep -q '"bazel.go.payload_selection":"module"' <<<"$meta" || die "${t%%:*} sidecar: $meta"
done
java_outputs="$(unzip -l "$ws/bazel-testlogs/java/HandlersTest/test.outputs/outputs.zip")"
grep -q 'payloads/tests/.*\.json' <<<"$java_outputs" || die "the Java test wrote no payload"

syncs() { grep -c '"path":"/api/v2/libraries/tests/services/setting"' "$work/macros-intake.jsonl" || true; }
synced="$(syncs)"
say "bazel run //:dd_test_optimization_doctor"
"${bz[@]}" run "${bzflags[@]}" "${salt[@]}" //:dd_test_optimization_doctor || die "the doctor found problems"

# With other flags than bazel test's and no API key, bazel run must neither re-run the sync nor
# fail: the launchers read the context of the sync the tests used from the output base.
say "bazel run of the doctor without DD_API_KEY and with another FETCH_SALT (must not re-sync)"
env -u DD_API_KEY "${bz[@]}" run "${bzflags[@]}" --repo_env=FETCH_SALT=other //:dd_test_optimization_doctor \
  > "$work/macros-doctor2.log" 2>&1 || die "the doctor failed without DD_API_KEY: $(tail -5 "$work/macros-doctor2.log")"
[[ "$(syncs)" == "$synced" ]] || die "bazel run of the doctor re-ran the sync ($synced, then $(syncs) settings requests)"

say "bazel run //:dd_upload_payloads -- --dry-run --validate-enrichment"
"${bz[@]}" run "${bzflags[@]}" "${salt[@]}" //:dd_upload_payloads -- --dry-run --validate-enrichment || die "dry run failed"

say "bazel run //:dd_upload_payloads (into the local intake)"
"${bz[@]}" run "${bzflags[@]}" "${salt[@]}" //:dd_upload_payloads -- --no-progress || die "upload failed"

uploads="$(grep -c '"kind":"citestcycle"' "$work/macros-intake.jsonl" || true)"
[[ "$uploads" -ge 9 ]] || die "expected >= 9 citestcycle uploads in the intake, got $uploads"
for target in //pkg/cart:cart_test //java:HandlersTest //python:smoke_test; do
  grep -q "$target" "$work/macros-intake.jsonl" || die "uploaded payloads lack bazel.target $target"
done
say "OK: Go (rules_go), Java (native java_test), Python (rules_python) and 3 stand-in tests, doctor, dry run and $uploads uploads under Bazel 4.2.3"
