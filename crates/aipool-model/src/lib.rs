//! What the exporter's library and `aipool-top` share, so each is written once:
//! the provider-neutral [`model`] the providers fill, the [`capacity`] rows
//! (and their order) that the status page and `top` both show, and the
//! [`redact`]ion that keeps secrets out of what either prints.
//!
//! A crate of its own because `top` cannot depend on the exporter's library:
//! the binary that runs `top` lives in the library's package.

pub mod capacity;
pub mod model;
pub mod redact;
mod secret;
