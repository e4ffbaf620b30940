//! The runtime's HTTP/1.1 response parsing against hyper's client (see
//! `statefun_runtime::fuzzing::http1_response_reads_as_hyper`): the first byte is the size
//! of the runtime's reads, the rest the response to a POST.
#![no_main]

libfuzzer_sys::fuzz_target!(|input: &[u8]| {
    if let Err(problem) = statefun_runtime::fuzzing::http1_response_reads_as_hyper(input) {
        panic!("{problem}");
    }
});
