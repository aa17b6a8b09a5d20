#!/usr/bin/env bash
# Builds the npm package into pkg/: the wasm core (wasm-bindgen, then wasm-opt -Oz when
# binaryen is installed) and the JS API from pkg-template/. Prints the shipped size.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet --profile wasm --target wasm32-unknown-unknown -p lncommando-wasm
out=target/pkg-build
rm -rf "$out" pkg
# --experimental-reset-state-function: after a trap the JS API replaces the instance (fresh
# memory) with __wbg_reset_state() instead of leaving every later call broken.
wasm-bindgen --target web --experimental-reset-state-function --out-dir "$out" --out-name lncommando_wasm \
  target/wasm32-unknown-unknown/wasm/lncommando_wasm.wasm
if [ -x node_modules/.bin/wasm-opt ]; then
  # --converge: the passes rerun until the module stops shrinking (~0.2 KB of gzip).
  node_modules/.bin/wasm-opt -Oz --converge --strip-debug --strip-producers \
    "$out/lncommando_wasm_bg.wasm" -o "$out/lncommando_wasm_bg.wasm"
else
  echo "build-pkg: binaryen not installed (npm install): the wasm is not size-optimised" >&2
fi
mkdir -p pkg
cp pkg-template/index.js pkg-template/index.d.ts pkg-template/methods.d.ts pkg-template/package.json pkg-template/README.md pkg-template/CHANGELOG.md LICENSE pkg/
cp "$out/lncommando_wasm_bg.wasm" pkg/
# The glue names its own .d.ts (`@ts-self-types`), which the package does not ship: the glue is
# internal (index.d.ts types the API), so the pointer goes.
grep -v '^/\* @ts-self-types=' "$out/lncommando_wasm.js" > pkg/lncommando_wasm.js
node scripts/size.mjs
