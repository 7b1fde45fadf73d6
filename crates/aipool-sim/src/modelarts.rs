//! Simulated Huawei Cloud ModelArts and IAM.
//!
//! - `GET /v1/{project_id}/workspaces` (ListWorkspace), paged by `offset` (an
//!   entry index) and `limit`, at most `Options::page_cap` a page, with
//!   `total_count`; the default workspace's id is the number `0`, as in the API
//!   reference's example, the others strings.
//! - `GET /v2/{project_id}/pools` (the default workspace's pools, or those of
//!   `workspaceId`) and `GET /v2/{project_id}/pools/{pool}/nodes`, paged with
//!   Kubernetes-style `continue` tokens at most `Options::page_cap` items a page
//!   (ListPools pages too, so a client that ignores `metadata.continue` misses
//!   pools). [`PRIVATE_WORKSPACE`] is listed to everybody, but its pools and
//!   their nodes answer HTTP 403 to the team credentials ([`TEAM_ACCESS_KEY_ID`],
//!   [`TEAM_IAM_USER`]).
//! - Authenticated like the API gateway: an `X-Auth-Token` this simulator's IAM
//!   issued, or an SDK-HMAC-SHA256 signature checked with
//!   [`verify::huawei::verify`] (±15 min `X-Sdk-Date`); every refusal is HTTP 401
//!   `{"error_code":"APIGW.0301","error_msg":…}`.
//! - `POST /v3/auth/tokens`: the Keystone v3 password identity of one of
//!   [`IamUser`]s, scoped to the demo project by name or id; answers 201 with the
//!   token in `X-Subject-Token` and `token.expires_at` in the body.
//!
//! Node memory comes in both shapes the official sources give: a bare number of
//! GiB, as the SDK's `NodeResource.memory` says (`huaweicloudsdkmodelarts`
//! `v1/model/node_resource.py`, "以Gi为单位"), on the GPU and NPU nodes, and a
//! Kubernetes quantity (`"14336Mi"`), as the API reference's ListPoolNodes
//! example, on the seed pool's CPU nodes. CPU is cores (`"92"`, `"150500m"`).
//!
//! Data: in the default workspace `0`, the seed's ListPools example
//! (`fixtures/modelarts_pools.json`) with two CPU nodes and a synthetic physical
//! pool whose nodes mix NVIDIA GPUs and Ascend NPUs; in [`OTHER_WORKSPACE`] a
//! logical sub-pool of that pool, frozen (`controlMode` 9, seed 001's example),
//! sharing one of its nodes; in [`PRIVATE_WORKSPACE`] a small Ascend pool.
//!
//! Malformed objects (each must cost the exporter only itself) live in
//! [`CORRUPT_WORKSPACE`], which ListWorkspace does not list: a client asks for
//! it by id (`workspace_ids`). Its ListPools answer holds one element that is
//! no pool object beside [`CORRUPT_POOL`], whose `spec.controlMode` is `"abc"`
//! and one of whose nodes reports `"abc"` free GPUs.
//!
//! A fragmented GPU pool ([`FRAGMENTED_POOL`]) lives in
//! [`FRAGMENTED_WORKSPACE`], also unlisted: four available nodes of 8 GPUs
//! with 2 free each and one abnormal node whose 8 GPUs all read available —
//! 8 free cards that fit no 4-card job (the free-slot series).
//!
//! Only paths of those shapes are claimed: other platforms also live under `/v2/`.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};

use aipool_signing::huawei::{self, HwRequest};

use crate::verify;

use super::{credentials, Options, Platform, SimRequest, SimResponse};

mod data;

use data::{all_pools, nodes_of, workspaces};

const SEED_POOLS: &str = include_str!("../fixtures/modelarts_pools.json");

