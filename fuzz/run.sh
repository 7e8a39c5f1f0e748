#!/usr/bin/env bash
# The fuzz suite (`scripts/test.sh fuzz`): builds every target listed in fuzz/Cargo.toml with
# cargo fuzz (nightly, libFuzzer, AddressSanitizer) and runs each for TOPT_FUZZ_SECONDS seconds
# (default 20) from its committed corpus. New inputs go to a temporary directory, so the
# committed corpus stays as it is; a finding is kept in fuzz/artifacts/<target>/ and fails the
# suite. Prints one line per target: time run, inputs executed, corpus size, findings.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${TOPT_FUZZ_SECONDS:-20}
# The workspace's release profile (fat LTO, stripped symbols) drops the sanitizer-coverage
# symbols at link time and would leave crash reports unsymbolised: not for fuzz builds.
export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_STRIP=none
# -a: debug assertions and overflow checks on, so an arithmetic overflow is a finding too.
fuzz=(cargo +nightly fuzz)

targets=$("${fuzz[@]}" list) || { echo "fuzz: cannot list targets (run fuzz/setup.sh)"; exit 1; }
"${fuzz[@]}" build -a || { echo "fuzz: build failed"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
findings=0
for target in $targets; do
  mkdir -p "$work/$target"
  log="$work/$target.log"
  seeds=$(find "fuzz/corpus/$target" -type f | wc -l)
  start=$(date +%s)
  "${fuzz[@]}" run -a "$target" "$work/$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1
  status=$?
  elapsed=$(( $(date +%s) - start ))
  runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
  found=$(find "$work/$target" -type f | wc -l)
  if [ "$status" -eq 0 ]; then
    echo "fuzz $target: ${elapsed}s, ${runs:-?} inputs executed, corpus $seeds committed + $found new, no findings"
  else
    findings=$((findings + 1))
    echo "fuzz $target: FINDING after ${elapsed}s (exit $status); artifact in fuzz/artifacts/$target/"
    grep -E 'panicked|ERROR|SUMMARY|Test unit written|assertion' "$log" | head -20
    tail -30 "$log"
  fi
done
echo "fuzz: $(echo "$targets" | wc -w) targets, $findings with findings"
[ "$findings" -eq 0 ]
