/work/main/target-base/wasm32-unknown-unknown/wasm/deps/universal_hash-2f4c37e3d188e200.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/universal-hash-0.6.1/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/universal-hash-0.6.1/src/../README.md

/work/main/target-base/wasm32-unknown-unknown/wasm/deps/libuniversal_hash-2f4c37e3d188e200.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/universal-hash-0.6.1/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/universal-hash-0.6.1/src/../README.md

/work/main/target-base/wasm32-unknown-unknown/wasm/deps/libuniversal_hash-2f4c37e3d188e200.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/universal-hash-0.6.1/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/universal-hash-0.6.1/src/../README.md

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/universal-hash-0.6.1/src/lib.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/universal-hash-0.6.1/src/../README.md:
