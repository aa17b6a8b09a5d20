#!/usr/bin/env bash
# Builds Core Lightning from the source in ../shared/cln (once per version) into a cache outside
# the clone, and prints the path of its lightningd. Quick when the cached build matches the
# source tarball (its sha256 is the stamp). LIGHTNINGD=path uses an installed lightningd instead.
#   scripts/cln/build.sh            → /root/.cache/lncommando/cln-v26.06.6/usr/local/bin/lightningd
#   scripts/cln/build.sh wss-proxy  → …/cln-v26.06.6/wss-proxy/wss-proxy: Core Lightning's own
#     wss-proxy plugin (Rust), built with cargo from the same tree (--locked, crates from
#     crates.io) and cached beside the node; kept out of the node's plugin directory, so that
#     only a node started with plugin=PATH loads it. LNC_WSS_PROXY=path uses an installed one.
# Progress goes to stderr; the build's own output to $CACHE/cln-build-VERSION.log.
set -euo pipefail
cd "$(dirname "$0")/../.."

VERSION=${LNC_CLN_VERSION:-v26.06.6}
TARBALL=${LNC_CLN_TARBALL:-../shared/cln/lightning-$VERSION.tar.xz}
CACHE=${LNC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lncommando}
DEST=$CACHE/cln-$VERSION
BIN=$DEST/usr/local/bin/lightningd
say() { echo "cln: $*" >&2; }

what=${1:-lightningd}
case "$what" in
  lightningd | wss-proxy) ;;
  *) echo "cln: unknown target '$what' (lightningd or wss-proxy)" >&2; exit 2 ;;
esac

# The installed binary that variable $1 names, if set: printed, and the script ends.
use_installed() {
  local path=${!1:-}
  [ -n "$path" ] || return 0
  [ -x "$path" ] || { echo "cln: $1=$path is not an executable" >&2; exit 1; }
  echo "$path"
  exit 0
}
# The cached build $1, if the stamp in directory $2 is the tarball's sha256: printed, and the
# script ends. Sets $want (the stamp a new build gets).
use_cached() {
  [ -f "$TARBALL" ] || { echo "cln: $TARBALL not found (Core Lightning's source, see ../shared/cln/README.md)" >&2; exit 1; }
  want=$(sha256sum "$TARBALL" | cut -d' ' -f1)
  if [ -x "$1" ] && [ "$(cat "$2/.source-sha256" 2>/dev/null || true)" = "$want" ]; then
    echo "$1"
    exit 0
  fi
}

if [ "$what" = wss-proxy ]; then
  use_installed LNC_WSS_PROXY
  PLUGIN_DIR=$CACHE/wss-proxy-$VERSION
  PLUGIN=$PLUGIN_DIR/wss-proxy
  use_cached "$PLUGIN" "$PLUGIN_DIR"
  log=$CACHE/wss-proxy-build-$VERSION.log
  work=$CACHE/wss-proxy-build-$VERSION
  say "building Core Lightning $VERSION's wss-proxy plugin with cargo (~2 min; log: $log)"
  mkdir -p "$CACHE"
  rm -rf "$work" "$PLUGIN_DIR"
  mkdir -p "$work" "$PLUGIN_DIR"
  t0=$(date +%s)
  (
    set -e
    tar -xf "$TARBALL" -C "$work" "lightning-$VERSION/Cargo.toml" "lightning-$VERSION/Cargo.lock" \
      "lightning-$VERSION/cln-rpc" "lightning-$VERSION/cln-grpc" "lightning-$VERSION/plugins"
    cd "$work/lightning-$VERSION"
    CARGO_TARGET_DIR="$work/target" cargo build --release --locked -p wss-proxy
    cp "$work/target/release/wss-proxy" "$PLUGIN"
  ) >"$log" 2>&1 || {
    echo "cln: the wss-proxy build failed; the end of $log:" >&2
    tail -30 "$log" >&2
    exit 1
  }
  rm -rf "$work"
  echo "$want" >"$PLUGIN_DIR/.source-sha256"
  say "built wss-proxy in $(($(date +%s) - t0)) s"
  echo "$PLUGIN"
  exit 0
fi

use_installed LIGHTNINGD
use_cached "$BIN" "$DEST"

# Debian's packages the build needs (../shared/cln/README.md), only those missing.
pkgs=(autoconf automake libtool build-essential pkg-config jq gettext lowdown libsqlite3-dev
  libsodium-dev zlib1g-dev libffi-dev python3 python3-mako)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian's ${missing[*]} (apt-get, ~1 min; to build Core Lightning)"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

log=$CACHE/cln-build-$VERSION.log
work=$CACHE/cln-build-$VERSION
say "building Core Lightning $VERSION from $TARBALL into $DEST (~1.5-3 min; log: $log)"
mkdir -p "$CACHE"
rm -rf "$work" "$DEST"
mkdir -p "$work"
t0=$(date +%s)
(
  set -e
  tar -xf "$TARBALL" -C "$work"
  cd "$work/lightning-$VERSION"
  # Debian's python3 (with mako) first: code generation needs it; no Postgres, no Rust plugins.
  export PATH=/usr/bin:$PATH PG_CONFIG= PYTHON=/usr/bin/python3
  ./configure --disable-rust --disable-valgrind --disable-compat
  make -j"$(nproc)" VERSION="$VERSION" all-programs
  make VERSION="$VERSION" install-program DESTDIR="$DEST"
) >"$log" 2>&1 || {
  echo "cln: the build failed; the end of $log:" >&2
  tail -30 "$log" >&2
  exit 1
}
rm -rf "$work"
echo "$want" >"$DEST/.source-sha256"
say "built in $(($(date +%s) - t0)) s"
echo "$BIN"
