# Shared by the Bazel 4 suites (run.sh: the macros under their real rules; guide.sh: the user guide
# run as written). Sourced, not run. Everything slow to make is cached under $cache and reused:
# the unpacked rulesets, the Java tools stand-in, the Maven jars (tests/bazel4/setup.sh fetches
# them), the suites' output bases, Bazel's repository and disk caches, and a cargo target dir.
#
#   TOPT_BAZEL4_CACHE   cache folder (default ${XDG_CACHE_HOME:-$HOME/.cache}/topt-tests/bazel4)
#   TOPT_BAZEL4_WORKDIR where the suites write their workspaces and, when set, keep their output
#                       bases (default: workspaces in $cache/work, output bases in $cache/output_base);
#                       give each checkout its own, as an output base belongs to one workspace path
#   TOPT_BAZEL4_VENDOR  the vendored ruleset archives (default /work/shared/vendor/bazel4)

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bazel4="$root/tests/bazel4"
cache="${TOPT_BAZEL4_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/topt-tests/bazel4}"
work="${TOPT_BAZEL4_WORKDIR:-$cache/work}"
vendor="${TOPT_BAZEL4_VENDOR:-/work/shared/vendor/bazel4}"
go_sdk=/usr/lib/go-1.19

# Maven Central artifacts the Java suite needs, pinned: path under maven2/, sha256.
maven_artifacts=(
  "net/java/dev/jna/jna/5.14.0/jna-5.14.0.jar 34ed1e1f27fa896bca50dbc4e99cf3732967cec387a7a0d5e3486c09673fe8c6"
  "junit/junit/4.13.2/junit-4.13.2.jar 8e495b634469d64fb8acfa3495a065cbacc8a0fff55ce1e31007be4c16dc57d3"
  "org/hamcrest/hamcrest-core/1.3/hamcrest-core-1.3.jar 66fdef91e9739348df7a096aa384a5685f4e875584cce89386a7a47251c4d8e9"
)

say() { printf '[%s] %s\n' "${suite:-bazel4}" "$*"; }
die() { say "FAIL: $*" >&2; exit 1; }

# The host tools every suite needs (tests/bazel4/setup.sh installs them).
need_tools() {
  command -v bazel >/dev/null || die "no bazel on PATH; run tests/bazel4/setup.sh first"
  [[ -d /usr/share/bazel/rules/java ]] || die "/usr/share/bazel/rules/java missing; run tests/bazel4/setup.sh first"
  command -v cargo >/dev/null || die "cargo is needed (topt and libtopt are built from source)"
}

# Unpacks each vendored ruleset once into $cache/rules/<repository name> (re-unpacks when the
# archive changes); prints the folder.
unpack_rulesets() {
  local dir="$cache/rules" archive name stamp sum
  mkdir -p "$dir"
  for archive in "$vendor"/*.tar.gz; do
    [[ -f "$archive" ]] || die "no ruleset archives in $vendor (set TOPT_BAZEL4_VENDOR)"
    sum="$(sha256sum "$archive" | cut -d' ' -f1)"
    name="$(tar tzf "$archive" | head -1 | cut -d/ -f1)"
    stamp="$dir/.$name.sha256"
    if [[ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]]; then
      rm -rf "${dir:?}/$name" "$dir/.tmp"
      mkdir -p "$dir/.tmp"
      tar xzf "$archive" -C "$dir/.tmp"
      mv "$dir/.tmp/$name" "$dir/$name"
      rm -rf "$dir/.tmp"
      echo "$sum" > "$stamp"
    fi
  done
  echo "$dir"
}

# The Maven jars, as tests/bazel4/setup.sh left them; prints the folder.
maven_dir() {
  local dir="$cache/maven" entry file
  for entry in "${maven_artifacts[@]}"; do
    file="$dir/$(basename "${entry%% *}")"
    [[ -f "$file" ]] || die "$file is missing: run tests/bazel4/setup.sh (fetches it from Maven Central)"
  done
  echo "$dir"
}

# The remote_java_tools stand-in (java_tools/), compiled with the host JDK once per source
# change; prints the repository folder.
java_tools_repo() {
  local src="$bazel4/java_tools" sum dir
  sum="$(cat "$src"/*.java "$src"/com/google/testing/junit/runner/*.java "$src"/BUILD.remote_java_tools "$src"/*.sh | sha256sum | cut -c1-16)"
  dir="$cache/java_tools/$sum"
  if [[ ! -f "$dir/java_tools/Runner_deploy.jar" ]]; then
    rm -rf "$dir"
    mkdir -p "$dir/java_tools" "$dir/.classes/builder" "$dir/.classes/runner"
    javac -d "$dir/.classes/builder" "$src/MiniJavaBuilder.java" >&2
    jar --create --file "$dir/java_tools/JavaBuilder_deploy.jar" --main-class MiniJavaBuilder -C "$dir/.classes/builder" .
    javac -d "$dir/.classes/runner" "$src/com/google/testing/junit/runner/BazelTestRunner.java" >&2
    jar --create --file "$dir/java_tools/Runner_deploy.jar" -C "$dir/.classes/runner" .
    cp "$src/BUILD.remote_java_tools" "$dir/BUILD"
    cp "$src/ijar.sh" "$src/singlejar.sh" "$dir/"
    touch "$dir/WORKSPACE"
    rm -rf "$dir/.classes"
  fi
  echo "$dir"
}

# The offline stand-ins a Bazel 4 user provides, extracted from docs/bazel.md (the guide is their
# one source); prints the folder holding remote_coverage_tools/.
standins_dir() {
  local dir="$work/standins"
  rm -rf "$dir"
  python3 "$bazel4/guide.py" extract "$root/docs/bazel.md" --prefix third_party/bazel4_offline/ "$dir" >&2 ||
    die "cannot extract the offline stand-ins from docs/bazel.md"
  echo "$dir"
}

# Starts `topt intake` (the local Datadog API stand-in) recording to $1; sets intake_url and
# intake_pid and stops it on exit.
start_intake() {
  local topt="$1" record="$2" addr="$work/intake.url.$$"
  rm -f "$addr" "$record"
  "$topt" intake --port 0 --addr-file "$addr" --record "$record" --quiet &
  intake_pid=$!
  trap 'kill "$intake_pid" 2>/dev/null || true' EXIT
  for _ in $(seq 100); do [[ -s "$addr" ]] && break; sleep 0.1; done
  [[ -s "$addr" ]] || die "topt intake did not start"
  intake_url="$(cat "$addr")"
  rm -f "$addr"
}

# Startup and common options of every Bazel command of suite $1: its own output base (under
# $TOPT_BAZEL4_WORKDIR when that is set: an output base belongs to one workspace path), the shared
# repository and disk caches.
bazel_cmd() {
  local name="$1" bases="$cache/output_base"
  [[ -z "${TOPT_BAZEL4_WORKDIR:-}" ]] || bases="$work/output_base"
  mkdir -p "$bases" "$cache/repository_cache" "$cache/disk_cache"
  bz=(bazel --batch "--output_base=$bases/$name")
  bzflags=("--repository_cache=$cache/repository_cache" "--disk_cache=$cache/disk_cache")
}
