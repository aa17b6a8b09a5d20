//! cargo-fuzz entry point: the body is `lncommando_fuzz::targets::wire` (fuzz/src/targets/wire.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lncommando_fuzz::targets::wire::run(data));
