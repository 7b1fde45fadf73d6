//! Bad input: malformed fields, objects and trees cost only themselves, and
//! what they would have fed is left out rather than read wrong.

use super::*;

#[test]
fn bad_input_is_counted_or_left_out_never_wrong() {
    // Allocated above capability; a parent in another pool; two queues with
    // one name; missing card entries; `{}` and absent blocks.
    let page = serde_json::json!({"queues": [
        {"queueId": "a", "queueName": "dup", "parentQueue": "other-pool-queue",
         "capability": {"milliCPUcores": "8000", "acceleratorCardList": [{"acceleratorCount": "4", "acceleratorDescription": "g"}]},
         "allocated": {"milliCPUcores": "9000", "acceleratorCardList": [{"acceleratorCount": "6", "acceleratorDescription": "g"}]}},
        {"queueId": "b", "queueName": "dup", "capability": {}, "allocated": {}},
        {"queueId": "c", "queueName": "kid", "parentQueue": "dup",
         "capability": {"acceleratorCardList": [{"acceleratorCount": "2", "acceleratorDescription": "h"}]}}
    ]});
    let (s, fired) = openapi_snapshot(page);
    let a = &queue(&s, "a").quantities;
    assert_eq!(a[&K::Allocated].accelerators["g"], 6.0, "as the API said");
    assert_eq!(a[&K::Remaining].accelerators["g"], 0.0);
    assert_eq!(a[&K::Remaining].cpu_cores, Some(0.0));
    assert_eq!(fired.count(Rule::RemainingClampedAtZero), 2);
    assert_eq!(queue(&s, "a").parent, "");
    // `{}` blocks: nothing at all, so no free either.
    assert!(queue(&s, "b").quantities.is_empty());
    // "dup" is the smaller id.
    assert_eq!(queue(&s, "c").parent, "a");
    assert_eq!(fired.count(Rule::DuplicateQueueName), 1);
    // b is top-level and reports nothing; the pool sums a (b adds nothing).
    let t = &pool(&s, "cce-open").quantities;
    assert_eq!(t[&K::Capability].accelerators["g"], 4.0);
    assert_eq!(t[&K::Remaining].accelerators["g"], 0.0);
}

#[test]
fn card_without_description_uses_type_and_counts_the_rule() {
    let dto = queue_json(serde_json::json!({
        "queueId": "q", "capability": {"acceleratorCardList": [
            {"acceleratorCount": "0.5", "acceleratorDescription": "", "acceleratorType": "nvidia.com/gpu"}]}
    }));
    let (mut m, mut out) = (Mapping::default(), Vec::new());
    map_queue_tree(&dto, 0, "p", "DescribeQueues", &mut m, &mut out);
    assert_eq!(
        out[0].quantities[&K::Capability].accelerators["nvidia.com/gpu"],
        0.5
    );
    assert_eq!(m.fired.count(Rule::AcceleratorNameFromType), 1);
    assert!(m.log.is_empty());
}

#[test]
fn a_bad_number_loses_only_its_field_and_names_it() {
    // Was: the whole mapping failed with the field path. Now the field is left
    // out and recorded under that path; the rest of the queue maps.
    let dto = queue_json(serde_json::json!({"queueId": "q9",
        "allocated": {"memoryGi": "lots", "milliCPUcores": "2000"}}));
    let (mut m, mut out) = (Mapping::default(), Vec::new());
    map_queue_tree(&dto, 0, "p", "DescribeQueues", &mut m, &mut out);
    let alloc = &out[0].quantities[&K::Allocated];
    assert_eq!((alloc.cpu_cores, alloc.memory_bytes), (Some(2.0), None));
    let e = m.log.errors();
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        (e[0].object.as_str(), e[0].field.as_str(), e[0].reason),
        ("queue q9", "allocated.memoryGi", DecodeReason::NotANumber)
    );
}

#[test]
fn deep_trees_are_cut_not_overflowed() {
    let mut v = serde_json::json!({"queueId": "leaf"});
    for i in 0..100 {
        v = serde_json::json!({"queueId": format!("q{i}"), "children": [v]});
    }
    let dto = queue_json(v);
    let (mut m, mut out) = (Mapping::default(), Vec::new());
    map_queue_tree(&dto, 0, "p", "DescribeQueues", &mut m, &mut out);
    // Depths 0..=32 are kept; the rest of the tree is one dropped object.
    assert_eq!(out.len(), MAX_TREE_DEPTH + 1);
    assert_eq!(out[0].id, "q99");
    let e = m.log.errors();
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].detail.contains("deeper"), "{e:?}");
    assert_eq!(e[0].reason, DecodeReason::MalformedObject);
}

