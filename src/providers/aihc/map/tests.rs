//! Mapping tests on the seed responses (`tests/fixtures/seeds/000_…`, extracted into
//! `crates/aipool-sim/fixtures/`), mapped and then derived as a poll does
//! ([`crate::providers::aihc::finish_snapshot`]). Every number asserted is the
//! seed's own arithmetic (docs/providers.md §1, "What the quantity blocks mean").

use super::*;
use crate::model::{QuantityKind as K, Snapshot};
use crate::providers::aihc::dto::{ConsoleQueueList, ItemsPage, PoolPage};
use crate::providers::aihc::{finish_snapshot, remaining_from, Api};
use crate::providers::upstream::decode::{DecodeLog, DecodeReason};
use crate::quantity::{Rule, GIB};

const CONSOLE_POOLS: &str =
    include_str!("../../../../crates/aipool-sim/fixtures/aihc_console_resourcepools.json");
const CONSOLE_QUEUES: &str =
    include_str!("../../../../crates/aipool-sim/fixtures/aihc_console_queues.json");
const SERVERLESS_POOLS: &str =
    include_str!("../../../../crates/aipool-sim/fixtures/aihc_console_serverless_pools.json");
const SERVERLESS_QUEUES: &str =
    include_str!("../../../../crates/aipool-sim/fixtures/aihc_console_serverless_queues.json");

const RTX: &str = "baidu.com/rtx_4090_cgpu";
const H20_141: &str = "baidu.com/h20_141g_cgpu";
const H20_96: &str = "baidu.com/h20_96g_cgpu";

fn inner(fixture: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(fixture).unwrap();
    let r = &v["result"];
    if r.get("result").is_some() {
        r["result"].clone()
    } else {
        r.clone()
    }
}

/// The console seed's queue list, as JSON to edit.
fn console_queue_list() -> serde_json::Value {
    inner(CONSOLE_QUEUES)
}

/// Maps a console queue list (and the seed's pools) without deriving anything.
fn map_console(list: serde_json::Value) -> (Vec<Queue>, Fired, Models) {
    let (out, m) = map_console_logged(list);
    assert!(m.log.is_empty(), "{:?}", m.log);
    (out, m.fired, m.models)
}

/// [`map_console`], with what did not decode.
fn map_console_logged(list: serde_json::Value) -> (Vec<Queue>, Mapping) {
    // From text, as a poll decodes a body.
    let list: ConsoleQueueList = serde_json::from_str(&list.to_string()).unwrap();
    let (mut m, mut out) = (Mapping::default(), Vec::new());
    map_queues(
        list.queue_list,
        "cce-6b41lf00",
        "v3/queues",
        &mut m,
        &mut out,
    );
    (out, m)
}

/// The console seed as a poll publishes it: pools, queues, derivations.
fn console_snapshot(list: serde_json::Value) -> (Snapshot, Fired) {
    let (s, m) = console_snapshot_logged(list);
    assert!(m.log.is_empty(), "{:?}", m.log);
    (s, m.fired)
}

/// [`console_snapshot`], with what did not decode.
fn console_snapshot_logged(list: serde_json::Value) -> (Snapshot, Mapping) {
    let page: PoolPage = serde_json::from_str(&inner(CONSOLE_POOLS).to_string()).unwrap();
    let (queues, mut m) = map_console_logged(list);
    let mut s = Snapshot {
        pools: map_pools(
            page.resource_pools,
            "common",
            "v3/resourcepools",
            &mut m.log,
        ),
        queues,
        ..Snapshot::default()
    };
    finish_snapshot(
        &mut s,
        &PoolNames::new(),
        remaining_from(Api::Console),
        &mut m.fired,
        &m.unread,
    );
    (s, m)
}

fn queue<'a>(s: &'a Snapshot, id: &str) -> &'a Queue {
    s.queues.iter().find(|q| q.id == id).unwrap()
}

fn pool<'a>(s: &'a Snapshot, id: &str) -> &'a Pool {
    s.pools.iter().find(|p| p.id == id).unwrap()
}

