//! cargo-fuzz entry point: the body is `lncommando_fuzz::targets::handshake` (fuzz/src/targets/handshake.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lncommando_fuzz::targets::handshake::run(data));
