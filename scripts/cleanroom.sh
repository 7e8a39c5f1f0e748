#!/usr/bin/env bash
# The README's set-up promise, checked on a really fresh Debian 12: builds a bare bookworm root
# (debootstrap, minbase variant: about what a Debian 12 container image has), adds only what the
# README says a user brings (the Rust toolchain of this machine's rustup installation and a clone
# of this repository's HEAD), and runs the README's commands in it, as root in a chroot with its
# own mount and PID namespaces. Every install step the project's scripts forget fails here. Also
# there, as on the project's machines: this machine's DNS and trusted CAs, and the read-only test
# inputs in ${TOPT_CLEANROOM_SHARED:-/work/shared} (vendored Bazel rulesets) at the same path.
#
#   scripts/cleanroom.sh                      ./scripts/demo.sh, then ./scripts/test.sh
#   scripts/cleanroom.sh './scripts/test.sh go python'    other commands, one argument each
#   options: --keep (keep the run's root), --shell (a shell inside after the commands),
#            --rebuild (debootstrap the pristine root again)
#
# Not part of scripts/test.sh: a cold run installs every toolchain and takes 30-40 minutes. Needs
# root (debootstrap, mount, chroot) and network access to Debian's packages and the registries the
# suites use. The pristine root (about 250 MB) and the toolchain copy are cached in
# ${TOPT_CLEANROOM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/topt-cleanroom}; each run writes into a
# fresh overlay on top of them (a few GB once the suite has installed everything) that is deleted
# when the run ends. Logs stay in the cache's logs/ folder.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${TOPT_CLEANROOM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/topt-cleanroom}"
mirror="${TOPT_CLEANROOM_MIRROR:-http://deb.debian.org/debian}"
security_mirror="${TOPT_CLEANROOM_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
shared="${TOPT_CLEANROOM_SHARED:-/work/shared}"
say() { printf '[cleanroom] %s\n' "$*"; }
die() { say "error: $*" >&2; exit 2; }

keep=0 shell=0 rebuild=0 commands=()
for arg in "$@"; do
  case "$arg" in
    --keep) keep=1 ;;
    --shell) shell=1 ;;
    --rebuild) rebuild=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $arg (see --help)" ;;
    *) commands+=("$arg") ;;
  esac
done
[ ${#commands[@]} -gt 0 ] || commands=(./scripts/demo.sh ./scripts/test.sh)
[ "$(id -u)" -eq 0 ] || die "run as root (debootstrap, mount and chroot need it)"

fmt_time() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
run_start=$(date +%s)

# --- the pristine Debian 12 root, built once --------------------------------------------------
base="$cache/bookworm"
if [ "$rebuild" = 1 ] || [ ! -f "$base/.topt-cleanroom-complete" ]; then
  command -v debootstrap >/dev/null || {
    say "installing debootstrap (Debian package)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null 2>&1 ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  }
  say "debootstrap bookworm (minbase) from $mirror into $base"
  t=$(date +%s)
  rm -rf "$base" "$base.tmp"
  mkdir -p "$cache"
  debootstrap --variant=minbase bookworm "$base.tmp" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
    { tail -20 "$cache/debootstrap.log"; die "debootstrap failed (log: $cache/debootstrap.log)"; }
  # The apt sources a Debian 12 installation has; no package lists: a fresh machine has none.
  cat >"$base.tmp/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security_mirror bookworm-security main
EOF
  rm -rf "$base.tmp"/var/cache/apt/archives/*.deb "$base.tmp"/var/lib/apt/lists/*
  touch "$base.tmp/.topt-cleanroom-complete"
  mv "$base.tmp" "$base"
  say "pristine root ready ($(du -sh "$base" | cut -f1), $(fmt_time $(($(date +%s) - t))))"
else
  say "pristine root reused: $base"
fi

# --- the user's Rust toolchain: this machine's rustup home, default toolchain only -------------
rustup_home="${RUSTUP_HOME:-$HOME/.rustup}"
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
command -v rustup >/dev/null || die "rustup is not installed here: nothing to copy in"
toolchain=$(rustup default | cut -d' ' -f1)
[ -d "$rustup_home/toolchains/$toolchain" ] || die "default toolchain $toolchain not in $rustup_home"
rust_id="$toolchain-$("$rustup_home/toolchains/$toolchain/bin/rustc" -V | sha256sum | cut -c1-12)"
rust_layer="$cache/rust/$rust_id"
if [ ! -f "$rust_layer/.topt-cleanroom-complete" ]; then
  say "copying rustup's $toolchain and $cargo_home/bin into $rust_layer"
  rm -rf "$cache/rust"
  mkdir -p "$rust_layer.tmp/root/.rustup/toolchains" "$rust_layer.tmp/root/.cargo"
  cp -a --reflink=auto "$rustup_home/settings.toml" "$rust_layer.tmp/root/.rustup/"
  cp -a --reflink=auto "$rustup_home/toolchains/$toolchain" "$rust_layer.tmp/root/.rustup/toolchains/"
  # Aliases of the default toolchain (say 1.95.0 -> stable), relative so they resolve inside.
  real=$(readlink -f "$rustup_home/toolchains/$toolchain")
  for link in "$rustup_home"/toolchains/*; do
    [ -L "$link" ] && [ "$(readlink -f "$link")" = "$real" ] &&
      ln -s "$toolchain" "$rust_layer.tmp/root/.rustup/toolchains/$(basename "$link")"
  done
  cp -a --reflink=auto "$cargo_home/bin" "$rust_layer.tmp/root/.cargo/"
  touch "$rust_layer.tmp/.topt-cleanroom-complete"
  mv "$rust_layer.tmp" "$rust_layer"
fi

# --- a fresh copy for this run: an overlay whose upper layer is deleted afterwards -------------
mkdir -p "$cache/runs" "$cache/logs"
# Runs that were killed leave their folders behind (their mounts died with their namespace).
for stale in "$cache"/runs/*; do
  [ -e "$stale" ] && [ ! -e "$stale/.keep" ] && ! grep -qs " $stale/" /proc/mounts && rm -rf "$stale"
done
run=$(mktemp -d "$cache/runs/run.XXXXXX")
logs="$cache/logs/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$run/upper" "$run/work" "$run/root" "$logs"
cleanup() {
  if [ "$keep" = 1 ]; then
    touch "$run/.keep"
    say "run's overlay kept: $run/upper (lower layers: $rust_layer, $base)"
  else
    rm -rf "$run"
  fi
}
trap cleanup EXIT

sha=$(git -C "$root" rev-parse HEAD)
[ -z "$(git -C "$root" status --porcelain)" ] ||
  say "note: the working tree has uncommitted changes; the clean room runs HEAD ($sha) only"

# The inside: mounts in a private mount namespace (gone, with every process, when it exits).
inner=$(cat <<'INNER'
set -euo pipefail
# PID 1 of its namespace: signals without a handler are ignored, so say what they do (its exit
# ends every process of the run; commands run in the background so the trap runs at once).
trap 'exit 143' TERM
trap 'exit 130' INT
run=$1 base=$2 rust_layer=$3 root=$4 sha=$5 logs=$6 shell=$7 shared=$8; shift 8
m=$run/root
mount -t overlay overlay -o "lowerdir=$rust_layer:$base,upperdir=$run/upper,workdir=$run/work" "$m"
mount -t proc proc "$m/proc"
mount --rbind /sys "$m/sys" && mount --make-rslave "$m/sys"
mount --rbind /dev "$m/dev" && mount --make-rslave "$m/dev"
mount -t tmpfs -o size=4g tmpfs "$m/dev/shm"
# The read-only test inputs the project's machines keep beside the repository (the Bazel 4 suites'
# vendored rulesets, TOPT_BAZEL4_VENDOR), at the same path.
if [ -d "$shared" ]; then
  mkdir -p "$m$shared"
  mount --bind "$shared" "$m$shared" && mount -o remount,bind,ro "$m$shared"
fi
# This machine's network set-up, as any machine on its network has it: its DNS servers, and the
# local CAs it trusts (for a TLS-inspecting egress proxy), which Debian's ca-certificates adds to
# the system store when the project's set-up installs it.
cp /etc/resolv.conf "$m/etc/resolv.conf"
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  mkdir -p "$m/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$m/usr/local/share/ca-certificates/"
fi
# The repository as a user has it: a fresh clone of HEAD, nothing from this checkout's target/.
git init -q "$m/root/topt"
git -C "$m/root/topt" fetch -q "$root" HEAD
git -C "$m/root/topt" checkout -q -b cleanroom FETCH_HEAD
[ "$(git -C "$m/root/topt" rev-parse HEAD)" = "$sha" ] || { echo "clone is not at $sha"; exit 2; }
# The CA bundle settings of this machine's environment (tools that skip the system store read them).
ca_env=()
for var in SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE REQUESTS_CA_BUNDLE PIP_CERT NODE_EXTRA_CA_CERTS \
  GIT_SSL_CAINFO; do
  [ -z "${!var:-}" ] || ca_env+=("$var=${!var}")
done
inside() {
  chroot "$m" /usr/bin/env -i HOME=/root USER=root LOGNAME=root TERM="${TERM:-dumb}" LANG=C.UTF-8 \
    "${ca_env[@]}" \
    PATH=/root/.cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    /bin/bash -c "cd /root/topt && $1"
}
i=0
for cmd in "$@"; do
  i=$((i + 1))
  echo "[cleanroom] ===== $cmd"
  t=$(date +%s)
  rc=0
  # In the background: bash runs a trap only once the command it waits for ends, `wait` at once.
  inside "$cmd" 2>&1 | tee "$logs/$i.log" &
  wait $! || rc=$?
  printf '%s\t%s\t%s\n' "$rc" "$(($(date +%s) - t))" "$cmd" >>"$logs/results.tsv"
done
[ "$shell" = 0 ] || { echo "[cleanroom] shell inside (exit to end the run)"; inside 'exec bash -i' || true; }
INNER
)
say "running in a fresh copy of Debian 12 with $toolchain and a clone of $sha"
: >"$logs/results.tsv"
unshare --mount --pid --fork --kill-child --propagation private \
  bash -c "$inner" inner "$run" "$base" "$rust_layer" "$root" "$sha" "$logs" "$shell" "$shared" "${commands[@]}" ||
  say "the run itself failed (exit $?)"

echo
say "===== summary (Debian 12 bookworm minbase, $toolchain, $sha)"
passed=0 failed=0 i=0
while IFS=$'\t' read -r rc secs cmd; do
  i=$((i + 1))
  if [ "$rc" = 0 ]; then verdict=PASS; passed=$((passed + 1)); else verdict=FAIL; failed=$((failed + 1)); fi
  printf '[cleanroom] %s  %-40s %8s  exit %s  log %s\n' "$verdict" "$cmd" "$(fmt_time "$secs")" "$rc" "$logs/$i.log"
done <"$logs/results.tsv"
[ "$i" -eq ${#commands[@]} ] || { say "FAIL: only $i of ${#commands[@]} commands ran"; failed=$((failed + 1)); }
say "wall time $(fmt_time $(($(date +%s) - run_start))); $passed passed, $failed failed"
[ "$failed" -eq 0 ]
