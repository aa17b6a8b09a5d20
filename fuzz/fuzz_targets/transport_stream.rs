//! cargo-fuzz entry point: the body is `lncommando_fuzz::targets::transport_stream` (fuzz/src/targets/transport_stream.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lncommando_fuzz::targets::transport_stream::run(data));
