//! Node quantities in the units the official sources give them, and the
//! official example responses (`tests/fixtures/official/modelarts/`), asserted
//! from their own numbers.
//!
//! Sources:
//! - `huaweicloudsdkmodelarts` (PyPI 3.1.219) `v1/model/node_resource.py`:
//!   `NodeResource.cpu` "节点的CPU核心数量" (cores), `NodeResource.memory`
//!   "节点的内存大小。以Gi为单位" (in Gi), accelerator keys `nvidia.com/gpu`,
//!   `huawei.com/ascend-snt3`, `huawei.com/ascend-snt9` (card counts), all
//!   strings; `v1/model/node_status.py`: `resources` and `availableResources`
//!   are both a `NodeResource`.
//! - The API reference's ListPoolNodes example ("Obtaining Nodes",
//!   `opentelekomcloud-docs/modelarts`): memory as `"6270Mi"`.

use super::*;
use crate::model::QuantityKind as K;
use crate::providers::modelarts::dto::{NodeList, PoolList};
use crate::providers::upstream::decode::DecodeReason;
use crate::quantity::{Rule, GIB, MIB};

const OFFICIAL_NODES: &str =
    include_str!("../../../../tests/fixtures/official/modelarts/list_pool_nodes.json");
const OFFICIAL_POOLS: &str =
    include_str!("../../../../tests/fixtures/official/modelarts/list_pools.json");

fn nodes(json: &str) -> Vec<Lenient<NodeDto>> {
    let list: NodeList = serde_json::from_str(json).unwrap();
    list.items
}

/// Pool `p` with `json`'s nodes mapped onto it: the pool, the log as
/// `(field, reason)`, and the rule firings.
fn mapped(json: &str) -> (Pool, Vec<(String, DecodeReason)>, Fired) {
    let mut p = Pool {
        id: "p".into(),
        ..Pool::default()
    };
    let mut log = DecodeLog::default();
    let mut fired = Fired::default();
    map_nodes(&mut p, &nodes(json), &mut log, &mut fired);
    let logged = log
        .errors()
        .iter()
        .map(|e| (e.field.clone(), e.reason))
        .collect();
    (p, logged, fired)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn the_official_node_list_example() {
    let (p, logged, fired) = mapped(OFFICIAL_NODES);
    assert!(logged.is_empty(), "{logged:?}");
    // Suffixed quantities: no bare-Gi reading.
    assert_eq!(fired.count(Rule::NodeMemoryBareIsGi), 0);
    assert_eq!(p.nodes, Some(3.0));
    assert_eq!(p.node_phases.get("Available"), Some(&3.0));
    let cap = &p.quantities[&K::Capability];
    let rem = &p.quantities[&K::Remaining];
    let all = &p.quantities[&K::Allocated];
    // Three nodes of 3920m / 6270Mi; free 2970m + 2970m + 3720m and
    // 4558Mi + 4558Mi + 5670Mi.
    assert!(close(cap.cpu_cores.unwrap(), 3.0 * 3.92), "{cap:?}");
    assert_eq!(cap.memory_bytes, Some(3.0 * 6270.0 * MIB));
    assert!(close(rem.cpu_cores.unwrap(), 2.97 + 2.97 + 3.72), "{rem:?}");
    assert_eq!(rem.memory_bytes, Some((4558.0 + 4558.0 + 5670.0) * MIB));
    assert!(close(all.cpu_cores.unwrap(), 11.76 - 9.66), "{all:?}");
    assert_eq!(all.memory_bytes, Some((18810.0 - 14786.0) * MIB));
    assert!(cap.accelerators.is_empty());
}

#[test]
fn the_official_pool_list_example() {
    let list: PoolList = serde_json::from_str(OFFICIAL_POOLS).unwrap();
    let mut log = DecodeLog::default();
    let pools = map_pools(&list.items, &mut log);
    assert!(log.is_empty(), "{:?}", log.errors());
    assert_eq!(pools.len(), 1);
    let p = &pools[0];
    assert_eq!(p.id, "auto-pool-os-86c13962597848eeb29c5861153a391f");
    assert_eq!(p.name, "auto-pool-os");
    assert_eq!(p.pool_type, "Dedicate");
    assert_eq!(p.phase, "Running");
    // The example carries no workspace label: the poll fills in the workspace
    // whose answer listed it.
    assert_eq!(p.workspace_id, None);
    assert_eq!(p.parent_pool.as_deref(), Some(""));
    assert_eq!(
        p.flavor_nodes
            .get(&("modelarts.vm.cpu.4ud".to_string(), "available".to_string())),
        Some(&2.0)
    );
    // No controlMode in the example: no frozen series.
    assert_eq!(p.frozen, None);
}

#[test]
fn bare_node_memory_is_gib_as_the_sdk_says() {
    // NodeResource as the SDK models it: every value a string, memory in Gi.
    let json = r#"{"items": [
        {"metadata": {"name": "gpu-1"}, "status": {"phase": "Available",
            "resources": {"cpu": "90500m", "memory": "768", "nvidia.com/gpu": "8"},
            "availableResources": {"cpu": "8", "memory": "512", "nvidia.com/gpu": "2"}}},
        {"metadata": {"name": "npu-1"}, "status": {"phase": "Available",
            "resources": {"cpu": "192", "memory": 1536, "huawei.com/ascend-snt9": "8"},
            "availableResources": {"cpu": "100", "memory": "1024Gi", "huawei.com/ascend-snt9": "3"}}}
    ]}"#;
    let (p, logged, fired) = mapped(json);
    assert!(logged.is_empty(), "{logged:?}");
    // "768", "512" and 1536 are bare; "1024Gi" is a quantity.
    assert_eq!(fired.count(Rule::NodeMemoryBareIsGi), 3);
    let cap = &p.quantities[&K::Capability];
    let rem = &p.quantities[&K::Remaining];
    assert_eq!(cap.memory_bytes, Some((768.0 + 1536.0) * GIB));
    assert_eq!(cap.memory_bytes, Some(2_473_901_162_496.0));
    assert_eq!(rem.memory_bytes, Some((512.0 + 1024.0) * GIB));
    assert_eq!(
        p.quantities[&K::Allocated].memory_bytes,
        Some((2304.0 - 1536.0) * GIB)
    );
    // CPU stays cores: "90500m" is 90.5, "8" is 8.
    assert_eq!(cap.cpu_cores, Some(90.5 + 192.0));
    assert_eq!(rem.cpu_cores, Some(108.0));
    assert_eq!(cap.accelerators["nvidia.com/gpu"], 8.0);
    assert_eq!(rem.accelerators["huawei.com/ascend-snt9"], 3.0);
}

