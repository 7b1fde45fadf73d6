//! The provider trait and the registry of providers.
//!
//! A provider owns everything platform-specific: its config keys, HTTP calls,
//! authentication, pagination, error codes, DTOs and the mapping into
//! [`Snapshot`]. The rest of the exporter only sees [`Provider::poll`] and
//! what the registry makes of each provider's [`Platform`] impl; the fuzz
//! target, property tests and benches only see each provider's `decode` (one
//! body, on bytes alone) and its [`Decoder`]s.
//!
//! Every provider polls in the same shape, all `pub(crate)` but `decoders`:
//! `client.rs` (its calls, built from `upstream`'s client, signing, paging
//! and fan-out), `dto.rs` (the wire types), `decode.rs` (`Body` and `decode`:
//! one body as the poll reads it), `map.rs` (DTOs → model), `config.rs` (its
//! keys), `decoders.rs` (its decoders of untrusted input), and `<provider>.rs`
//! beside the folder (module declarations, the [`Platform`] and the
//! [`Provider`] impls); real sub-parts are submodules named for what they hold
//! (Sugon's `session` and `hpc`, ModelArts' `iam`, AIHC's console and OpenAPI
//! clients). Errors leave a provider as [`PollError`]. Imports run one way:
//! provider → upstream → error and counters; no provider imports another,
//! and `upstream` names no platform.
//!
//! Adding a provider: its module (`<provider>.rs` and folder) and two lines
//! here, `pub mod <provider>;` and its line in `registry::providers!`.

pub mod aihc;
pub(crate) mod mapping;
pub mod modelarts;
pub mod qianfan;
pub mod registry;
pub mod sugon;
pub(crate) mod upstream;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::fields::{CommonKeys, Fields};
use crate::model::Snapshot;
use crate::quantity::Fired;

pub use registry::{Decoder, Platform};
pub use upstream::decode::{BodyError, DecodeLog, Decoded};
pub use upstream::{PollError, Reason};
// For `top --config.file`, which the binary polls the daemon's way.
pub use upstream::{build_client, PollCtx};

// The registry: one line per provider, `Kind => module`, the module's `Kind`
// type implementing `registry::Platform`. The order is the kinds' order (and
// the order of the exposition's series): append new platforms.
registry::providers! {
    Aihc => aihc,
    Qianfan => qianfan,
    ModelArts => modelarts,
    Sugon => sugon,
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a poll reads from an error body, by each platform's rules: per
/// platform, the upstream code and message, the failure reason they give a
/// 400, and what else the platform reads from it; all in `objects`, each
/// named `platform.what`.
pub fn decode_error_body(bytes: &[u8]) -> Decoded {
    let objects = ProviderKind::ALL
        .into_iter()
        .flat_map(|kind| {
            kind.error_body(bytes)
                .into_iter()
                .map(move |(what, value)| (format!("{kind}.{what}"), value))
        })
        .collect();
    Decoded {
        objects,
        ..Default::default()
    }
}

/// Every platform's decoders of untrusted bodies, in the kinds' order.
pub fn decoders() -> impl Iterator<Item = Decoder> {
    ProviderKind::ALL
        .into_iter()
        .flat_map(|kind| kind.decoders().iter().copied())
}

/// What one successful poll produced.
#[derive(Debug, Default)]
pub struct PollOutput {
    pub snapshot: Snapshot,
    /// Normalisation rules that fired while mapping this poll's responses.
    pub fired: Fired,
    /// Requests that failed without failing the poll: a part of the account the
    /// credentials may not read (a ModelArts workspace, a Sugon region's HPC
    /// side). What they would have fetched is absent from the snapshot; each is
    /// already counted in `aipool_api_request_failures_total`, and the poller
    /// logs it and exports how many there were (`aipool_poll_partial_errors`).
    pub partial: Vec<PollError>,
    /// Objects and fields left out because they did not decode (see
    /// `upstream::decode`); counted in `aipool_decode_errors_total` by the poller.
    pub decode: DecodeLog,
    /// Parts of the account whose own calls failed after their retries (a
    /// pool's queue or node list, a service's compute units, a region). The
    /// snapshot holds nothing of a failed unit; the runtime keeps its last good
    /// series until `stale_after` and then drops them. The account's other
    /// data is published fresh and `aipool_up` stays 1.
    pub failed: Vec<FailedUnit>,
}

pub use crate::model::Unit;

/// A unit whose calls failed, and the (already counted) error.
#[derive(Debug, Clone, PartialEq)]
pub struct FailedUnit {
    pub unit: Unit,
    pub error: PollError,
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One platform's view of one account.
pub trait Provider: Send + Sync {
    /// Polls every list API the account needs and maps the answers into one
    /// snapshot. A failure of the account's own list calls fails the poll; a
    /// failure of one unit's calls (a pool's queues, a service's compute
    /// units) is reported in [`PollOutput::failed`] and leaves that unit out,
    /// so every unit in a published snapshot comes wholly from one successful
    /// fetch (never a mix of two polls' figures that did not hold together).
    fn poll<'a>(&'a self, ctx: &'a PollCtx) -> BoxFuture<'a, Result<PollOutput, PollError>>;
}
