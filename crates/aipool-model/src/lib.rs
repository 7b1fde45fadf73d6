//! What the exporter's library and `aipool-top` share, so each is written once:
//! the provider-neutral [`model`] the providers fill, the metric [`families`]
//! (names, help, types, labels and how each is read from the model) that the
//! exporter writes and `top` reads back, the [`capacity`] rows
//! (and their order) that the status page and `top` both show, and the
//! [`redact`]ion that keeps secrets out of what either prints.
//!
//! A crate of its own because `top` cannot depend on the exporter's library:
//! the binary that runs `top` lives in the library's package.

pub mod capacity;
pub mod families;
pub mod model;
pub mod redact;
mod secret;