#[test]
fn console_queue_quirks_are_normalised() {
    let (queues, fired, models) = map_console(console_queue_list());
    assert_eq!(queues.len(), 2);
    let q = &queues[0];
    assert_eq!(q.id, "queue-nllqttp17gv6");
    assert_eq!(q.pool_id, "cce-6b41lf00");
    // As the API said; the derivation turns it into an id.
    assert_eq!(q.parent, "63a9f0ea7bb98050796b649e85481845");
    assert_eq!(q.queue_type, "Elastic");
    let cap = &q.quantities[&K::Capability];
    // "444" milliCPUcores beside memory in bytes is cores.
    assert_eq!(cap.cpu_cores, Some(444.0));
    // "2220198166528" memoryGi is already bytes.
    assert_eq!(cap.memory_bytes, Some(2220198166528.0));
    assert_eq!(cap.accelerators[RTX], 16.0);
    let rem = &q.quantities[&K::Remaining];
    assert_eq!(rem.cpu_cores, Some(415.14));
    assert_eq!(rem.memory_bytes, Some(2041.0 * GIB));
    // The seed's remaining lists no cards.
    assert!(rem.accelerators.is_empty());
    let avail = &q.quantities[&K::WorkloadAvailable];
    assert_eq!(avail.cpu_cores, Some(415.14));
    assert_eq!(avail.accelerators[RTX], 16.0);
    let alloc = &q.quantities[&K::Allocated];
    assert_eq!(alloc.cpu_cores, Some(0.0));
    assert_eq!(alloc.memory_bytes, Some(0.0));
    assert!(alloc.accelerators.is_empty());
    // `{}` blocks produce nothing.
    assert!(!q.quantities.contains_key(&K::Deserved));
    assert!(!q.quantities.contains_key(&K::Guarantee));
    assert_eq!(fired.count(Rule::MilliCpuIsCoresBesideBytes), 1);
    assert_eq!(fired.count(Rule::MilliCpuIsCores), 0);
    assert_eq!(fired.count(Rule::MemoryGiIsBytes), 1);
    assert_eq!(models[RTX], "NVIDIA GeForce RTX 4090");
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
fn console_seed_free_tree_and_pool_totals() {
    let (s, fired) = console_snapshot(console_queue_list());
    let root = queue(&s, "queue-nllqttp17gv6");
    // Named after the pseudo-root and its own parent: top-level.
    assert_eq!(root.parent, "");
    // `default` names its parent "63a9f0ea…" by name: that is the root queue.
    let default = queue(&s, "queue-2gq4pm986duy");
    assert_eq!(default.parent, "queue-nllqttp17gv6");
    // Free: cpu and memory as reported; cards = workloadAvailable 16 − allocated
    // (no entry) 0.
    let rem = &root.quantities[&K::Remaining];
    assert_eq!(rem.cpu_cores, Some(415.14));
    assert_eq!(rem.memory_bytes, Some(2041.0 * GIB));
    assert_eq!(rem.accelerators[RTX], 16.0);
    assert_eq!(
        root.quantities[&K::WorkloadAvailable].accelerators[RTX],
        16.0
    );
    // Nothing reports what `default` has free: no series.
    assert!(!default.quantities.contains_key(&K::Remaining));
    // The pool is its one top-level queue, the root.
    let p = &pool(&s, "cce-6b41lf00").quantities;
    assert_eq!(p[&K::Capability].cpu_cores, Some(444.0));
    assert_eq!(p[&K::Capability].memory_bytes, Some(2220198166528.0));
    assert_eq!(p[&K::Capability].accelerators[RTX], 16.0);
    assert_eq!(p[&K::Allocated].cpu_cores, Some(0.0));
    assert_eq!(p[&K::Allocated].memory_bytes, Some(0.0));
    assert!(p[&K::Allocated].accelerators.is_empty());
    assert_eq!(p[&K::Remaining].cpu_cores, Some(415.14));
    assert_eq!(p[&K::Remaining].memory_bytes, Some(2041.0 * GIB));
    assert_eq!(p[&K::Remaining].accelerators[RTX], 16.0);
    assert!(!p.contains_key(&K::WorkloadAvailable));
    // The other pool has no queues: no totals.
    assert!(pool(&s, "cce-k8yq20rt").quantities.is_empty());
    for (rule, n) in [
        (Rule::RemainingFromWorkloadAvailable, 1),
        (Rule::RemainingFromCapability, 0),
        (Rule::RemainingClampedAtZero, 0),
        (Rule::ParentQueueIsSelf, 1),
        (Rule::ParentQueueByName, 1),
        (Rule::ParentQueueNotListed, 0),
        (Rule::PoolTotalsFromTopLevelQueues, 1),
        (Rule::PoolTotalIncomplete, 0),
    ] {
        assert_eq!(fired.count(rule), n, "{rule:?}");
    }
}

/// queue-nllqttp17gv6's blocks, edited.
fn edit_root(edit: impl FnOnce(&mut serde_json::Value)) -> serde_json::Value {
    let mut list = console_queue_list();
    edit(&mut list["queueList"][0]);
    list
}

fn used_up(q: &mut serde_json::Value) {
    // Every CPU and card handed out: allocated = workloadAvailable, remaining 0.
    q["allocated"] = serde_json::json!({"milliCPUcores": "415140", "cpuCores": "415", "memoryGi": "2041",
        "acceleratorCardList": [{"acceleratorCount": "16", "acceleratorDescription": RTX, "acceleratorType": "NVIDIA GeForce RTX 4090"}]});
    q["remaining"] = serde_json::json!({"milliCPUcores": "0", "cpuCores": "0", "memoryGi": "0"});
}

fn without_workload_available(q: &mut serde_json::Value) {
    q.as_object_mut().unwrap().remove("workloadAvailable");
}

#[test]
fn capability_cpu_does_not_depend_on_how_full_the_queue_is() {
    type Edit = fn(&mut serde_json::Value);
    let states: [(&str, Edit); 3] = [
        ("as seeded", |_| {}),
        ("used up", used_up),
        ("without workloadAvailable", without_workload_available),
    ];
    for (state, edit) in states {
        let (s, fired) = console_snapshot(edit_root(edit));
        let root = queue(&s, "queue-nllqttp17gv6");
        assert_eq!(
            root.quantities[&K::Capability].cpu_cores,
            Some(444.0),
            "{state}"
        );
        assert_eq!(
            pool(&s, "cce-6b41lf00").quantities[&K::Capability].cpu_cores,
            Some(444.0),
            "{state}"
        );
        assert_eq!(fired.count(Rule::MilliCpuIsCoresBesideBytes), 1, "{state}");
    }
    // Used up: nothing free, cards included (16 − 16).
    let (s, _) = console_snapshot(edit_root(used_up));
    let rem = &queue(&s, "queue-nllqttp17gv6").quantities[&K::Remaining];
    assert_eq!(
        (rem.cpu_cores, rem.memory_bytes, rem.accelerators[RTX]),
        (Some(0.0), Some(0.0), 0.0)
    );
    // Without workloadAvailable the console has no card figure to derive from.
    let (s, _) = console_snapshot(edit_root(without_workload_available));
    let rem = &queue(&s, "queue-nllqttp17gv6").quantities[&K::Remaining];
    assert_eq!(rem.cpu_cores, Some(415.14));
    assert!(rem.accelerators.is_empty());
}

#[test]
fn capability_cpu_with_memory_in_gi_uses_allocated_and_workload_available() {
    // The same queue, had its capability memory come in Gi: then only the
    // queue's allocated or workload-available CPU can show "444" is cores.
    let gi = |q: &mut serde_json::Value| q["capability"]["memoryGi"] = "2068".into();
    let (s, fired) = console_snapshot(edit_root(gi));
    let root = queue(&s, "queue-nllqttp17gv6");
    assert_eq!(root.quantities[&K::Capability].cpu_cores, Some(444.0));
    assert_eq!(fired.count(Rule::MilliCpuIsCores), 1);
    let (s, _) = console_snapshot(edit_root(|q| {
        gi(q);
        used_up(q);
    }));
    let root = queue(&s, "queue-nllqttp17gv6");
    assert_eq!(root.quantities[&K::Capability].cpu_cores, Some(444.0));
    // With neither (allocated 0 and no workloadAvailable) nothing in the data
    // says it is not milli: the field name is taken at its word.
    let (s, fired) = console_snapshot(edit_root(|q| {
        gi(q);
        without_workload_available(q);
    }));
    let root = queue(&s, "queue-nllqttp17gv6");
    assert_eq!(root.quantities[&K::Capability].cpu_cores, Some(0.444));
    assert_eq!(fired.count(Rule::MilliCpuIsCores), 0);
}

#[test]
fn console_pools() {
    let page: PoolPage = serde_json::from_value(inner(CONSOLE_POOLS)).unwrap();
    assert_eq!(page.total_count, Some(2));
    let mut log = DecodeLog::default();
    let pools = map_pools(page.resource_pools, "common", "v3/resourcepools", &mut log);
    assert!(log.is_empty());
    let p = &pools[0];
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

/// The serverless seed as the console path maps and derives it.
fn serverless_snapshot() -> (Snapshot, Fired, Models, PoolNames) {
    let pools: ItemsPage<crate::providers::aihc::dto::ServerlessPoolDto> =
        serde_json::from_value(inner(SERVERLESS_POOLS)).unwrap();
    let queues: ItemsPage<crate::providers::aihc::dto::ServerlessQueueDto> =
        serde_json::from_value(inner(SERVERLESS_QUEUES)).unwrap();
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
    assert!(m.log.is_empty(), "{:?}", m.log);
    let from = remaining_from(Api::Console);
    finish_snapshot(&mut s, &m.pool_names, from, &mut m.fired, &m.unread);
    (s, m.fired, m.models, m.pool_names)
}

#[test]
fn serverless_pools_and_queue_trees() {
    let (s, fired, models, names) = serverless_snapshot();
    let p = pool(&s, "aihc-18ocpls8ts6b");
    assert_eq!((p.pool_type.as_str(), p.nodes), ("serverless", Some(1.0)));
    // Two roots with one child each, all flattened; parents by id.
    let ids: Vec<_> = s
        .queues
        .iter()
        .map(|q| (q.id.as_str(), q.parent.as_str(), q.pool_id.as_str()))
        .collect();
    assert_eq!(
        ids,
        vec![
            // Its parent "63a9f0ea…" is the pseudo-root, no listed queue.
            ("aihcq-vn5bx255v2s3", "", "aihc-ahd9rm0ly9gn"),
            (
                "aihcq-yvqh14qdtdg0",
                "aihcq-vn5bx255v2s3",
                "aihc-ahd9rm0ly9gn"
            ),
            ("aihcq-1jpvdatpi23i", "", "aihc-mv940z1b57zu"),
            (
                "aihcq-2fbh72rxz1s0",
                "aihcq-1jpvdatpi23i",
                "aihc-mv940z1b57zu"
            ),
        ]
    );
    let child = queue(&s, "aihcq-2fbh72rxz1s0");
    assert_eq!(child.queue_type, "Elastic");
    let cap = &child.quantities[&K::Capability];
    assert_eq!(cap.cpu_cores, Some(176.0));
    assert_eq!(cap.memory_bytes, Some(1952.0 * GIB));
    assert_eq!(cap.accelerators[H20_141], 8.0);
    let alloc = &child.quantities[&K::Allocated];
    assert_eq!(alloc.accelerators[H20_141], 8.0);
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
    assert_eq!(models[H20_96], "H20");
    assert_eq!(models[H20_141], "nTeslaH20-141G");
    assert_eq!(
        names,
        [
            (
                "aihc-ahd9rm0ly9gn".to_string(),
                "aihc-a800-test".to_string()
            ),
            (
                "aihc-mv940z1b57zu".to_string(),
                "aihc-reg-pool-bhdyd".to_string()
            ),
        ]
        .into()
    );
    for (rule, n) in [
        (Rule::MemoryGiIsBytes, 0),
        // Each root and its child share a name ("wanlei-test", "aihc-test-pd-as").
        (Rule::DuplicateQueueName, 2),
        (Rule::ParentQueueNotListed, 2),
        (Rule::ParentQueueByName, 0),
        // One card figure per queue: workloadAvailable − allocated.
        (Rule::RemainingFromWorkloadAvailable, 4),
        (Rule::RemainingClampedAtZero, 0),
        (Rule::PoolNamedByQueue, 2),
        (Rule::PoolTotalsFromTopLevelQueues, 2),
        (Rule::PoolTotalIncomplete, 0),
    ] {
        assert_eq!(fired.count(rule), n, "{rule:?}");
    }
}

#[test]
fn serverless_seed_free_is_workload_available_minus_allocated() {
    let (s, _, _, _) = serverless_snapshot();
    // aihc-test-pd-as, root and child: 8 of 8 H20-141G cards allocated, 0 free;
    // cpu 72 and memory 849 Gi as reported (172 − 100, 1874 − 1025).
    for id in ["aihcq-1jpvdatpi23i", "aihcq-2fbh72rxz1s0"] {
        let q = &queue(&s, id).quantities;
        let (wa, alloc) = (&q[&K::WorkloadAvailable], &q[&K::Allocated]);
        let rem = &q[&K::Remaining];
        assert_eq!(rem.accelerators[H20_141], 0.0, "{id}");
        assert_eq!(
            rem.accelerators[H20_141],
            wa.accelerators[H20_141] - alloc.accelerators[H20_141]
        );
        assert_eq!(rem.cpu_cores, Some(72.0), "{id}");
        assert_eq!(rem.cpu_cores, Some(172.0 - 100.0));
        assert_eq!(rem.memory_bytes, Some(849.0 * GIB), "{id}");
        assert_eq!(rem.memory_bytes, Some((1874.0 - 1025.0) * GIB));
        // workload_available stays what the API said.
        assert_eq!(wa.accelerators[H20_141], 8.0);
    }
    // wanlei-test: 8 H20-96G cards, none allocated (no entry): 8 free.
    for id in ["aihcq-vn5bx255v2s3", "aihcq-yvqh14qdtdg0"] {
        let q = &queue(&s, id).quantities;
        assert!(!q[&K::Allocated].accelerators.contains_key(H20_96));
        let rem = &q[&K::Remaining];
        assert_eq!(rem.accelerators[H20_96], 8.0, "{id}");
        assert_eq!(rem.cpu_cores, Some(204.0), "{id}");
        assert_eq!(rem.memory_bytes, Some(1926.0 * GIB), "{id}");
    }
}

#[test]
fn serverless_pools_are_created_from_queues_and_total_their_top_level_queues() {
    let (s, _, _, _) = serverless_snapshot();
    // Neither pool the queues name is in the serverless pool list.
    assert_eq!(s.pools.len(), 4);
    let p = pool(&s, "aihc-mv940z1b57zu");
    assert_eq!(
        (p.name.as_str(), p.pool_type.as_str(), p.nodes),
        ("aihc-reg-pool-bhdyd", "serverless", None)
    );
    // aihc-test-pd-as (the root only; its child is inside it).
    let t = &p.quantities;
    assert_eq!(t[&K::Capability].accelerators[H20_141], 8.0);
    assert_eq!(t[&K::Allocated].accelerators[H20_141], 8.0);
    assert_eq!(t[&K::Remaining].accelerators[H20_141], 0.0);
    assert_eq!(t[&K::Capability].cpu_cores, Some(176.0));
    assert_eq!(t[&K::Allocated].cpu_cores, Some(100.0));
    assert_eq!(t[&K::Remaining].cpu_cores, Some(72.0));
    assert_eq!(t[&K::Capability].memory_bytes, Some(1952.0 * GIB));
    assert_eq!(t[&K::Remaining].memory_bytes, Some(849.0 * GIB));
    let t = &pool(&s, "aihc-ahd9rm0ly9gn").quantities;
    assert_eq!(pool(&s, "aihc-ahd9rm0ly9gn").name, "aihc-a800-test");
    assert_eq!(t[&K::Capability].accelerators[H20_96], 8.0);
    assert_eq!(t[&K::Remaining].accelerators[H20_96], 8.0);
    assert_eq!(t[&K::Remaining].cpu_cores, Some(204.0));
    // No queue reports allocated H20-96G cards: neither does the pool.
    assert!(t[&K::Allocated].accelerators.is_empty());
    assert_eq!(t[&K::Allocated].cpu_cores, Some(0.0));
    // Listed pools without queues get no totals.
    assert!(pool(&s, "aihc-18ocpls8ts6b").quantities.is_empty());
}

fn queue_json(v: serde_json::Value) -> QueueDto {
    serde_json::from_value(v).unwrap()
}

/// A `DescribeQueues` answer in the shape of the OpenAPI documentation's example
/// (docs/providers.md §1b: the L1 physical queue `feold-backnew-gpu-phy-l1`, its
/// child `old-gpu-l2q-3` naming it by queueName, capability memory in bytes
/// `"9449599258624"`, no `remaining` or `workloadAvailable`). The document
/// itself is not in the seeds; the ids and the other numbers are ours.
fn openapi_example() -> serde_json::Value {
    let cards = |n: &str| serde_json::json!([{"acceleratorCount": n, "acceleratorDescription": "nvidia.com/gpu", "acceleratorType": "A800"}]);
    serde_json::json!({
        "queues": [{
            "queueId": "aihcq-l1phy00001", "queueName": "feold-backnew-gpu-phy-l1", "queueType": "Physical",
            "parentQueue": "root",
            "capability": {"milliCPUcores": "96", "memoryGi": "9449599258624", "acceleratorCardList": cards("8")},
            "allocated": {"milliCPUcores": "12500", "memoryGi": "64", "acceleratorCardList": cards("2.5")},
            "deserved": {},
            "runningJobs": 3, "pendingJobs": "1", "inqueueJobs": 0,
            "children": [{
                "queueId": "aihcq-l2q00003", "queueName": "old-gpu-l2q-3", "queueType": "Elastic",
                "parentQueue": "feold-backnew-gpu-phy-l1",
                "capability": {"milliCPUcores": "48000", "memoryGi": "512", "acceleratorCardList": cards("4")},
                "allocated": {"milliCPUcores": "12500", "memoryGi": "64", "acceleratorCardList": cards("2.5")},
                "children": [{"queueId": "aihcq-l3q00009", "queueName": "leaf", "capability": {"cpuCores": "8"}}]
            }]
        }],
        "totalCount": 1
    })
}

fn openapi_snapshot(page: serde_json::Value) -> (Snapshot, Fired) {
    let (s, m) = openapi_snapshot_logged(page);
    assert!(m.log.is_empty(), "{:?}", m.log);
    (s, m.fired)
}

/// [`openapi_snapshot`], with what did not decode.
fn openapi_snapshot_logged(page: serde_json::Value) -> (Snapshot, Mapping) {
    let page: crate::providers::aihc::dto::QueuePage =
        serde_json::from_str(&page.to_string()).unwrap();
    let (mut m, mut out) = (Mapping::default(), Vec::new());
    map_queues(page.queues, "cce-open", "DescribeQueues", &mut m, &mut out);
    let mut s = Snapshot {
        pools: vec![Pool {
            id: "cce-open".into(),
            ..Pool::default()
        }],
        queues: out,
        ..Snapshot::default()
    };
    finish_snapshot(
        &mut s,
        &PoolNames::new(),
        remaining_from(Api::OpenApi),
        &mut m.fired,
        &m.unread,
    );
    (s, m)
}

#[test]
fn openapi_remaining_is_capability_minus_allocated() {
    let (s, fired) = openapi_snapshot(openapi_example());
    let l1 = queue(&s, "aihcq-l1phy00001");
    let rem = &l1.quantities[&K::Remaining];
    assert_eq!(rem.cpu_cores, Some(96.0 - 12.5));
    assert_eq!(rem.memory_bytes, Some(9449599258624.0 - 64.0 * GIB));
    assert_eq!(rem.accelerators["nvidia.com/gpu"], 8.0 - 2.5);
    assert_eq!(
        l1.workloads,
        Some(Workloads {
            running: 3.0,
            pending: 1.0,
            inqueue: 0.0
        })
    );
    assert_eq!(fired.count(Rule::MemoryGiIsBytes), 1);
    // The block's memory was bytes: its CPU is cores too.
    assert_eq!(l1.quantities[&K::Capability].cpu_cores, Some(96.0));
    assert_eq!(fired.count(Rule::MilliCpuIsCoresBesideBytes), 1);
    let l2 = queue(&s, "aihcq-l2q00003");
    let rem = &l2.quantities[&K::Remaining];
    assert_eq!(rem.cpu_cores, Some(48.0 - 12.5));
    assert_eq!(rem.memory_bytes, Some((512.0 - 64.0) * GIB));
    assert_eq!(rem.accelerators["nvidia.com/gpu"], 4.0 - 2.5);
    // The leaf has no allocated block: it counts 0, so free is its capability.
    let leaf = queue(&s, "aihcq-l3q00009");
    assert_eq!(leaf.quantities[&K::Remaining].cpu_cores, Some(8.0));
    // 3 resources of L1, 3 of L2, 1 of the leaf.
    assert_eq!(fired.count(Rule::RemainingFromCapability), 7);
    assert_eq!(fired.count(Rule::RemainingFromWorkloadAvailable), 0);
}

#[test]
fn openapi_parents_by_name_and_tree_and_pool_totals() {
    let (s, fired) = openapi_snapshot(openapi_example());
    let parent = |id| queue(&s, id).parent.as_str();
    // "root" is no listed queue: L1 is top-level.
    assert_eq!(parent("aihcq-l1phy00001"), "");
    // old-gpu-l2q-3 names feold-backnew-gpu-phy-l1 by name: its id.
    assert_eq!(parent("aihcq-l2q00003"), "aihcq-l1phy00001");
    // The leaf names no parent: the tree's.
    assert_eq!(parent("aihcq-l3q00009"), "aihcq-l2q00003");
    assert_eq!(fired.count(Rule::ParentQueueByName), 1);
    assert_eq!(fired.count(Rule::ParentQueueNotListed), 1);
    // Pool totals: L1 alone; L2 and the leaf are inside it.
    let t = &pool(&s, "cce-open").quantities;
    assert_eq!(t[&K::Capability].cpu_cores, Some(96.0));
    assert_eq!(t[&K::Allocated].accelerators["nvidia.com/gpu"], 2.5);
    assert_eq!(t[&K::Remaining].accelerators["nvidia.com/gpu"], 5.5);
    assert_eq!(fired.count(Rule::PoolTotalsFromTopLevelQueues), 1);
}

#[test]
fn openapi_uses_remaining_and_workload_available_when_a_response_has_them() {
    let mut page = openapi_example();
    let l1 = &mut page["queues"][0];
    l1["workloadAvailable"] = serde_json::json!({"milliCPUcores": "90000",
        "acceleratorCardList": [{"acceleratorCount": "7", "acceleratorDescription": "nvidia.com/gpu"}]});
    l1["remaining"] = serde_json::json!({"milliCPUcores": "77500"});
    let (s, fired) = openapi_snapshot(page);
    let rem = &queue(&s, "aihcq-l1phy00001").quantities[&K::Remaining];
    // cpu reported; cards 7 − 2.5; memory from capability (no other figure).
    assert_eq!(rem.cpu_cores, Some(77.5));
    assert_eq!(rem.accelerators["nvidia.com/gpu"], 4.5);
    assert_eq!(rem.memory_bytes, Some(9449599258624.0 - 64.0 * GIB));
    assert_eq!(fired.count(Rule::RemainingFromWorkloadAvailable), 1);
}

mod bad_input;
