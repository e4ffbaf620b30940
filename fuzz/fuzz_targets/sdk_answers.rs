//! The SDK's answers against what its functions did, on both protocol generations (see
//! `statefun_tests::oracle::sdk_answers`): the input is a batch and a script of effects per
//! invocation.
#![no_main]

libfuzzer_sys::fuzz_target!(|input: &[u8]| {
    statefun_tests::oracle::sdk_answers::check(input);
    statefun_tests::oracle::sdk_answers::check_v2(input);
});
