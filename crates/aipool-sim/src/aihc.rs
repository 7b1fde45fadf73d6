//! Simulated Baidu AIHC: the console API under `/api/aihc/aihc-service/` (cookie
//! checked, session expiry answered with a redirect to a login page, as the real
//! console does) and the OpenAPI at `/?action=…` (bce-auth-v1 verified like the
//! cloud: unknown key, bad signature and expired timestamp each get their Baidu
//! error code).
//!
//! Data: the seed responses (`fixtures/`), plus a queue tree in the second common
//! pool for the OpenAPI, so tree flattening, parents by name and the capability −
//! allocated derivation are exercised end to end. The OpenAPI serves the common
//! pools' queues without `remaining` and `workloadAvailable` (as its documented
//! answers are) and the dedicated pools' trees with them (what the exporter must
//! do when a response has them). Queue trees ignore paging as bce-sdk-go says
//! self-managed queues do: every `DescribeQueues` page is the whole tree and
//! `totalCount` counts the nested queues; the flat seed pool pages normally.
//! `DescribeResourcePoolOverview` reports each pool's hardware: the team
//! tree's pool has 8 cards with 7 allocated, one more than its quotas say, so
//! the exporter's bound by the pool's free cards shows.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{json, Value};

mod hardware;

use super::scale::{self, Scale};
use super::{bce_error, page, request_id, verify_bce, Options, Platform, SimRequest, SimResponse};

const CONSOLE_PREFIX: &str = "/api/aihc/aihc-service/";

const POOLS: &str = include_str!("../fixtures/aihc_console_resourcepools.json");
const QUEUES: &str = include_str!("../fixtures/aihc_console_queues.json");
const SERVERLESS_POOLS: &str = include_str!("../fixtures/aihc_console_serverless_pools.json");
const SERVERLESS_QUEUES: &str = include_str!("../fixtures/aihc_console_serverless_queues.json");

/// The queue whose allocation drifts in the demo.
const DRIFT_QUEUE: &str = "queue-nllqttp17gv6";

pub struct Aihc {
    opts: Options,
    /// Polls seen (first pool page requests); drives the drift.
    tick: AtomicU64,
    pools: Vec<Value>,
    queues: Vec<Value>,
    serverless_pools: Vec<Value>,
    serverless_queues: Vec<Value>,
}

fn fixture_list(text: &str, path: &[&str]) -> Vec<Value> {
    let mut v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    for p in path {
        v = v.get(*p).cloned().unwrap_or(Value::Null);
    }
    v.as_array().cloned().unwrap_or_default()
}

impl Aihc {
    pub fn new(opts: Options) -> Self {
        Aihc {
            opts,
            tick: AtomicU64::new(0),
            pools: fixture_list(POOLS, &["result", "resourcePools"]),
            queues: fixture_list(QUEUES, &["result", "result", "queueList"]),
            serverless_pools: fixture_list(SERVERLESS_POOLS, &["result", "result", "items"]),
            serverless_queues: fixture_list(SERVERLESS_QUEUES, &["result", "result", "items"]),
        }
    }

    fn drift_step(&self) -> u64 {
        if self.opts.drift {
            self.tick.load(Ordering::Relaxed)
        } else {
            0
        }
    }

    /// The seed's common-pool queues, with the demo drift applied.
    fn console_queues(&self, pool_id: &str) -> Vec<Value> {
        if pool_id != "cce-6b41lf00" {
            return Vec::new();
        }
        let step = self.drift_step();
        let mut queues = self.queues.clone();
        if step > 0 {
            for q in &mut queues {
                if q["queueId"] == DRIFT_QUEUE {
                    drift_queue(q, step);
                }
            }
        }
        queues
    }

