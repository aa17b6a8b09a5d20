#!/usr/bin/env bash
# Installs what the build and the tests need, idempotently: quick when everything is present.
set -euo pipefail

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

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import pyln.proto.wire' 2>/dev/null; then
  echo "setup: installing pyln-proto $PYLN_PROTO_VERSION (the independent BOLT 8 peer for interop tests)"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check "pyln-proto==$PYLN_PROTO_VERSION"
fi
