//! Sugon's account keys: the login (AC password + org_id, or SCNet AK/SK),
//! its endpoint, and the compute regions and accelerator types to list.

use crate::fields::Secret;
use crate::fields::{CommonKeys, Fields};
use reqwest::Url;

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
        if id == super::session::PLATFORM_CLUSTER_ID {
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
