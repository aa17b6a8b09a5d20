/work/main/target-base/wasm32-unknown-unknown/wasm/deps/lncommando_aead-f3ad5572bffac531.d: aead/src/lib.rs

/work/main/target-base/wasm32-unknown-unknown/wasm/deps/liblncommando_aead-f3ad5572bffac531.rlib: aead/src/lib.rs

/work/main/target-base/wasm32-unknown-unknown/wasm/deps/liblncommando_aead-f3ad5572bffac531.rmeta: aead/src/lib.rs

aead/src/lib.rs:
