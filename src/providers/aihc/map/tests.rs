//! Mapping tests on the seed responses (`tests/fixtures/seeds/000_…`, extracted into
//! `src/simulator/fixtures/`).

use super::*;
use crate::model::QuantityKind as K;
use crate::providers::aihc::dto::{ConsoleQueueList, ItemsPage, PoolPage};
use crate::quantity::GIB;

fn inner(fixture: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(fixture).unwrap();
    let r = &v["result"];
    if r.get("result").is_some() {
        r["result"].clone()
    } else {
        r.clone()
    }
}

fn seed_queues() -> (Vec<Queue>, Fired, Models) {
    let list: ConsoleQueueList = serde_json::from_value(inner(include_str!(
        "../../../simulator/fixtures/aihc_console_queues.json"
    )))
    .unwrap();
    let (mut fired, mut models, mut out) = (Fired::default(), Models::new(), Vec::new());
    for q in &list.queue_list {
        map_queue_tree(
            q,
            "cce-6b41lf00",
            Remaining::Reported,
            &mut fired,
            &mut models,
            &mut out,
        )
        .unwrap();
    }
    (out, fired, models)
}

#[test]
fn console_queue_quirks_are_normalised() {
    let (queues, fired, models) = seed_queues();
    assert_eq!(queues.len(), 2);
    let q = &queues[0];
    assert_eq!(q.id, "queue-nllqttp17gv6");
    assert_eq!(q.pool_id, "cce-6b41lf00");
    assert_eq!(q.parent, "63a9f0ea7bb98050796b649e85481845");
    assert_eq!(q.queue_type, "Elastic");
    let cap = &q.quantities[&K::Capability];
    // "444" milliCPUcores next to 415.14 remaining cores is cores.
    assert_eq!(cap.cpu_cores, Some(444.0));
    // "2220198166528" memoryGi is already bytes.
    assert_eq!(cap.memory_bytes, Some(2220198166528.0));
    assert_eq!(cap.accelerators["baidu.com/rtx_4090_cgpu"], 16.0);
    let rem = &q.quantities[&K::Remaining];
    assert_eq!(rem.cpu_cores, Some(415.14));
    assert_eq!(rem.memory_bytes, Some(2041.0 * GIB));
    assert!(rem.accelerators.is_empty());
    let avail = &q.quantities[&K::WorkloadAvailable];
    assert_eq!(avail.cpu_cores, Some(415.14));
    assert_eq!(avail.accelerators["baidu.com/rtx_4090_cgpu"], 16.0);
    let alloc = &q.quantities[&K::Allocated];
    assert_eq!(alloc.cpu_cores, Some(0.0));
    assert_eq!(alloc.memory_bytes, Some(0.0));
    // `{}` blocks produce nothing.
    assert!(!q.quantities.contains_key(&K::Deserved));
    assert!(!q.quantities.contains_key(&K::Guarantee));
    assert_eq!(fired.count(Rule::MilliCpuIsCores), 1);
    assert_eq!(fired.count(Rule::MemoryGiIsBytes), 1);
    assert_eq!(models["baidu.com/rtx_4090_cgpu"], "NVIDIA GeForce RTX 4090");
    // The default queue: capability {}, no remaining block at all.
    let d = &queues[1];
    assert_eq!(d.name, "default");
    assert_eq!(
        d.quantities.keys().copied().collect::<Vec<_>>(),
        vec![K::Allocated]
    );
    assert!(d.workloads.is_none());
}

#[test]
fn console_pools() {
    let page: PoolPage = serde_json::from_value(inner(include_str!(
        "../../../simulator/fixtures/aihc_console_resourcepools.json"
    )))
    .unwrap();
    assert_eq!(page.total_count, Some(2));
    let p = map_pool(&page.resource_pools[0], "common").unwrap();
    assert_eq!(
        (
            p.id.as_str(),
            p.name.as_str(),
            p.pool_type.as_str(),
            p.phase.as_str(),
            p.nodes
        ),
        (
            "cce-6b41lf00",
            "aihc-new-spec-test",
            "common",
            "running",
            Some(6.0)
        )
    );
}

#[test]
fn serverless_pools_and_queue_trees() {
    let pools: ItemsPage<crate::providers::aihc::dto::ServerlessPoolDto> =
        serde_json::from_value(inner(include_str!(
            "../../../simulator/fixtures/aihc_console_serverless_pools.json"
        )))
        .unwrap();
    let p = map_serverless_pool(&pools.items[0]).unwrap();
    assert_eq!(
        (p.id.as_str(), p.pool_type.as_str(), p.nodes),
        ("aihc-18ocpls8ts6b", "serverless", Some(1.0))
    );

    let queues: ItemsPage<crate::providers::aihc::dto::ServerlessQueueDto> =
        serde_json::from_value(inner(include_str!(
            "../../../simulator/fixtures/aihc_console_serverless_queues.json"
        )))
        .unwrap();
    let (mut fired, mut models, mut out) = (Fired::default(), Models::new(), Vec::new());
    for q in &queues.items {
        map_serverless_queue_tree(q, &mut fired, &mut models, &mut out).unwrap();
    }
    // Two roots with one child each, all flattened.
    let ids: Vec<_> = out
        .iter()
        .map(|q| (q.id.as_str(), q.parent.as_str(), q.pool_id.as_str()))
        .collect();
    assert_eq!(
        ids,
        vec![
            (
                "aihcq-vn5bx255v2s3",
                "63a9f0ea7bb98050796b649e85481845",
                "aihc-ahd9rm0ly9gn"
            ),
            (
                "aihcq-yvqh14qdtdg0",
                "aihcq-vn5bx255v2s3",
                "aihc-ahd9rm0ly9gn"
            ),
            (
                "aihcq-1jpvdatpi23i",
                "63a9f0ea7bb98050796b649e85481845",
                "aihc-mv940z1b57zu"
            ),
            (
                "aihcq-2fbh72rxz1s0",
                "aihcq-1jpvdatpi23i",
                "aihc-mv940z1b57zu"
            ),
        ]
    );
    let child = &out[3];
    assert_eq!(child.queue_type, "Elastic");
    let cap = &child.quantities[&K::Capability];
    assert_eq!(cap.cpu_cores, Some(176.0));
    assert_eq!(cap.memory_bytes, Some(1952.0 * GIB));
    assert_eq!(cap.accelerators["baidu.com/h20_141g_cgpu"], 8.0);
    let alloc = &child.quantities[&K::Allocated];
    assert_eq!(alloc.accelerators["baidu.com/h20_141g_cgpu"], 8.0);
    assert_eq!(
        child.quantities[&K::WorkloadAvailable].cpu_cores,
        Some(172.0)
    );
    assert_eq!(
        child.workloads,
        Some(Workloads {
            running: 1.0,
            pending: 1.0,
            inqueue: 0.0
        })
    );
    assert_eq!(models["baidu.com/h20_96g_cgpu"], "H20");
    assert_eq!(models["baidu.com/h20_141g_cgpu"], "nTeslaH20-141G");
    assert_eq!(fired, Fired::default());
}

