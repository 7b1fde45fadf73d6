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
mod tests {
    use super::*;

    fn req(
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> SimRequest {
        SimRequest::new(method, path, query, headers, b"").unwrap()
    }

    fn body(r: &SimResponse) -> Value {
        serde_json::from_slice(&r.body).unwrap()
    }

    fn login(s: &Sugon) -> Value {
        let r = s
            .handle(&req(
                "POST",
                "/ac/openapi/v2/tokens",
                &[],
                &[
                    ("user", credentials::SUGON_USER),
                    ("password", credentials::SUGON_PASSWORD),
                    ("orgId", credentials::SUGON_ORG_ID),
                ],
            ))
            .unwrap();
        body(&r)
    }

    fn token_of(login: &Value, cluster: &str) -> String {
        login["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["clusterId"] == cluster)
            .unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn password_login_gives_a_token_per_region() {
        let s = Sugon::new(SugonOptions::default(), false);
        let v = login(&s);
        assert_eq!(v["code"], "0");
        let data = v["data"].as_array().unwrap();
        assert_eq!(data.len(), 4);
        let suspended = data.iter().find(|e| e["clusterId"] == "11113").unwrap();
        assert!(suspended["token"].is_null());
        let t = token_of(&v, "11112");
        let exp = scnet::jwt_expire_time_ms(&t).unwrap();
        let lifetime = exp - s.now_ms();
        assert!((599_000..=600_000).contains(&lifetime), "{lifetime}");

        let bad = s
            .handle(&req(
                "POST",
                "/ac/openapi/v2/tokens",
                &[],
                &[
                    ("user", credentials::SUGON_USER),
                    ("password", "nope"),
                    ("orgId", credentials::SUGON_ORG_ID),
                ],
            ))
            .unwrap();
        assert_eq!(body(&bad)["code"], "10004");
    }

    #[test]
    fn aksk_login_checks_the_signature_and_timestamp() {
        let s = Sugon::new(SugonOptions::default(), false);
        let ts = (s.now_ms() / 1000).to_string();
        let sig = scnet::login_signature(
            credentials::SCNET_ACCESS_KEY_ID,
            credentials::SCNET_SECRET_ACCESS_KEY,
            credentials::SUGON_USER,
            &ts,
        );
        let call = |ts: &str, sig: &str| {
            body(
                &s.handle(&req(
                    "POST",
                    "/api/user/v3/tokens",
                    &[],
                    &[
                        ("user", credentials::SUGON_USER),
                        ("accessKey", credentials::SCNET_ACCESS_KEY_ID),
                        ("timestamp", ts),
                        ("signature", sig),
                    ],
                ))
                .unwrap(),
            )
        };
        assert_eq!(call(&ts, &sig)["code"], "0");
        assert_eq!(call(&ts, "00")["msg"], "签名校验失败");
        let old = "1000";
        let old_sig = scnet::login_signature(
            credentials::SCNET_ACCESS_KEY_ID,
            credentials::SCNET_SECRET_ACCESS_KEY,
            credentials::SUGON_USER,
            old,
        );
        assert_eq!(call(old, &old_sig)["msg"], "timestamp已过期");
    }

    #[test]
    fn tokens_expire_into_10008() {
        let s = Sugon::new(
            SugonOptions {
                token_lifetime: Duration::ZERO,
                ..SugonOptions::default()
            },
            false,
        );
        let t = token_of(&login(&s), "11112");
        let r = s
            .handle(&req("GET", "/ac/openapi/v2/center", &[], &[("token", &t)]))
            .unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(body(&r)["code"], "10008");
        let r = s
            .handle(&req(
                "GET",
                "/ac/openapi/v2/center",
                &[],
                &[("token", "forged")],
            ))
            .unwrap();
        assert_eq!(body(&r)["code"], "10008");
    }

    #[test]
    fn center_points_back_at_the_simulator() {
        let s = Sugon::new(SugonOptions::default(), false);
        let v = login(&s);
        let r = s
            .handle(&req(
                "GET",
                "/ac/openapi/v2/center",
                &[],
                &[
                    ("token", &token_of(&v, "11112")),
                    ("host", "127.0.0.1:4242"),
                ],
            ))
            .unwrap();
        let ai = &body(&r)["data"][0]["aiUrls"];
        assert_eq!(ai[0]["enable"], "false");
        assert_eq!(ai[1]["url"], "http://127.0.0.1:4242/ai");
        assert_eq!(ai[1]["enable"], "true");
    }

    #[test]
    fn without_quirks_no_suspended_region_and_no_dead_ai_url() {
        let s = Sugon::new(
            SugonOptions {
                quirks: false,
                ..SugonOptions::default()
            },
            false,
        );
        let v = login(&s);
        let regions: Vec<&str> = v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["clusterId"].as_str().unwrap())
            .collect();
        assert_eq!(regions, ["0", "11112", "11250"]);
        let r = s
            .handle(&req(
                "GET",
                "/ac/openapi/v2/center",
                &[],
                &[
                    ("token", &token_of(&v, "11250")),
                    ("host", "127.0.0.1:4242"),
                ],
            ))
            .unwrap();
        assert_eq!(
            body(&r)["data"][0]["aiUrls"],
            json!([{"url": "http://127.0.0.1:4242", "enable": "true"}])
        );
    }

    #[test]
    fn groups_and_resources_follow_the_token_region() {
        let s = Sugon::new(SugonOptions::default(), false);
        let v = login(&s);
        let dcu = token_of(&v, "11250");
        let r = s
            .handle(&req(
                "GET",
                "/ai/openapi/v2/instance-service/resource-group",
                &[],
                &[("token", &dcu)],
            ))
            .unwrap();
        assert_eq!(body(&r)["data"]["dcu"][0]["resourceGroup"], "K100-AI");
        let gpu = token_of(&v, "11112");
        let r = s
            .handle(&req(
                "GET",
                "/ai/openapi/v2/instance-service/resources",
                &[("resourceGroup", "TeslaM40"), ("acceleratorType", "gpu")],
                &[("token", &gpu)],
            ))
            .unwrap();
        let d = &body(&r)["data"];
        assert_eq!(
            (d["cpuNumber"].as_u64(), d["gpuNumber"].as_u64()),
            (Some(40), Some(2))
        );
        assert_eq!(d["memorySize"], 31888);
        // The DCU region's token does not see the GPU region's groups.
        let r = s
            .handle(&req(
                "GET",
                "/ai/openapi/v2/instance-service/resources",
                &[("resourceGroup", "TeslaM40"), ("acceleratorType", "gpu")],
                &[("token", &dcu)],
            ))
            .unwrap();
        assert_eq!(body(&r)["code"], "10004");
    }

    fn get(s: &Sugon, path: &str, query: &[(&str, &str)], token: &str) -> Value {
        body(
            &s.handle(&req(
                "GET",
                path,
                query,
                &[("token", token), ("host", "127.0.0.1:4242")],
            ))
            .unwrap(),
        )
    }

    fn login_as(s: &Sugon, user: &str) -> Value {
        body(
            &s.handle(&req(
                "POST",
                "/ac/openapi/v2/tokens",
                &[],
                &[
                    ("user", user),
                    ("password", credentials::SUGON_PASSWORD),
                    ("orgId", credentials::SUGON_ORG_ID),
                ],
            ))
            .unwrap(),
        )
    }

    #[test]
    fn the_hpc_side_follows_the_center_answer() {
        let s = Sugon::new(SugonOptions::default(), false);
        let v = login(&s);
        let ks = token_of(&v, "11112");
        let center = get(&s, "/ac/openapi/v2/center", &[], &ks);
        let entry = &center["data"][0];
        assert_eq!(entry["hpcUrls"][0]["enable"], "false");
        assert_eq!(entry["hpcUrls"][1]["url"], "http://127.0.0.1:4242/hpc");
        assert_eq!(entry["clusterUserInfo"]["userName"], "acdemo_ks");
        let cluster = get(&s, "/hpc/openapi/v2/cluster", &[], &ks);
        assert_eq!(cluster["data"][0]["id"], 1637);
        let queues = get(
            &s,
            "/hpc/openapi/v2/queuenames/users/acdemo_ks",
            &[("strJobManagerID", "1637")],
            &ks,
        );
        let names: Vec<&str> = queues["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["id"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["ksgpu_a800", "kscpu_debug"]);
        // The official doc's shape: `id` and `text`, no `queueName`.
        for q in queues["data"].as_array().unwrap() {
            assert!(q.get("queueName").is_none(), "{q}");
            assert_eq!(q["text"], q["id"]);
            assert!(q["aclHosts"].is_string());
        }
        assert_eq!(queues["data"][0]["queFreeNodes"], "2");
        // Another region's job manager or user is refused.
        for (user, id) in [("acdemo_ks", "2215"), ("acdemo_xa", "1637")] {
            let r = get(
                &s,
                &format!("/hpc/openapi/v2/queuenames/users/{user}"),
                &[("strJobManagerID", id)],
                &ks,
            );
            assert_eq!(r["code"], "10004", "{user} {id}");
        }
        let xa = token_of(&v, "11250");
        assert_eq!(
            get(&s, "/hpc/openapi/v2/cluster", &[], &xa)["data"][0]["id"],
            "2215"
        );
        let q = get(
            &s,
            "/hpc/openapi/v2/queuenames/users/acdemo_xa",
            &[("strJobManagerID", "2215")],
            &xa,
        );
        assert_eq!(q["data"][0]["queueName"], "xahdnormal");
        assert_eq!(q["data"][0]["queFreeNodes"], 5);
        assert_eq!(
            get(&s, "/hpc/openapi/v2/cluster", &[], "forged")["code"],
            "10008"
        );
    }

    #[test]
    fn the_user_without_hpc_access() {
        let s = Sugon::new(SugonOptions::default(), false);
        let v = login_as(&s, NO_HPC_USER);
        assert_eq!(v["code"], "0");
        let ks = token_of(&v, "11112");
        let entry = &get(&s, "/ac/openapi/v2/center", &[], &ks)["data"][0];
        assert!(entry.get("hpcUrls").is_none() && entry.get("clusterUserInfo").is_none());
        assert_eq!(entry["aiUrls"][1]["enable"], "true");
        let xa = token_of(&v, "11250");
        let entry = &get(&s, "/ac/openapi/v2/center", &[], &xa)["data"][0];
        assert_eq!(entry["hpcUrls"][0]["enable"], "true");
        assert_eq!(
            get(&s, "/hpc/openapi/v2/cluster", &[], &xa)["code"],
            "10009"
        );
        // The AI side is the same as the other user's.
        let groups = get(
            &s,
            "/ai/openapi/v2/instance-service/resource-group",
            &[],
            &ks,
        );
        assert_eq!(groups["data"]["gpu"][0], "TeslaM40");
    }

    #[test]
    fn the_malformed_user_sees_one_bad_field_per_list() {
        let s = Sugon::new(SugonOptions::default(), false);
        let v = login_as(&s, MALFORMED_USER);
        assert_eq!(v["code"], "0");
        let ks = token_of(&v, "11112");
        let r = get(
            &s,
            "/ai/openapi/v2/instance-service/resources",
            &[("resourceGroup", "TeslaM40"), ("acceleratorType", "gpu")],
            &ks,
        );
        assert_eq!(r["data"]["cpuNumber"], "abc");
        assert_eq!(r["data"]["gpuNumber"], 2);
        let xa = token_of(&v, "11250");
        let g = get(
            &s,
            "/ai/openapi/v2/instance-service/resource-group",
            &[],
            &xa,
        );
        assert_eq!(g["data"]["dcu"][1], 42);
        let q = get(
            &s,
            "/hpc/openapi/v2/queuenames/users/acdemo_ks",
            &[("strJobManagerID", "1637")],
            &ks,
        );
        assert_eq!(q["data"][0]["queFreeNodes"], "-1");
        assert_eq!(q["data"][1]["queFreeNodes"], "2");
        // The default user's answers are untouched.
        let ks = token_of(&login(&s), "11112");
        let r = get(
            &s,
            "/ai/openapi/v2/instance-service/resources",
            &[("resourceGroup", "TeslaM40"), ("acceleratorType", "gpu")],
            &ks,
        );
        assert_eq!(r["data"]["cpuNumber"], 40);
    }

    #[test]
    fn drift_keeps_free_within_the_queue() {
        let s = Sugon::new(SugonOptions::default(), true);
        let num = |v: &Value| -> u64 {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|t| t.parse().ok()))
                .unwrap()
        };
        let mut seen = std::collections::BTreeSet::new();
        for step in 0..12 {
            for q in &s.hpc_queues {
                let mut q = q.clone();
                drift_queue(&mut q, step);
                let (nodes, free) = (num(&q["queNodes"]), num(&q["queFreeNodes"]));
                let (cpus, free_cpus) = (num(&q["queNcpus"]), num(&q["queFreeNcpus"]));
                let ppn = num(&q["queMaxPPN"]);
                assert!(free <= nodes && free_cpus <= cpus, "{q}");
                // The free nodes' cores are free.
                assert!(free_cpus >= free * ppn, "{q}");
                // The shape stays the fixture's.
                assert_eq!(q["queFreeNodes"].is_string(), q["queNodes"].is_string());
                if queue_key(&q) == Some("ksgpu_a800") {
                    seen.insert(free);
                }
            }
        }
        // It reaches a full queue and moves back.
        assert_eq!(seen, [0, 1, 2, 3].into());
    }

    #[test]
    fn other_platforms_paths_are_left_alone() {
        let s = Sugon::new(SugonOptions::default(), false);
        assert!(s
            .handle(&req("GET", "/api/aihc/aihc-service/v3/queues", &[], &[]))
            .is_none());
        assert!(s
            .handle(&req("GET", "/", &[("action", "DescribeQueues")], &[]))
            .is_none());
        assert_eq!(
            s.handle(&req("GET", "/ac/openapi/v2/nope", &[], &[]))
                .unwrap()
                .status,
            404
        );
    }

    #[test]
    fn simulator_tokens_round_trip() {
        let token = mint_token(&json!({"user": "slurmtest", "expireTime": "1758991072000"}));
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0], "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9");
        assert!(!token.contains('='));
        assert_eq!(scnet::jwt_expire_time_ms(&token), Some(1_758_991_072_000));
        // Deterministic, so simulator fixtures stay stable.
        assert_eq!(
            token,
            mint_token(&json!({"user": "slurmtest", "expireTime": "1758991072000"}))
        );
        assert_eq!(
            scnet::jwt_expire_time_ms(&mint_token(&json!({"expireTime": 5}))),
            Some(5)
        );
        assert_eq!(scnet::jwt_expire_time_ms(&mint_token(&json!({}))), None);
    }
}
