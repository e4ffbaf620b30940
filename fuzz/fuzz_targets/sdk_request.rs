//! The SDK's request decoding against prost's `ToFunction::decode` (see
//! `statefun_tests::oracle::sdk_request`).
#![no_main]

libfuzzer_sys::fuzz_target!(|body: &[u8]| {
    statefun_tests::oracle::sdk_request::check(body);
});
