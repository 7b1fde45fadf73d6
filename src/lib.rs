//! aipool_exporter: a Prometheus exporter for rented AI compute pools.
//!
//! Data flows one way: config → per-account poller → provider (HTTP, auth, paging)
//! → upstream DTOs → mapping → provider-neutral [`model::Snapshot`] → exposition →
//! HTTP server. See `../shared/architecture.md` and the README for the invariants.

pub mod auth;
pub mod config;
pub mod http;
pub mod model;
pub mod providers;
pub mod quantity;
pub mod stats;
