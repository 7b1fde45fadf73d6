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
    let mut q: Value =
        serde_json::from_str::<Value>(QUEUES).unwrap()["result"]["result"]["queueList"][0].clone();
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
                allocated_cards.insert(block_cards(&q["allocated"]).first().map(|c| c.1 as u64));
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
                let (rem, wa, alloc) = (&q["remaining"], &q["workloadAvailable"], &q["allocated"]);
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
