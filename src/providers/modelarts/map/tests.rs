//! Mapping tests: the seed's ListPools example (`tests/fixtures/seeds/001_…`, extracted
//! into `crates/aipool-sim/fixtures/modelarts_pools.json`) and synthetic node lists in
//! the documented NodeList shape.

use std::collections::BTreeMap;

use super::*;
use crate::model::QuantityKind as K;
use crate::providers::modelarts::dto::{NodeList, PoolList, WorkspaceList};
use crate::providers::upstream::decode::DecodeReason;
use crate::quantity::{GIB, MIB};

const SEED: &str = include_str!("../../../../crates/aipool-sim/fixtures/modelarts_pools.json");

fn seed_pools() -> PoolList {
    serde_json::from_str(SEED).unwrap()
}

fn pool(json: serde_json::Value) -> PoolDto {
    serde_json::from_value(json).unwrap()
}

/// The seed's one pool, decoded.
fn seed_pool_dto() -> PoolDto {
    match seed_pools().items.remove(0) {
        Lenient::Ok(p) => p,
        Lenient::Bad { error, .. } => panic!("{error}"),
    }
}

/// Maps a pool that must map without any decode error.
fn clean_pool(dto: &PoolDto) -> Pool {
    let mut log = DecodeLog::default();
    let p = map_pool(dto, 0, &mut log).expect("the pool has an id");
    assert!(log.is_empty(), "{:?}", log.errors());
    p
}

/// Maps a pool, returning the log as `(object, field, reason)`.
fn logged_pool(dto: &PoolDto) -> (Option<Pool>, Vec<(String, String, DecodeReason)>) {
    let mut log = DecodeLog::default();
    let p = map_pool(dto, 0, &mut log);
    (p, entries(&log))
}

fn entries(log: &DecodeLog) -> Vec<(String, String, DecodeReason)> {
    log.errors()
        .iter()
        .map(|e| (e.object.clone(), e.field.clone(), e.reason))
        .collect()
}

/// A node list as the client collects it: JSON via text, so that
/// `Lenient`'s raw values work (they need serde_json's own deserializer).
fn nodes(json: serde_json::Value) -> Vec<Lenient<NodeDto>> {
    let list: NodeList = serde_json::from_str(&json.to_string()).unwrap();
    list.items
}

#[test]
fn the_seed_list_pools_example() {
    let list = seed_pools();
    assert_eq!(list.items.len(), 1);
    assert!(list.metadata.is_none());
    let p = clean_pool(&seed_pool_dto());
    assert_eq!(p.id, "auto-pool-os-86c13962597848eeb29c5861153a391f");
    assert_eq!(p.name, "auto-pool-os");
    assert_eq!(p.pool_type, "Dedicate");
    assert_eq!(p.phase, "Running");
    assert_eq!(
        p.flavor_nodes,
        BTreeMap::from([(
            ("modelarts.vm.cpu.4ud".to_string(), "available".to_string()),
            2.0
        )])
    );
    // The example reports no driver, and nodes were not listed: no node count,
    // no phases, no sums — never a fake 0.
    assert!(p.drivers.is_empty());
    assert_eq!(p.nodes, None);
    assert!(p.node_phases.is_empty());
    assert!(p.quantities.is_empty());
    assert_eq!(p.cloud_region, None);
    // Seed 001: label os.modelarts/workspace.id "0" (the default workspace);
    // status.root names the pool itself and there is no status.parent: a
    // physical pool, the root of its tree.
    assert_eq!(p.workspace_id.as_deref(), Some("0"));
    assert_eq!(p.parent_pool.as_deref(), Some(""));
    // No maxCount and no spec.controlMode in the example: no series for them.
    assert!(p.flavor_max_nodes.is_empty());
    assert_eq!(p.frozen, None);
}

#[test]
fn status_resources_as_single_objects_and_arrays() {
    let p = clean_pool(&pool(serde_json::json!({
        "metadata": {"name": "pool-x", "labels": {"os.modelarts/name": "x"}},
        "spec": {"type": "Logical"},
        "status": {
            "phase": "Creating",
            "resources": {
                "available": {"flavor": "f.gpu", "count": 3, "maxCount": 5},
                "creating": [{"flavor": "f.npu", "count": 1}, {"flavor": "f.npu", "count": 2}],
                "abnormal": [],
                "deleting": null
            },
            "driver": {"gpu": {"version": "535.54.03", "state": "Running"}, "npu": {}}
        }
    })));
    assert_eq!(p.pool_type, "Logical");
    assert_eq!(p.phase, "Creating");
    assert_eq!(
        p.flavor_nodes,
        BTreeMap::from([
            (("f.gpu".to_string(), "available".to_string()), 3.0),
            // Two entries of one flavor in one state (two node pools) add up.
            (("f.npu".to_string(), "creating".to_string()), 3.0),
        ])
    );
    // An empty driver block is "not reported".
    assert_eq!(
        p.drivers,
        vec![Driver {
            kind: "gpu".into(),
            version: "535.54.03".into(),
            state: "Running".into()
        }]
    );
}

