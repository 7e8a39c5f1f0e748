# Shared by the suites that build libtopt with rules_rust 0.6.0 on Bazel 4.2.3 offline (run.sh: topt's
# own workspace; tests/bazel4/guide.sh: a user's workspace following docs/bazel.md). Sourced, not run.
#
# rust_cache: the folder setup.sh prepares and both reuse (TOPT_BAZEL4_RUST_CACHE, default
# ${XDG_CACHE_HOME:-$HOME/.cache}/topt-tests/bazel4-rust).
rust_cache="${TOPT_BAZEL4_RUST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/topt-tests/bazel4-rust}"

# Prints the folder of crates.io's .crate files in the user's CARGO_HOME (cargo names it after the
# index; the newest, should several cargo versions have left one).
crates_distdir() {
  local dir
  local crates=()
  dir="$(ls -td "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/index.crates.io-*/ 2>/dev/null | sed -n 1p)"
  [[ -n "$dir" ]] && crates=("$dir"*.crate) && [[ -f "${crates[0]}" ]] && echo "$dir"
}

# Sets rust_offline_flags: what an offline Bazel 4 user of rules_rust provides for libtopt
# (docs/bazel.md, "Offline Bazel 4" has the same list), as flags over $rust_cache. With
# --bootstrap, crate_universe's generator is left to topt_rust_dependencies() to build (setup.sh
# does so once); else it is the one setup.sh built and kept.
set_rust_offline_flags() {
  local distdir generator="$rust_cache/cargo-bazel/bin/cargo-bazel"
  distdir="$(crates_distdir)"
  [[ -n "$distdir" && ( "${1:-}" == --bootstrap || -x "$generator" ) ]] ||
    { echo "run tests/bazel4_rust/setup.sh first" >&2; return 1; }
  rust_offline_flags=(
    # rules_rust and the rulesets rules_rust_dependencies() would download, unpacked
    --override_repository=rules_rust="$rust_cache/rules/rules_rust"
    --override_repository=rules_cc="$rust_cache/rules/rules_cc"
    --override_repository=platforms="$rust_cache/rules/platforms"
    --override_repository=bazel_skylib="$rust_cache/rules/bazel_skylib"
    # rules_rust_dependencies()'s tinyjson: from static.crates.io, not the crates.io API host
    --experimental_downloader_config="$rust_cache/downloader.cfg"
    # the host's rustup toolchain instead of the one rust_register_toolchains() downloads
    --override_repository=rust_linux_x86_64="$rust_cache/host_rust"
    # every crate of Cargo.lock, found by file name (static.crates.io/crates/<n>/<n>-<v>.crate)
    --distdir="$distdir"
    # crate_universe's cargo reads the user's CARGO_HOME
    --repo_env=CARGO_BAZEL_ISOLATED=false
  )
  # Building the generator fetches its own crates from crates.io, as cargo does for any user.
  [[ "${1:-}" == --bootstrap ]] && return 0
  rust_offline_flags+=(
    # crate_universe's cargo: every crate is in CARGO_HOME already (setup.sh's cargo fetch)
    --repo_env=CARGO_NET_OFFLINE=true
    # crate_universe's generator: the one setup.sh built, not a new build per output base
    --repo_env=CARGO_BAZEL_GENERATOR_URL="file://$generator"
    --repo_env=CARGO_BAZEL_GENERATOR_SHA256="$(sha256sum "$generator" | cut -d' ' -f1)"
  )
}