fn queue_json(v: serde_json::Value) -> QueueDto {
    serde_json::from_value(v).unwrap()
}

#[test]
fn openapi_remaining_is_capability_minus_allocated() {
    let dto = queue_json(serde_json::json!({
        "queueId": "q1", "queueName": "root", "queueType": "Physical",
        "capability": {"milliCPUcores": "96", "memoryGi": "9449599258624",
            "acceleratorCardList": [{"acceleratorCount": "8", "acceleratorDescription": "nvidia.com/gpu", "acceleratorType": "A800"}]},
        "allocated": {"milliCPUcores": "12500", "memoryGi": "64",
            "acceleratorCardList": [{"acceleratorCount": "2.5", "acceleratorDescription": "nvidia.com/gpu", "acceleratorType": "A800"}]},
        "deserved": {},
        "runningJobs": 3, "pendingJobs": "1", "inqueueJobs": 0,
        "children": [{"queueId": "q2", "queueName": "child", "capability": {"cpuCores": "8"}}]
    }));
    let (mut fired, mut models, mut out) = (Fired::default(), Models::new(), Vec::new());
    map_queue_tree(
        &dto,
        "p",
        Remaining::Derived,
        &mut fired,
        &mut models,
        &mut out,
    )
    .unwrap();
    let q = &out[0];
    let rem = &q.quantities[&K::Remaining];
    assert_eq!(rem.cpu_cores, Some(83.5));
    assert_eq!(rem.memory_bytes, Some(9449599258624.0 - 64.0 * GIB));
    assert_eq!(rem.accelerators["nvidia.com/gpu"], 5.5);
    assert_eq!(
        q.workloads,
        Some(Workloads {
            running: 3.0,
            pending: 1.0,
            inqueue: 0.0
        })
    );
    assert_eq!(fired.count(Rule::MemoryGiIsBytes), 1);
    // No remaining to compare with, but the block's memory was bytes: its CPU is
    // cores too.
    assert_eq!(q.quantities[&K::Capability].cpu_cores, Some(96.0));
    assert_eq!(fired.count(Rule::MilliCpuIsCoresBesideBytes), 1);
    // The child: parent from the tree, no allocated block → no remaining.
    let c = &out[1];
    assert_eq!((c.id.as_str(), c.parent.as_str()), ("q2", "q1"));
    assert_eq!(c.quantities[&K::Capability].cpu_cores, Some(8.0));
    assert!(!c.quantities.contains_key(&K::Remaining));
}

#[test]
fn card_without_description_uses_type_and_counts_the_rule() {
    let dto = queue_json(serde_json::json!({
        "queueId": "q", "capability": {"acceleratorCardList": [
            {"acceleratorCount": "0.5", "acceleratorDescription": "", "acceleratorType": "nvidia.com/gpu"}]}
    }));
    let (mut fired, mut models, mut out) = (Fired::default(), Models::new(), Vec::new());
    map_queue_tree(
        &dto,
        "p",
        Remaining::Reported,
        &mut fired,
        &mut models,
        &mut out,
    )
    .unwrap();
    assert_eq!(
        out[0].quantities[&K::Capability].accelerators["nvidia.com/gpu"],
        0.5
    );
    assert_eq!(fired.count(Rule::AcceleratorNameFromType), 1);
}

#[test]
fn bad_numbers_fail_with_the_field_path() {
    let dto = queue_json(serde_json::json!({"queueId": "q9", "allocated": {"memoryGi": "lots"}}));
    let (mut fired, mut models, mut out) = (Fired::default(), Models::new(), Vec::new());
    let err = map_queue_tree(
        &dto,
        "p",
        Remaining::Reported,
        &mut fired,
        &mut models,
        &mut out,
    )
    .unwrap_err();
    assert_eq!(err.context, "queue q9 allocated.memoryGi");
}

#[test]
fn deep_trees_are_refused_not_overflowed() {
    let mut v = serde_json::json!({"queueId": "leaf"});
    for i in 0..100 {
        v = serde_json::json!({"queueId": format!("q{i}"), "children": [v]});
    }
    let dto = queue_json(v);
    let (mut fired, mut models, mut out) = (Fired::default(), Models::new(), Vec::new());
    let err = map_queue_tree(
        &dto,
        "p",
        Remaining::Reported,
        &mut fired,
        &mut models,
        &mut out,
    )
    .unwrap_err();
    assert!(err.reason.contains("deeper"), "{err}");
}
