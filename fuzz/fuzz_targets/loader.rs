//! Fuzz target `loader`: see `plimsoll_fuzz::loader`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| plimsoll_fuzz::loader(data));
