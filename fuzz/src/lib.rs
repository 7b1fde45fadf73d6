//! The decoders the fuzz targets drive: the same file the property tests in
//! `tests/decoders_never_panic.rs` use, so that both run exactly one set of
//! decoders and none ships in the exporter's library.

#[path = "../../tests/common/decoders.rs"]
mod decoders;

pub use decoders::Decoder;
