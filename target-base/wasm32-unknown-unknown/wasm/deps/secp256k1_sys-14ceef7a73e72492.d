/work/main/target-base/wasm32-unknown-unknown/wasm/deps/secp256k1_sys-14ceef7a73e72492.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/secp256k1-sys-0.14.1/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/secp256k1-sys-0.14.1/src/macros.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/secp256k1-sys-0.14.1/src/types.rs

/work/main/target-base/wasm32-unknown-unknown/wasm/deps/libsecp256k1_sys-14ceef7a73e72492.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/secp256k1-sys-0.14.1/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/secp256k1-sys-0.14.1/src/macros.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/secp256k1-sys-0.14.1/src/types.rs

/work/main/target-base/wasm32-unknown-unknown/wasm/deps/libsecp256k1_sys-14ceef7a73e72492.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/secp256k1-sys-0.14.1/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/secp256k1-sys-0.14.1/src/macros.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/secp256k1-sys-0.14.1/src/types.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/secp256k1-sys-0.14.1/src/lib.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/secp256k1-sys-0.14.1/src/macros.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/secp256k1-sys-0.14.1/src/types.rs:
