#![no_main]
//! Every decoder of untrusted input, one per run: `AIPOOL_FUZZ_DECODER` names
//! it (`bench/fuzz.sh` sets it, and gives each decoder its own corpus and
//! artifacts directory). Any input must return, never panic.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = aipool_exporter_fuzz::selected().run(data);
});
