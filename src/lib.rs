//! lncommando's protocol core: everything needed to talk to a Core Lightning node, with no I/O.
//!
//! The core is a set of pure state machines (the "sans-IO" style of rustls and quinn-proto):
//! bytes go in, bytes and events come out. No sockets, no clocks, no JavaScript. The shells
//! (the wasm bindings, the native test node) only move bytes and map events.
//!
//! The client's API is at the root: a [`Session`] made from a [`Config`] and a [`Keypair`],
//! driven by bytes and time, yielding [`Event`]s whose replies are [`Outcome`]s. The layers it is
//! built from are public modules for those who work below it:
//!
//! - [`transport`]: BOLT 8 (Noise_XK over secp256k1), handshake and encrypted packets.
//! - [`wire`]: BOLT 1 messages (`init`, `ping`/`pong`, `warning`/`error`), BigSize and TLV.
//! - [`commando`]: commando request framing, reply reassembly, reply classification.
//! - [`rune`]: rune decoding, restrictions, evaluation against a request, derivation.
//! - [`hex`]: the hex of node ids and keys.
//! - `node` (feature `node`, off by default and never in the browser build): the node's side of
//!   a connection, commando's checks and rune minting/verification (`rune::MasterRune`), for
//!   the test node and the tests.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// `no_std` (with `alloc`): the browser build then links no part of std, whose panic handler
// formats every panic message (core::fmt, its Debug impls, the location's text) even where the
// shell aborts. The node side and the tests have std.
#![no_std]

extern crate alloc;
#[cfg(any(test, feature = "node"))]
extern crate std;

/// What std's prelude would give every module: the `alloc` types the core uses.
mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::boxed::Box;
    pub use alloc::format;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec;
    pub use alloc::vec::Vec;
}

pub mod commando;
pub mod hex;
/// JSON scanning for the core's own needs; public only for the fuzz targets.
#[doc(hidden)]
pub mod json;
#[cfg(feature = "node")]
pub mod node;
pub mod rune;
mod session;
pub mod transport;
pub mod wire;

pub use commando::{ErrorKind, Outcome};
pub use rune::{Rune, RuneError};
pub use session::{CloseReason, Config, Event, GiveUp, MIN_FRAME, RequestFailure, Session, State};
pub use transport::Keypair;
