//! The runtime's `FromFunction` reader against prost's decoder.
#![no_main]

libfuzzer_sys::fuzz_target!(|body: &[u8]| {
    if let Err(problem) = statefun_runtime::fuzzing::from_function_reads_as_prost(body) {
        panic!("{problem}");
    }
});
