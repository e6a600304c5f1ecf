//! Fuzz target `check`: see `plimsoll_fuzz::check`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| plimsoll_fuzz::check(data));
