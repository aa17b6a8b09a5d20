/work/main/target-base/wasm32-unknown-unknown/wasm/deps/chacha20poly1305-1880655c0e9df18b.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/chacha20poly1305-0.11.0/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/chacha20poly1305-0.11.0/src/cipher.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/chacha20poly1305-0.11.0/src/../README.md

/work/main/target-base/wasm32-unknown-unknown/wasm/deps/libchacha20poly1305-1880655c0e9df18b.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/chacha20poly1305-0.11.0/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/chacha20poly1305-0.11.0/src/cipher.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/chacha20poly1305-0.11.0/src/../README.md

/work/main/target-base/wasm32-unknown-unknown/wasm/deps/libchacha20poly1305-1880655c0e9df18b.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/chacha20poly1305-0.11.0/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/chacha20poly1305-0.11.0/src/cipher.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/chacha20poly1305-0.11.0/src/../README.md

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/chacha20poly1305-0.11.0/src/lib.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/chacha20poly1305-0.11.0/src/cipher.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/chacha20poly1305-0.11.0/src/../README.md:
