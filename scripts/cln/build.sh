#!/usr/bin/env bash
# Builds Core Lightning from the source in ../shared/cln (once per version) into a cache outside
# the clone, and prints the path of its lightningd. Quick when the cached build matches the
# source tarball (its sha256 is the stamp). LIGHTNINGD=path uses an installed lightningd instead.
#   scripts/cln/build.sh            → /root/.cache/lncommando/cln-v26.06.6/usr/local/bin/lightningd
# Progress goes to stderr; the build's own output to $CACHE/cln-build-VERSION.log.
set -euo pipefail
cd "$(dirname "$0")/../.."

VERSION=${LNC_CLN_VERSION:-v26.06.6}
TARBALL=${LNC_CLN_TARBALL:-../shared/cln/lightning-$VERSION.tar.xz}
CACHE=${LNC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lncommando}
DEST=$CACHE/cln-$VERSION
BIN=$DEST/usr/local/bin/lightningd
say() { echo "cln: $*" >&2; }

if [ -n "${LIGHTNINGD:-}" ]; then
  [ -x "$LIGHTNINGD" ] || { echo "cln: LIGHTNINGD=$LIGHTNINGD is not an executable" >&2; exit 1; }
  echo "$LIGHTNINGD"
  exit 0
fi
[ -f "$TARBALL" ] || { echo "cln: $TARBALL not found (Core Lightning's source, see ../shared/cln/README.md)" >&2; exit 1; }
want=$(sha256sum "$TARBALL" | cut -d' ' -f1)
if [ -x "$BIN" ] && [ "$(cat "$DEST/.source-sha256" 2>/dev/null || true)" = "$want" ]; then
  echo "$BIN"
  exit 0
fi

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
