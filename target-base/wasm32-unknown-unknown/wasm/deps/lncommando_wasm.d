/work/main/target-base/wasm32-unknown-unknown/wasm/deps/lncommando_wasm.d: wasm/src/lib.rs

/work/main/target-base/wasm32-unknown-unknown/wasm/deps/lncommando_wasm.wasm: wasm/src/lib.rs

/work/main/target-base/wasm32-unknown-unknown/wasm/deps/liblncommando_wasm.rlib: wasm/src/lib.rs

wasm/src/lib.rs:
