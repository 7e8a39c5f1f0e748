#!/usr/bin/env bash
# The user guide is a test: the walk-through of docs/bazel.md (every block marked `<!-- file: … -->`
# or `<!-- run -->`, extracted by guide.py) is run as written, in a fresh workspace next to topt's
# sources, on Debian's Bazel 4.2.3 offline: the sync through the repository rule, `bazel test` of a
# test whose libtopt is @dd_topt//:topt built by rules_rust 0.6.0 (the walk-through's default), the
# doctor, the uploader (dry run, then real) into a local `topt intake`, then `topt ci`. Then the
# claims of "The API key": the value-less --repo_env crashes Bazel 4.2.3, and a missing key fails
# the sync with a hint that points at that section.
#
# What the suite adds around the guide, as a user's machine would have it: a git repository for
# the workspace, the key and the intake URL in the environment, and a `bazel` on PATH that keeps
# the suite's output base, caches and a per-run FETCH_SALT (so the cached output base never runs a
# stale topt), re-runs tests instead of serving them from the cache (the output base outlives the
# uploader's deletions), and gives rules_rust what "Offline Bazel 4" in docs/bazel.md lists: the
# bazel4-rust suite's folder (tests/bazel4_rust/setup.sh: unpacked rulesets, the patched
# cargo-bazel, the host's Rust toolchain, the crates), whose repository and disk caches it shares,
# so the crates libtopt needs come from that suite's build. Needs tests/bazel4/setup.sh. Cached
# under $TOPT_BAZEL4_CACHE and $TOPT_BAZEL4_RUST_CACHE.
set -euo pipefail
suite=guide
source "$(dirname "$0")/lib.sh"
need_tools

say "building topt (for the local intake)"
(cd "$root" && cargo build --quiet -p topt-cli) || die "cargo build failed"
topt="$root/target/debug/topt"

base="$work/guide"
ws="$base/shop"
rm -rf "$ws" "$base/bin"
mkdir -p "$ws" "$base/bin"
ln -sfn "$root" "$base/topt"
python3 "$bazel4/guide.py" extract "$root/docs/bazel.md" "$ws" || die "cannot extract the walk-through from docs/bazel.md"
python3 "$bazel4/guide.py" commands "$root/docs/bazel.md" > "$base/commands.sh"
[[ -s "$ws/WORKSPACE" && -s "$base/commands.sh" ]] || die "docs/bazel.md has no marked WORKSPACE or commands"
(cd "$ws" && git init -q && git remote add origin https://github.com/acme/shop.git &&
  git add -A && git -c user.name=Shop -c user.email=shop@example.com commit -qm "shop: first commit") ||
  die "git init of the workspace failed"

source "$root/tests/bazel4_rust/lib.sh"
bash "$root/tests/bazel4_rust/setup.sh" "$rust_cache" || die "tests/bazel4_rust/setup.sh failed"
set_rust_offline_flags || die "the bazel4-rust cache is not ready"
# What the suite gives rules_rust is what "Offline Bazel 4" tells a user to provide: each flag
# (each overridden repository by name) is in that section, and so is the downloader rewrite.
offline_doc="$(awk '/^## Offline Bazel 4/{on=1; next} /^## /{on=0} on' "$root/docs/bazel.md")"
for flag in "${rust_offline_flags[@]}"; do
  case "$flag" in
    --override_repository=*) want="${flag#--override_repository=}"; want="${want%%=*}" ;;
    --repo_env=*) want="${flag#--repo_env=}"; want="--repo_env=${want%%=*}" ;;
    *) want="${flag%%=*}" ;;
  esac
  grep -qF -- "$want" <<<"$offline_doc" || die "docs/bazel.md's \"Offline Bazel 4\" does not name $want (the suite passes $flag)"
done
grep -qF -- "$(cat "$rust_cache/downloader.cfg")" <<<"$offline_doc" ||
  die "docs/bazel.md's \"Offline Bazel 4\" gives another downloader rewrite than $rust_cache/downloader.cfg"
bazel_cmd guide
{
  echo "build --repository_cache=$rust_cache/repository_cache --disk_cache=$rust_cache/disk_cache"
  printf 'build %s\n' "${rust_offline_flags[@]}"
  echo "build --repo_env=FETCH_SALT=$(date +%s%N)"
  echo "test --nocache_test_results"
} > "$base/suite.bazelrc"
real_bazel="$(command -v bazel)"
cat > "$base/bin/bazel" <<SH
#!/usr/bin/env bash
exec "$real_bazel" ${bz[*]:1} "--bazelrc=$base/suite.bazelrc" "\$@"
SH
chmod +x "$base/bin/bazel"

start_intake "$topt" "$work/guide-intake.jsonl"
export PATH="$base/bin:$PATH"
export DD_API_KEY=local DD_TEST_OPTIMIZATION_AGENTLESS_URL="$intake_url"
# topt_binary's cargo build of topt and libtopt shares the checkout's target folder (the guide
# documents TOPT_CARGO_TARGET_DIR), so it reuses the suite's own debug build.
export TOPT_CARGO_TARGET_DIR="$root/target"

say "running the walk-through's $(wc -l < "$base/commands.sh") commands as written"
(cd "$ws" && bash -euo pipefail -x "$base/commands.sh") || die "a command of the walk-through failed (see above)"

uploads="$(grep -c '"kind":"citestcycle"' "$work/guide-intake.jsonl" || true)"
[[ "$uploads" -eq 2 ]] || die "expected 2 citestcycle uploads (bazel run of the uploader, then topt ci), got $uploads"
grep -q '//checkout/api/handlers:handlers_test' "$work/guide-intake.jsonl" || die "the uploads lack the test's bazel.target"
grep -q 'github.com/acme/shop' "$work/guide-intake.jsonl" || die "the uploads lack the workspace's git metadata"

cd "$ws"
# The test loaded the libtopt the walk-through's default names: @dd_topt//:topt, built by rules_rust.
manifest="$ws/bazel-bin/checkout/api/handlers/handlers_test.runfiles/MANIFEST"
grep -q '^dd_topt/libtopt.so /.*/bin/external/dd_topt/libtopt.so$' "$manifest" ||
  die "handlers_test's runfiles lack the rules_rust-built libtopt: $(grep -i libtopt "$manifest" || true)"
if grep -q topt_tool "$manifest"; then die "handlers_test's runfiles hold topt_binary's files, not only the rules_rust build"; fi

say "the API key: a value-less --repo_env crashes Bazel 4.2.3"
if bazel build --repo_env=DD_API_KEY //checkout/... > "$work/guide-valueless.log" 2>&1; then
  die "value-less --repo_env=DD_API_KEY did not crash this Bazel: update \"The API key\" in docs/bazel.md"
fi
grep -q 'NullPointerException' "$work/guide-valueless.log" || die "unexpected failure: $(tail -3 "$work/guide-valueless.log")"

say "the API key: without it the sync fails, pointing at \"The API key\""
if env -u DD_API_KEY bazel build --repo_env=FETCH_SALT=no-key //checkout/... > "$work/guide-nokey.log" 2>&1; then
  die "the sync succeeded without DD_API_KEY"
fi
grep -q '"The API key"' "$work/guide-nokey.log" || die "the missing-key failure does not point at \"The API key\": $(grep -m3 -i 'error\|fail' "$work/guide-nokey.log")"
say "OK: the walk-through of docs/bazel.md ran as written (sync, test with the rules_rust-built libtopt, doctor, dry run, upload, topt ci: $uploads uploads) and the API key forms behave as documented"