/// The seed's pool (CPU nodes), in the default workspace.
pub const SEED_POOL: &str = "auto-pool-os-86c13962597848eeb29c5861153a391f";
/// The synthetic physical pool whose nodes mix GPUs and NPUs, in the default
/// workspace.
pub const MIXED_POOL: &str = "pool-train-mixed-5f0c2a7d";
/// A logical sub-pool of [`MIXED_POOL`] in [`OTHER_WORKSPACE`], frozen.
pub const LOGICAL_POOL: &str = "pool-logical-team-b-9e41";
/// A physical pool in [`PRIVATE_WORKSPACE`].
pub const PRIVATE_POOL: &str = "pool-private-npu-3c7a";
pub const DEFAULT_WORKSPACE: &str = "0";
pub const OTHER_WORKSPACE: &str = "1d7e4f0c9b2a4e6f8a3b5c7d9e1f2a3b";
/// A workspace whose pools the team credentials may not read (HTTP 403).
pub const PRIVATE_WORKSPACE: &str = "7f3e9a1c5b2d4e8f9a0b1c2d3e4f5a6b";
/// A workspace of malformed objects, served only when asked for by id.
pub const CORRUPT_WORKSPACE: &str = "c0ffee00c0ffee00c0ffee00c0ffee00";
/// The pool of [`CORRUPT_WORKSPACE`] that decodes, with a malformed
/// `spec.controlMode` and a malformed free GPU count on one of its two nodes.
pub const CORRUPT_POOL: &str = "pool-corrupt-gpu-0bad";
/// The id of the [`CORRUPT_WORKSPACE`] element that is no pool object (its
/// display name is a number).
pub const MALFORMED_POOL: &str = "pool-malformed-element";
/// AK/SK of a team member who may not read [`PRIVATE_WORKSPACE`].
/// A workspace ListWorkspace does not list, holding [`FRAGMENTED_POOL`].
pub const FRAGMENTED_WORKSPACE: &str = "f4a9e000f4a9e000f4a9e000f4a9e000";
/// 8 free GPUs, 2 on each of 4 available nodes, plus an abnormal node that
/// reads all free.
pub const FRAGMENTED_POOL: &str = "pool-fragmented-gpu-8f2a";
pub const TEAM_ACCESS_KEY_ID: &str = "HWTEAMAK000000000002";
pub const TEAM_SECRET_ACCESS_KEY: &str = "team-huawei-secret-key-0002";
/// An IAM user of the demo domain (password [`credentials::HUAWEI_IAM_PASSWORD`])
/// who may not read [`PRIVATE_WORKSPACE`].
pub const TEAM_IAM_USER: &str = "demo-iam-team-user";

/// How IAM treats one user's tokens.
#[derive(Debug, Clone)]
pub struct IamUser {
    pub name: String,
    pub password: String,
    pub domain: String,
    /// `expires_at` = issue time + this. Tokens are refused after it.
    pub token_lifetime: Duration,
    /// Revoke a token when it starts poll number `n + 1` (a ListPools request
    /// without `continue`), while its `expires_at` still lies ahead — as IAM does
    /// when a password changes. `None`: tokens live until they expire.
    pub polls_per_token: Option<u32>,
    /// A team member who may not read [`PRIVATE_WORKSPACE`].
    pub team: bool,
}

impl IamUser {
    /// A user of the demo domain whose tokens live the documented 24 hours.
    pub fn new(name: &str, password: &str) -> Self {
        IamUser {
            name: name.to_string(),
            password: password.to_string(),
            domain: credentials::HUAWEI_IAM_DOMAIN.to_string(),
            token_lifetime: Duration::from_secs(24 * 3600),
            polls_per_token: None,
            team: false,
        }
    }

    /// The users [`ModelArts::new`] knows: the demo user,
    /// [`credentials::HUAWEI_IAM_ONE_POLL_USER`] whose tokens last one poll, and
    /// [`TEAM_IAM_USER`] who may not read [`PRIVATE_WORKSPACE`].
    pub fn defaults() -> Vec<IamUser> {
        vec![
            IamUser::new(
                credentials::HUAWEI_IAM_USER,
                credentials::HUAWEI_IAM_PASSWORD,
            ),
            IamUser {
                team: true,
                ..IamUser::new(TEAM_IAM_USER, credentials::HUAWEI_IAM_PASSWORD)
            },
            IamUser {
                polls_per_token: Some(1),
                ..IamUser::new(
                    credentials::HUAWEI_IAM_ONE_POLL_USER,
                    credentials::HUAWEI_IAM_PASSWORD,
                )
            },
        ]
    }
}