#[test]
fn a_pool_with_only_its_id() {
    let p = clean_pool(&pool(serde_json::json!({"metadata": {"name": "p"}})));
    assert_eq!(
        (
            p.id.as_str(),
            p.name.as_str(),
            p.pool_type.as_str(),
            p.phase.as_str()
        ),
        ("p", "", "", "")
    );
    assert!(p.flavor_nodes.is_empty() && p.drivers.is_empty());
}

/// A pool `p` with `nodes` mapped onto it, and what the mapping recorded.
fn with_nodes_logged(nodes: &[Lenient<NodeDto>]) -> (Pool, DecodeLog) {
    let mut p = clean_pool(&pool(serde_json::json!({"metadata": {"name": "p"}})));
    let mut log = DecodeLog::default();
    map_nodes(&mut p, nodes, &mut log, &mut Fired::default());
    (p, log)
}

/// A pool `p` with `nodes` mapped onto it, none of which may be malformed.
fn with_nodes(nodes: &[Lenient<NodeDto>]) -> Result<Pool, String> {
    let (p, log) = with_nodes_logged(nodes);
    if log.is_empty() {
        Ok(p)
    } else {
        Err(format!("{:?}", log.errors()))
    }
}

fn mixed_nodes() -> Vec<Lenient<NodeDto>> {
    nodes(serde_json::json!({
        "kind": "NodeList",
        "metadata": {"continue": ""},
        "items": [
            {"metadata": {"name": "gpu-1"}, "status": {"phase": "Available",
                "resources": {"cpu": "3920m", "memory": "6270Mi", "nvidia.com/gpu": "1",
                              "pods": "110", "ephemeral-storage": "100Gi", "hugepages-2Mi": "0"},
                "availableResources": {"cpu": "1920m", "memory": "2174Mi", "nvidia.com/gpu": "0"}}},
            {"metadata": {"name": "npu-1"}, "status": {"phase": "Available",
                "resources": {"cpu": "192", "memory": "768Gi", "huawei.com/ascend-snt9": "8"},
                // No accelerator key among the free resources: none free.
                "availableResources": {"cpu": 100.5, "memory": "512Gi"}}},
            {"metadata": {"name": "npu-2"}, "status": {"phase": "Creating",
                "resources": {"cpu": "192", "memory": "768Gi", "huawei.com/ascend-snt9": "8"}}},
            {"status": {"resources": {"cpu": "8"}}}
        ]
    }))
}

#[test]
fn node_sums_for_a_pool_mixing_gpu_and_npu_nodes() {
    let mut p = clean_pool(&seed_pool_dto());
    let mut log = DecodeLog::default();
    map_nodes(&mut p, &mixed_nodes(), &mut log, &mut Fired::default());
    assert!(log.is_empty(), "{:?}", log.errors());
    assert_eq!(p.nodes, Some(4.0));
    assert_eq!(
        p.node_phases,
        BTreeMap::from([
            ("Available".to_string(), 2.0),
            ("Creating".to_string(), 1.0),
            (UNKNOWN_PHASE.to_string(), 1.0),
        ])
    );

    let cap = &p.quantities[&K::Capability];
    assert_eq!(cap.cpu_cores, Some(3.92 + 192.0 + 192.0 + 8.0));
    assert_eq!(cap.memory_bytes, Some(6270.0 * MIB + 2.0 * 768.0 * GIB));
    // pods, ephemeral-storage and hugepages are not accelerators.
    assert_eq!(
        cap.accelerators,
        BTreeMap::from([
            ("huawei.com/ascend-snt9".to_string(), 16.0),
            ("nvidia.com/gpu".to_string(), 1.0),
        ])
    );

    let rem = &p.quantities[&K::Remaining];
    assert_eq!(rem.cpu_cores, Some(1.92 + 100.5));
    assert_eq!(rem.memory_bytes, Some(2174.0 * MIB + 512.0 * GIB));
    assert_eq!(
        rem.accelerators,
        BTreeMap::from([
            ("huawei.com/ascend-snt9".to_string(), 0.0),
            ("nvidia.com/gpu".to_string(), 0.0),
        ])
    );

    // Allocated = capability − remaining: the creating node and the node without
    // free resources count as not free.
    let alloc = &p.quantities[&K::Allocated];
    assert_eq!(
        alloc.cpu_cores,
        Some(cap.cpu_cores.unwrap() - (1.92 + 100.5))
    );
    assert_eq!(
        alloc.memory_bytes,
        Some(cap.memory_bytes.unwrap() - rem.memory_bytes.unwrap())
    );
    assert_eq!(alloc.accelerators["huawei.com/ascend-snt9"], 16.0);
    assert_eq!(alloc.accelerators["nvidia.com/gpu"], 1.0);
    // Node sums are the hardware: the same three blocks as hardware figures.
    assert_eq!(p.physical.len(), 3);
    assert_eq!(p.physical, p.quantities);
}

