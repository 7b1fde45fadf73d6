//! Mapping tests: the seed's ListPools example (`tests/fixtures/seeds/001_…`, extracted
//! into `src/simulator/fixtures/modelarts_pools.json`) and synthetic node lists in
//! the documented NodeList shape.

use super::*;
use crate::model::QuantityKind as K;
use crate::providers::modelarts::dto::{NodeList, PoolList};
use crate::quantity::{GIB, MIB};

const SEED: &str = include_str!("../../../simulator/fixtures/modelarts_pools.json");

fn seed_pools() -> PoolList {
    serde_json::from_str(SEED).unwrap()
}

fn pool(json: serde_json::Value) -> PoolDto {
    serde_json::from_value(json).unwrap()
}

fn nodes(json: serde_json::Value) -> Vec<NodeDto> {
    let list: NodeList = serde_json::from_value(json).unwrap();
    list.items
}

#[test]
fn the_seed_list_pools_example() {
    let list = seed_pools();
    assert_eq!(list.items.len(), 1);
    assert!(list.metadata.is_none());
    let p = map_pool(&list.items[0]).unwrap();
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
}

#[test]
fn status_resources_as_single_objects_and_arrays() {
    let p = map_pool(&pool(serde_json::json!({
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
    })))
    .unwrap();
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
    let p = map_pool(&pool(serde_json::json!({"metadata": {"name": "p"}}))).unwrap();
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

/// A pool `p` with `nodes` mapped onto it.
fn with_nodes(nodes: &[NodeDto]) -> Result<Pool, MapError> {
    let mut p = map_pool(&pool(serde_json::json!({"metadata": {"name": "p"}}))).unwrap();
    map_nodes(&mut p, nodes)?;
    Ok(p)
}

fn mixed_nodes() -> Vec<NodeDto> {
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
    let dto = &seed_pools().items[0];
    let mut p = map_pool(dto).unwrap();
    map_nodes(&mut p, &mixed_nodes()).unwrap();
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
fn nodes_without_free_resources_give_no_remaining_or_allocated() {
    let list = nodes(serde_json::json!({"items": [
        {"status": {"phase": "Creating", "resources": {"cpu": "4", "nvidia.com/gpu": "1"}}}
    ]}));
    let p = with_nodes(&list).unwrap();
    assert_eq!(p.quantities[&K::Capability].cpu_cores, Some(4.0));
    assert_eq!(p.quantities[&K::Capability].memory_bytes, None);
    assert!(!p.quantities.contains_key(&K::Remaining));
    assert!(!p.quantities.contains_key(&K::Allocated));
}

#[test]
fn a_garbage_quantity_names_pool_node_and_key() {
    let list = nodes(serde_json::json!({"items": [
        {"metadata": {"name": "n1"}, "status": {"resources": {"memory": "lots"}}}
    ]}));
    let e = with_nodes(&list).unwrap_err();
    assert_eq!(e.context, "pool p node n1 resources.memory");
    assert!(e.reason.contains("\"lots\""), "{e}");
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