struct Issued {
    user: usize,
    expires: SystemTime,
    polls: u32,
    /// First pages fetched with this token since its current poll started.
    poll: PollStarts,
}

/// Tells where a client's polls start: at its first ListWorkspace page, or
/// (for a client that lists no workspaces) at a first ListPools page of a
/// workspace it already fetched in the current poll.
#[derive(Default)]
struct PollStarts {
    seen: HashSet<String>,
}

impl PollStarts {
    /// Records a first page (`key`: "workspaces" or "pools/{workspace}");
    /// whether it starts a poll.
    fn first_page(&mut self, key: &str) -> bool {
        let starts = key == "workspaces" || self.seen.is_empty() || self.seen.contains(key);
        if starts {
            self.seen.clear();
        }
        self.seen.insert(key.to_string());
        starts
    }
}

pub struct ModelArts {
    opts: Options,
    /// Polls seen (see [`PollStarts`]); drives the drift.
    tick: AtomicU64,
    polls: Mutex<PollStarts>,
    users: Vec<IamUser>,
    tokens: Mutex<HashMap<String, Issued>>,
    pools: Vec<Value>,
}

impl ModelArts {
    pub fn new(opts: Options) -> Self {
        Self::with_users(opts, IamUser::defaults())
    }

    /// A simulator whose IAM knows exactly `users` (tests use this to make tokens
    /// expire or be revoked on cue).
    pub fn with_users(opts: Options, users: Vec<IamUser>) -> Self {
        ModelArts {
            opts,
            tick: AtomicU64::new(0),
            polls: Mutex::new(PollStarts::default()),
            users,
            tokens: Mutex::new(HashMap::new()),
            pools: all_pools(),
        }
    }

