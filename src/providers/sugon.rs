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
pub mod decoders;
pub(crate) mod dto;
pub(crate) mod hpc;
pub(crate) mod map;
pub(crate) mod session;

use std::sync::Arc;

use std::collections::{BTreeMap, BTreeSet};

use tokio::sync::Mutex;

use crate::providers::upstream::{PollCtx, PollError};

pub use self::config::{
    parse_config, Auth, Config, ACCELERATOR_TYPES, DEFAULT_LOGIN_ENDPOINT, MULTI_REGION,
};
use super::registry::{Decoder, Platform};
use super::upstream::decode::{json, BodyError, Decoded};
use super::upstream::response::{upstream_message, ErrorSpec};
use super::{BoxFuture, PollOutput, Provider};
use crate::fields::{CommonKeys, Fields};
use session::Session;

/// The bodies a Sugon poll decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body<'a> {
    /// The login answer: its region entries, in `objects`.
    Login,
    /// The login answer made into a session at `now_ms` (no `cluster_ids`).
    Session { now_ms: u64 },
    /// The `center` answer: the enabled AI URLs of region `cluster_id`, in
    /// `objects`, each joined into the URL the poll would call, as is the HPC
    /// side of the same answer.
    Center { cluster_id: &'a str },
    /// The resource groups: `(type/group, "")` in `objects`.
    Groups,
    /// One group's per-node resources, mapped as group `g` of region 11276.
    Resources { accelerator_type: &'a str },
    /// The HPC cluster answer: its job manager, in `objects`.
    HpcCluster,
    /// The HPC queues of job manager 1637 of region 11276: `snapshot.queues`
    /// and `queue_nodes`, and each queue with its node figures in `objects`.
    HpcQueues,
}

/// What a poll does with one body, on bytes alone: the `{code, msg, data}`
/// envelope, then the DTO and mapping of `data`.
pub fn decode(body: Body<'_>, bytes: &[u8]) -> Result<Decoded, BodyError> {
    let env: dto::Envelope = json(bytes)?;
    let data = match env.code.as_deref().map(str::trim) {
        Some("0") => env.data,
        Some(code) => return Err(BodyError::Refused(format!("code {code}"))),
        None => return Err(BodyError::Json("no code".into())),
    };
    let mut out = Decoded::default();
    let log = &mut out.log;
    match body {
        Body::Login => {
            out.objects = session::login_entries(data, "v2/tokens", log)?
                .into_iter()
                .map(|e| (e.cluster_id.clone().unwrap_or_default(), format!("{e:?}")))
                .collect();
        }
        Body::Session { now_ms } => {
            let entries = session::login_entries(data, "v2/tokens", log)?;
            for e in &entries {
                if let Some(t) = &e.token {
                    let _ = aipool_signing::scnet::jwt_expire_time_ms(t);
                }
            }
            Session::from_login(entries, &[], now_ms)
                .map_err(|e| BodyError::Refused(e.to_string()))?;
        }
        Body::Center { cluster_id } => {
            let centers = map::parse_centers(&data, log)?;
            let urls = map::enabled_ai_urls(&centers, cluster_id);
            for raw in &urls {
                if let Ok(base) = map::ai_base(raw) {
                    let _ = map::join(&base, "/ai/openapi/v2/instance-service/resource-group");
                }
            }
            // The HPC side of the same answer, which may fail on its own.
            if let Ok(access) = hpc::hpc_access(&centers, cluster_id) {
                for raw in &access.urls {
                    if let Ok(base) = map::service_base(raw, "hpc") {
                        let _ = client::queues_url(&base, &access.user, "1637");
                    }
                }
            }
            out.objects = urls.into_iter().map(|u| (u.clone(), u)).collect();
        }
        Body::Groups => {
            out.objects = map::parse_groups(&data, log)?
                .into_iter()
                .map(|(t, g)| (format!("{t}/{g}"), String::new()))
                .collect();
        }
        Body::Resources { accelerator_type } => {
            let dto: dto::ResourcesDto = if data.is_null() {
                Default::default()
            } else {
                serde_json::from_value(data).map_err(BodyError::json)?
            };
            let pool = map::map_group(
                "11276",
                accelerator_type,
                "g",
                &dto,
                &mut crate::quantity::Fired::default(),
                log,
            );
            out.snapshot.pools.push(pool);
        }
        Body::HpcCluster => {
            let jm = hpc::parse_job_manager(&data, log)?;
            out.objects = vec![(jm.id.clone(), format!("{jm:?}"))];
        }
        Body::HpcQueues => {
            let jm = hpc::JobManager {
                id: "1637".into(),
                name: "slurm".into(),
                kind: "SLURM".into(),
            };
            let q = hpc::map_queues(
                "11276",
                &jm,
                &data,
                &mut crate::quantity::Fired::default(),
                log,
            )?;
            out.objects = q
                .queues
                .iter()
                .zip(&q.nodes)
                .map(|(queue, nodes)| (queue.id.clone(), format!("{queue:?} {nodes:?}")))
                .collect();
            out.snapshot.queues = q.queues;
            out.snapshot.queue_nodes = q.nodes;
        }
    }
    Ok(out)
}

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
    const ERRORS: ErrorSpec = ErrorSpec {
        auth_codes: &[client::CODE_TOKEN_REJECTED],
        resign_codes: &[],
        read: upstream_message,
    };
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
