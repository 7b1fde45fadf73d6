//! Sugon AC / SCNet (曙光智算): the AI resource groups of every compute region an
//! account may use (docs/providers.md §4).
//!
//! A login (`password` + `org_id` on the AC platform, or SCNet AK/SK) returns one
//! token per compute region. For each region the exporter asks the platform's
//! `center` API where the region's AI service is, lists the region's resource
//! groups, and reads each group's per-node resources. A resource group is a
//! pool; its region's clusterId is its `cloud_region`.
//!
//! Each region's HPC service, when it has one, adds its queues: the region's
//! HPC cluster is a pool of type `hpc` and each queue a queue with capability
//! and remaining (free) cores and cards (`hpc.rs`). A region without HPC access
//! keeps its AI series; why it has no queues is a partial error of the poll.
//!
//! Tokens are kept between polls in the provider (see `session.rs` for when they
//! are renewed and `client.rs` for the retry on error 10008).

pub(crate) mod client;
pub(crate) mod config;
pub(crate) mod decode;
pub mod decoders;
pub(crate) mod dto;
pub(crate) mod hpc;
pub(crate) mod map;
pub(crate) mod session;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use tokio::sync::Mutex;

use crate::providers::upstream::{PollCtx, PollError};

pub use self::config::{
    parse_config, Auth, Config, ACCELERATOR_TYPES, DEFAULT_LOGIN_ENDPOINT, MULTI_REGION,
};
pub use self::decode::{decode, Body};
use super::registry::{Decoder, Platform};
use super::upstream::response::ErrorSpec;
use super::{BoxFuture, PollOutput, Provider};
use crate::fields::{CommonKeys, Fields};
use session::Session;

/// What the provider keeps between polls.
#[derive(Debug, Default)]
pub struct State {
    /// The tokens of the last login.
    pub session: Option<Session>,
    /// Per region, the `aiUrls` entry that last answered, tried first next time so
    /// a dead gateway listed first costs one failed connection, not one per poll.
    pub preferred_ai_url: BTreeMap<String, String>,
    /// The same for `hpcUrls`.
    pub preferred_hpc_url: BTreeMap<String, String>,
    /// Regions whose HPC service rejected a fresh token (no permission there):
    /// a rejection there does not make the exporter log in again.
    pub hpc_denied: BTreeSet<String>,
    /// Per region, the id of the HPC pool (job manager) whose queues the
    /// region's last good HPC fetch exported: when the region's HPC calls fail
    /// later, that pool is the failed unit that keeps them.
    pub hpc_pools: BTreeMap<String, String>,
    /// Configured resource groups already reported as not found.
    pub warned_groups: BTreeSet<String>,
}

pub struct Sugon {
    cfg: Config,
    /// Held for a whole poll: polls of one account never overlap, and a poll
    /// cancelled by its deadline drops the guard with the state still whole
    /// (tokens are replaced only by a complete login).
    state: Mutex<State>,
}

impl Sugon {
    pub fn new(cfg: Config) -> Self {
        Sugon {
            cfg,
            state: Mutex::new(State::default()),
        }
    }
}

impl Platform for Sugon {
    const NAME: &'static str = "sugon";
    type Config = Config;
    /// A lapsed or refused token (which the client also meets in 2xx
    /// bodies, and answers with one login).
    const ERRORS: ErrorSpec = ErrorSpec::codes(&[client::CODE_TOKEN_REJECTED], &[]);
    const DECODERS: &'static [Decoder] = decoders::DECODERS;

    fn parse_config(f: &mut Fields<'_>, common: &mut CommonKeys) -> Option<Config> {
        parse_config(f, common)
    }

    fn build(config: &Config) -> Arc<dyn Provider> {
        Arc::new(Sugon::new(config.clone()))
    }
}

impl Provider for Sugon {
    fn poll<'a>(&'a self, ctx: &'a PollCtx) -> BoxFuture<'a, Result<PollOutput, PollError>> {
        Box::pin(async move {
            let mut state = self.state.lock().await;
            let mut client = client::Client::new(&self.cfg, ctx, &mut state);
            client.poll().await
        })
    }
}

#[cfg(test)]
mod tests;
