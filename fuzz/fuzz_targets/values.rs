//! Fuzz target `values`: see `plimsoll_fuzz::values`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| plimsoll_fuzz::values(data));
