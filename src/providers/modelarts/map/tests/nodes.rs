//! Pools with their nodes mapped onto them: the sums, counts and phases over
//! nodes, and how one bad node or value leaves out only what it would make
//! read short.

use super::*;

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
