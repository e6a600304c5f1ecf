//! Fuzz target `policy`: see `plimsoll_fuzz::policy`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| plimsoll_fuzz::policy(data));
