//! aipool_exporter: a Prometheus exporter for rented AI compute pools.
//!
//! Data flows one way: config → per-account runtime (`runtime`) → provider
//! (`providers::*`: the shared upstream toolkit in `providers::upstream` for
//! HTTP, retries, limits, signing and paging; the platform's auth, DTOs and
//! mapping) → provider-neutral [`model::Snapshot`] → exposition → HTTP server.
//! See the README (Development) for the layout and its invariants.
//!
//! The request-signing algorithms are in the `aipool-signing` crate (shared with
//! the simulator); the simulator (`aipool-sim`) and the `demo` command belong to
//! the binary and the tests, never to this library.

pub mod app;
pub mod build_info;
pub mod capacity;
pub mod config;
pub mod counters;
pub mod dates;
pub mod error;
pub mod exposition;
pub mod fields;
pub mod logging;
pub mod memory;
pub mod model;
pub mod providers;
pub mod quantity;
pub mod runtime;
pub mod server;
pub mod status_page;
pub mod top;
pub mod web;