    fn lock_tokens(&self) -> std::sync::MutexGuard<'_, HashMap<String, Issued>> {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn drift_step(&self) -> u64 {
        if self.opts.drift {
            self.tick.load(Ordering::Relaxed)
        } else {
            0
        }
    }

    // ---- IAM ----

    fn iam_tokens(&self, req: &SimRequest) -> SimResponse {
        if req.method != "POST" {
            return keystone_error(405, "Method Not Allowed", "use POST");
        }
        let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
            return keystone_error(400, "Bad Request", "The request body is not JSON.");
        };
        let auth = &body["auth"];
        let methods_ok = auth["identity"]["methods"]
            .as_array()
            .is_some_and(|m| m.iter().any(|x| x == "password"));
        let user = &auth["identity"]["password"]["user"];
        let (Some(name), Some(password), Some(domain)) = (
            user["name"].as_str(),
            user["password"].as_str(),
            user["domain"]["name"].as_str(),
        ) else {
            return keystone_error(
                400,
                "Bad Request",
                "auth.identity.password.user needs name, password and domain.name",
            );
        };
        if !methods_ok {
            return keystone_error(400, "Bad Request", "methods must include password");
        }
        let Some(idx) = self
            .users
            .iter()
            .position(|u| u.name == name && u.domain == domain && u.password == password)
        else {
            return keystone_error(401, "Unauthorized", "The username or password is wrong.");
        };
        let project = &auth["scope"]["project"];
        let scoped = project["name"] == credentials::MODELARTS_PROJECT_NAME
            || project["id"] == credentials::MODELARTS_PROJECT_ID;
        if !scoped {
            return keystone_error(
                401,
                "Unauthorized",
                "Could not find the project in auth.scope.project (by name or id).",
            );
        }
        let now = SystemTime::now();
        let expires = now + self.users[idx].token_lifetime;
        let token = format!("MIIsim{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
        self.lock_tokens().insert(
            token.clone(),
            Issued {
                user: idx,
                expires,
                polls: 0,
                poll: PollStarts::default(),
            },
        );
        let mut resp = SimResponse::json(
            201,
            &json!({"token": {
                "methods": ["password"],
                "issued_at": rfc3339(now),
                "expires_at": rfc3339(expires),
                "project": {"id": credentials::MODELARTS_PROJECT_ID, "name": credentials::MODELARTS_PROJECT_NAME,
                            "domain": {"name": domain}},
                "user": {"name": name, "domain": {"name": domain}},
                "catalog": []
            }}),
        );
        resp.headers.push(("x-subject-token".into(), token));
        resp
    }

    /// Checks an `X-Auth-Token`; `first_page` is the key of a first page (see
    /// [`PollStarts`]). Returns whether the token's user is a team member.
    fn check_token(
        &self,
        token: &str,
        first_page: Option<&str>,
        now: SystemTime,
    ) -> Result<bool, SimResponse> {
        let mut tokens = self.lock_tokens();
        let Some(issued) = tokens.get_mut(token) else {
            return Err(apigw_error("the token is not valid"));
        };
        if now >= issued.expires {
            tokens.remove(token);
            return Err(apigw_error("the token has expired"));
        }
        let user = self.users.get(issued.user);
        if first_page.is_some_and(|key| issued.poll.first_page(key)) {
            let limit = user.and_then(|u| u.polls_per_token);
            if limit.is_some_and(|n| issued.polls >= n) {
                tokens.remove(token);
                return Err(apigw_error("the token has been revoked"));
            }
            issued.polls += 1;
        }
        Ok(user.is_some_and(|u| u.team))
    }

    // ---- ModelArts ----

    fn modelarts(&self, req: &SimRequest, segs: &[&str]) -> SimResponse {
        let project = segs[1];
        // The first page of a list, by which the start of a poll is told.
        let first_page = match segs {
            ["v1", _, "workspaces"] => {
                matches!(req.param("offset"), None | Some("0")).then(|| "workspaces".to_string())
            }
            ["v2", _, "pools"] => req.param("continue").is_none().then(|| {
                format!(
                    "pools/{}",
                    req.param("workspaceId").unwrap_or(DEFAULT_WORKSPACE)
                )
            }),
            _ => None,
        };
        let team = if let Some(token) = req.header("x-auth-token") {
            match self.check_token(token, first_page.as_deref(), req.now()) {
                Ok(team) => team,
                Err(r) => return r,
            }
        } else {
            match verify_signature(req, project) {
                Ok(ak) => ak == TEAM_ACCESS_KEY_ID,
                Err(r) => return r,
            }
        };
        if project != credentials::MODELARTS_PROJECT_ID {
            return apigw_error("the project is not in the scope of these credentials");
        }
        if req.method != "GET" {
            return modelarts_error(405, "ModelArts.50004000", "Bad request");
        }
        if let Some(key) = &first_page {
            let starts = self
                .polls
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .first_page(key);
            if starts {
                self.tick.fetch_add(1, Ordering::Relaxed);
            }
        }
        match segs {
            ["v1", _, "workspaces"] => self.list_workspaces(req),
            ["v2", _, "pools"] => self.list_pools(req, team),
            ["v2", _, "pools", pool, "nodes"] => self.list_nodes(req, pool, team),
            _ => modelarts_error(404, "ModelArts.50004004", "Resource not found."),
        }
    }

    /// ListWorkspace: every workspace, readable or not (like the API without
    /// `filter_accessible`).
    fn list_workspaces(&self, req: &SimRequest) -> SimResponse {
        let all = workspaces();
        let parse = |name: &str, default: usize, min: usize, max: usize| match req.param(name) {
            None => Some(default),
            Some(v) => v.parse::<usize>().ok().filter(|n| (min..=max).contains(n)),
        };
        let (Some(offset), Some(limit)) = (
            parse("offset", 0, 0, i32::MAX as usize),
            parse("limit", 1000, 1, 1000),
        ) else {
            return modelarts_error(400, "ModelArts.50004000", "Bad request");
        };
        let size = limit.min(self.opts.page_cap.max(1) as usize);
        let start = offset.min(all.len());
        let end = (start + size).min(all.len());
        let page = &all[start..end];
        SimResponse::json(
            200,
            &json!({"total_count": all.len(), "count": page.len(), "workspaces": page}),
        )
    }

    /// ListPools: the pools of `workspaceId` (the default workspace without it,
    /// as seed 001 says); a team member is refused [`PRIVATE_WORKSPACE`].
    fn list_pools(&self, req: &SimRequest, team: bool) -> SimResponse {
        let ws = req.param("workspaceId").unwrap_or(DEFAULT_WORKSPACE);
        if team && ws == PRIVATE_WORKSPACE {
            return forbidden(ws);
        }
        let items: Vec<Value> = self
            .pools
            .iter()
            .filter(|p| p["metadata"]["labels"]["os.modelarts/workspace.id"] == ws)
            .cloned()
            .collect();
        let scope = format!("pools/{ws}");
        match continue_page(req, &scope, &items, None, self.opts.page_cap) {
            Err(r) => r,
            Ok((page, next, _)) => {
                let mut body = json!({"kind": "PoolList", "apiVersion": "v2", "items": page});
                // Like the seed: no metadata at all when there is nothing more.
                if let Some(next) = next {
                    body["metadata"] = json!({"continue": next});
                }
                SimResponse::json(200, &body)
            }
        }
    }

    fn list_nodes(&self, req: &SimRequest, pool: &str, team: bool) -> SimResponse {
        let Some(found) = self.pools.iter().find(|p| p["metadata"]["name"] == pool) else {
            return modelarts_error(404, "ModelArts.50004004", "Pool not found.");
        };
        let ws = &found["metadata"]["labels"]["os.modelarts/workspace.id"];
        if team && ws == PRIVATE_WORKSPACE {
            return forbidden(PRIVATE_WORKSPACE);
        }
        let limit = match req.param("limit").map(str::parse::<u64>) {
            None => None,
            Some(Ok(n)) if n > 0 => Some(n),
            Some(_) => return modelarts_error(400, "ModelArts.50004000", "Bad request"),
        };
        let nodes = nodes_of(pool, self.drift_step());
        let scope = format!("nodes/{pool}");
        match continue_page(req, &scope, &nodes, limit, self.opts.page_cap) {
            Err(r) => r,
            Ok((page, next, remaining)) => SimResponse::json(
                200,
                &json!({"kind": "NodeList", "apiVersion": "v2",
                        "metadata": {"continue": next.unwrap_or_default(), "remainingItemCount": remaining},
                        "items": page}),
            ),
        }
    }
}

impl Platform for ModelArts {
    fn handle(&self, req: &SimRequest) -> Option<SimResponse> {
        if req.path == "/v3/auth/tokens" {
            return Some(self.iam_tokens(req));
        }
        let segs: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
        ours(&segs).then(|| self.modelarts(req, &segs))
    }

    /// APIGW's answer to a lapsed token (or an AK/SK signature past its
    /// validity); IAM's own token API answers 401 in Keystone's shape.
    fn expired(&self, req: &SimRequest) -> Option<SimResponse> {
        if req.path == "/v3/auth/tokens" {
            return Some(keystone_error(
                401,
                "Unauthorized",
                "The request you have made requires authentication.",
            ));
        }
        let segs: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
        ours(&segs).then(|| apigw_error("the token has expired"))
    }
}

/// `/v1/{project}/workspaces` and `/v2/{project}/pools…`.
fn ours(segs: &[&str]) -> bool {
    matches!(segs, ["v1", _, "workspaces"])
        || (segs.len() >= 3 && segs[0] == "v2" && segs[2] == "pools")
}

/// Verifies SDK-HMAC-SHA256 over the request exactly as received; the signed host
/// is the `Host` header the client sent. Returns the access key that signed.
fn verify_signature(req: &SimRequest, project: &str) -> Result<&'static str, SimResponse> {
    let Some(authorization) = req.header("authorization") else {
        return Err(apigw_error("no X-Auth-Token or Authorization header"));
    };
    let headers = req.header_pairs();
    let hreq = HwRequest {
        method: &req.method,
        host: req.header("host").unwrap_or(""),
        path: &req.path,
        query: &req.query,
        headers: &headers,
        body: &req.body,
    };
    let signer = std::cell::Cell::new("");
    let lookup = |ak: &str| {
        let (id, secret) = [
            (
                credentials::HUAWEI_ACCESS_KEY_ID,
                credentials::HUAWEI_SECRET_ACCESS_KEY,
            ),
            (TEAM_ACCESS_KEY_ID, TEAM_SECRET_ACCESS_KEY),
        ]
        .into_iter()
        .find(|(id, _)| *id == ak)?;
        signer.set(id);
        Some(secret.to_string())
    };
    verify::huawei::verify(
        authorization,
        lookup,
        &hreq,
        req.header("x-sdk-date").unwrap_or(""),
        req.now_secs(),
    )
    .map_err(|e| {
        SimResponse::json(
            e.http_status(),
            &json!({"error_code": e.code(), "error_msg": format!("Incorrect IAM authentication information: {e}"),
                    "request_id": request_id()}),
        )
    })?;
    match req.header("x-project-id") {
        Some(p) if p != project => Err(apigw_error("X-Project-Id does not match the URL")),
        _ => Ok(signer.get()),
    }
}

/// A workspace the caller may not read. ModelArts' own error shape; the code is
/// illustrative (the seeds document none for this case).
fn forbidden(workspace: &str) -> SimResponse {
    modelarts_error(
        403,
        "ModelArts.0203",
        &format!("Insufficient permissions for workspace {workspace}."),
    )
}

/// One page of `items` after the request's `continue` token (bound to `scope`),
/// `limit` (or the cap) long: `(page, next token, items after the page)`.
fn continue_page(
    req: &SimRequest,
    scope: &str,
    items: &[Value],
    limit: Option<u64>,
    cap: u64,
) -> Result<(Vec<Value>, Option<String>, usize), SimResponse> {
    let start = match req.param("continue") {
        None | Some("") => 0,
        Some(token) => decode_continue(token, scope)
            .ok_or_else(|| modelarts_error(400, "ModelArts.50004000", "Bad request"))?,
    };
    let size = limit.unwrap_or(cap).clamp(1, cap.max(1)) as usize;
    let start = start.min(items.len());
    let end = (start + size).min(items.len());
    let next = (end < items.len()).then(|| encode_continue(scope, end));
    Ok((items[start..end].to_vec(), next, items.len() - end))
}

/// Opaque like Kubernetes' tokens: base64 of a small JSON document, so it
/// carries `=` and, depending on content, `+` and `/` through the query string.
fn encode_continue(scope: &str, offset: usize) -> String {
    STANDARD.encode(json!({"scope": scope, "offset": offset}).to_string())
}

fn decode_continue(token: &str, scope: &str) -> Option<usize> {
    let raw = STANDARD.decode(token).ok()?;
    let v: Value = serde_json::from_slice(&raw).ok()?;
    if v["scope"] != scope {
        return None;
    }
    v["offset"].as_u64().map(|o| o as usize)
}

fn apigw_error(why: &str) -> SimResponse {
    SimResponse::json(
        401,
        &json!({"error_code": "APIGW.0301",
                "error_msg": format!("Incorrect IAM authentication information: {why}"),
                "request_id": request_id()}),
    )
}

/// ModelArts' own errors. Only `ModelArts.50004000` ("Bad request") is in the
/// seed; the not-found code is illustrative.
fn modelarts_error(status: u16, code: &str, message: &str) -> SimResponse {
    SimResponse::json(status, &json!({"error_code": code, "error_msg": message}))
}

/// Keystone's error shape, which IAM's `/v3` API keeps.
fn keystone_error(status: u16, title: &str, message: &str) -> SimResponse {
    SimResponse::json(
        status,
        &json!({"error": {"code": status, "title": title, "message": message}}),
    )
}

fn request_id() -> String {
    format!("{:032x}", fastrand::u128(..))
}

/// `2020-01-04T09:05:22.000000Z`, as IAM writes times.
fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let d = huawei::format_sdk_date(secs); // YYYYMMDDTHHMMSSZ
    format!(
        "{}-{}-{}T{}:{}:{}.000000Z",
        &d[0..4],
        &d[4..6],
        &d[6..8],
        &d[9..11],
        &d[11..13],
        &d[13..15]
    )
}

#[cfg(test)]
mod tests;
