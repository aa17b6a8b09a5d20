//! The fuzz targets' bodies, one module each: `fuzz_targets/*.rs` hands them libFuzzer's inputs,
//! `tests/corpus.rs` replays every committed corpus input through them (stable Rust, no libFuzzer).

pub mod commando_reassembly;
pub mod handshake;
pub mod rune;
pub mod transport_stream;
pub mod wire;
