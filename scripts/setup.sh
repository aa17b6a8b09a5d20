#!/usr/bin/env bash
# Installs what the build and the tests need, idempotently: quick when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

PYLN_PROTO_VERSION=26.6.9

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "setup: adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
for comp in clippy rustfmt; do
  if ! rustup component list --installed | grep -q "^$comp"; then
    echo "setup: adding $comp"
    rustup component add "$comp"
  fi
done

# libsecp256k1 (C) is compiled for wasm32 with clang and archived with llvm-ar; gcc cannot
# target wasm. Debian's packages; only the wasm build needs them.
if ! command -v clang >/dev/null || ! command -v llvm-ar >/dev/null; then
  echo "setup: installing clang and llvm (to build libsecp256k1 for wasm32)"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq clang llvm >/dev/null
fi

# wasm-bindgen-cli must match the wasm-bindgen version in Cargo.lock exactly.
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3 }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }')
if [ "$have" != "$want" ]; then
  echo "setup: installing wasm-bindgen-cli $want (found: ${have:-none})"
  cargo install --quiet wasm-bindgen-cli --version "$want"
fi

# Debian's Chromium for the browser tests (Playwright cannot download browsers here).
if ! command -v chromium >/dev/null; then
  echo "setup: installing chromium"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# npm tools (binaryen's wasm-opt, playwright-core, ws), pinned by package-lock.json.
for dir in . bench/browser; do
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "setup: npm ci in $dir"
    (cd "$dir" && npm ci --silent --no-audit --no-fund)
  fi
done

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import pyln.proto.wire' 2>/dev/null; then
  echo "setup: installing pyln-proto $PYLN_PROTO_VERSION (the independent BOLT 8 peer for interop tests)"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check "pyln-proto==$PYLN_PROTO_VERSION"
fi