/// Each malformed value in the root queue's `remaining.memoryGi`, beside the
/// seed's other queue and fields: that figure absent (not derived from
/// workloadAvailable either), the reason recorded, everything else the seed's.
#[test]
fn a_malformed_field_loses_only_that_figure() {
    use serde_json::json;
    let cases: [(serde_json::Value, Option<DecodeReason>); 7] = [
        (json!("abc"), Some(DecodeReason::NotANumber)),
        // "" and null are "not reported" upstream: absent, and no error.
        (json!(""), None),
        (serde_json::Value::Null, None),
        (json!("NaN"), Some(DecodeReason::NotANumber)),
        (json!("-1"), Some(DecodeReason::Negative)),
        (json!("1e400"), Some(DecodeReason::NotFinite)),
        (json!({"x": 1}), Some(DecodeReason::NotANumber)),
    ];
    for (bad, reason) in cases {
        let (s, m) =
            console_snapshot_logged(edit_root(|q| q["remaining"]["memoryGi"] = bad.clone()));
        let reasons: Vec<_> = m.log.errors().iter().map(|e| e.reason).collect();
        assert_eq!(reasons, reason.into_iter().collect::<Vec<_>>(), "{bad}");
        if let Some(e) = m.log.errors().first() {
            assert_eq!(
                (e.api.as_str(), e.object.as_str(), e.field.as_str()),
                (
                    "v3/queues",
                    "queue queue-nllqttp17gv6",
                    "remaining.memoryGi"
                ),
                "{bad}"
            );
        }
        let root = queue(&s, "queue-nllqttp17gv6");
        let rem = &root.quantities[&K::Remaining];
        if reason.is_some() {
            // Not 2041 Gi from workloadAvailable − allocated: the API's own
            // figure is unknown, and so is the pool's total.
            assert_eq!(rem.memory_bytes, None, "{bad}");
            let p = &pool(&s, "cce-6b41lf00").quantities;
            assert_eq!(p[&K::Remaining].memory_bytes, None, "{bad}");
            assert_eq!(p[&K::Remaining].cpu_cores, Some(415.14), "{bad}");
        } else {
            // Not reported: derived as for any console queue, 2041 − 0.
            assert_eq!(rem.memory_bytes, Some(2041.0 * GIB), "{bad}");
        }
        // Everything else as seeded.
        assert_eq!(rem.cpu_cores, Some(415.14), "{bad}");
        assert_eq!(rem.accelerators[RTX], 16.0, "{bad}");
        let cap = &root.quantities[&K::Capability];
        assert_eq!(cap.cpu_cores, Some(444.0), "{bad}");
        assert_eq!(cap.memory_bytes, Some(2220198166528.0), "{bad}");
        assert_eq!(cap.accelerators[RTX], 16.0, "{bad}");
        let wa = &root.quantities[&K::WorkloadAvailable];
        assert_eq!(wa.memory_bytes, Some(2041.0 * GIB), "{bad}");
        assert_eq!(root.quantities[&K::Allocated].memory_bytes, Some(0.0));
        let default = queue(&s, "queue-2gq4pm986duy");
        assert_eq!(default.parent, "queue-nllqttp17gv6", "{bad}");
        assert_eq!(
            default.quantities[&K::Allocated].cpu_cores,
            Some(0.0),
            "{bad}"
        );
        assert_eq!(pool(&s, "cce-6b41lf00").nodes, Some(6.0), "{bad}");
        assert_eq!(s.queues.len(), 2, "{bad}");
    }
}

/// An unreadable allocated figure never reads as 0 in use: free of that
/// resource is not derived, nor the pool's allocated total.
#[test]
fn an_unreadable_allocated_figure_is_not_zero() {
    let (s, m) = console_snapshot_logged(edit_root(|q| {
        q["allocated"]["milliCPUcores"] = "lots".into();
        q.as_object_mut().unwrap().remove("remaining");
    }));
    assert_eq!(m.log.errors().len(), 1);
    let root = queue(&s, "queue-nllqttp17gv6");
    let rem = &root.quantities[&K::Remaining];
    // workloadAvailable − allocated: memory 2041 − 0 and cards 16 − 0 stand,
    // CPU has no allocated figure to subtract.
    assert_eq!(rem.cpu_cores, None);
    assert_eq!(rem.memory_bytes, Some(2041.0 * GIB));
    assert_eq!(rem.accelerators[RTX], 16.0);
    let p = &pool(&s, "cce-6b41lf00").quantities;
    assert_eq!(p[&K::Allocated].cpu_cores, None);
    assert_eq!(p[&K::Allocated].memory_bytes, Some(0.0));
    assert_eq!(p[&K::Remaining].cpu_cores, None);
    assert_eq!(p[&K::Capability].cpu_cores, Some(444.0));
}

/// Objects that do not decode, or have no id, are dropped alone and named.
#[test]
fn bad_objects_are_dropped_alone() {
    let mut list = console_queue_list();
    let good = list["queueList"].as_array().unwrap().clone();
    list["queueList"] = serde_json::json!([
        "not a queue",
        good[0],
        {"queueId": "", "queueName": "no id"},
        {"queueId": 7},
        good[1],
    ]);
    let (s, m) = console_snapshot_logged(list);
    let ids: Vec<&str> = s.queues.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(ids, ["queue-nllqttp17gv6", "queue-2gq4pm986duy"]);
    let objects: Vec<&str> = m.log.errors().iter().map(|e| e.object.as_str()).collect();
    assert_eq!(objects, ["queue #0", "queue 7 (#3)", "queue #1"]);
    // The survivors are exactly the seed's.
    let (seed, _) = console_snapshot(console_queue_list());
    assert_eq!(s.queues, seed.queues);
    assert_eq!(s.pools, seed.pools);
}

