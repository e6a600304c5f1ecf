//! Fuzz target `config`: see `plimsoll_fuzz::config`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| plimsoll_fuzz::config(data));
