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
mod tests {
    use super::*;
    use crate::credentials;

    fn req(path: &str, query: &[(&str, &str)], headers: &[(&str, &str)]) -> SimRequest {
        SimRequest::new("GET", path, query, headers, b"").unwrap()
    }

    fn sim(cap: u64) -> Aihc {
        Aihc::new(Options::fixed(cap))
    }

    /// A tree pool's queues count with their nested queues (what the
    /// simulator reports as `totalCount` on every page of the whole tree).
    #[test]
    fn tree_pools_count_nested_queues() {
        let s = sim(1);
        let tree = s.openapi_queues("cce-k8yq20rt");
        assert!(tree.iter().any(has_children));
        assert_eq!(tree.iter().map(tree_size).sum::<usize>(), 3);
        assert!(!s.openapi_queues("cce-6b41lf00").iter().any(has_children));
    }

    #[test]
    fn scale_mode_pages_pools_and_queues_from_indices() {
        let s = Aihc::new(Options {
            page_cap: 2,
            drift: false,
            scale: Some(Scale {
                pools: 5,
                queues_per_pool: 3,
            }),
            ..Options::default()
        });
        let call = |action: &str, extra: &[(&str, &str)], page: u64| -> Value {
            let mut q = vec![("action", action), ("pageSize", "100")];
            q.extend_from_slice(extra);
            let r = s.scaled(
                &Scale {
                    pools: 5,
                    queues_per_pool: 3,
                },
                &req("/", &q, &[]),
                page,
                100,
            );
            assert_eq!(r.status, 200);
            serde_json::from_slice(&r.body).unwrap()
        };
        // Pools: pages of the capped size 2, echoed; every pool once, in order.
        let mut ids = Vec::new();
        for page in 1..=4 {
            let v = call(
                "DescribeResourcePools",
                &[("resourcePoolType", "common")],
                page,
            );
            assert_eq!(v["pageSize"], 2);
            assert_eq!(v["totalCount"], 5);
            for p in v["resourcePools"].as_array().unwrap() {
                ids.push(p["resourcePoolId"].as_str().unwrap().to_string());
            }
        }
        assert_eq!(
            ids,
            [
                "cce-s000000",
                "cce-s000001",
                "cce-s000002",
                "cce-s000003",
                "cce-s000004"
            ]
        );
        let v = call(
            "DescribeResourcePools",
            &[("resourcePoolType", "dedicatedV2")],
            1,
        );
        assert_eq!(v["totalCount"], 0);
        // Queues of pool 4: 3 over two pages, three accelerator kinds each.
        let p1 = call("DescribeQueues", &[("resourcePoolId", "cce-s000004")], 1);
        let p2 = call("DescribeQueues", &[("resourcePoolId", "cce-s000004")], 2);
        assert_eq!(p1["totalCount"], 3);
        assert_eq!(p1["queues"].as_array().unwrap().len(), 2);
        assert_eq!(p2["queues"][0]["queueId"], "q-000004-002");
        assert_eq!(
            p2["queues"][0]["capability"]["acceleratorCardList"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
        // A pool outside the fleet has no queues.
        let none = call("DescribeQueues", &[("resourcePoolId", "cce-s000005")], 1);
        assert_eq!(none["totalCount"], 0);
    }

    #[test]
    fn console_pages_are_capped_and_echoed() {
        let s = sim(1);
        let r = s
            .handle(&req(
                "/api/aihc/aihc-service/v3/resourcepools",
                &[("pageNumber", "2"), ("pageSize", "100")],
                &[("cookie", credentials::AIHC_CONSOLE_COOKIE)],
            ))
            .unwrap();
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["result"]["pageSize"], 1);
        assert_eq!(v["result"]["totalCount"], 2);
        assert_eq!(
            v["result"]["resourcePools"][0]["resourcePoolId"],
            "cce-k8yq20rt"
        );
    }

    #[test]
    fn console_without_session_redirects_to_login() {
        let r = sim(10)
            .handle(&req(
                "/api/aihc/aihc-service/v3/queues",
                &[("resourcePoolId", "x")],
                &[],
            ))
            .unwrap();
        assert_eq!(r.status, 302);
    }

    #[test]
    fn openapi_rejects_a_bad_signature() {
        let r = sim(10)
            .handle(&req(
                "/",
                &[("action", "DescribeQueues")],
                &[
                    ("host", "h"),
                    (
                        "authorization",
                        "bce-auth-v1/AKDEMO00000000000001/2020-01-01T00:00:00Z/1800/host/00",
                    ),
                ],
            ))
            .unwrap();
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert!(r.status >= 400);
        assert_eq!(v["code"], "RequestExpired");
    }

    #[test]
    fn drift_keeps_quantities_consistent() {
        let mut q: Value = serde_json::from_str::<Value>(QUEUES).unwrap()["result"]["result"]
            ["queueList"][0]
            .clone();
        let seed_available = q["workloadAvailable"].clone();
        drift_queue(&mut q, 4);
        assert_eq!(
            q["allocated"]["acceleratorCardList"][0]["acceleratorCount"],
            "12"
        );
        // workloadAvailable does not shrink as workloads allocate.
        assert_eq!(q["workloadAvailable"], seed_available);
        // remaining = workloadAvailable − allocated: 415140 − 12 × 24000.
        assert_eq!(q["remaining"]["milliCPUcores"], "127140");
        assert_eq!(q["remaining"]["memoryGi"], "841");
        assert!(q["remaining"].get("acceleratorCardList").is_none());
    }

    fn num(v: &Value) -> Option<f64> {
        v.as_str()
            .and_then(|s| s.parse().ok())
            .or_else(|| v.as_f64())
    }

    /// A block's cards by name.
    fn block_cards(b: &Value) -> Vec<(String, f64)> {
        b["acceleratorCardList"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                (
                    c["acceleratorDescription"]
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                    num(&c["acceleratorCount"]).unwrap_or(f64::NAN),
                )
            })
            .collect()
    }

