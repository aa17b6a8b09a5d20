/work/main/target-base/wasm32-unknown-unknown/wasm/deps/cfg_if-c37c663ef81f7214.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs

/work/main/target-base/wasm32-unknown-unknown/wasm/deps/libcfg_if-c37c663ef81f7214.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs

/work/main/target-base/wasm32-unknown-unknown/wasm/deps/libcfg_if-c37c663ef81f7214.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs:
