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

// ---- data ----

const GPU_FLAVOR: &str = "modelarts.bm.gpu.8v100";
const NPU_FLAVOR: &str = "modelarts.bm.npu.arm.8snt9b3.d";
const CPU_FLAVOR: &str = "modelarts.vm.cpu.4ud";
const SNT3_FLAVOR: &str = "modelarts.vm.npu.4snt3";

/// ListWorkspace entries: the default one with the numeric id of the API
/// reference's example, the others with string ids.
fn workspaces() -> Vec<Value> {
    let ws = |id: Value, name: &str, auth: &str| {
        json!({"id": id, "name": name, "description": "", "owner": "demo-iam-user",
               "enterprise_project_id": "0", "enterprise_project_name": "default",
               "auth_type": auth, "create_time": 1_700_000_000_000u64,
               "update_time": 1_700_000_000_000u64, "status": "NORMAL", "status_info": ""})
    };
    vec![
        ws(json!(0), "default", "PUBLIC"),
        ws(json!(OTHER_WORKSPACE), "team-b", "PUBLIC"),
        ws(json!(PRIVATE_WORKSPACE), "team-private", "PRIVATE"),
    ]
}

fn all_pools() -> Vec<Value> {
    let seed: Value = serde_json::from_str(SEED_POOLS).unwrap_or(Value::Null);
    let mut pools = seed["items"].as_array().cloned().unwrap_or_default();
    pools.push(json!({
        "kind": "Pool", "apiVersion": "v2",
        "metadata": {
            "name": MIXED_POOL, "creationTimestamp": "2024-03-11T08:21:07Z",
            "labels": {"os.modelarts/name": "train-mixed", "os.modelarts/workspace.id": "0",
                       "os.modelarts/resource.id": "maos-train-mixed-x1k9q"},
            "annotations": {"os.modelarts/description": "GPU and Ascend training", "os.modelarts/billing.mode": "1"}
        },
        "spec": {
            "type": "Dedicate", "scope": ["Train", "Infer"],
            "resources": [{"flavor": GPU_FLAVOR, "count": 3}, {"flavor": NPU_FLAVOR, "count": 2}],
            "network": {"name": "network-maos-train-mixed"},
            "driver": {"gpuVersion": "535.54.03", "npuVersion": "23.0.6", "updateStrategy": "idle"},
            "controlMode": 0
        },
        "status": {
            "phase": "Running", "root": MIXED_POOL,
            "scope": [{"scopeType": "Train", "state": "Enabled"}, {"scopeType": "Infer", "state": "Enabled"}],
            "resources": {
                "available": [
                    {"flavor": GPU_FLAVOR, "count": 2, "maxCount": 2, "azs": [{"az": "cn-north-4a", "count": 2}]},
                    {"flavor": NPU_FLAVOR, "count": 1, "maxCount": 1, "azs": [{"az": "cn-north-4b", "count": 1}]}
                ],
                // One SDK types a state as a single object: serve that shape too.
                "creating": {"flavor": NPU_FLAVOR, "count": 1, "maxCount": 1, "azs": [{"az": "cn-north-4b", "count": 1}]},
                "abnormal": [{"flavor": GPU_FLAVOR, "count": 1, "maxCount": 1, "azs": [{"az": "cn-north-4a", "count": 1}]}]
            },
            "driver": {"gpu": {"version": "535.54.03", "state": "Running"},
                       "npu": {"version": "23.0.6", "state": "Upgrading"}}
        }
    }));
    // A logical sub-pool carved from the mixed pool: its node is one of the
    // parent's, so adding both pools' totals counts that node twice.
    pools.push(json!({
        "kind": "Pool", "apiVersion": "v2",
        "metadata": {
            "name": LOGICAL_POOL, "creationTimestamp": "2025-01-20T02:00:00Z",
            "labels": {"os.modelarts/name": "team-b-logical", "os.modelarts/workspace.id": OTHER_WORKSPACE}
        },
        "spec": {"type": "Logical", "scope": ["Train"], "resources": [{"flavor": GPU_FLAVOR, "count": 1}],
                 // Seed 001's example value: restricted conversion to a subscription (1) and frozen (8).
                 "controlMode": 9},
        "status": {
            "phase": "Running", "parent": MIXED_POOL, "root": MIXED_POOL,
            "resources": {"available": [{"flavor": GPU_FLAVOR, "count": 1, "maxCount": 2}]}
        }
    }));
    pools.push(json!({
        "kind": "Pool", "apiVersion": "v2",
        "metadata": {
            "name": PRIVATE_POOL, "creationTimestamp": "2025-02-03T09:30:00Z",
            "labels": {"os.modelarts/name": "team-private-npu", "os.modelarts/workspace.id": PRIVATE_WORKSPACE}
        },
        "spec": {"type": "Dedicate", "scope": ["Train"], "resources": [{"flavor": SNT3_FLAVOR, "count": 1}],
                 "network": {"name": "network-maos-team-private"}, "controlMode": 0},
        "status": {
            "phase": "Running", "parent": "", "root": PRIVATE_POOL,
            "resources": {"available": [{"flavor": SNT3_FLAVOR, "count": 1, "maxCount": 1}]}
        }
    }));
    // Malformed input the exporter must drop alone: an element that is no pool
    // object (a number where the display name belongs) beside a pool with one
    // malformed field.
    pools.push(json!({
        "kind": "Pool", "apiVersion": "v2",
        "metadata": {"name": MALFORMED_POOL,
                     "labels": {"os.modelarts/name": 42, "os.modelarts/workspace.id": CORRUPT_WORKSPACE}},
        "status": {"phase": "Running"}
    }));
    pools.push(json!({
        "kind": "Pool", "apiVersion": "v2",
        "metadata": {
            "name": CORRUPT_POOL,
            "labels": {"os.modelarts/name": "corrupt-gpu", "os.modelarts/workspace.id": CORRUPT_WORKSPACE}
        },
        "spec": {"type": "Dedicate", "scope": ["Train"], "controlMode": "abc"},
        "status": {
            "phase": "Running", "root": CORRUPT_POOL,
            "resources": {"available": [{"flavor": GPU_FLAVOR, "count": 2, "maxCount": 2}]}
        }
    }));
    pools.push(json!({
        "kind": "Pool", "apiVersion": "v2",
        "metadata": {
            "name": FRAGMENTED_POOL,
            "labels": {"os.modelarts/name": "fragmented-gpu", "os.modelarts/workspace.id": FRAGMENTED_WORKSPACE}
        },
        "spec": {"type": "Dedicate", "scope": ["Train"], "resources": [{"flavor": GPU_FLAVOR, "count": 5}], "controlMode": 0},
        "status": {
            "phase": "Running", "root": FRAGMENTED_POOL,
            "resources": {
                "available": [{"flavor": GPU_FLAVOR, "count": 4, "maxCount": 4}],
                "abnormal": [{"flavor": GPU_FLAVOR, "count": 1, "maxCount": 1}]
            }
        }
    }));
    pools
}

/// [`FRAGMENTED_POOL`]'s nodes: 2 of 8 GPUs free on each available node.
fn fragmented_nodes() -> Vec<Value> {
    let mut out: Vec<Value> = (1..=4)
        .map(|i| {
            node(
                &format!("frag-gpu-{i}"),
                GPU_FLAVOR,
                "cn-north-4a",
                "Available",
                gpu_node_resources(),
                Some(json!({"cpu": "20", "memory": "128Gi", "nvidia.com/gpu": "2"})),
            )
        })
        .collect();
    out.push(node(
        "frag-gpu-5",
        GPU_FLAVOR,
        "cn-north-4a",
        "Abnormal",
        gpu_node_resources(),
        Some(gpu_free_all()),
    ));
    out
}

fn node(
    name: &str,
    flavor: &str,
    az: &str,
    phase: &str,
    resources: Value,
    available: Option<Value>,
) -> Value {
    let mut status =
        json!({"phase": phase, "az": az, "privateIp": "192.168.0.10", "resources": resources});
    if let Some(a) = available {
        status["availableResources"] = a;
    }
    json!({
        "kind": "Node", "apiVersion": "v2",
        "metadata": {"name": name, "creationTimestamp": "2024-03-11T08:40:00Z",
                     "labels": {"os.modelarts/node.flavor": flavor}},
        "spec": {"flavor": flavor},
        "status": status
    })
}

/// A pool's nodes, with the demo drift applied to two of them.
fn nodes_of(pool: &str, step: u64) -> Vec<Value> {
    match pool {
        SEED_POOL => {
            let res = json!({"cpu": "3500m", "memory": "14336Mi", "pods": "110", "ephemeral-storage": "61255492Ki"});
            vec![
                node(
                    "os-node-created-4ud-1",
                    CPU_FLAVOR,
                    "cn-north-7c",
                    "Available",
                    res.clone(),
                    Some(json!({"cpu": "1500m", "memory": "10240Mi", "pods": "104"})),
                ),
                node(
                    "os-node-created-4ud-2",
                    CPU_FLAVOR,
                    "cn-north-7c",
                    "Available",
                    res,
                    Some(json!({"cpu": "3500m", "memory": "14336Mi", "pods": "110"})),
                ),
            ]
        }
        MIXED_POOL => {
            let gpu = gpu_node_resources();
            let npu = json!({"cpu": "192", "memory": "1536", "huawei.com/ascend-snt9": "8", "pods": "110"});
            let free_gpus = (4 + step) % 9;
            let free_npus = (2 + 3 * step) % 9;
            vec![
                node(
                    "gpu-node-1",
                    GPU_FLAVOR,
                    "cn-north-4a",
                    "Available",
                    gpu.clone(),
                    Some(
                        json!({"cpu": "60", "memory": "512", "nvidia.com/gpu": free_gpus.to_string()}),
                    ),
                ),
                shared_gpu_node(),
                // Nothing runs on a broken node, so it reports all of itself
                // free; being Abnormal, it takes no workload all the same.
                node(
                    "gpu-node-3",
                    GPU_FLAVOR,
                    "cn-north-4a",
                    "Abnormal",
                    gpu.clone(),
                    Some(gpu_free_all()),
                ),
                node(
                    "npu-node-1",
                    NPU_FLAVOR,
                    "cn-north-4b",
                    "Available",
                    npu.clone(),
                    Some(
                        json!({"cpu": "150500m", "memory": "1024", "huawei.com/ascend-snt9": free_npus.to_string()}),
                    ),
                ),
                node(
                    "npu-node-2",
                    NPU_FLAVOR,
                    "cn-north-4b",
                    "Creating",
                    npu,
                    None,
                ),
            ]
        }
        LOGICAL_POOL => vec![shared_gpu_node()],
        PRIVATE_POOL => vec![node(
            "npu-private-1",
            SNT3_FLAVOR,
            "cn-north-4b",
            "Available",
            json!({"cpu": "24", "memory": "192", "huawei.com/ascend-snt3": "4", "pods": "110"}),
            Some(json!({"cpu": "20", "memory": "160", "huawei.com/ascend-snt3": "3"})),
        )],
        CORRUPT_POOL => vec![
            node(
                "corrupt-gpu-1",
                GPU_FLAVOR,
                "cn-north-4a",
                "Available",
                gpu_node_resources(),
                Some(json!({"cpu": "40", "memory": "256", "nvidia.com/gpu": "abc"})),
            ),
            node(
                "corrupt-gpu-2",
                GPU_FLAVOR,
                "cn-north-4a",
                "Available",
                gpu_node_resources(),
                Some(json!({"cpu": "20", "memory": "128", "nvidia.com/gpu": "3"})),
            ),
        ],
        FRAGMENTED_POOL => fragmented_nodes(),
        _ => Vec::new(),
    }
}

fn gpu_node_resources() -> Value {
    json!({"cpu": "92", "memory": "768", "nvidia.com/gpu": "8", "pods": "110",
           "ephemeral-storage": "1500Gi", "hugepages-1Gi": "0"})
}

fn gpu_free_all() -> Value {
    json!({"cpu": "92", "memory": "768", "nvidia.com/gpu": "8"})
}

/// The idle GPU node of the mixed pool that its logical sub-pool also lists.
fn shared_gpu_node() -> Value {
    node(
        "gpu-node-2",
        GPU_FLAVOR,
        "cn-north-4a",
        "Available",
        gpu_node_resources(),
        Some(gpu_free_all()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::now_secs;

    const PID: &str = credentials::MODELARTS_PROJECT_ID;

    fn sim(cap: u64) -> ModelArts {
        ModelArts::new(Options::fixed(cap))
    }

    fn request(
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> SimRequest {
        SimRequest::new(method, path, query, headers, body).unwrap()
    }

    /// A GET signed like the exporter signs it.
    fn signed(path: &str, query: &[(&str, &str)], sk: &str) -> SimRequest {
        signed_by(path, query, credentials::HUAWEI_ACCESS_KEY_ID, sk)
    }

    fn signed_by(path: &str, query: &[(&str, &str)], ak: &str, sk: &str) -> SimRequest {
        let q: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let headers = vec![("x-project-id".to_string(), PID.to_string())];
        let date = huawei::format_sdk_date(now_secs());
        let auth = huawei::sign(
            ak,
            sk,
            &HwRequest {
                method: "GET",
                host: "sim:1",
                path,
                query: &q,
                headers: &headers,
                body: b"",
            },
            &date,
        );
        request(
            "GET",
            path,
            query,
            &[
                ("host", "sim:1"),
                ("x-project-id", PID),
                ("x-sdk-date", &date),
                ("authorization", &auth),
                ("user-agent", "unsigned/1"),
            ],
            b"",
        )
    }

    fn body(r: &SimResponse) -> Value {
        serde_json::from_slice(&r.body).unwrap()
    }

    fn token_for(s: &ModelArts, user: &str, password: &str) -> SimResponse {
        let b = json!({"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": user, "password": password, "domain": {"name": credentials::HUAWEI_IAM_DOMAIN}}}},
            "scope": {"project": {"name": credentials::MODELARTS_PROJECT_NAME}}}});
        s.handle(&request(
            "POST",
            "/v3/auth/tokens",
            &[],
            &[],
            b.to_string().as_bytes(),
        ))
        .unwrap()
    }

    fn with_token(path: &str, query: &[(&str, &str)], token: &str) -> SimRequest {
        request("GET", path, query, &[("x-auth-token", token)], b"")
    }

    #[test]
    fn signed_requests_page_pools_with_continue_tokens() {
        let s = sim(1);
        let path = format!("/v2/{PID}/pools");
        let r = s
            .handle(&signed(&path, &[], credentials::HUAWEI_SECRET_ACCESS_KEY))
            .unwrap();
        assert_eq!(r.status, 200, "{:?}", body(&r));
        let v = body(&r);
        assert_eq!(v["items"][0]["metadata"]["name"], SEED_POOL);
        let next = v["metadata"]["continue"].as_str().unwrap().to_string();
        let r = s
            .handle(&signed(
                &path,
                &[("continue", &next)],
                credentials::HUAWEI_SECRET_ACCESS_KEY,
            ))
            .unwrap();
        let v = body(&r);
        assert_eq!(v["items"][0]["metadata"]["name"], MIXED_POOL);
        // The workspace filter, on one page of a larger cap: no metadata at all.
        let r = sim(10)
            .handle(&signed(
                &path,
                &[("workspaceId", "0")],
                credentials::HUAWEI_SECRET_ACCESS_KEY,
            ))
            .unwrap();
        let v = body(&r);
        assert_eq!(v["items"].as_array().unwrap().len(), 2);
        assert!(v.get("metadata").is_none());
        // A token from another list is refused.
        let r = s
            .handle(&signed(
                &format!("/v2/{PID}/pools/{MIXED_POOL}/nodes"),
                &[("continue", &next)],
                credentials::HUAWEI_SECRET_ACCESS_KEY,
            ))
            .unwrap();
        assert_eq!(
            (r.status, body(&r)["error_code"].clone()),
            (400, json!("ModelArts.50004000"))
        );
    }

    #[test]
    fn node_limit_is_capped() {
        let s = sim(2);
        let path = format!("/v2/{PID}/pools/{MIXED_POOL}/nodes");
        let r = s
            .handle(&signed(
                &path,
                &[("limit", "500")],
                credentials::HUAWEI_SECRET_ACCESS_KEY,
            ))
            .unwrap();
        let v = body(&r);
        assert_eq!(v["items"].as_array().unwrap().len(), 2);
        assert_eq!(v["metadata"]["remainingItemCount"], 3);
        let r = s
            .handle(&signed(
                &path,
                &[("limit", "1")],
                credentials::HUAWEI_SECRET_ACCESS_KEY,
            ))
            .unwrap();
        assert_eq!(body(&r)["items"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn a_wrong_secret_is_apigw_0301() {
        let r = sim(10)
            .handle(&signed(&format!("/v2/{PID}/pools"), &[], "not-the-secret"))
            .unwrap();
        assert_eq!(r.status, 401);
        assert_eq!(body(&r)["error_code"], "APIGW.0301");
        let r = sim(10)
            .handle(&request("GET", &format!("/v2/{PID}/pools"), &[], &[], b""))
            .unwrap();
        assert_eq!(
            (r.status, body(&r)["error_code"].clone()),
            (401, json!("APIGW.0301"))
        );
    }

    #[test]
    fn iam_refuses_wrong_passwords_and_projects() {
        let s = sim(10);
        let r = token_for(&s, credentials::HUAWEI_IAM_USER, "wrong");
        assert_eq!(r.status, 401);
        assert!(r.headers.is_empty());
        let b = json!({"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": credentials::HUAWEI_IAM_USER, "password": credentials::HUAWEI_IAM_PASSWORD,
                "domain": {"name": credentials::HUAWEI_IAM_DOMAIN}}}},
            "scope": {"project": {"id": "someone-elses"}}}});
        let r = s
            .handle(&request(
                "POST",
                "/v3/auth/tokens",
                &[],
                &[],
                b.to_string().as_bytes(),
            ))
            .unwrap();
        assert_eq!(r.status, 401);
    }

    #[test]
    fn an_expired_token_is_refused() {
        let mut user = IamUser::new("short", "pw");
        user.token_lifetime = Duration::ZERO;
        let s = ModelArts::with_users(Options::default(), vec![user]);
        let r = token_for(&s, "short", "pw");
        let token = r.headers[0].1.clone();
        let r = s
            .handle(&with_token(&format!("/v2/{PID}/pools"), &[], &token))
            .unwrap();
        assert_eq!(r.status, 401);
        assert!(body(&r)["error_msg"].as_str().unwrap().contains("expired"));
    }

    #[test]
    fn one_poll_tokens_are_revoked_when_the_next_poll_starts() {
        let s = sim(1);
        let r = token_for(
            &s,
            credentials::HUAWEI_IAM_ONE_POLL_USER,
            credentials::HUAWEI_IAM_PASSWORD,
        );
        let token = r.headers[0].1.clone();
        let pools = format!("/v2/{PID}/pools");
        let first = s.handle(&with_token(&pools, &[], &token)).unwrap();
        assert_eq!(first.status, 200);
        // The rest of the poll works: later pages and node lists.
        let next = body(&first)["metadata"]["continue"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            s.handle(&with_token(&pools, &[("continue", &next)], &token))
                .unwrap()
                .status,
            200
        );
        let nodes = format!("/v2/{PID}/pools/{SEED_POOL}/nodes");
        assert_eq!(
            s.handle(&with_token(&nodes, &[], &token)).unwrap().status,
            200
        );
        // The next poll does not.
        assert_eq!(
            s.handle(&with_token(&pools, &[], &token)).unwrap().status,
            401
        );
        assert_eq!(
            s.handle(&with_token(&nodes, &[], &token)).unwrap().status,
            401
        );
    }

    #[test]
    fn only_modelarts_and_iam_paths_are_claimed() {
        let s = sim(10);
        for path in [
            "/v2/serviceresources",
            "/v2/service",
            "/",
            "/api/aihc/aihc-service/v3/queues",
            "/v3/other",
        ] {
            assert!(
                s.handle(&request("POST", path, &[], &[], b"")).is_none(),
                "{path}"
            );
        }
    }

    #[test]
    fn drift_stays_within_capacity() {
        for step in 0..20 {
            for n in nodes_of(MIXED_POOL, step) {
                let st = &n["status"];
                for key in ["nvidia.com/gpu", "huawei.com/ascend-snt9"] {
                    if let (Some(total), Some(free)) = (
                        st["resources"][key].as_str(),
                        st["availableResources"][key].as_str(),
                    ) {
                        let (t, f): (u64, u64) = (total.parse().unwrap(), free.parse().unwrap());
                        assert!(f <= t, "step {step}: {f} of {t} {key} free");
                    }
                }
            }
        }
        assert_eq!(nodes_of(MIXED_POOL, 0).len(), 5);
        assert_eq!(nodes_of(SEED_POOL, 0).len(), 2);
        assert_eq!(nodes_of(LOGICAL_POOL, 0).len(), 1);
        assert_eq!(nodes_of(PRIVATE_POOL, 0).len(), 1);
        assert!(nodes_of("pool-unknown", 0).is_empty());
    }

    #[test]
    fn workspaces_page_by_offset_with_the_default_as_number_0() {
        let s = sim(2);
        let path = format!("/v1/{PID}/workspaces");
        let get = |q: &[(&str, &str)]| {
            s.handle(&signed(&path, q, credentials::HUAWEI_SECRET_ACCESS_KEY))
                .unwrap()
        };
        let v = body(&get(&[("limit", "1000"), ("offset", "0")]));
        assert_eq!(
            (v["total_count"].clone(), v["count"].clone()),
            (json!(3), json!(2))
        );
        assert_eq!(v["workspaces"][0]["id"], json!(0));
        assert_eq!(v["workspaces"][1]["id"], json!(OTHER_WORKSPACE));
        let v = body(&get(&[("limit", "1000"), ("offset", "2")]));
        assert_eq!(v["count"], 1);
        assert_eq!(v["workspaces"][0]["id"], json!(PRIVATE_WORKSPACE));
        assert_eq!(v["workspaces"][0]["auth_type"], "PRIVATE");
        let v = body(&get(&[("offset", "3")]));
        assert_eq!(
            (v["total_count"].clone(), v["count"].clone()),
            (json!(3), json!(0))
        );
        for bad in [
            ("limit", "0"),
            ("limit", "1001"),
            ("offset", "-1"),
            ("offset", "x"),
        ] {
            assert_eq!(get(&[bad]).status, 400, "{bad:?}");
        }
        // Claimed with the same auth as the pools.
        let r = s.handle(&signed(&path, &[], "not-the-secret")).unwrap();
        assert_eq!(
            (r.status, body(&r)["error_code"].clone()),
            (401, json!("APIGW.0301"))
        );
    }

    fn pool_ids(r: &SimResponse) -> Vec<String> {
        body(r)["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
            .collect()
    }

    fn main_nodes(s: &ModelArts, pool: &str) -> SimResponse {
        s.handle(&signed(
            &format!("/v2/{PID}/pools/{pool}/nodes"),
            &[],
            credentials::HUAWEI_SECRET_ACCESS_KEY,
        ))
        .unwrap()
    }

    #[test]
    fn list_pools_answers_for_one_workspace_and_refuses_the_team_the_private_one() {
        let s = sim(10);
        let path = format!("/v2/{PID}/pools");
        let main = |q: &[(&str, &str)]| {
            s.handle(&signed(&path, q, credentials::HUAWEI_SECRET_ACCESS_KEY))
                .unwrap()
        };
        // Without workspaceId: the default workspace only (seed 001).
        assert_eq!(pool_ids(&main(&[])), vec![SEED_POOL, MIXED_POOL]);
        assert_eq!(
            pool_ids(&main(&[("workspaceId", "0")])),
            vec![SEED_POOL, MIXED_POOL]
        );
        assert_eq!(
            pool_ids(&main(&[("workspaceId", OTHER_WORKSPACE)])),
            vec![LOGICAL_POOL]
        );
        assert_eq!(
            pool_ids(&main(&[("workspaceId", PRIVATE_WORKSPACE)])),
            vec![PRIVATE_POOL]
        );
        assert!(pool_ids(&main(&[("workspaceId", "no-such")])).is_empty());
        // The corrupt workspace, asked for by id, holds a malformed element
        // beside a pool that decodes; ListWorkspace does not list it.
        assert_eq!(
            pool_ids(&main(&[("workspaceId", CORRUPT_WORKSPACE)])),
            vec![MALFORMED_POOL, CORRUPT_POOL]
        );
        let nodes = body(&main_nodes(&s, CORRUPT_POOL));
        assert_eq!(
            nodes["items"][0]["status"]["availableResources"]["nvidia.com/gpu"],
            "abc"
        );
        assert!(!workspaces().iter().any(|w| w["id"] == CORRUPT_WORKSPACE));

        let team = |path: &str, q: &[(&str, &str)]| {
            s.handle(&signed_by(
                path,
                q,
                TEAM_ACCESS_KEY_ID,
                TEAM_SECRET_ACCESS_KEY,
            ))
            .unwrap()
        };
        assert_eq!(
            pool_ids(&team(&path, &[("workspaceId", OTHER_WORKSPACE)])),
            vec![LOGICAL_POOL]
        );
        let r = team(&path, &[("workspaceId", PRIVATE_WORKSPACE)]);
        assert_eq!(
            (r.status, body(&r)["error_code"].clone()),
            (403, json!("ModelArts.0203"))
        );
        let r = team(&format!("/v2/{PID}/pools/{PRIVATE_POOL}/nodes"), &[]);
        assert_eq!(r.status, 403);
        // The team's secret does not sign for the main key, nor the other way.
        let r = s
            .handle(&signed_by(
                &path,
                &[],
                TEAM_ACCESS_KEY_ID,
                credentials::HUAWEI_SECRET_ACCESS_KEY,
            ))
            .unwrap();
        assert_eq!(r.status, 401);

        // The team's IAM user likewise.
        let r = token_for(&s, TEAM_IAM_USER, credentials::HUAWEI_IAM_PASSWORD);
        let token = r.headers[0].1.clone();
        let r = s
            .handle(&with_token(
                &path,
                &[("workspaceId", PRIVATE_WORKSPACE)],
                &token,
            ))
            .unwrap();
        assert_eq!(r.status, 403);
        let r = s
            .handle(&with_token(&path, &[("workspaceId", "0")], &token))
            .unwrap();
        assert_eq!(pool_ids(&r), vec![SEED_POOL, MIXED_POOL]);
    }

    #[test]
    fn polls_start_at_the_workspace_list_or_at_a_workspace_fetched_again() {
        let mut p = PollStarts::default();
        // Listing workspaces, then each workspace's pools: one poll.
        assert!(p.first_page("workspaces"));
        assert!(!p.first_page("pools/0"));
        assert!(!p.first_page(&format!("pools/{OTHER_WORKSPACE}")));
        assert!(p.first_page("workspaces"));
        assert!(!p.first_page("pools/0"));
        // A client with fixed workspaces: the poll starts again at the first.
        let mut p = PollStarts::default();
        assert!(p.first_page("pools/0"));
        assert!(!p.first_page("pools/x"));
        assert!(p.first_page("pools/0"));
        assert!(!p.first_page("pools/x"));
    }

    #[test]
    fn rfc3339_round_trips_through_the_client_parser() {
        let t = UNIX_EPOCH + Duration::from_secs(1_578_128_722);
        assert_eq!(rfc3339(t), "2020-01-04T09:05:22.000000Z");
    }
}
