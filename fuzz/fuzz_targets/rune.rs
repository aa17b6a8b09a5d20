//! cargo-fuzz entry point: the body is `lncommando_fuzz::targets::rune` (fuzz/src/targets/rune.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lncommando_fuzz::targets::rune::run(data));