#[test]
fn bad_node_memory_loses_only_that_figure() {
    for bad in [r#""abc""#, r#""-5""#, r#""1e300""#] {
        let json = format!(
            r#"{{"items": [
                {{"metadata": {{"name": "n1"}}, "status": {{"phase": "Available",
                    "resources": {{"cpu": "8", "memory": {bad}, "nvidia.com/gpu": "8"}},
                    "availableResources": {{"cpu": "2", "memory": "64", "nvidia.com/gpu": "1"}}}}}},
                {{"metadata": {{"name": "n2"}}, "status": {{"phase": "Available",
                    "resources": {{"cpu": "8", "memory": "128", "nvidia.com/gpu": "8"}},
                    "availableResources": {{"cpu": "4", "memory": "32", "nvidia.com/gpu": "8"}}}}}}
            ]}}"#
        );
        let (p, logged, _) = mapped(&json);
        let reason = match bad {
            r#""abc""# => DecodeReason::NotANumber,
            r#""-5""# => DecodeReason::Negative,
            _ => DecodeReason::NotFinite,
        };
        assert_eq!(
            logged,
            vec![("resources.memory".to_string(), reason)],
            "{bad}"
        );
        let cap = &p.quantities[&K::Capability];
        // The pool's memory capability would be short of n1: left out, with
        // allocated memory; everything else flows.
        assert_eq!(cap.memory_bytes, None, "{bad}");
        assert_eq!(p.quantities[&K::Allocated].memory_bytes, None, "{bad}");
        assert_eq!(cap.cpu_cores, Some(16.0), "{bad}");
        assert_eq!(cap.accelerators["nvidia.com/gpu"], 16.0, "{bad}");
        let rem = &p.quantities[&K::Remaining];
        assert_eq!(rem.memory_bytes, Some(96.0 * GIB), "{bad}");
        assert_eq!(rem.accelerators["nvidia.com/gpu"], 9.0, "{bad}");
        assert_eq!(p.nodes, Some(2.0));
    }
}

// huaweicloudsdkmodelarts (PyPI 3.1.219) v1/model/pool_spec_model.py,
// controlMode: "0：代表不受限 - 1：转包周期受限 - 2：规格变更受限 - 4：服务受限
// - 8：冻结 - 16：公安冻结（不可退订）", the flags adding up.
#[test]
fn control_mode_16_is_a_freeze_too() {
    for (mode, want) in [(16, true), (17, true), (24, true), (1, false), (7, false)] {
        let dto: PoolDto = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "p"}, "spec": {"controlMode": mode}
        }))
        .unwrap();
        let mut log = DecodeLog::default();
        let p = map_pool(&dto, 0, &mut log).unwrap();
        assert!(log.is_empty(), "{:?}", log.errors());
        assert_eq!(p.frozen, Some(want), "{mode}");
    }
}
