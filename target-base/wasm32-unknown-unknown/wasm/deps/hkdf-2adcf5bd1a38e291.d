/work/main/target-base/wasm32-unknown-unknown/wasm/deps/hkdf-2adcf5bd1a38e291.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/hkdf-0.13.0/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/hkdf-0.13.0/src/errors.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/hkdf-0.13.0/src/hmac_impl.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/hkdf-0.13.0/src/../README.md

/work/main/target-base/wasm32-unknown-unknown/wasm/deps/libhkdf-2adcf5bd1a38e291.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/hkdf-0.13.0/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/hkdf-0.13.0/src/errors.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/hkdf-0.13.0/src/hmac_impl.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/hkdf-0.13.0/src/../README.md

/work/main/target-base/wasm32-unknown-unknown/wasm/deps/libhkdf-2adcf5bd1a38e291.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/hkdf-0.13.0/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/hkdf-0.13.0/src/errors.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/hkdf-0.13.0/src/hmac_impl.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/hkdf-0.13.0/src/../README.md

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/hkdf-0.13.0/src/lib.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/hkdf-0.13.0/src/errors.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/hkdf-0.13.0/src/hmac_impl.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/hkdf-0.13.0/src/../README.md:
