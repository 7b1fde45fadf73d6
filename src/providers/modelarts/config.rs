//! ModelArts' account keys: project, region and endpoint, the workspaces to
//! list, and AK/SK or IAM password credentials (with their IAM endpoint).

use crate::fields::Secret;
use crate::fields::{CommonKeys, Fields};

use super::regions;
use reqwest::Url;
use serde_json::Value;
use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub region: String,
    /// The ModelArts endpoint: `endpoint` if set, else the region's in the
    /// official SDK's table ([`regions::MODELARTS_ENDPOINTS`]).
    pub endpoint: Url,
    pub project_id: String,
    /// Only the pools of these workspaces (`workspaceId` of ListPools), without
    /// listing workspaces; `None`: every workspace ListWorkspace lists.
    pub workspace_ids: Option<Vec<String>>,
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
    /// The IAM endpoint: `iam_endpoint` if set, else the region's in the
    /// official SDK's table ([`regions::IAM_ENDPOINTS`]).
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

/// Parses the ModelArts keys of an account: `project_id`, `workspace_ids` and the
/// credentials of exactly one auth mode; defaults `endpoint` (and `iam_endpoint`)
/// from `region` through the official SDK's region tables, and refuses a region
/// outside them unless the endpoint is given.
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
    let workspace_ids = parse_workspace_ids(f);
    let endpoint = match &common.endpoint {
        Some(e) => Some(e.clone()),
        None if region_ok => {
            let known = regions::modelarts_endpoint(&region);
            if known.is_none() {
                f.error("region", unknown_region(&region));
            }
            known.and_then(|e| Url::parse(e).ok())
        }
        None => None,
    };
    // A region already refused for want of an endpoint is not refused again
    // for want of an IAM endpoint: its message asks for both.
    let iam_region_ok = region_ok && endpoint.is_some();
    let auth = parse_auth(f, &region, iam_region_ok);
    if !region_ok {
        return None;
    }
    common.region = Some(region.clone());
    Some(Config {
        region,
        endpoint: endpoint?,
        project_id: project_id?,
        workspace_ids,
        auth: auth?,
    })
}

/// The longest workspace id accepted: ids are `0` or 32-character UUIDs.
const MAX_WORKSPACE_ID: usize = 64;

/// `workspace_ids = ["0", "1d7e…"]` (integers allowed: the default workspace is
/// `0`), or the older single `workspace_id = "…"`. Each id must be non-empty,
/// listed once and free of spaces and control characters (it goes into a
/// query string); an empty list is refused, since leaving the key out already
/// means every workspace.
fn parse_workspace_ids(f: &mut Fields<'_>) -> Option<Vec<String>> {
    const KEY: &str = "workspace_ids";
    const OLD: &str = "workspace_id";
    let (key, raw) = match (f.take_value(KEY), f.take_value(OLD)) {
        (None, None) => return None,
        (Some(_), Some(_)) => {
            f.error(
                OLD,
                "cannot be combined with workspace_ids: list every workspace in workspace_ids",
            );
            return None;
        }
        (Some(v), None) => (KEY, v),
        (None, Some(v)) => (OLD, v),
    };
    let items = match raw {
        Value::Array(items) if key == KEY => items,
        Value::Array(_) => {
            f.error(
                OLD,
                "expected one workspace id; use workspace_ids for a list",
            );
            return None;
        }
        single @ (Value::String(_) | Value::Number(_)) => vec![single],
        other => {
            f.error(
                key,
                format!(
                    "expected a list of workspace ids, found {}",
                    json_kind(&other)
                ),
            );
            return None;
        }
    };
    if items.is_empty() {
        f.error(
            key,
            "must list at least one workspace id (leave it out for every workspace)",
        );
        return None;
    }
    let mut ids = Vec::with_capacity(items.len());
    let mut seen = HashSet::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let at = if key == KEY {
            format!("{key}[{i}]")
        } else {
            key.to_string()
        };
        let id = match item {
            Value::String(s) => s.trim().to_string(),
            Value::Number(n) => match n.as_u64() {
                Some(n) => n.to_string(),
                None => {
                    f.error(
                        &at,
                        format!("{n} is not a workspace id (0 or the id as a string)"),
                    );
                    ok = false;
                    continue;
                }
            },
            other => {
                f.error(
                    &at,
                    format!("expected a workspace id, found {}", json_kind(other)),
                );
                ok = false;
                continue;
            }
        };
        let problem = if id.is_empty() {
            Some("must not be empty (leave the key out for every workspace)".to_string())
        } else if id.len() > MAX_WORKSPACE_ID {
            Some(format!(
                "is {} characters long; workspace ids are 0 or 32-character UUIDs",
                id.len()
            ))
        } else if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
            Some(format!(
                "{id:?} is not a workspace id (spaces or control characters)"
            ))
        } else if !seen.insert(id.clone()) {
            Some(format!("{id:?} is listed twice"))
        } else {
            None
        };
        match problem {
            Some(p) => {
                f.error(&at, p);
                ok = false;
            }
            None => ids.push(id),
        }
    }
    ok.then_some(ids)
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a table",
    }
}

/// Why a region without an explicit `endpoint` is refused: no guessed host,
/// but the likely typo and the regions the official SDK knows.
fn unknown_region(region: &str) -> String {
    let table = &regions::MODELARTS_ENDPOINTS;
    let hint = match regions::closest(table, region) {
        Some(r) => format!("did you mean {r:?}? "),
        None => String::new(),
    };
    format!(
        "{region:?} is not a ModelArts region of the official SDK's table; {hint}\
         known regions: {}. For another cloud (e.g. Open Telekom Cloud) set endpoint \
         (and iam_endpoint for password auth)",
        regions::known(table)
    )
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
                let known = regions::iam_endpoint(region);
                if known.is_none() {
                    f.error(
                        "iam_endpoint",
                        format!(
                            "is required: region {region:?} is in neither of the official \
                             SDK's ModelArts and IAM region tables (IAM knows: {}); set the \
                             IAM endpoint of your cloud, e.g. \
                             \"https://iam.eu-de.otc.t-systems.com\" on Open Telekom Cloud",
                            regions::known(&regions::IAM_ENDPOINTS)
                        ),
                    );
                }
                known.and_then(|e| Url::parse(e).ok())
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