    /// The seed's meaning on one queue (and its children) in block shape.
    fn check_block_queue(q: &Value, seed: &BTreeMapOfAvailable) {
        let (rem, wa, alloc) = (&q["remaining"], &q["workloadAvailable"], &q["allocated"]);
        let id = q["queueId"].as_str().unwrap_or("");
        if let Some(r) = rem.as_object().filter(|r| !r.is_empty()) {
            assert!(!r.contains_key("acceleratorCardList"), "{id}: {rem}");
            for key in ["milliCPUcores", "memoryGi"] {
                let used = num(&alloc[key]).unwrap_or(0.0);
                assert_eq!(
                    num(&rem[key]),
                    Some(num(&wa[key]).unwrap() - used),
                    "{id} {key}"
                );
            }
        }
        for (name, used) in block_cards(alloc) {
            let available = block_cards(wa).into_iter().find(|(n, _)| *n == name);
            if let Some((_, a)) = available {
                assert!(used <= a, "{id}: {used} of {a} {name}");
            }
        }
        // (The OpenAPI's common pools send no workloadAvailable at all.)
        if let (Some(w), false) = (seed.get(id), wa.is_null()) {
            assert_eq!(wa, w, "{id}: workloadAvailable changed");
        }
        for c in q["children"].as_array().into_iter().flatten() {
            check_block_queue(c, seed);
        }
    }

    type BTreeMapOfAvailable = std::collections::BTreeMap<String, Value>;

    #[test]
    fn drift_keeps_the_seeds_meaning_on_every_path() {
        let s = Aihc::new(Options {
            page_cap: 10,
            drift: true,
            ..Options::default()
        });
        let seed: BTreeMapOfAvailable = s
            .queues
            .iter()
            .map(|q| {
                (
                    q["queueId"].as_str().unwrap().to_string(),
                    q["workloadAvailable"].clone(),
                )
            })
            .collect();
        let pools = [
            "cce-6b41lf00",
            "cce-k8yq20rt",
            "aihc-18ocpls8ts6b",
            "aihc-ktb0jfkvfkwv",
        ];
        let mut allocated_cards = std::collections::BTreeSet::new();
        for step in 0..20 {
            s.tick.store(step, Ordering::Relaxed);
            // Console common pools.
            for q in s.console_queues("cce-6b41lf00") {
                check_block_queue(&q, &seed);
                if q["queueId"] == DRIFT_QUEUE {
                    allocated_cards
                        .insert(block_cards(&q["allocated"]).first().map(|c| c.1 as u64));
                }
            }
            // The OpenAPI: common pools without remaining, dedicated ones with.
            for pool in pools {
                for q in s.openapi_queues(pool) {
                    check_block_queue(&q, &seed);
                }
            }
            // Console serverless (flat blocks).
            for q in &s.serverless_queues {
                let mut all = vec![q.clone()];
                all.extend(q["children"].as_array().cloned().unwrap_or_default());
                for q in all {
                    let (rem, wa, alloc) =
                        (&q["remaining"], &q["workloadAvailable"], &q["allocated"]);
                    let keys: Vec<&String> = rem.as_object().unwrap().keys().collect();
                    assert_eq!(keys, ["cpu", "memory"], "remaining lists no cards");
                    for key in ["cpu", "memory"] {
                        assert_eq!(
                            num(&rem[key]),
                            Some(num(&wa[key]).unwrap() - num(&alloc[key]).unwrap_or(0.0))
                        );
                    }
                }
            }
        }
        // The allocation did move, between none and every card.
        assert!(allocated_cards.contains(&Some(0)) || allocated_cards.contains(&None));
        assert!(allocated_cards.contains(&Some(16)), "{allocated_cards:?}");
        assert!(allocated_cards.len() > 5);
    }

    #[test]
    fn serverless_trees_convert_to_openapi_blocks() {
        let s = sim(10);
        let qs = s.openapi_queues("aihc-18ocpls8ts6b");
        assert_eq!(qs.len(), 1);
        let q = &qs[0];
        assert_eq!(q["queueId"], "aihcq-vn5bx255v2s3");
        assert_eq!(q["capability"]["milliCPUcores"], "208000");
        assert_eq!(
            q["capability"]["acceleratorCardList"][0]["acceleratorType"],
            "H20"
        );
        assert_eq!(q["children"][0]["queueId"], "aihcq-yvqh14qdtdg0");
        // Where a response has remaining and workloadAvailable, they are the
        // seed's (cpu 204 cores, memory 1926 Gi; 8 cards available).
        assert_eq!(q["remaining"]["milliCPUcores"], "204000");
        assert_eq!(q["remaining"]["memoryGi"], "1926");
        assert!(q["remaining"].get("acceleratorCardList").is_none());
        assert_eq!(
            q["workloadAvailable"]["acceleratorCardList"][0]["acceleratorCount"],
            "8"
        );
        // The common pools' queues come without them, as documented.
        for q in s.openapi_queues("cce-6b41lf00") {
            assert!(q.get("remaining").is_none() && q.get("workloadAvailable").is_none());
        }
    }
}
