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

pub mod client;
pub mod dto;
pub mod hpc;
pub mod map;
pub mod session;

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Url;
use tokio::sync::Mutex;

use crate::config::fields::{CommonKeys, Fields};
use crate::config::secret::Secret;
use crate::http::{PollCtx, PollError};

use super::{BoxFuture, PollOutput, Provider};
use session::Session;

/// Where SCNet's AK/SK login lives unless `login_endpoint` says otherwise.
pub const DEFAULT_LOGIN_ENDPOINT: &str = "https://api.scnet.cn";
/// The accelerator types the `resources` API takes.
pub const ACCELERATOR_TYPES: [&str; 4] = ["gpu", "dcu", "mlu", "cpu"];
/// The account-level `cloud_region` when the account spans several compute
/// regions (every pool carries its own region's clusterId instead).
pub const MULTI_REGION: &str = "multi";

#[derive(Debug, Clone, PartialEq)]
pub enum Auth {
    /// AC password login: `POST {endpoint}/ac/openapi/v2/tokens`.
    Password { password: Secret, org_id: Secret },
    /// SCNet AK/SK login: `POST {login_endpoint}/api/user/v3/tokens`.
    AkSk {
        access_key_id: String,
        secret_access_key: Secret,
        login_endpoint: Url,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The platform base (`https://ac.sugon.com`, `https://www.scnet.cn`).
    pub endpoint: Url,
    pub user: String,
    pub auth: Auth,
    /// Compute regions to poll; empty means every region the login returns.
    pub cluster_ids: Vec<String>,
    /// Resource groups to report; empty means every discovered group.
    pub resource_groups: Vec<String>,
    /// Accelerator types to report; empty means every discovered type.
    pub accelerator_types: Vec<String>,
    /// Poll each region's HPC queues (the only free figures Sugon reports).
    pub hpc_queues: bool,
}

fn has_secret(f: &Fields<'_>, key: &str) -> bool {
    f.has(key) || f.has(&format!("{key}_file")) || f.has(&format!("{key}_env"))
}

/// Parses the Sugon keys of an account. `endpoint` is required; `region` is not
/// used (each compute region's clusterId is its pools' `cloud_region`), so the
/// account-level region becomes the one configured cluster id, or `multi`.
pub fn parse_config(f: &mut Fields<'_>, common: &mut CommonKeys) -> Option<Config> {
    if common.region.is_some() {
        f.error(
            "region",
            "is not used by provider sugon: each compute region's clusterId becomes \
             cloud_region (choose regions with cluster_ids)",
        );
    }
    let endpoint = common.endpoint.clone();
    if endpoint.is_none() {
        f.error(
            "endpoint",
            "is required for provider sugon: the platform base URL \
             (e.g. \"https://ac.sugon.com\" or \"https://www.scnet.cn\")",
        );
    }
    let user = f.required_string("user");

    let password_style = has_secret(f, "password") || has_secret(f, "org_id");
    let aksk_style = f.has("access_key_id") || has_secret(f, "secret_access_key");
    let login_endpoint = f.url("login_endpoint");
    // No early return below: every key must be taken, or the ones after a
    // problem would be reported as unknown on top of it.
    let auth = match (password_style, aksk_style) {
        (true, true) => {
            f.error(
                "access_key_id",
                "give either password + org_id or access_key_id + secret_access_key, not both",
            );
            let _ = (f.secret("password"), f.secret("org_id"));
            let _ = (f.string("access_key_id"), f.secret("secret_access_key"));
            None
        }
        (false, false) => {
            f.error(
                "password",
                "is required: give password + org_id (AC password login) or \
                 access_key_id + secret_access_key (SCNet AK/SK login)",
            );
            None
        }
        (true, false) => {
            if login_endpoint.is_some() {
                f.error(
                    "login_endpoint",
                    "is only used with access_key_id + secret_access_key",
                );
            }
            let password = f.required_secret("password", "for password login");
            let org_id = f.required_secret("org_id", "for password login");
            password
                .zip(org_id)
                .map(|(password, org_id)| Auth::Password { password, org_id })
        }
        (false, true) => {
            let access_key_id = f.required_string("access_key_id");
            let secret_access_key = f.required_secret("secret_access_key", "for AK/SK login");
            let login_endpoint = login_endpoint.or_else(|| Url::parse(DEFAULT_LOGIN_ENDPOINT).ok());
            match (access_key_id, secret_access_key, login_endpoint) {
                (Some(access_key_id), Some(secret_access_key), Some(login_endpoint)) => {
                    Some(Auth::AkSk {
                        access_key_id,
                        secret_access_key,
                        login_endpoint,
                    })
                }
                _ => None,
            }
        }
    };

    let cluster_ids = names(f, "cluster_ids");
    for (i, id) in cluster_ids.iter().enumerate() {
        if id == session::PLATFORM_CLUSTER_ID {
            f.error(
                &format!("cluster_ids[{i}]"),
                "\"0\" is the platform's own token, not a compute region",
            );
        }
    }
    let resource_groups = names(f, "resource_groups");
    let accelerator_types = names(f, "accelerator_types");
    let hpc_queues = f.boolean("hpc_queues", true);
    for (i, t) in accelerator_types.iter().enumerate() {
        if !ACCELERATOR_TYPES.contains(&t.as_str()) {
            f.error(
                &format!("accelerator_types[{i}]"),
                format!("{t:?} is not one of {}", ACCELERATOR_TYPES.join(" | ")),
            );
        }
    }

    common.region = Some(match cluster_ids.as_slice() {
        [one] => one.clone(),
        _ => MULTI_REGION.to_string(),
    });
    Some(Config {
        endpoint: endpoint?,
        user: user?,
        auth: auth?,
        cluster_ids,
        resource_groups,
        accelerator_types,
        hpc_queues,
    })
}

/// A list of non-empty names; absent is empty.
fn names(f: &mut Fields<'_>, key: &str) -> Vec<String> {
    let list = f.string_list(key).unwrap_or_default();
    for (i, v) in list.iter().enumerate() {
        if v.trim().is_empty() {
            f.error(&format!("{key}[{i}]"), "must not be empty");
        }
    }
    list.into_iter().map(|v| v.trim().to_string()).collect()
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