#[test]
fn kubernetes_quantities_on_nodes() {
    let list = nodes(serde_json::json!({"items": [
        {"status": {"phase": "Available",
            "resources": {"cpu": "3920m", "memory": "6270Mi", "nvidia.com/gpu": 2},
            "availableResources": {"cpu": "8", "memory": "768Gi", "nvidia.com/gpu": "1"}}}
    ]}));
    let p = with_nodes(&list).unwrap();
    let cap = &p.quantities[&K::Capability];
    assert_eq!(cap.cpu_cores, Some(3.92));
    assert_eq!(cap.memory_bytes, Some(6_574_571_520.0));
    assert_eq!(cap.accelerators["nvidia.com/gpu"], 2.0);
    let rem = &p.quantities[&K::Remaining];
    assert_eq!(rem.cpu_cores, Some(8.0));
    assert_eq!(rem.memory_bytes, Some(824_633_720_832.0));
    assert_eq!(rem.accelerators["nvidia.com/gpu"], 1.0);
}

#[test]
fn no_nodes_is_a_count_of_zero_and_no_sums() {
    let p = with_nodes(&[]).unwrap();
    assert_eq!(p.nodes, Some(0.0));
    assert!(p.node_phases.is_empty());
    assert!(p.quantities.is_empty());
}

#[test]
fn nodes_that_take_no_workloads_have_nothing_free() {
    // Only creating nodes: the pool has capacity but nothing a new workload can
    // get — 0 free, not "unknown".
    let list = nodes(serde_json::json!({"items": [
        {"status": {"phase": "Creating", "resources": {"cpu": "4", "nvidia.com/gpu": "1"}}}
    ]}));
    let p = with_nodes(&list).unwrap();
    assert_eq!(p.quantities[&K::Capability].cpu_cores, Some(4.0));
    assert_eq!(p.quantities[&K::Capability].memory_bytes, None);
    let rem = &p.quantities[&K::Remaining];
    assert_eq!(rem.cpu_cores, Some(0.0));
    assert_eq!(rem.accelerators["nvidia.com/gpu"], 0.0);
    assert_eq!(p.quantities[&K::Allocated].cpu_cores, Some(4.0));
}

#[test]
fn free_resources_of_nodes_not_available_are_not_free() {
    // An abnormal node reports all of itself free (nothing runs on a broken
    // node), a checking one half: neither takes a new workload.
    let gpu = serde_json::json!({"cpu": "92", "memory": "768Gi", "nvidia.com/gpu": "8"});
    let list = nodes(serde_json::json!({"items": [
        {"status": {"phase": "Available", "resources": gpu,
                    "availableResources": {"cpu": "60", "memory": "512Gi", "nvidia.com/gpu": "4"}}},
        {"status": {"phase": "Abnormal", "resources": gpu, "availableResources": gpu}},
        {"status": {"phase": "Checking", "resources": gpu,
                    "availableResources": {"cpu": "46", "memory": "384Gi", "nvidia.com/gpu": "4"}}},
        {"status": {"phase": " Available ", "resources": gpu,
                    "availableResources": {"cpu": "2", "memory": "1Gi", "nvidia.com/gpu": "1"}}},
    ]}));
    let p = with_nodes(&list).unwrap();
    assert_eq!(
        p.quantities[&K::Capability].accelerators["nvidia.com/gpu"],
        32.0
    );
    let rem = &p.quantities[&K::Remaining];
    assert_eq!(rem.accelerators["nvidia.com/gpu"], 4.0 + 1.0);
    assert_eq!(rem.cpu_cores, Some(62.0));
    assert_eq!(rem.memory_bytes, Some(513.0 * GIB));
    assert_eq!(
        p.quantities[&K::Allocated].accelerators["nvidia.com/gpu"],
        27.0
    );
    assert_eq!(
        p.node_phases,
        BTreeMap::from([
            ("Abnormal".to_string(), 1.0),
            ("Available".to_string(), 2.0),
            ("Checking".to_string(), 1.0),
        ])
    );
}

#[test]
fn an_available_node_without_free_resources_leaves_free_unknown() {
    let list = nodes(serde_json::json!({"items": [
        {"status": {"phase": "Available", "resources": {"cpu": "8"},
                    "availableResources": {"cpu": "8"}}},
        {"status": {"phase": "Available", "resources": {"cpu": "8"}}}
    ]}));
    let p = with_nodes(&list).unwrap();
    assert_eq!(p.quantities[&K::Capability].cpu_cores, Some(16.0));
    assert!(!p.quantities.contains_key(&K::Remaining));
    assert!(!p.quantities.contains_key(&K::Allocated));
}

