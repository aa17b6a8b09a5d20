/work/main/target-base/wasm32-unknown-unknown/wasm/deps/poly1305-b8ff63dcb13a8579.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/poly1305-0.9.1/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/poly1305-0.9.1/src/backend.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/poly1305-0.9.1/src/backend/soft.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/poly1305-0.9.1/src/../README.md

/work/main/target-base/wasm32-unknown-unknown/wasm/deps/libpoly1305-b8ff63dcb13a8579.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/poly1305-0.9.1/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/poly1305-0.9.1/src/backend.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/poly1305-0.9.1/src/backend/soft.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/poly1305-0.9.1/src/../README.md

/work/main/target-base/wasm32-unknown-unknown/wasm/deps/libpoly1305-b8ff63dcb13a8579.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/poly1305-0.9.1/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/poly1305-0.9.1/src/backend.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/poly1305-0.9.1/src/backend/soft.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/poly1305-0.9.1/src/../README.md

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/poly1305-0.9.1/src/lib.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/poly1305-0.9.1/src/backend.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/poly1305-0.9.1/src/backend/soft.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/poly1305-0.9.1/src/../README.md:
