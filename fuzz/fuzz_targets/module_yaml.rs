//! `module.yaml` parsing: never a panic, and an error names where it is.
#![no_main]

libfuzzer_sys::fuzz_target!(|text: &str| {
    statefun_tests::oracle::module_yaml::check(text);
});
