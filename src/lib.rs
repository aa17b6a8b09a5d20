//! lncommando's protocol core: everything needed to talk to a Core Lightning node, with no I/O.
//!
//! The core is a set of pure state machines (the "sans-IO" style of rustls and quinn-proto):
//! bytes go in, bytes and events come out. No sockets, no clocks, no JavaScript. The shells
//! (the wasm bindings, the native test node) only move bytes and map events.
//!
//! - [`transport`]: BOLT 8 (Noise_XK over secp256k1), handshake and encrypted packets.
//! - [`wire`]: BOLT 1 messages (`init`, `ping`/`pong`, `warning`/`error`), BigSize and TLV.
//! - [`commando`]: commando request framing, reply reassembly, request ids, reply classification.
//! - [`rune`]: rune decoding, restrictions, evaluation, derivation, minting and verification.
//! - [`session`]: the client state machine that ties them together.
//! - `node` (feature `node`, off by default and never in the browser build): the node's side of
//!   a connection, commando's checks and rune minting/verification ([`rune::MasterRune`]), for
//!   the test node and the tests.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod commando;
pub mod hex;
pub mod json;
#[cfg(feature = "node")]
pub mod node;
pub mod rune;
pub mod session;
pub mod transport;
pub mod wire;