#[test]
fn a_garbage_quantity_loses_that_resource_of_the_pool_only() {
    // One bad quantity used to fail the whole poll. Now the one resource whose
    // sum would be short is left out, named by pool, node and key.
    let list = nodes(serde_json::json!({"items": [
        {"metadata": {"name": "n1"}, "status": {"phase": "Available",
            "resources": {"cpu": "8", "memory": "lots"},
            "availableResources": {"cpu": "2", "memory": "1Gi"}}},
        {"metadata": {"name": "n2"}, "status": {"phase": "Available",
            "resources": {"cpu": "8", "memory": "2Gi"},
            "availableResources": {"cpu": "4", "memory": "1Gi"}}}
    ]}));
    let (p, log) = with_nodes_logged(&list);
    assert_eq!(
        entries(&log),
        vec![(
            "pool p node n1".to_string(),
            "resources.memory".to_string(),
            DecodeReason::NotANumber
        )]
    );
    assert!(
        log.errors()[0].detail.contains("\"lots\""),
        "{:?}",
        log.errors()
    );
    // Capability memory would be short of n1's: absent, and so is allocated
    // memory. Remaining memory (both nodes report theirs) and all CPU stay.
    assert_eq!(p.quantities[&K::Capability].cpu_cores, Some(16.0));
    assert_eq!(p.quantities[&K::Capability].memory_bytes, None);
    assert_eq!(p.quantities[&K::Remaining].memory_bytes, Some(2.0 * GIB));
    assert_eq!(p.quantities[&K::Remaining].cpu_cores, Some(6.0));
    assert_eq!(p.quantities[&K::Allocated].cpu_cores, Some(10.0));
    assert_eq!(p.quantities[&K::Allocated].memory_bytes, None);
    assert_eq!(p.nodes, Some(2.0));
}

/// The seed-shaped mixed node list with `value` put in `field` (`resources`
/// or `availableResources`) of one key of node `gpu-1` (available).
fn mixed_with(field: &str, key: &str, value: serde_json::Value) -> Vec<Lenient<NodeDto>> {
    let mut v = serde_json::json!({"items": [
        {"metadata": {"name": "gpu-1"}, "status": {"phase": "Available",
            "resources": {"cpu": "3920m", "memory": "6270Mi", "nvidia.com/gpu": "1"},
            "availableResources": {"cpu": "1920m", "memory": "2174Mi", "nvidia.com/gpu": "1"}}},
        {"metadata": {"name": "npu-1"}, "status": {"phase": "Available",
            "resources": {"cpu": "192", "memory": "768Gi", "huawei.com/ascend-snt9": "8"},
            "availableResources": {"cpu": 100.5, "memory": "512Gi", "huawei.com/ascend-snt9": "2"}}},
        {"metadata": {"name": "gpu-2"}, "status": {"phase": "Available",
            "resources": {"cpu": "8", "memory": "32Gi", "nvidia.com/gpu": "2"},
            "availableResources": {"cpu": "4", "memory": "16Gi", "nvidia.com/gpu": "2"}}}
    ]});
    v["items"][0]["status"][field][key] = value;
    nodes(v)
}

const BAD_VALUES: [(&str, Option<DecodeReason>); 7] = [
    ("\"abc\"", Some(DecodeReason::NotANumber)),
    // Empty is "not reported": no error. A null where a map holds quantities
    // is no quantity at all: recorded.
    ("\"\"", None),
    ("null", Some(DecodeReason::NotANumber)),
    ("\"NaN\"", Some(DecodeReason::NotANumber)),
    ("\"-1\"", Some(DecodeReason::Negative)),
    ("\"1e400\"", Some(DecodeReason::NotFinite)),
    ("{\"x\": 1}", Some(DecodeReason::NotANumber)),
];

#[test]
fn each_bad_free_value_loses_that_pool_remaining_only() {
    for (raw, reason) in BAD_VALUES {
        let value: serde_json::Value = serde_json::from_str(raw).unwrap();
        let (p, log) =
            with_nodes_logged(&mixed_with("availableResources", "nvidia.com/gpu", value));
        let want: Vec<(String, String, DecodeReason)> = reason
            .map(|r| {
                vec![(
                    "pool p node gpu-1".to_string(),
                    "availableResources.nvidia.com/gpu".to_string(),
                    r,
                )]
            })
            .unwrap_or_default();
        assert_eq!(entries(&log), want, "{raw}");
        let cap = &p.quantities[&K::Capability];
        let rem = &p.quantities[&K::Remaining];
        let alloc = &p.quantities[&K::Allocated];
        // Capability is untouched: 1 + 2 GPUs, 8 NPUs.
        assert_eq!(cap.accelerators["nvidia.com/gpu"], 3.0, "{raw}");
        assert_eq!(cap.accelerators["huawei.com/ascend-snt9"], 8.0, "{raw}");
        assert_eq!(cap.cpu_cores, Some(3.92 + 192.0 + 8.0), "{raw}");
        if reason.is_some() {
            // A malformed free GPU value: the pool's free GPUs would be short
            // of gpu-1's, so no free or allocated GPU series.
            assert!(!rem.accelerators.contains_key("nvidia.com/gpu"), "{raw}");
            assert!(!alloc.accelerators.contains_key("nvidia.com/gpu"), "{raw}");
        } else {
            // Not reported as free on an available node: 0 free there, as the
            // mapping always said; gpu-2's 2 remain.
            assert_eq!(rem.accelerators["nvidia.com/gpu"], 2.0, "{raw}");
        }
        // Everything else exact.
        assert_eq!(rem.accelerators["huawei.com/ascend-snt9"], 2.0, "{raw}");
        assert_eq!(alloc.accelerators["huawei.com/ascend-snt9"], 6.0, "{raw}");
        assert_eq!(rem.cpu_cores, Some(1.92 + 100.5 + 4.0), "{raw}");
        assert_eq!(
            rem.memory_bytes,
            Some(2174.0 * MIB + 512.0 * GIB + 16.0 * GIB),
            "{raw}"
        );
        assert_eq!(p.nodes, Some(3.0), "{raw}");
        assert_eq!(p.node_phases["Available"], 3.0, "{raw}");
    }
}

#[test]
fn each_bad_capacity_value_loses_that_pool_capability_only() {
    for (raw, reason) in BAD_VALUES {
        let value: serde_json::Value = serde_json::from_str(raw).unwrap();
        let (p, log) = with_nodes_logged(&mixed_with("resources", "cpu", value));
        let want: Vec<(String, String, DecodeReason)> = reason
            .map(|r| {
                vec![(
                    "pool p node gpu-1".to_string(),
                    "resources.cpu".to_string(),
                    r,
                )]
            })
            .unwrap_or_default();
        assert_eq!(entries(&log), want, "{raw}");
        let cap = &p.quantities[&K::Capability];
        let rem = &p.quantities[&K::Remaining];
        let alloc = &p.quantities[&K::Allocated];
        if reason.is_some() {
            assert_eq!(cap.cpu_cores, None, "{raw}");
        } else {
            // Not reported: the node adds no CPU capability (as always).
            assert_eq!(cap.cpu_cores, Some(192.0 + 8.0), "{raw}");
        }
        if reason.is_some() {
            assert_eq!(alloc.cpu_cores, None, "{raw}");
        }
        // Free CPU is what the available nodes report.
        assert_eq!(rem.cpu_cores, Some(1.92 + 100.5 + 4.0), "{raw}");
        assert_eq!(
            cap.memory_bytes,
            Some(6270.0 * MIB + 768.0 * GIB + 32.0 * GIB),
            "{raw}"
        );
        assert_eq!(cap.accelerators["nvidia.com/gpu"], 3.0, "{raw}");
        assert_eq!(rem.accelerators["nvidia.com/gpu"], 3.0, "{raw}");
        assert_eq!(alloc.accelerators["nvidia.com/gpu"], 0.0, "{raw}");
        assert_eq!(alloc.accelerators["huawei.com/ascend-snt9"], 6.0, "{raw}");
    }
}

#[test]
fn a_node_that_does_not_decode_leaves_the_pool_sums_out() {
    // Its phase and resources are unknown: the node count, the phases and
    // every sum would be short of it, so none of them is exported. The pool
    // itself (info, flavors) stays.
    let mut v = serde_json::json!({"items": [
        {"metadata": {"name": "n1"}, "status": {"phase": "Available",
            "resources": {"cpu": "8"}, "availableResources": {"cpu": "8"}}},
        {"metadata": {"name": "n2"}, "status": "broken"},
        "not a node"
    ]});
    v["items"][1]["status"] = serde_json::json!(7);
    let (p, log) = with_nodes_logged(&nodes(v));
    let e = entries(&log);
    assert_eq!(
        e,
        vec![
            (
                "pool p node n2 (#1)".to_string(),
                String::new(),
                DecodeReason::MalformedObject
            ),
            (
                "pool p node #2".to_string(),
                String::new(),
                DecodeReason::MalformedObject
            ),
        ]
    );
    assert_eq!(p.nodes, None);
    assert!(p.node_phases.is_empty());
    assert!(p.quantities.is_empty());
}

#[test]
fn sums_that_overflow_are_dropped_as_not_finite() {
    let list = nodes(serde_json::json!({"items": [
        {"status": {"phase": "Creating", "resources": {"cpu": 1.5e308, "memory": "1Gi"}}},
        {"status": {"phase": "Creating", "resources": {"cpu": 1.5e308, "memory": "1Gi"}}}
    ]}));
    let (p, log) = with_nodes_logged(&list);
    assert_eq!(
        entries(&log),
        vec![(
            "pool p".to_string(),
            "sum of resources.cpu".to_string(),
            DecodeReason::NotFinite
        )]
    );
    assert_eq!(p.quantities[&K::Capability].cpu_cores, None);
    assert_eq!(p.quantities[&K::Capability].memory_bytes, Some(2.0 * GIB));
    assert_eq!(p.quantities[&K::Allocated].cpu_cores, None);
}

#[test]
fn which_keys_are_accelerators() {
    for key in [
        "nvidia.com/gpu",
        "huawei.com/ascend-snt9",
        "huawei.com/ascend-snt3",
        "huawei.com/ascend-310",
        "baidu.com/a800_80g_cgpu",
        "tnt004",
    ] {
        assert!(is_accelerator(key), "{key} should be an accelerator");
    }
    for key in [
        "cpu",
        "memory",
        "CPU",
        "pods",
        "ephemeral-storage",
        "storage",
        "local-storage",
        "hugepages-2Mi",
        "hugepages-1Gi",
        "attachable-volumes-csi-disk.csi.everest.io",
        "kubernetes.io/batch-cpu",
        "",
    ] {
        assert!(!is_accelerator(key), "{key} should not be an accelerator");
    }
}

