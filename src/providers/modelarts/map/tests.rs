//! Mapping tests: the seed's ListPools example (`tests/fixtures/seeds/001_…`, extracted
//! into `src/simulator/fixtures/modelarts_pools.json`) and synthetic node lists in
//! the documented NodeList shape.

use super::*;
use crate::model::QuantityKind as K;
use crate::providers::modelarts::dto::{NodeList, PoolList, WorkspaceList};
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

#[test]
fn control_mode_flags_and_frozen() {
    let frozen = |mode: serde_json::Value| {
        map_pool(&pool(serde_json::json!({
            "metadata": {"name": "p"}, "spec": {"controlMode": mode}
        })))
        .map(|p| p.frozen)
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
    for bad in [
        serde_json::json!(-8),
        serde_json::json!(8.5),
        serde_json::json!("frozen"),
    ] {
        let e = frozen(bad.clone()).unwrap_err();
        assert_eq!(e.context, "pool p spec.controlMode", "{bad}");
    }
}

#[test]
fn max_count_parent_and_workspace_of_a_logical_sub_pool() {
    let p = map_pool(&pool(serde_json::json!({
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
    })))
    .unwrap();
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
    let p = map_pool(&pool(serde_json::json!({
        "metadata": {"name": "p", "labels": {"os.modelarts/workspace.id": 0}},
        "status": {"parent": "p", "root": "p"}
    })))
    .unwrap();
    assert_eq!(
        (p.parent_pool.as_deref(), p.workspace_id.as_deref()),
        (Some(""), Some("0"))
    );
    let p = map_pool(&pool(serde_json::json!({
        "metadata": {"name": "p", "labels": {"os.modelarts/workspace.id": {"x": 1}}}
    })))
    .unwrap();
    assert_eq!(p.workspace_id, None);
    let e = map_pool(&pool(serde_json::json!({
        "metadata": {"name": "p"},
        "status": {"resources": {"available": [{"flavor": "f", "count": 1, "maxCount": "many"}]}}
    })))
    .unwrap_err();
    assert_eq!(e.context, "pool p status.resources.available[0].maxCount");
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
const WORKSPACES: &str = include_str!("../../../simulator/fixtures/modelarts_workspaces.json");

#[test]
fn workspace_lists_with_numeric_and_string_ids() {
    let page: WorkspaceList = serde_json::from_str(WORKSPACES).unwrap();
    assert_eq!(total_count(&page), Some(5));
    let (ws, problems) = map_workspaces(&page, 10);
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
    assert_eq!(
        problems,
        vec![
            "workspaces[14] (name \"broken\") has no usable id (-1); its pools are not polled"
                .to_string(),
            "workspaces[15] (name \"\") has no usable id (absent); its pools are not polled"
                .to_string(),
        ]
    );
    for (json, want) in [
        (r#"{"total_count": "3"}"#, Some(3)),
        (r#"{"total_count": 2.5}"#, None),
        (r#"{"total_count": -1}"#, None),
        (r#"{"workspaces": []}"#, None),
    ] {
        let page: WorkspaceList = serde_json::from_str(json).unwrap();
        assert_eq!(total_count(&page), want, "{json}");
        assert!(page.workspaces.is_empty());
    }
}