    fn console(&self, rest: &str, req: &SimRequest) -> SimResponse {
        let cookie = req.header("cookie").unwrap_or("");
        if !cookie.contains("bce-sessionid=demo-console-session") {
            // The real console sends an expired session to its login page.
            let mut r = SimResponse::html(302, "");
            r.headers.push(("location".into(), "/login".into()));
            return r;
        }
        let num = |name: &str, default: u64| -> u64 {
            req.param(name)
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        match rest {
            "v3/resourcepools" => {
                let page_no = num("pageNumber", 1);
                if page_no == 1 {
                    self.tick.fetch_add(1, Ordering::Relaxed);
                }
                let items = if req.param("resourcePoolType").unwrap_or("common") == "common" {
                    self.pools.clone()
                } else {
                    Vec::new()
                };
                let (items, size) = page(&items, page_no, num("pageSize", 10), self.opts.page_cap);
                SimResponse::json(
                    200,
                    &json!({"success": true, "result": {
                        "keywordType": "resourcePoolName", "order": "desc", "orderBy": "createdAt",
                        "pageNumber": page_no, "pageSize": size,
                        "resourcePools": items, "totalCount": self.pools.len(),
                    }}),
                )
            }
            "v3/queues" => {
                let Some(pool) = req.param("resourcePoolId") else {
                    return console_error("resourcePoolId is required");
                };
                let queues = self.console_queues(pool);
                let total = queues.len();
                SimResponse::json(
                    200,
                    &wrapped(
                        json!({"keywordType": "queueName", "queueList": queues, "totalCount": total}),
                    ),
                )
            }
            "v2/serverless/resourcePool" | "v2/serverless/resourceQueue" => {
                let all = if rest.ends_with("resourcePool") {
                    &self.serverless_pools
                } else {
                    &self.serverless_queues
                };
                let page_no = num("pageNo", 1);
                let (items, size) = page(all, page_no, num("pageSize", 10), self.opts.page_cap);
                SimResponse::json(
                    200,
                    &wrapped(
                        json!({"items": items, "pageNo": page_no, "pageSize": size, "totalCount": all.len()}),
                    ),
                )
            }
            _ => SimResponse::json(
                404,
                &json!({"success": false, "message": {"global": "not found"}}),
            ),
        }
    }

    fn openapi(&self, req: &SimRequest) -> SimResponse {
        if let Err(resp) = verify_bce(req) {
            return resp;
        }
        // Both official SDKs send `version: v2` (the doc pages show it, or
        // `X-API-Version: v2`); the v2 shapes are all this serves.
        if req.header("version") != Some("v2") && req.header("x-api-version") != Some("v2") {
            return bce_error(400, "InvalidParameter", "API version v2 is required");
        }
        let param = |a: &str, b: &str| req.param(a).or_else(|| req.param(b));
        let num = |a: &str, b: &str, default: u64| -> u64 {
            param(a, b).and_then(|v| v.parse().ok()).unwrap_or(default)
        };
        let page_no = num("pageNumber", "PageNumber", 1);
        let page_size = num("pageSize", "PageSize", 10);
        if let Some(s) = self.opts.scale {
            return self.scaled(&s, req, page_no, page_size);
        }
        match req.param("action").unwrap_or("") {
            "DescribeResourcePools" => {
                let all = match param("resourcePoolType", "ResourcePoolType") {
                    Some("common") => {
                        if page_no == 1 {
                            self.tick.fetch_add(1, Ordering::Relaxed);
                        }
                        self.pools.clone()
                    }
                    Some("dedicatedV2") => {
                        self.serverless_pools.iter().map(dedicated_pool).collect()
                    }
                    // A type bce-sdk-go knows; the simulated account has none.
                    Some("bhcmp") => Vec::new(),
                    Some(other) => {
                        return bce_error(
                            400,
                            "InvalidParameter",
                            &format!("unknown resourcePoolType {other}"),
                        )
                    }
                    None => {
                        return bce_error(400, "MissingParameter", "resourcePoolType is required")
                    }
                };
                let (items, size) = page(&all, page_no, page_size, self.opts.page_cap);
                SimResponse::json(
                    200,
                    &json!({"requestId": request_id(), "resourcePools": items, "totalCount": all.len(),
                            "pageNumber": page_no, "pageSize": size}),
                )
            }
            "DescribeQueues" => {
                let Some(pool) = param("resourcePoolId", "ResourcePoolId") else {
                    return bce_error(400, "MissingParameter", "resourcePoolId is required");
                };
                let all = self.openapi_queues(pool);
                if all.iter().any(has_children) {
                    // A queue tree: paging has no effect (bce-sdk-go
                    // `services/aihc/v2/api/queue.go`); every page is the
                    // whole tree, and totalCount counts the nested queues.
                    let total: usize = all.iter().map(tree_size).sum();
                    let size = page_size.clamp(1, self.opts.page_cap.max(1));
                    return SimResponse::json(
                        200,
                        &json!({"requestId": request_id(), "queues": all, "totalCount": total,
                                "pageNumber": page_no, "pageSize": size}),
                    );
                }
                let (items, size) = page(&all, page_no, page_size, self.opts.page_cap);
                SimResponse::json(
                    200,
                    &json!({"requestId": request_id(), "queues": items, "totalCount": all.len(),
                            "pageNumber": page_no, "pageSize": size}),
                )
            }
            "DescribeResourcePoolOverview" => SimResponse::json(200, &self.overview()),
            other => bce_error(400, "InvalidAction", &format!("unknown action {other:?}")),
        }
    }

    /// The generated fleet's OpenAPI answers, one page made from indices.
    fn scaled(&self, s: &Scale, req: &SimRequest, page_no: u64, page_size: u64) -> SimResponse {
        let param = |a: &str, b: &str| req.param(a).or_else(|| req.param(b));
        if req.param("action") == Some("DescribeResourcePoolOverview") {
            // The generated fleet has no hardware figures: its pools stay
            // unbounded (each counted as missing from the overview).
            return SimResponse::json(
                200,
                &json!({"requestId": request_id(), "resourcePoolsStatisticWithType": []}),
            );
        }
        let (items, total, size) = match req.param("action").unwrap_or("") {
            "DescribeResourcePools" => match param("resourcePoolType", "ResourcePoolType") {
                Some("common") => {
                    if page_no == 1 {
                        self.tick.fetch_add(1, Ordering::Relaxed);
                    }
                    let (r, size) =
                        scale::page_range(s.pools, page_no, page_size, self.opts.page_cap);
                    (r.map(scale::pool).collect::<Vec<_>>(), s.pools, size)
                }
                Some("dedicatedV2") => {
                    (Vec::new(), 0, page_size.clamp(1, self.opts.page_cap.max(1)))
                }
                Some(other) => {
                    return bce_error(
                        400,
                        "InvalidParameter",
                        &format!("unknown resourcePoolType {other}"),
                    )
                }
                None => return bce_error(400, "MissingParameter", "resourcePoolType is required"),
            },
            "DescribeQueues" => {
                let Some(pool) = param("resourcePoolId", "ResourcePoolId") else {
                    return bce_error(400, "MissingParameter", "resourcePoolId is required");
                };
                let total = match scale::pool_index(pool) {
                    Some(i) if i < s.pools => s.queues_per_pool,
                    _ => 0,
                };
                let step = self.drift_step();
                let (r, size) = scale::page_range(total, page_no, page_size, self.opts.page_cap);
                let p = scale::pool_index(pool).unwrap_or(0);
                (r.map(|q| scale::queue(p, q, step)).collect(), total, size)
            }
            other => return bce_error(400, "InvalidAction", &format!("unknown action {other:?}")),
        };
        let key = if req.param("action") == Some("DescribeQueues") {
            "queues"
        } else {
            "resourcePools"
        };
        let mut body = serde_json::Map::new();
        body.insert("requestId".into(), json!(request_id()));
        body.insert(key.into(), Value::Array(items));
        body.insert("totalCount".into(), json!(total));
        body.insert("pageNumber".into(), json!(page_no));
        body.insert("pageSize".into(), json!(size));
        SimResponse::json(200, &Value::Object(body))
    }

    /// Top-level queues of a pool in OpenAPI shape (trees in `children`).
    fn openapi_queues(&self, pool_id: &str) -> Vec<Value> {
        match pool_id {
            "cce-6b41lf00" => self
                .console_queues(pool_id)
                .into_iter()
                .map(|mut q| {
                    if let Some(o) = q.as_object_mut() {
                        // The OpenAPI reports no remaining: the exporter derives it.
                        o.remove("remaining");
                        o.remove("workloadAvailable");
                        let running = if o.get("queueId") == Some(&json!(DRIFT_QUEUE)) {
                            2
                        } else {
                            0
                        };
                        o.insert("runningJobs".into(), json!(running));
                        o.insert("pendingJobs".into(), json!(running / 2));
                        o.insert("inqueueJobs".into(), json!(0));
                    }
                    q
                })
                .collect(),
            "cce-k8yq20rt" => vec![team_tree()],
            other => {
                // Fully-managed pools: the seed's serverless trees, one per pool,
                // converted to the OpenAPI block shape.
                let idx = self
                    .serverless_pools
                    .iter()
                    .position(|p| p["resourcePoolId"] == other);
                idx.and_then(|i| self.serverless_queues.get(i))
                    .map(|q| vec![serverless_to_openapi(q, &models_of(q))])
                    .unwrap_or_default()
            }
        }
    }
}

impl Platform for Aihc {
    fn handle(&self, req: &SimRequest) -> Option<SimResponse> {
        if let Some(rest) = req.path.strip_prefix(CONSOLE_PREFIX) {
            return Some(self.console(rest, req));
        }
        if req.path == "/login" {
            return Some(SimResponse::html(
                200,
                "<!doctype html><html><body><h1>Baidu Cloud login (simulated)</h1></body></html>",
            ));
        }
        if req.path == "/" && req.param("action").is_some() {
            return Some(self.openapi(req));
        }
        None
    }

