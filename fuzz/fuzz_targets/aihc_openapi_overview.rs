#![no_main]
//! `Decoder::AihcOpenApiOverview` on arbitrary bytes: must return, never panic.

use aipool_exporter_fuzz::Decoder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Decoder::AihcOpenApiOverview.run(data);
});
