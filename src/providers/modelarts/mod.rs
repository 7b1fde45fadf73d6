//! Huawei Cloud ModelArts: dedicated resource pools, their nodes, and how much of
//! each node's CPU, memory and accelerators is still free (docs/providers.md §3).
//!
//! Authentication is either AK/SK (`SDK-HMAC-SHA256`, [`crate::auth::huawei`]) or
//! an IAM token obtained with a password ([`iam`]), cached between polls.

pub mod client;
pub mod dto;
pub mod iam;
pub mod map;

use reqwest::Url;

use crate::config::{CommonKeys, Fields, Secret};
use crate::http::{PollCtx, PollError, Reason};
use crate::model::Snapshot;
use crate::quantity::Fired;

use super::{BoxFuture, PollOutput, Provider};
use client::{Client, API_NODES, API_POOLS};
use iam::TokenCache;

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub region: String,
    /// The ModelArts endpoint (`https://modelarts.{region}.myhuaweicloud.com`).
    pub endpoint: Url,
    pub project_id: String,
    /// Only pools of this workspace (`workspaceId` of ListPools).
    pub workspace_id: Option<String>,
    pub auth: Auth,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Auth {
    /// Every request signed with SDK-HMAC-SHA256.
    AkSk {
        access_key_id: String,
        secret_access_key: Secret,
    },
    /// An IAM user token from `POST /v3/auth/tokens`, sent as `X-Auth-Token`.
    Password(PasswordAuth),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PasswordAuth {
    /// The IAM endpoint (`https://iam.{region}.myhuaweicloud.com`).
    pub iam_endpoint: Url,
    pub username: String,
    pub password: Secret,
    /// The account (domain) name the IAM user belongs to.
    pub domain: String,
    /// Scope the token to this project name (e.g. `cn-north-4`); by id
    /// (`project_id`) when absent.
    pub project_name: Option<String>,
}

/// Keys that select AK/SK authentication.
const AKSK_KEYS: [&str; 4] = [
    "access_key_id",
    "secret_access_key",
    "secret_access_key_file",
    "secret_access_key_env",
];
/// Keys that select IAM password authentication.
const PASSWORD_KEYS: [&str; 5] = [
    "username",
    "password",
    "password_file",
    "password_env",
    "domain",
];
/// Keys that only make sense with IAM password authentication.
const PASSWORD_ONLY_KEYS: [&str; 2] = ["iam_endpoint", "project_name"];

/// Parses the ModelArts keys of an account: `project_id`, `workspace_id` and the
/// credentials of exactly one auth mode; defaults `endpoint` (and `iam_endpoint`)
/// from `region`.
pub fn parse_config(f: &mut Fields<'_>, common: &mut CommonKeys) -> Option<Config> {
    let region = common
        .region
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    // The region goes into host names: refuse anything but a plain region id.
    let region_ok = match &region {
        None => {
            f.error(
                "region",
                "is required for provider modelarts (e.g. \"cn-north-4\")",
            );
            false
        }
        Some(r) if !is_region_id(r) => {
            f.error(
                "region",
                format!("{r:?} is not a region id (lowercase letters, digits and -)"),
            );
            false
        }
        Some(_) => true,
    };
    let region = region.unwrap_or_default();
    let project_id = f.required_string("project_id");
    let workspace_id = match f.string("workspace_id") {
        Some(w) if w.trim().is_empty() => {
            f.error(
                "workspace_id",
                "must not be empty (leave it out for every workspace)",
            );
            None
        }
        other => other.map(|w| w.trim().to_string()),
    };
    let endpoint = match &common.endpoint {
        Some(e) => Some(e.clone()),
        None if region_ok => {
            Url::parse(&format!("https://modelarts.{region}.myhuaweicloud.com")).ok()
        }
        None => None,
    };
    let auth = parse_auth(f, &region, region_ok);
    if !region_ok {
        return None;
    }
    common.region = Some(region.clone());
    Some(Config {
        region,
        endpoint: endpoint?,
        project_id: project_id?,
        workspace_id,
        auth: auth?,
    })
}

fn is_region_id(r: &str) -> bool {
    r.bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn has_any(f: &Fields<'_>, keys: &[&str]) -> bool {
    keys.iter().any(|k| f.has(k))
}

/// Takes every credential key so that, after a reported conflict, they are not
/// also reported as unknown.
fn consume_all(f: &mut Fields<'_>) {
    for k in ["access_key_id", "username", "domain"]
        .into_iter()
        .chain(PASSWORD_ONLY_KEYS)
    {
        let _ = f.take_value(k);
    }
    for k in ["secret_access_key", "password"] {
        for suffix in ["", "_file", "_env"] {
            let _ = f.take_value(&format!("{k}{suffix}"));
        }
    }
}

fn parse_auth(f: &mut Fields<'_>, region: &str, region_ok: bool) -> Option<Auth> {
    let aksk = has_any(f, &AKSK_KEYS);
    let password = has_any(f, &PASSWORD_KEYS);
    match (aksk, password) {
        (true, true) => {
            let first = PASSWORD_KEYS
                .iter()
                .find(|k| f.has(k))
                .copied()
                .unwrap_or("username");
            f.error(
                first,
                "cannot be combined with access_key_id / secret_access_key: give either \
                 AK/SK or IAM password credentials (username, password, domain), not both",
            );
            consume_all(f);
            None
        }
        (false, false) => {
            f.error(
                "access_key_id",
                "no credentials for provider modelarts: give access_key_id and \
                 secret_access_key (AK/SK), or username, password and domain (IAM token)",
            );
            consume_all(f);
            None
        }
        (true, false) => {
            for k in PASSWORD_ONLY_KEYS {
                if f.has(k) {
                    f.error(
                        k,
                        "is only used with IAM password authentication (username, password, domain)",
                    );
                    let _ = f.take_value(k);
                }
            }
            let access_key_id = f.required_string("access_key_id");
            let secret_access_key =
                f.required_secret("secret_access_key", "for AK/SK authentication");
            Some(Auth::AkSk {
                access_key_id: access_key_id?,
                secret_access_key: secret_access_key?,
            })
        }
        (false, true) => {
            let username = f.required_string("username");
            let password = f.required_secret("password", "for IAM password authentication");
            let domain = f.required_string("domain");
            let project_name = match f.string("project_name") {
                Some(p) if p.trim().is_empty() => {
                    f.error("project_name", "must not be empty");
                    None
                }
                other => other,
            };
            let iam_endpoint = if f.has("iam_endpoint") {
                f.url("iam_endpoint")
            } else if region_ok {
                Url::parse(&format!("https://iam.{region}.myhuaweicloud.com")).ok()
            } else {
                None
            };
            Some(Auth::Password(PasswordAuth {
                iam_endpoint: iam_endpoint?,
                username: username?,
                password: password?,
                domain: domain?,
                project_name,
            }))
        }
    }
}

pub struct ModelArts {
    cfg: Config,
    /// The IAM token, kept between polls (password auth only).
    tokens: TokenCache,
}

impl ModelArts {
    pub fn new(cfg: Config) -> Self {
        ModelArts {
            cfg,
            tokens: TokenCache::default(),
        }
    }
}

impl Provider for ModelArts {
    fn poll<'a>(&'a self, ctx: &'a PollCtx) -> BoxFuture<'a, Result<PollOutput, PollError>> {
        Box::pin(async move {
            let client = Client::new(&self.cfg, ctx, &self.tokens);
            let mut snapshot = Snapshot::default();
            for dto in client.list_pools().await? {
                let mut pool = map::map_pool(&dto)
                    .map_err(|e| ctx.fail(API_POOLS, "", Reason::Decode, e.to_string()))?;
                let nodes = client.list_nodes(&dto.metadata.name).await?;
                map::map_nodes(&mut pool, &nodes)
                    .map_err(|e| ctx.fail(API_NODES, "", Reason::Decode, e.to_string()))?;
                snapshot.pools.push(pool);
            }
            Ok(PollOutput {
                snapshot,
                fired: Fired::default(),
                partial: Vec::new(),
                decode: Default::default(),
            })
        })
    }
}

#[cfg(test)]
mod tests;