    /// The console sends an expired session to its login page; the OpenAPI
    /// answers a signature past its validity with `RequestExpired`.
    fn expired(&self, req: &SimRequest) -> Option<SimResponse> {
        if req.path.starts_with(CONSOLE_PREFIX) {
            let mut r = SimResponse::html(302, "");
            r.headers.push(("location".into(), "/login".into()));
            return Some(r);
        }
        (req.path == "/" && req.param("action").is_some()).then(|| {
            bce_error(
                400,
                "RequestExpired",
                "the signature has expired (injected)",
            )
        })
    }
}

fn has_children(q: &Value) -> bool {
    q["children"].as_array().is_some_and(|c| !c.is_empty())
}

/// A queue and every queue nested in it.
fn tree_size(q: &Value) -> usize {
    1 + q["children"]
        .as_array()
        .map(|c| c.iter().map(tree_size).sum())
        .unwrap_or(0)
}

fn wrapped(inner: Value) -> Value {
    json!({"success": true, "result": {"code": 200, "message": "success", "requestId": request_id(), "result": inner}})
}

fn console_error(message: &str) -> SimResponse {
    SimResponse::json(
        200,
        &json!({"success": false, "message": {"global": message}}),
    )
}

fn dedicated_pool(p: &Value) -> Value {
    json!({
        "resourcePoolId": p["resourcePoolId"],
        "name": p["name"],
        "phase": p["phase"],
        "nodeNum": p["instanceCount"],
        "type": "dedicatedV2",
        "region": "bj",
        "createdAt": p["createAt"],
    })
}

fn models_of(q: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for n in q["nodes"].as_array().into_iter().flatten() {
        if let (Some(d), Some(t)) = (n["gpuDescriptor"].as_str(), n["gpuCardType"].as_str()) {
            out.push((d.to_string(), t.to_string()));
        }
    }
    out
}

/// A serverless flat block (`cpu` cores, `memory` Gi, accelerators) → OpenAPI block.
fn flat_to_block(flat: &Value, models: &[(String, String)]) -> Value {
    let Some(map) = flat.as_object() else {
        return json!({});
    };
    let mut block = serde_json::Map::new();
    let mut cards = Vec::new();
    for (k, v) in map {
        let n: f64 = v
            .as_str()
            .and_then(|s| s.parse().ok())
            .or_else(|| v.as_f64())
            .unwrap_or(0.0);
        match k.as_str() {
            "cpu" => {
                block.insert(
                    "milliCPUcores".into(),
                    json!(format!("{}", (n * 1000.0) as u64)),
                );
            }
            "memory" => {
                block.insert("memoryGi".into(), v.clone());
            }
            name => {
                let model = models
                    .iter()
                    .find(|(d, _)| d == name)
                    .map(|(_, t)| t.as_str())
                    .unwrap_or("");
                cards.push(json!({"acceleratorCount": v, "acceleratorDescription": name, "acceleratorType": model}));
            }
        }
    }
    if !cards.is_empty() {
        block.insert("acceleratorCardList".into(), Value::Array(cards));
    }
    Value::Object(block)
}

fn serverless_to_openapi(q: &Value, models: &[(String, String)]) -> Value {
    let children: Vec<Value> = q["children"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| serverless_to_openapi(c, models))
        .collect();
    json!({
        "queueId": q["id"],
        "queueName": q["name"],
        "queueType": q["queueType"],
        "parentQueue": q["parentQueue"],
        "capability": flat_to_block(&q["capability"], models),
        "allocated": flat_to_block(&q["allocated"], models),
        "remaining": flat_to_block(&q["remaining"], models),
        "workloadAvailable": flat_to_block(&q["workloadAvailable"], models),
        "deserved": flat_to_block(&q["deserved"], models),
        "guarantee": flat_to_block(&q["guarantee"], models),
        "runningJobs": q["running"],
        "pendingJobs": q["pending"],
        "inqueueJobs": q["inqueue"],
        "children": children,
    })
}

fn cards(n: &str) -> Value {
    json!([{"acceleratorCount": n, "acceleratorDescription": "baidu.com/a800_80g_cgpu", "acceleratorType": "NVIDIA A800-SXM4-80GB"}])
}

/// A Physical root with two Elastic children, in the OpenAPI shape: quota 8
/// cards with 6 allocated (team-a 3.5 of its 4, team-b 2.5 of its 4). The root's
/// capability memory is in bytes, as in the OpenAPI doc example, and its CPU in
/// cores, as in every such block of the console seed; team-a names its parent by
/// `queueName`, as the doc example's `old-gpu-l2q-3` does; team-b has no
/// `parentQueue`, so its parent comes from the tree.
fn team_tree() -> Value {
    json!({
        "queueId": "queue-root-k8yq", "queueName": "root", "queueType": "Physical", "parentQueue": "",
        "capability": {"milliCPUcores": "192", "memoryGi": "9449599258624", "acceleratorCardList": cards("8")},
        "allocated": {"milliCPUcores": "96500", "memoryGi": "1024", "acceleratorCardList": cards("6")},
        "deserved": {"milliCPUcores": "192000", "memoryGi": "8800", "acceleratorCardList": cards("8")},
        "guarantee": {},
        "runningJobs": 3, "pendingJobs": 2, "inqueueJobs": 1,
        "children": [
            {
                "queueId": "queue-team-a", "queueName": "team-a", "queueType": "Elastic", "parentQueue": "root",
                "capability": {"milliCPUcores": "96000", "memoryGi": "1024", "acceleratorCardList": cards("4")},
                "allocated": {"milliCPUcores": "64000", "memoryGi": "512", "acceleratorCardList": cards("3.5")},
                "deserved": {"milliCPUcores": "96000", "memoryGi": "1024", "acceleratorCardList": cards("4")},
                "guarantee": {"milliCPUcores": "48000", "memoryGi": "512", "acceleratorCardList": cards("2")},
                "runningJobs": 2, "pendingJobs": 0, "inqueueJobs": 1
            },
            {
                "queueId": "queue-team-b", "queueName": "team-b", "queueType": "Elastic",
                "capability": {"milliCPUcores": "96000", "memoryGi": "1024", "acceleratorCardList": cards("4")},
                "allocated": {"milliCPUcores": "32500", "memoryGi": "512", "acceleratorCardList": cards("2.5")},
                "runningJobs": 1, "pendingJobs": 2, "inqueueJobs": 0
            }
        ]
    })
}

/// Moves the drift queue's allocation as the seed's numbers say a queue fills:
/// `a` of its 16 cards in use, with CPU and memory following; `workloadAvailable`
/// (what the queue can hand out at all) stays the seed's, and `remaining` is
/// `workloadAvailable − allocated` for CPU and memory and, as in every seed
/// response, lists no cards.
fn drift_queue(q: &mut Value, step: u64) {
    let a = (step * 3) % 17;
    let card = |n: u64| {
        json!([{"acceleratorCount": n.to_string(), "acceleratorDescription": "baidu.com/rtx_4090_cgpu",
                "acceleratorType": "NVIDIA GeForce RTX 4090"}])
    };
    let available = |key: &str| -> u64 {
        q["workloadAvailable"][key]
            .as_str()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    // The seed's 415140 milli and 2041 Gi, 16 cards of them allocated at most
    // 16 × 24 cores and 16 × 100 Gi: remaining never goes below 0.
    let (wa_milli, wa_gi) = (available("milliCPUcores"), available("memoryGi"));
    let (milli, gi) = (a * 24_000, a * 100);
    q["allocated"] = json!({"milliCPUcores": milli.to_string(), "cpuCores": (milli / 1000).to_string(),
                            "memoryGi": gi.to_string(), "acceleratorCardList": card(a)});
    let (rem_milli, rem_gi) = (wa_milli.saturating_sub(milli), wa_gi.saturating_sub(gi));
    q["remaining"] = json!({"milliCPUcores": rem_milli.to_string(), "cpuCores": (rem_milli / 1000).to_string(),
                            "memoryGi": rem_gi.to_string()});
}

#[cfg(test)]
mod tests;
