/work/main/target-base/wasm32-unknown-unknown/wasm/deps/lncommando-b5db02253ee45474.d: src/lib.rs src/commando.rs src/hex.rs src/json.rs src/node.rs src/rune.rs src/session.rs src/transport.rs src/wire.rs

/work/main/target-base/wasm32-unknown-unknown/wasm/deps/liblncommando-b5db02253ee45474.rlib: src/lib.rs src/commando.rs src/hex.rs src/json.rs src/node.rs src/rune.rs src/session.rs src/transport.rs src/wire.rs

/work/main/target-base/wasm32-unknown-unknown/wasm/deps/liblncommando-b5db02253ee45474.rmeta: src/lib.rs src/commando.rs src/hex.rs src/json.rs src/node.rs src/rune.rs src/session.rs src/transport.rs src/wire.rs

src/lib.rs:
src/commando.rs:
src/hex.rs:
src/json.rs:
src/node.rs:
src/rune.rs:
src/session.rs:
src/transport.rs:
src/wire.rs:
