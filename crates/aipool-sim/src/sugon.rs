//! Simulated Sugon AC / SCNet: both logins (`POST /ac/openapi/v2/tokens` with
//! user / password / orgId, `POST /api/user/v3/tokens` with the AK/SK HMAC
//! signature checked like the platform), JWT-shaped tokens that expire, `GET
//! /ac/openapi/v2/center`, and the AI service's resource-group and resources APIs.
//!
//! Tokens are minted with [`mint_token`] and carry `expireTime`
//! like real ones; their lifetime is configurable ([`SugonOptions`]) so tests
//! can watch them lapse. An unknown or expired token is answered
//! `{"code":"10008","msg":"token已过期"}` with HTTP 200, as the platform does.
//! The simulated platform clock can run ahead of the host's
//! ([`SugonOptions::clock_skew`]): its tokens then lapse before the `expireTime`
//! the exporter plans by, the way a real platform with a skewed clock behaves.
//!
//! Regions: 11112 (GPU groups; a disabled `aiUrls` entry before the enabled one,
//! which carries the `/ai` suffix), 11250 (a DCU and a CPU group; an enabled but
//! unreachable `aiUrls` entry first, the working one without the suffix), 11113
//! (no token: a suspended region) and the platform token "0". Everything is
//! served on the simulator's one listener, so the working `aiUrls` and
//! `hpcUrls` entries point back at the address the request came to (its Host
//! header).
//!
//! The HPC side (`GET /hpc/openapi/v2/cluster`, `GET
//! /hpc/openapi/v2/queuenames/users/{user}?strJobManagerID=ID`) serves the
//! queues of `fixtures/sugon_hpc_queues.json`: a GPU and a CPU queue in 11112
//! (job manager 1637, numbers as strings, named by `id` and `text` as the
//! official doc page "查询用户可访问队列" shows), a DCU queue in 11250 (job
//! manager "2215", numbers as numbers, named by `queueName`, the other shape
//! scnet-cli reads). Each region has its own cluster user, given in
//! the `center` answer's `clusterUserInfo`. With drift on, the GPU and DCU
//! queues' free nodes move on every queue request, free cores with them, and
//! never beyond the queue's nodes and cores.
//!
//! A second user, [`NO_HPC_USER`] (same password and org id), may use the same
//! regions without HPC access: 11112's `center` answer lists no `hpcUrls` and no
//! cluster user, and 11250's HPC service answers `10009` (no access).
//!
//! A third user, [`MALFORMED_USER`] (same password and org id), sees the same
//! platform with one malformed object or field in each list: TeslaM40's
//! `resources` carry `cpuNumber: "abc"`, 11250's resource-group list has an
//! entry without a name (`42`) beside its groups, and the `ksgpu_a800` HPC
//! queue reports `queFreeNodes: "-1"`. Everything else is as for
//! [`credentials::SUGON_USER`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use aipool_signing::scnet;

use super::{credentials, Platform, SimRequest, SimResponse};

/// Key for the simulator's fake token signatures. Nothing checks them; a fixed key
/// just makes the tokens deterministic.
const SIMULATOR_JWT_KEY: &[u8] = b"aipool-exporter-simulator";

/// A JWT-shaped token around `payload`, HS256-signed under the fixed simulator key
/// (so the token is structurally valid but proves nothing).
pub fn mint_token(payload: &Value) -> String {
    scnet::encode_jwt(payload, SIMULATOR_JWT_KEY)
}

const SEED_RESOURCES: &str = include_str!("../fixtures/sugon_resources_seed.json");

/// How an AK/SK login's `timestamp` may differ from the platform clock.
const TIMESTAMP_TOLERANCE_SECS: u64 = 300;

/// An address nothing listens on: the unreachable `aiUrls` entry.
const DEAD_AI_URL: &str = "http://127.0.0.1:1";

const HPC_QUEUES: &str = include_str!("../fixtures/sugon_hpc_queues.json");
const HPC_CLUSTER: &str = include_str!("../fixtures/sugon_hpc_cluster.json");

/// A user of the same regions without HPC access (password login with
/// [`credentials::SUGON_PASSWORD`] and [`credentials::SUGON_ORG_ID`]).
pub const NO_HPC_USER: &str = "demo-sugon-no-hpc";

/// A user whose answers each carry one malformed object or field (password
/// login like [`NO_HPC_USER`]; see the module docs).
pub const MALFORMED_USER: &str = "demo-sugon-malformed";

/// The HPC cluster of each region: (region, job manager id as the API gives
/// it, cluster user of [`credentials::SUGON_USER`], the region's queues).
const HPC_REGIONS: [(&str, &str, &str, &[&str]); 2] = [
    ("11112", "1637", "acdemo_ks", &["ksgpu_a800", "kscpu_debug"]),
    ("11250", "2215", "acdemo_xa", &["xahdnormal"]),
];

/// Free nodes of the drifting queues by drift step: from the fixture's value
/// down to 0 (a full queue) and back.
const FREE_NODES_DRIFT: [(&str, &[u64]); 2] = [
    ("ksgpu_a800", &[2, 1, 0, 1, 2, 3]),
    ("xahdnormal", &[5, 3, 1, 0, 2, 4]),
];

#[derive(Debug, Clone)]
pub struct SugonOptions {
    /// How long a token is valid after it is issued.
    pub token_lifetime: Duration,
    /// How far the simulated platform's clock runs ahead of the host's.
    pub clock_skew: Duration,
    /// Serve the platform's oddities that the exporter warns about: the
    /// suspended region 11113 (a login entry without a token) and 11250's
    /// enabled but unreachable `aiUrls` entry. On for the tests and
    /// `simulate`; off for `demo`, whose first log lines should not look like
    /// breakage to someone who just installed it.
    pub quirks: bool,
}

impl Default for SugonOptions {
    fn default() -> Self {
        SugonOptions {
            // Short enough that the demo shows renewals, long enough to be quiet.
            token_lifetime: Duration::from_secs(600),
            clock_skew: Duration::ZERO,
            quirks: true,
        }
    }
}

struct RegionDef {
    id: &'static str,
    name: &'static str,
    /// Whether the login hands out a token for it.
    token: bool,
}

const REGIONS: [RegionDef; 4] = [
    RegionDef {
        id: "0",
        name: "ac",
        token: true,
    },
    RegionDef {
        id: "11112",
        name: "华东一区【昆山】",
        token: true,
    },
    RegionDef {
        id: "11250",
        name: "西北一区【西安】",
        token: true,
    },
    RegionDef {
        id: "11113",
        name: "华南一区【深圳】",
        token: false,
    },
];

/// A token the simulator issued.
#[derive(Debug, Clone)]
struct Issued {
    cluster_id: String,
    /// Who logged in: [`credentials::SUGON_USER`] or [`NO_HPC_USER`].
    user: String,
    expire_ms: u64,
}

pub struct Sugon {
    opts: SugonOptions,
    drift: bool,
    issued: Mutex<HashMap<String, Issued>>,
    serial: AtomicU64,
    seed: Value,
    /// The queue entries of the HPC fixture.
    hpc_queues: Vec<Value>,
    /// Queue requests seen per region of [`HPC_REGIONS`]; drives the drift.
    hpc_polls: [AtomicU64; 2],
}

fn ok(data: Value) -> SimResponse {
    SimResponse::json(200, &json!({"code": "0", "msg": "success", "data": data}))
}

fn err(code: &str, msg: &str) -> SimResponse {
    SimResponse::json(200, &json!({"code": code, "msg": msg, "data": null}))
}

impl Sugon {
    /// `drift` moves the HPC queues' free nodes on every queue request.
    pub fn new(opts: SugonOptions, drift: bool) -> Self {
        let data = |body: &str| {
            serde_json::from_str::<Value>(body)
                .map(|v| v["data"].clone())
                .unwrap_or(Value::Null)
        };
        let hpc_queues = match data(HPC_QUEUES) {
            Value::Array(items) => items,
            _ => Vec::new(),
        };
        Sugon {
            opts,
            drift,
            issued: Mutex::new(HashMap::new()),
            serial: AtomicU64::new(0),
            seed: data(SEED_RESOURCES),
            hpc_queues,
            hpc_polls: [AtomicU64::new(0), AtomicU64::new(0)],
        }
    }

    /// The simulated platform's clock, in epoch milliseconds.
    fn now_ms(&self) -> u64 {
        let host = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        host + self.opts.clock_skew.as_millis() as u64
    }

    /// The platform clock as it handles `req`: plus the request's injected skew.
    fn clock_ms(&self, req: &SimRequest) -> u64 {
        self.now_ms().saturating_add_signed(req.clock_skew_ms)
    }

    fn issued(&self) -> std::sync::MutexGuard<'_, HashMap<String, Issued>> {
        self.issued.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The login answer: a fresh token per region (null for suspended ones).
    fn tokens(&self, user: &str) -> SimResponse {
        let now = self.now_ms();
        let expire_ms = now + self.opts.token_lifetime.as_millis() as u64;
        let mut issued = self.issued();
        // Forget tokens long expired, so a long demo does not grow the map.
        issued.retain(|_, t| t.expire_ms + 3_600_000 > now);
        let mut data = Vec::new();
        for r in REGIONS.iter().filter(|r| r.token || self.opts.quirks) {
            let token = if r.token {
                let serial = self.serial.fetch_add(1, Ordering::Relaxed);
                let token = mint_token(&json!({
                    "computeUser": user,
                    "accountStatus": "Normal",
                    "creator": "ac",
                    "role": "1",
                    "expireTime": expire_ms.to_string(),
                    "clusterId": r.id,
                    "invoker": credentials::SUGON_ORG_ID,
                    "user": user,
                    "userId": "11655048541",
                    "serial": serial,
                }));
                issued.insert(
                    token.clone(),
                    Issued {
                        cluster_id: r.id.to_string(),
                        user: user.to_string(),
                        expire_ms,
                    },
                );
                Value::from(token)
            } else {
                Value::Null
            };
            data.push(json!({"clusterId": r.id, "clusterName": r.name, "token": token}));
        }
        ok(Value::Array(data))
    }

    fn password_login(&self, req: &SimRequest) -> SimResponse {
        let (user, password, org) = (
            req.header("user").unwrap_or(""),
            req.header("password").unwrap_or(""),
            req.header("orgid").unwrap_or(""),
        );
        if user.is_empty() || password.is_empty() || org.is_empty() {
            return err("10003", "参数不全: user, password, orgId");
        }
        if ![credentials::SUGON_USER, NO_HPC_USER, MALFORMED_USER].contains(&user)
            || password != credentials::SUGON_PASSWORD
            || org != credentials::SUGON_ORG_ID
        {
            return err("10004", "用户名或密码错误");
        }
        self.tokens(user)
    }

    fn aksk_login(&self, req: &SimRequest) -> SimResponse {
        let (user, ak, ts, sig) = (
            req.header("user").unwrap_or(""),
            req.header("accesskey").unwrap_or(""),
            req.header("timestamp").unwrap_or(""),
            req.header("signature").unwrap_or(""),
        );
        if user.is_empty() || ak.is_empty() || ts.is_empty() || sig.is_empty() {
            return err("10003", "参数不全: user, accessKey, timestamp, signature");
        }
        if user != credentials::SUGON_USER || ak != credentials::SCNET_ACCESS_KEY_ID {
            return err("10004", "AccessKey不存在");
        }
        let Ok(ts_secs) = ts.parse::<u64>() else {
            return err("10004", "timestamp无效");
        };
        if (self.clock_ms(req) / 1000).abs_diff(ts_secs) > TIMESTAMP_TOLERANCE_SECS {
            return err("10004", "timestamp已过期");
        }
        let want = scnet::login_signature(ak, credentials::SCNET_SECRET_ACCESS_KEY, user, ts);
        if sig != want {
            return err("10004", "签名校验失败");
        }
        self.tokens(user)
    }

    /// The region and user of a valid token, or the 10008 answer.
    fn check_token_user(&self, req: &SimRequest) -> Result<(String, String), SimResponse> {
        let Some(token) = req.header("token") else {
            return Err(err("10008", "权限不足: 缺少token"));
        };
        match self.issued().get(token) {
            Some(t) if self.clock_ms(req) < t.expire_ms => {
                Ok((t.cluster_id.clone(), t.user.clone()))
            }
            Some(_) => Err(err("10008", "token已过期")),
            None => Err(err("10008", "权限不足")),
        }
    }

    fn center(&self, req: &SimRequest, cluster: &str, user: &str) -> SimResponse {
        let host = req.header("host").unwrap_or("127.0.0.1");
        let Some(region) = REGIONS.iter().find(|r| r.id == cluster) else {
            return err("10009", "没有权限访问接口");
        };
        let ai_urls = match cluster {
            "11112" => json!([
                {"url": format!("{DEAD_AI_URL}/ai"), "enable": "false"},
                {"url": format!("http://{host}/ai"), "enable": "true"},
            ]),
            "11250" if self.opts.quirks => json!([
                {"url": DEAD_AI_URL, "enable": "true"},
                {"url": format!("http://{host}"), "enable": "true"},
            ]),
            "11250" => json!([{"url": format!("http://{host}"), "enable": "true"}]),
            // The platform token's "region" has no AI service.
            _ => json!([]),
        };
        let mut entry = json!({
            "id": region.id,
            "name": region.name,
            "aiUrls": ai_urls,
            "efileUrls": [{"url": format!("http://{host}/efile"), "enable": "true"}],
        });
        let hpc = HPC_REGIONS.iter().find(|(id, ..)| *id == cluster);
        // The user without HPC access has neither hpcUrls nor a cluster account
        // in 11112; in 11250 the HPC service itself refuses them.
        let listed = user != NO_HPC_USER || cluster != "11112";
        if let (Some((_, _, cluster_user, _)), true) = (hpc, listed) {
            let cluster_user = if user == NO_HPC_USER {
                "acdemo_nohpc"
            } else {
                cluster_user
            };
            // 11112's entries carry the /hpc suffix after a disabled one,
            // 11250's come bare: both shapes are seen.
            entry["hpcUrls"] = if cluster == "11112" {
                json!([
                    {"url": format!("{DEAD_AI_URL}/hpc"), "enable": "false"},
                    {"url": format!("http://{host}/hpc"), "enable": "true"},
                ])
            } else {
                json!([{"url": format!("http://{host}"), "enable": "true"}])
            };
            entry["clusterUserInfo"] = json!({
                "userName": cluster_user,
                "homePath": format!("/public/home/{cluster_user}"),
            });
        }
        ok(json!([entry]))
    }

    /// The HPC APIs of the region the token belongs to.
    fn hpc(&self, rest: &str, req: &SimRequest) -> SimResponse {
        let (cluster, user) = match self.check_token_user(req) {
            Ok(c) => c,
            Err(resp) => return resp,
        };
        let Some((region, (_, jm_id, cluster_user, queues))) = HPC_REGIONS
            .iter()
            .enumerate()
            .find(|(_, (id, ..))| *id == cluster.as_str())
        else {
            return err("10009", "没有权限访问接口");
        };
        if user == NO_HPC_USER {
            return err("10009", "没有权限访问接口");
        }
        if rest == "cluster" {
            return if cluster == "11112" {
                serde_json::from_str::<Value>(HPC_CLUSTER)
                    .map(|v| SimResponse::json(200, &v))
                    .unwrap_or_else(|_| err("10001", "fixture"))
            } else {
                // The id as a string this time.
                ok(json!([{"id": jm_id, "text": "slurm", "JobManagerType": "SLURM"}]))
            };
        }
        let Some(asked) = rest.strip_prefix("queuenames/users/") else {
            return SimResponse::json(404, &json!({"code": "404", "msg": "not found"}));
        };
        if req.param("strJobManagerID") != Some(*jm_id) {
            return err("10004", "参数无效: strJobManagerID");
        }
        if asked != *cluster_user {
            return err("10004", "参数无效: 用户不存在");
        }
        let step = self.hpc_polls[region].fetch_add(1, Ordering::Relaxed);
        let entries: Vec<Value> = self
            .hpc_queues
            .iter()
            .filter(|q| queue_key(q).is_some_and(|n| queues.contains(&n)))
            .map(|q| {
                let mut q = q.clone();
                if self.drift {
                    drift_queue(&mut q, step);
                }
                if user == MALFORMED_USER && queue_key(&q) == Some("ksgpu_a800") {
                    q["queFreeNodes"] = json!("-1");
                }
                q
            })
            .collect();
        ok(Value::Array(entries))
    }

    /// The resource groups of a region, in the two shapes the API is seen in.
    fn groups(cluster: &str, user: &str) -> Value {
        match cluster {
            "11112" => json!({"gpu": ["TeslaM40", "A800"]}),
            "11250" if user == MALFORMED_USER => json!({
                "dcu": [{"resourceGroup": "K100-AI"}, 42],
                "cpu": [{"resourceGroup": "cpu-general"}],
            }),
            "11250" => json!({
                "dcu": [{"resourceGroup": "K100-AI"}],
                "cpu": [{"resourceGroup": "cpu-general"}],
            }),
            _ => json!({}),
        }
    }

    fn resources(
        &self,
        cluster: &str,
        group: &str,
        accelerator_type: &str,
        user: &str,
    ) -> Option<Value> {
        let limits = |cpu: u64, cards: u64, mem: u64, nodes: u64, nv: u64, dcu: u64, max: &str| {
            json!({
                "id": null, "cpuNumber": cpu, "gpuNumber": cards, "memorySize": mem,
                "nvLimits": nv, "dcuLimits": dcu, "mluLimits": 0, "nodeNumber": nodes,
                "maxTime": max, "resourceGroup": group, "userName": null,
            })
        };
        Some(match (cluster, accelerator_type, group) {
            ("11112", "gpu", "TeslaM40") if user == MALFORMED_USER => {
                let mut v = self.seed.clone();
                v["cpuNumber"] = json!("abc");
                v
            }
            // The seed response, verbatim.
            ("11112", "gpu", "TeslaM40") => self.seed.clone(),
            ("11112", "gpu", "A800") => limits(112, 8, 1_031_168, 4, 8, 0, "168:00:00"),
            ("11250", "dcu", "K100-AI") => limits(64, 8, 515_072, 16, 0, 8, "72:00:00"),
            ("11250", "cpu", "cpu-general") => limits(64, 0, 257_024, 32, 0, 0, "unlimited"),
            _ => return None,
        })
    }

    fn ai(&self, rest: &str, req: &SimRequest) -> SimResponse {
        let (cluster, user) = match self.check_token_user(req) {
            Ok(c) => c,
            Err(resp) => return resp,
        };
        match rest {
            "resource-group" => ok(Self::groups(&cluster, &user)),
            "resources" => {
                let (Some(group), Some(t)) =
                    (req.param("resourceGroup"), req.param("acceleratorType"))
                else {
                    return err("10003", "参数不全: resourceGroup, acceleratorType");
                };
                match self.resources(&cluster, group, t, &user) {
                    Some(data) => ok(data),
                    None => err("10004", "资源分组不存在"),
                }
            }
            _ => SimResponse::json(404, &json!({"code": "404", "msg": "not found"})),
        }
    }
}

impl Platform for Sugon {
    fn handle(&self, req: &SimRequest) -> Option<SimResponse> {
        let path = req.path.as_str();
        let method = req.method.as_str();
        if let Some(rest) = path.strip_prefix("/hpc/openapi/v2/") {
            if method != "GET" {
                return Some(SimResponse::json(
                    405,
                    &json!({"code": "405", "msg": "method not allowed"}),
                ));
            }
            return Some(self.hpc(rest, req));
        }
        if let Some(rest) = path.strip_prefix("/ai/openapi/v2/instance-service/") {
            if method != "GET" {
                return Some(SimResponse::json(
                    405,
                    &json!({"code": "405", "msg": "method not allowed"}),
                ));
            }
            return Some(self.ai(rest, req));
        }
        Some(match (method, path) {
            ("POST", "/ac/openapi/v2/tokens") => self.password_login(req),
            ("POST", "/api/user/v3/tokens") => self.aksk_login(req),
            ("GET", "/ac/openapi/v2/center") => match self.check_token_user(req) {
                Ok((cluster, user)) => self.center(req, &cluster, &user),
                Err(resp) => resp,
            },
            _ if path.starts_with("/ac/openapi/") || path.starts_with("/ai/openapi/") => {
                SimResponse::json(
                    404,
                    &json!({"code": "404", "msg": format!("no simulated Sugon API at {method} {path}")}),
                )
            }
            _ => return None,
        })
    }

    /// Sugon reports a lapsed token as code 10008 in an HTTP 200 body.
    fn expired(&self, req: &SimRequest) -> Option<SimResponse> {
        let p = req.path.as_str();
        (p.starts_with("/ac/openapi/")
            || p.starts_with("/ai/openapi/")
            || p.starts_with("/hpc/openapi/")
            || p.starts_with("/api/user/"))
        .then(|| err("10008", "token已过期"))
    }
}

/// A queue entry's name: `queueName`, else `id`, else `text`. The fixture
/// has both shapes: the official doc's (`id` and `text`, no `queueName`) and
/// the one scnet-cli also reads (`queueName`).
fn queue_key(q: &Value) -> Option<&str> {
    ["queueName", "id", "text"]
        .iter()
        .find_map(|k| q[*k].as_str().filter(|n| !n.is_empty()))
}

/// Moves a drifting queue's free nodes to drift step `step`'s value, its free
/// cores with them (the free nodes' cores, plus the fixture's free cores on
/// partly used nodes while some node is busy), in the shape (string or number)
/// the fixture has: free never exceeds the total.
fn drift_queue(q: &mut Value, step: u64) {
    let Some(name) = queue_key(q) else {
        return;
    };
    let Some((_, cycle)) = FREE_NODES_DRIFT.iter().find(|(n, _)| *n == name) else {
        return;
    };
    let num = |v: &Value| -> u64 {
        v.as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .unwrap_or(0)
    };
    let (nodes, ppn, cpus) = (
        num(&q["queNodes"]),
        num(&q["queMaxPPN"]),
        num(&q["queNcpus"]),
    );
    let on_busy_nodes = num(&q["queFreeNcpus"]).saturating_sub(num(&q["queFreeNodes"]) * ppn);
    let free = cycle[(step % cycle.len() as u64) as usize].min(nodes);
    let partial = if free < nodes { on_busy_nodes } else { 0 };
    let free_cpus = (free * ppn + partial).min(cpus);
    let as_string = q["queNodes"].is_string();
    let put = |v: u64| {
        if as_string {
            Value::from(v.to_string())
        } else {
            Value::from(v)
        }
    };
    q["queFreeNodes"] = put(free);
    q["queFreeNcpus"] = put(free_cpus);
}

#[cfg(test)]
mod tests;
