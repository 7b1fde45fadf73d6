//! aipool_exporter: a Prometheus exporter for rented AI compute pools.
//!
//! Data flows one way: config → per-account runtime (`runtime`) → provider
//! (`providers::*`: the shared upstream toolkit in `providers::upstream` for
//! HTTP, retries, limits, signing and paging; the platform's auth, DTOs and
//! mapping) → provider-neutral [`model::Snapshot`] → exposition → HTTP server.
//! See the README (Development) for the layout and its invariants.
//!
//! The request-signing algorithms are in the `aipool-signing` crate (shared with
//! the simulator); the model and the capacity rows the status page and `top`
//! share are in `aipool-model` (re-exported here as [`model`] and
//! [`capacity`]); the simulator (`aipool-sim`), the `demo` command and `top`
//! (`aipool-top`) belong to the binary and the tests, never to this library.

pub mod app;
pub mod build_info;
pub mod config;
pub mod counters;
pub mod dates;
pub mod error;
pub mod exposition;
pub mod fields;
pub mod logging;
pub mod memory;
pub mod providers;
pub mod quantity;
pub mod runtime;
pub mod server;
pub mod status_page;
pub mod web;

// Shared with `top` (the `aipool-top` crate), which cannot depend on this
// library: they live in `aipool-model`.
pub use aipool_model::{capacity, model};