#[test]
fn bad_pools_and_card_entries_are_dropped_alone() {
    let mut page = inner(CONSOLE_POOLS);
    page["resourcePools"][1]["nodeNum"] = "-1".into();
    page["resourcePools"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"resourcePoolId": " "}));
    let page: PoolPage = serde_json::from_str(&page.to_string()).unwrap();
    let mut log = DecodeLog::default();
    let pools = map_pools(page.resource_pools, "common", "v3/resourcepools", &mut log);
    assert_eq!(pools.len(), 2);
    assert_eq!(pools[0].nodes, Some(6.0));
    assert_eq!(pools[1].nodes, None);
    let e: Vec<_> = log
        .errors()
        .iter()
        .map(|e| (e.object.as_str(), e.field.as_str(), e.reason))
        .collect();
    assert_eq!(
        e,
        [
            ("pool cce-k8yq20rt", "nodeNum", DecodeReason::Negative),
            ("pool #2", "", DecodeReason::MalformedObject)
        ]
    );
    // A card entry that is no object: the queue's other figures stay, free
    // cards are not derived from a card list that may be short.
    let (s, m) = console_snapshot_logged(edit_root(|q| {
        q["workloadAvailable"]["acceleratorCardList"]
            .as_array_mut()
            .unwrap()
            .push("junk".into());
    }));
    assert_eq!(m.log.errors().len(), 1);
    let root = queue(&s, "queue-nllqttp17gv6");
    assert_eq!(
        root.quantities[&K::WorkloadAvailable].accelerators[RTX],
        16.0
    );
    assert!(!root.quantities[&K::Remaining]
        .accelerators
        .contains_key(RTX));
    assert_eq!(root.quantities[&K::Remaining].cpu_cores, Some(415.14));
}

#[test]
fn serverless_malformed_field_loses_only_itself() {
    let pools: ItemsPage<crate::providers::aihc::dto::ServerlessPoolDto> =
        serde_json::from_value(inner(SERVERLESS_POOLS)).unwrap();
    let mut queues = inner(SERVERLESS_QUEUES);
    // The aihc-test-pd-as root's allocated CPU.
    let root = queues["items"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|q| q["id"] == "aihcq-1jpvdatpi23i")
        .unwrap();
    root["allocated"]["cpu"] = "NaN".into();
    let queues: ItemsPage<crate::providers::aihc::dto::ServerlessQueueDto> =
        serde_json::from_str(&queues.to_string()).unwrap();
    let (mut m, mut out) = (Mapping::default(), Vec::new());
    map_serverless_queues(
        queues.items,
        "v2/serverless/resourceQueue",
        &mut m,
        &mut out,
    );
    let mut s = Snapshot {
        pools: map_serverless_pools(pools.items, "v2/serverless/resourcePool", &mut m.log),
        queues: out,
        ..Snapshot::default()
    };
    let from = remaining_from(Api::Console);
    finish_snapshot(&mut s, &m.pool_names, from, &mut m.fired, &m.unread);
    assert_eq!(m.log.errors().len(), 1);
    assert_eq!(m.log.errors()[0].field, "allocated.cpu");
    let q = &queue(&s, "aihcq-1jpvdatpi23i").quantities;
    assert_eq!(q[&K::Allocated].cpu_cores, None);
    // The queue reports its free CPU itself (72): that stands; free memory
    // and cards are the seed's.
    assert_eq!(q[&K::Remaining].cpu_cores, Some(72.0));
    assert_eq!(q[&K::Remaining].memory_bytes, Some(849.0 * GIB));
    assert_eq!(q[&K::Remaining].accelerators[H20_141], 0.0);
    // Its child and the other tree are as seeded.
    let child = &queue(&s, "aihcq-2fbh72rxz1s0").quantities;
    assert_eq!(child[&K::Remaining].cpu_cores, Some(72.0));
    let other = &queue(&s, "aihcq-vn5bx255v2s3").quantities;
    assert_eq!(other[&K::Remaining].cpu_cores, Some(204.0));
    let t = &pool(&s, "aihc-mv940z1b57zu").quantities;
    // The pool's allocated sum would be short; its free is the root's own.
    assert_eq!(t[&K::Allocated].cpu_cores, None);
    assert_eq!(t[&K::Remaining].cpu_cores, Some(72.0));
    assert_eq!(t[&K::Capability].cpu_cores, Some(176.0));
    assert_eq!(t[&K::Remaining].memory_bytes, Some(849.0 * GIB));
}