#[test]
fn control_mode_flags_and_frozen() {
    // The frozen series and what was recorded.
    let frozen = |mode: serde_json::Value| {
        let (p, log) = logged_pool(&pool(serde_json::json!({
            "metadata": {"name": "p"}, "spec": {"controlMode": mode}
        })));
        match p.map(|p| p.frozen) {
            Some(f) if log.is_empty() => Ok(f),
            _ => Err(log),
        }
    };
    // Seed 004: 0 not restricted, 2 spec changes restricted, 4 service
    // restricted, 8 frozen, and "a resource pool can have several statuses".
    for (mode, want) in [
        (0, false),
        (2, false),
        (4, false),
        (6, false),
        (8, true),
        (14, true),
    ] {
        assert_eq!(frozen(serde_json::json!(mode)), Ok(Some(want)), "{mode}");
    }
    // Seed 001: "9 represents restricted conversion to a subscription and frozen".
    assert_eq!(frozen(serde_json::json!(9)), Ok(Some(true)));
    assert_eq!(frozen(serde_json::json!("8")), Ok(Some(true)));
    assert_eq!(frozen(serde_json::json!("")), Ok(None));
    // A bad value used to fail the poll; now it loses the frozen
    // series only (the pool maps, frozen is None) and is recorded.
    for (bad, reason) in [
        (serde_json::json!(-8), DecodeReason::Negative),
        (serde_json::json!(8.5), DecodeReason::NotANumber),
        (serde_json::json!("frozen"), DecodeReason::NotANumber),
        (serde_json::json!("NaN"), DecodeReason::NotANumber),
        (serde_json::json!("1e400"), DecodeReason::NotFinite),
        (serde_json::json!({"x": 1}), DecodeReason::NotANumber),
    ] {
        let (p, log) = logged_pool(&pool(serde_json::json!({
            "metadata": {"name": "p"}, "spec": {"controlMode": bad}
        })));
        assert_eq!(p.map(|p| p.frozen), Some(None), "{bad}");
        assert_eq!(
            log,
            vec![("pool p".to_string(), "spec.controlMode".to_string(), reason)],
            "{bad}"
        );
    }
}

#[test]
fn max_count_parent_and_workspace_of_a_logical_sub_pool() {
    let p = clean_pool(&pool(serde_json::json!({
        "metadata": {"name": "pool-sub", "labels": {"os.modelarts/workspace.id": "1d7e4f0c9b2a4e6f8a3b5c7d9e1f2a3b"}},
        "spec": {"type": "Logical", "controlMode": 0},
        "status": {
            "phase": "Running", "parent": "pool-phys", "root": "pool-phys",
            "resources": {
                "available": [
                    {"flavor": "f.gpu", "count": 1, "maxCount": 2},
                    // A second node pool of the flavor: counts and ceilings add up.
                    {"flavor": "f.gpu", "count": 1, "maxCount": "3"},
                    {"flavor": "f.cpu", "count": 2}
                ],
                "creating": {"flavor": "f.gpu", "count": 1, "maxCount": 1}
            }
        }
    })));
    assert_eq!(
        p.workspace_id.as_deref(),
        Some("1d7e4f0c9b2a4e6f8a3b5c7d9e1f2a3b")
    );
    assert_eq!(p.parent_pool.as_deref(), Some("pool-phys"));
    assert_eq!(p.frozen, Some(false));
    let key = |f: &str, s: &str| (f.to_string(), s.to_string());
    assert_eq!(
        p.flavor_max_nodes,
        BTreeMap::from([
            (key("f.gpu", "available"), 5.0),
            (key("f.gpu", "creating"), 1.0)
        ])
    );
    assert_eq!(p.flavor_nodes[&key("f.gpu", "available")], 2.0);
    assert_eq!(p.flavor_nodes[&key("f.cpu", "available")], 2.0);

    // A parent naming the pool itself is no parent; a numeric workspace label
    // is the same id as a string; garbage in it leaves the workspace to the poll.
    let p = clean_pool(&pool(serde_json::json!({
        "metadata": {"name": "p", "labels": {"os.modelarts/workspace.id": 0}},
        "status": {"parent": "p", "root": "p"}
    })));
    assert_eq!(
        (p.parent_pool.as_deref(), p.workspace_id.as_deref()),
        (Some(""), Some("0"))
    );
    let p = clean_pool(&pool(serde_json::json!({
        "metadata": {"name": "p", "labels": {"os.modelarts/workspace.id": {"x": 1}}}
    })));
    assert_eq!(p.workspace_id, None);
    // A bad maxCount used to fail the poll. Now the ceiling of that
    // flavor and state is left out (another entry of it would make the sum
    // short), the count and the other flavor stay.
    let (p, log) = logged_pool(&pool(serde_json::json!({
        "metadata": {"name": "p"},
        "status": {"resources": {"available": [
            {"flavor": "f", "count": 1, "maxCount": "many"},
            {"flavor": "f", "count": 1, "maxCount": 1},
            {"flavor": "g", "count": "-1", "maxCount": 4}
        ]}}
    })));
    let p = p.expect("the pool maps");
    assert_eq!(
        log,
        vec![
            (
                "pool p".to_string(),
                "status.resources.available[0].maxCount".to_string(),
                DecodeReason::NotANumber
            ),
            (
                "pool p".to_string(),
                "status.resources.available[2].count".to_string(),
                DecodeReason::Negative
            ),
        ]
    );
    assert_eq!(
        p.flavor_nodes,
        BTreeMap::from([(key("f", "available"), 2.0)])
    );
    assert_eq!(
        p.flavor_max_nodes,
        BTreeMap::from([(key("g", "available"), 4.0)])
    );
}

fn named(id: &str, parent: &str) -> Pool {
    Pool {
        id: id.to_string(),
        parent_pool: Some(parent.to_string()),
        ..Pool::default()
    }
}

#[test]
fn parents_that_are_not_polled_make_roots() {
    let mut pools = vec![
        named("phys", ""),
        named("sub", "phys"),
        named("subsub", "sub"),
        named("orphan", "phys-in-a-forbidden-workspace"),
        Pool {
            id: "no-tree".into(),
            ..Pool::default()
        },
    ];
    let dropped = resolve_parents(&mut pools);
    assert_eq!(
        dropped,
        vec![(
            "orphan".to_string(),
            "phys-in-a-forbidden-workspace".to_string()
        )]
    );
    let parents: Vec<Option<&str>> = pools.iter().map(|p| p.parent_pool.as_deref()).collect();
    assert_eq!(
        parents,
        vec![Some(""), Some("phys"), Some("sub"), Some(""), None]
    );
}

#[test]
fn a_pool_listed_by_two_workspaces_is_kept_once_as_first_listed() {
    let mut first = named("shared", "");
    first.workspace_id = Some("0".into());
    let mut again = named("shared", "");
    again.workspace_id = Some("1d7e".into());
    let mut pools = vec![first, named("b", ""), again];
    assert_eq!(keep_first(&mut pools), vec!["shared".to_string()]);
    let ids: Vec<(&str, Option<&str>)> = pools
        .iter()
        .map(|p| (p.id.as_str(), p.workspace_id.as_deref()))
        .collect();
    assert_eq!(ids, vec![("shared", Some("0")), ("b", None)]);
}

/// The ListWorkspace response example of the API reference (docs/providers.md
/// §3), which gives the default workspace's id as the number 0, with a second
/// workspace as the other example gives ids (a string), and entries that are
/// no use.
const WORKSPACES: &str =
    include_str!("../../../../crates/aipool-sim/fixtures/modelarts_workspaces.json");

#[test]
fn workspace_lists_with_numeric_and_string_ids() {
    let page: WorkspaceList = serde_json::from_str(WORKSPACES).unwrap();
    let mut log = DecodeLog::default();
    assert_eq!(total_count(&page, &mut log), Some(5));
    let ws = map_workspaces(&page.workspaces, 10, &mut log);
    let ids: Vec<(&str, &str, &str)> = ws
        .iter()
        .map(|w| (w.id.as_str(), w.name.as_str(), w.status.as_str()))
        .collect();
    assert_eq!(
        ids,
        vec![
            ("0", "default", "NORMAL"),
            ("1d7e4f0c9b2a4e6f8a3b5c7d9e1f2a3b", "team-b", "NORMAL"),
            ("0", "default-as-string", "NORMAL"),
            (
                "5b0c1d2e3f4a4b5c8d6e7f8091a2b3c4",
                "never-created",
                "CREATE_FAILED"
            ),
        ]
    );
    // A workspace whose creation failed holds no pools: not polled.
    let pollable: Vec<bool> = ws.iter().map(Workspace::pollable).collect();
    assert_eq!(pollable, vec![true, true, true, false]);
    // Entries without a usable id were partial errors (counted as
    // request failures with reason decode); now they are dropped objects of
    // the decode log, named and with the same explanation.
    let details: Vec<(String, DecodeReason, String)> = log
        .errors()
        .iter()
        .map(|e| (e.object.clone(), e.reason, e.detail.clone()))
        .collect();
    assert_eq!(
        details,
        vec![
            (
                "workspace #14 (name \"broken\")".to_string(),
                DecodeReason::MalformedObject,
                "no usable id (-1); its pools are not polled".to_string()
            ),
            (
                "workspace #15 (name \"\")".to_string(),
                DecodeReason::MalformedObject,
                "no usable id (absent); its pools are not polled".to_string()
            ),
        ]
    );
    assert!(log.errors().iter().all(|e| e.api == "ListWorkspace"));
    for (json, want, reason) in [
        (r#"{"total_count": "3"}"#, Some(3), None),
        (
            r#"{"total_count": 2.5}"#,
            None,
            Some(DecodeReason::NotANumber),
        ),
        (r#"{"total_count": -1}"#, None, Some(DecodeReason::Negative)),
        (
            r#"{"total_count": "abc"}"#,
            None,
            Some(DecodeReason::NotANumber),
        ),
        (r#"{"workspaces": []}"#, None, None),
    ] {
        let page: WorkspaceList = serde_json::from_str(json).unwrap();
        let mut log = DecodeLog::default();
        assert_eq!(total_count(&page, &mut log), want, "{json}");
        let reasons: Vec<DecodeReason> = log.errors().iter().map(|e| e.reason).collect();
        assert_eq!(reasons, reason.into_iter().collect::<Vec<_>>(), "{json}");
        assert!(page.workspaces.is_empty());
    }
}

#[test]
fn a_workspace_element_that_is_not_a_workspace_is_dropped_alone() {
    let body = r#"{"total_count": 4, "workspaces": [
        {"id": 0, "name": "default", "status": "NORMAL"},
        "not a workspace",
        {"id": "ws-x", "name": ["not", "text"]},
        {"id": "1d7e4f0c9b2a4e6f8a3b5c7d9e1f2a3b", "name": "team-b", "status": "NORMAL"}
    ]}"#;
    let page: WorkspaceList = serde_json::from_str(body).unwrap();
    let mut log = DecodeLog::default();
    let ws = map_workspaces(&page.workspaces, 0, &mut log);
    let ids: Vec<&str> = ws.iter().map(|w| w.id.as_str()).collect();
    assert_eq!(ids, ["0", "1d7e4f0c9b2a4e6f8a3b5c7d9e1f2a3b"]);
    assert_eq!(ws[1].name, "team-b");
    let objects: Vec<(&str, DecodeReason)> = log
        .errors()
        .iter()
        .map(|e| (e.object.as_str(), e.reason))
        .collect();
    assert_eq!(
        objects,
        [
            ("workspace #1", DecodeReason::MalformedObject),
            ("workspace ws-x (#2)", DecodeReason::MalformedObject)
        ]
    );
}

#[test]
fn a_pool_that_does_not_decode_or_has_no_id_is_dropped_alone() {
    // The seed's pool beside broken ones: the seed maps exactly as alone.
    let seed: serde_json::Value = serde_json::from_str(SEED).unwrap();
    let good = seed["items"][0].clone();
    let body = serde_json::json!({"items": [
        {"metadata": {"name": "pool-bad", "labels": {"os.modelarts/name": 5}}},
        good,
        {"metadata": {"name": "  "}},
        {"metadata": {}},
        7
    ]});
    let list: PoolList = serde_json::from_str(&body.to_string()).unwrap();
    let mut log = DecodeLog::default();
    let pools = map_pools(&list.items, &mut log);
    assert_eq!(pools, vec![clean_pool(&seed_pool_dto())]);
    assert_eq!(pools[0].flavor_nodes.values().sum::<f64>(), 2.0);
    let objects: Vec<(&str, &str, DecodeReason)> = log
        .errors()
        .iter()
        .map(|e| (e.api.as_str(), e.object.as_str(), e.reason))
        .collect();
    assert_eq!(
        objects,
        [
            (
                "ListPools",
                "pool pool-bad (#0)",
                DecodeReason::MalformedObject
            ),
            ("ListPools", "pool #2", DecodeReason::MalformedObject),
            ("ListPools", "pool #3", DecodeReason::MalformedObject),
            ("ListPools", "pool #4", DecodeReason::MalformedObject),
        ]
    );
}

#[test]
fn each_bad_flavor_count_loses_that_flavor_only() {
    // The seed's pool, its one flavor count replaced, beside the mixed-shape
    // entries of another flavor.
    for (raw, reason) in BAD_VALUES {
        let value: serde_json::Value = serde_json::from_str(raw).unwrap();
        let mut seed: serde_json::Value = serde_json::from_str(SEED).unwrap();
        let p = &mut seed["items"][0];
        p["status"]["resources"]["available"][0]["count"] = value;
        p["status"]["resources"]["creating"] =
            serde_json::json!([{"flavor": "f.other", "count": 3, "maxCount": 4}]);
        let list: PoolList = serde_json::from_str(&seed.to_string()).unwrap();
        let mut log = DecodeLog::default();
        let pools = map_pools(&list.items, &mut log);
        assert_eq!(pools.len(), 1, "{raw}");
        let p = &pools[0];
        let key = |f: &str, s: &str| (f.to_string(), s.to_string());
        // null in an optional field is "not reported", like "".
        let reason = if raw == "null" { None } else { reason };
        let reasons: Vec<DecodeReason> = log.errors().iter().map(|e| e.reason).collect();
        assert_eq!(reasons, reason.into_iter().collect::<Vec<_>>(), "{raw}");
        assert_eq!(
            p.flavor_nodes,
            BTreeMap::from([(key("f.other", "creating"), 3.0)]),
            "{raw}"
        );
        assert_eq!(p.flavor_max_nodes[&key("f.other", "creating")], 4.0);
        assert_eq!(p.id, "auto-pool-os-86c13962597848eeb29c5861153a391f");
        assert_eq!(
            (p.name.as_str(), p.phase.as_str()),
            ("auto-pool-os", "Running")
        );
    }
}
