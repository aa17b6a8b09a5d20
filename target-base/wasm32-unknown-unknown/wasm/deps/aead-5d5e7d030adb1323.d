/work/main/target-base/wasm32-unknown-unknown/wasm/deps/aead-5d5e7d030adb1323.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/aead-0.6.1/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/aead-0.6.1/src/../README.md

/work/main/target-base/wasm32-unknown-unknown/wasm/deps/libaead-5d5e7d030adb1323.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/aead-0.6.1/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/aead-0.6.1/src/../README.md

/work/main/target-base/wasm32-unknown-unknown/wasm/deps/libaead-5d5e7d030adb1323.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/aead-0.6.1/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/aead-0.6.1/src/../README.md

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/aead-0.6.1/src/lib.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/aead-0.6.1/src/../README.md:
