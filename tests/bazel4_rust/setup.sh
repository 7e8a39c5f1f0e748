#!/usr/bin/env bash
# Prepares the folder the bazel4-rust suite reuses across runs (idempotent; quick when it is ready):
#   rules/       rules_rust 0.6.0, rules_cc 0.0.1, platforms 0.0.5, bazel_skylib 1.2.1, unpacked
#                from the upstream archives in $TOPT_BAZEL4_VENDOR (never copied into the repository)
#   cargo-bazel/ rules_rust 0.6.0's crate_universe generator (cargo-bazel 0.3.0) with
#                bazel/private/cargo-bazel-0.3.0.patch (its header says why), built once by Bazel
#                through topt_rust_dependencies()'s @topt_cargo_bazel
#   host_rust/   the host's rustup toolchain as the `rust_linux_x86_64` repository
#   standins/    the remote_coverage_tools stand-in, as docs/bazel.md gives it to offline users
# And every crate of Cargo.lock in the user's CARGO_HOME (`cargo fetch`), so crate_universe's cargo
# runs offline and Bazel takes the .crate files from it (--distdir): the same CARGO_HOME as every
# other cargo of the machine, so cargo builds that Bazel's repository rules run (topt_binary) and
# those outside Bazel share their target folders without rebuilding.
# Usage: setup.sh [CACHE_DIR]. Needs cargo, a C compiler and Debian's Bazel 4.2.3
# (tests/bazel4/setup.sh installs it).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/tests/bazel4_rust"
source "$here/lib.sh"
cache="${1:-$rust_cache}"
rust_cache="$cache"
vendor="${TOPT_BAZEL4_VENDOR:-/work/shared/vendor/bazel4}"
say() { printf '[bazel4-rust setup] %s\n' "$*"; }
die() { say "FAIL: $*" >&2; exit 1; }

command -v bazel >/dev/null || bash "$root/tests/bazel4/setup.sh"
command -v cargo >/dev/null || die "cargo is needed (rustup)"
command -v cc >/dev/null || die "a C compiler is needed (ring's build script, the C test)"
[[ -f /usr/include/cjson/cJSON.h ]] || die "cJSON is needed for //:topt_c_test (apt-get install libcjson-dev)"
for archive in rules_rust-0.6.0 rules_cc-0.0.1 platforms-0.0.5 bazel_skylib-1.2.1; do
  [[ -f "$vendor/$archive.tar.gz" ]] || die "missing $vendor/$archive.tar.gz (set TOPT_BAZEL4_VENDOR)"
done
mkdir -p "$cache/rules"

# Writes stdin to $1 only when it differs, so Bazel sees no change (and refetches nothing) otherwise.
write_if_changed() {
  local tmp
  tmp="$(mktemp)"
  cat > "$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi
}

# Each archive unpacks into one folder named after its repository; a stamp holds the archive's hash.
for archive in rules_rust-0.6.0 rules_cc-0.0.1 platforms-0.0.5 bazel_skylib-1.2.1; do
  name="${archive%-*}"
  sum="$(sha256sum "$vendor/$archive.tar.gz" | cut -d' ' -f1)"
  if [[ "$(cat "$cache/rules/$name.sha256" 2>/dev/null)" != "$sum" ]]; then
    say "unpacking $archive"
    rm -rf "${cache:?}/rules/$name"
    tar -xzf "$vendor/$archive.tar.gz" -C "$cache/rules"
    [[ -d "$cache/rules/$name" ]] || die "$archive did not unpack into $name/"
    echo "$sum" > "$cache/rules/$name.sha256"
  fi
done

# The host's rustup toolchain, laid out as rules_rust 0.6.0's rust_toolchain_repository lays out a
# downloaded one (same target names), so it can stand in for `rust_linux_x86_64`.
sysroot="$(rustc --print sysroot)"
triple="$(rustc -vV | sed -n 's/^host: //p')"
[[ "$triple" == x86_64-unknown-linux-gnu ]] || die "host $triple: only x86_64-unknown-linux-gnu is set up"
mkdir -p "$cache/host_rust"
for d in bin lib; do ln -sfn "$sysroot/$d" "$cache/host_rust/$d"; done
: | write_if_changed "$cache/host_rust/WORKSPACE.bazel"
write_if_changed "$cache/host_rust/BUILD.bazel" <<BUILD
# The host's $(rustc --version) ($sysroot), written by tests/bazel4_rust/setup.sh.
load("@rules_rust//rust:toolchain.bzl", "rust_stdlib_filegroup", "rust_toolchain")

package(default_visibility = ["//visibility:public"])

filegroup(name = "rustc", srcs = ["bin/rustc"])
filegroup(name = "rustdoc", srcs = ["bin/rustdoc"])
filegroup(name = "cargo", srcs = ["bin/cargo"])
filegroup(name = "clippy_driver_bin", srcs = ["bin/clippy-driver"])
filegroup(name = "rustfmt_bin", srcs = ["bin/rustfmt"])

filegroup(
    name = "rustc_lib",
    srcs = glob([
        "bin/*.so",
        "lib/*.so",
        "lib/*.so.*",
        "lib/rustlib/$triple/codegen-backends/*.so",
        "lib/rustlib/$triple/bin/rust-lld",
        "lib/rustlib/$triple/lib/*.so",
    ], allow_empty = True),
)

rust_stdlib_filegroup(
    name = "rust_std-$triple",
    srcs = glob([
        "lib/rustlib/$triple/lib/*.rlib",
        "lib/rustlib/$triple/lib/*.so",
        "lib/rustlib/$triple/lib/*.a",
        "lib/rustlib/$triple/lib/self-contained/**",
    ], allow_empty = True),
)

rust_toolchain(
    name = "toolchain_for_${triple}_impl",
    binary_ext = "",
    cargo = ":cargo",
    clippy_driver = ":clippy_driver_bin",
    default_edition = "2024",
    dylib_ext = ".so",
    exec_triple = "$triple",
    os = "linux",
    rust_doc = ":rustdoc",
    rust_std = ":rust_std-$triple",
    rustc = ":rustc",
    rustc_lib = ":rustc_lib",
    rustfmt = ":rustfmt_bin",
    staticlib_ext = ".a",
    stdlib_linkflags = ["-ldl", "-lpthread"],
    target_triple = "$triple",
)
BUILD

# Every crate of Cargo.lock in CARGO_HOME (cargo reaches the registry; Bazel's downloader then finds
# each static.crates.io/crates/<name>/<name>-<version>.crate there by file name).
if ! cargo fetch --quiet --locked --offline --manifest-path "$root/Cargo.toml" 2>/dev/null; then
  say "fetching the crates of Cargo.lock into ${CARGO_HOME:-$HOME/.cargo}"
  cargo fetch --quiet --locked --manifest-path "$root/Cargo.toml"
fi
crates_distdir >/dev/null || die "cargo fetch left no .crate files under ${CARGO_HOME:-$HOME/.cargo}/registry/cache"

# Bazel 4 fetches remote_coverage_tools for every test: the stand-in docs/bazel.md gives offline
# users (the guide is its one source). Replaced only when the guide's text of it changed.
rm -rf "$cache/standins.new"
python3 "$root/tests/bazel4/guide.py" extract "$root/docs/bazel.md" --prefix third_party/bazel4_offline/ \
  "$cache/standins.new" >/dev/null || die "cannot extract the offline stand-ins from docs/bazel.md"
[[ -f "$cache/standins.new/remote_coverage_tools/BUILD" ]] || die "docs/bazel.md has no remote_coverage_tools stand-in"
if diff -r -q "$cache/standins.new" "$cache/standins" >/dev/null 2>&1; then
  rm -rf "$cache/standins.new"
else
  rm -rf "$cache/standins"
  mv "$cache/standins.new" "$cache/standins"
fi

# rules_rust_dependencies() fetches tinyjson from the crates.io API host, which is out of reach here;
# static.crates.io serves the same file.
write_if_changed "$cache/downloader.cfg" <<'CFG'
rewrite crates.io/api/v1/crates/([^/]+)/([^/]+)/download static.crates.io/crates/$1/$1-$2.crate
CFG
# crate_universe's generator. cargo-bazel 0.3.0 is not on crates.io (its releases there start at
# 0.8.0, whose command line rules_rust 0.6.0 does not speak): topt_rust_dependencies() builds it
# (@topt_cargo_bazel: the release archive's crate_universe with bazel/private/cargo-bazel-0.3.0.patch).
# Built here once, through that very repository rule, in topt's own workspace and a scratch output
# base, and kept, so the suites' output bases take it from CARGO_BAZEL_GENERATOR_URL.
patch_file="$root/bazel/private/cargo-bazel-0.3.0.patch"
key="$(cat "$cache/rules/rules_rust.sha256") $(sha256sum "$patch_file" | cut -d' ' -f1)"
generator="$cache/cargo-bazel/bin/cargo-bazel"
if [[ "$(cat "$cache/cargo-bazel/key" 2>/dev/null)" != "$key" || ! -x "$generator" ]]; then
  say "building cargo-bazel 0.3.0 through topt_rust_dependencies() (once; 3 to 8 minutes on 2 shared cores)"
  rm -rf "${cache:?}/cargo-bazel"
  mkdir -p "$cache/cargo-bazel/bin"
  # @topt_cargo_bazel_src, as its http_archive would unpack and patch GitHub's release archive (the
  # vendored one is not byte-identical to it, so its sha256 differs).
  cp -R "$cache/rules/rules_rust" "$cache/cargo-bazel/src"
  patch -s -p1 -d "$cache/cargo-bazel/src" < "$patch_file" || die "the patch does not apply to rules_rust 0.6.0"
  set_rust_offline_flags --bootstrap || die "see above"
  scratch="$(mktemp -d "${TMPDIR:-/tmp}/topt-cargo-bazel.XXXXXX")"
  start=$(date +%s)
  if ! (cd "$root" && nice bazel --batch --output_base="$scratch" build --symlink_prefix=/ \
    --override_repository=topt_cargo_bazel_src="$cache/cargo-bazel/src" "${rust_offline_flags[@]}" \
    --override_repository=rules_java=/usr/share/bazel/rules/java @topt_cargo_bazel//:cargo-bazel) \
    > "$cache/cargo-bazel/build.log" 2>&1; then
    tail -30 "$cache/cargo-bazel/build.log" >&2
    chmod -R u+w "$scratch" && rm -rf "$scratch"
    die "building cargo-bazel failed (log: $cache/cargo-bazel/build.log)"
  fi
  cp -L "$scratch/external/topt_cargo_bazel/cargo-bazel" "$generator"
  chmod -R u+w "$scratch" && rm -rf "$scratch" "$cache/cargo-bazel/src"
  echo "$key" > "$cache/cargo-bazel/key"
  say "cargo-bazel built in $(($(date +%s) - start))s"
fi
say "ready: $cache"
