#![no_main]
//! See `x8ctl_core::fuzzing::adb_host` for the input layout and the properties checked.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    x8ctl_core::fuzzing::adb_host(data);
});
