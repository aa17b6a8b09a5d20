#!/usr/bin/env bash
# Build both bench crates for wasm32, run wasm-bindgen + wasm-opt -Oz, print sizes.
# Needs: rustup target wasm32-unknown-unknown, wasm-bindgen-cli == version in Cargo.lock,
#        clang (with wasm32 backend) + llvm-ar for secp256k1-sys, npm binaryen in ./tools.
set -euo pipefail
cd "$(dirname "$0")"
JOBS=${JOBS:-2}
WASM_OPT=./tools/node_modules/.bin/wasm-opt
[ -x "$WASM_OPT" ] || (mkdir -p tools && cd tools && npm i --silent binaryen@132)
build() { # crate [extra cargo args...]  -> out name
  local crate=$1 name=$2; shift 2
  (cd "$crate" && cargo build --release --target wasm32-unknown-unknown -j "$JOBS" --target-dir "target-$name" "$@")
  local raw="$crate/target-$name/wasm32-unknown-unknown/release/$crate.wasm"
  rm -rf "out/$name" "out/$name-opt"; mkdir -p "out/$name"
  wasm-bindgen --target nodejs --out-dir "out/$name" "$raw"
  cp -r "out/$name" "out/$name-opt"
  "$WASM_OPT" -Oz "out/$name/${crate}_bg.wasm" -o "out/$name-opt/${crate}_bg.wasm"
  for f in "$raw" "out/$name/${crate}_bg.wasm" "out/$name-opt/${crate}_bg.wasm"; do
    printf '%-62s raw %7d B   gzip-9 %7d B\n' "$f" "$(stat -c %s "$f")" "$(gzip -9 -c "$f" | wc -c)"
  done
}
build k256bench k256
build secpbench secp
build secpbench secp-lowmem --features lowmem
