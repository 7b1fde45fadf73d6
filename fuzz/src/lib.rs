//! The decoders the fuzz target drives: the same file the property tests in
//! `tests/decoders_never_panic.rs` use, so that both run exactly one set of
//! decoders (each platform's from the exporter's registry), and a new
//! platform's decoders are fuzzed without a line here.

use std::sync::OnceLock;

#[path = "../../tests/common/decoders.rs"]
mod decoders;

pub use decoders::{all, from_name, Decoder};

/// The environment variable that names the decoder a run fuzzes.
pub const DECODER_VAR: &str = "AIPOOL_FUZZ_DECODER";

/// The decoder `AIPOOL_FUZZ_DECODER` names; a run without a known name stops
/// at its first input, listing the names.
pub fn selected() -> Decoder {
    static SELECTED: OnceLock<Decoder> = OnceLock::new();
    *SELECTED.get_or_init(|| {
        let name = std::env::var(DECODER_VAR).unwrap_or_default();
        from_name(&name).unwrap_or_else(|| {
            let names: Vec<&str> = all().iter().map(|d| d.name()).collect();
            panic!("set {DECODER_VAR} to one of: {}", names.join(" "))
        })
    })
}
