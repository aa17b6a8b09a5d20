//! cargo-fuzz entry point: the body is `lncommando_fuzz::targets::commando_reassembly` (fuzz/src/targets/commando_reassembly.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lncommando_fuzz::targets::commando_reassembly::run(data));
