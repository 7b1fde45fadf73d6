//! One bad element of a ModelArts list never costs the others.

use super::*;
use aipool_exporter::model::Pool;
use aipool_exporter::providers::modelarts::{self, Body};
use aipool_exporter::providers::DecodeLog;

const SEED_POOLS: &str = include_str!("../../crates/aipool-sim/fixtures/modelarts_pools.json");
const WORKSPACES: &str = include_str!("../../crates/aipool-sim/fixtures/modelarts_workspaces.json");

/// The seed's pool and two synthetic ones of the documented shape.
fn pool_list() -> Value {
    let mut seed: Value = serde_json::from_str(SEED_POOLS).unwrap();
    let items = seed["items"].as_array_mut().unwrap();
    items.push(serde_json::json!({"metadata": {"name": "pool-b",
            "labels": {"os.modelarts/name": "b", "os.modelarts/workspace.id": "0"}},
            "spec": {"type": "Logical", "controlMode": 9},
            "status": {"phase": "Running", "parent": "pool-a",
                "resources": {"available": [{"flavor": "f.gpu", "count": 1, "maxCount": 2}]}}}));
    items.push(serde_json::json!({"metadata": {"name": "pool-c"},
            "status": {"phase": "Creating", "resources": {"creating": {"flavor": "f.npu", "count": "2"}},
                "driver": {"npu": {"version": "23.0.6", "state": "Running"}}}}));
    seed
}

fn node_list() -> Value {
    serde_json::json!({"kind": "NodeList", "metadata": {"continue": ""}, "items": [
        {"metadata": {"name": "n0"}, "status": {"phase": "Available",
            "resources": {"cpu": "3920m", "memory": "6270Mi", "nvidia.com/gpu": "8"},
            "availableResources": {"cpu": "1", "memory": "1Gi", "nvidia.com/gpu": "2"}}},
        {"metadata": {"name": "n1"}, "status": {"phase": "Available",
            "resources": {"cpu": "192", "memory": "768Gi", "huawei.com/ascend-snt9": "8"},
            "availableResources": {"cpu": "100", "memory": "512Gi", "huawei.com/ascend-snt9": "3"}}},
        {"metadata": {"name": "n2"}, "status": {"phase": "Creating",
            "resources": {"cpu": "8", "memory": "32Gi"}}}
    ]})
}

/// `list[key][i]` with one of its parts (perhaps all of it) replaced.
fn mutate(mut list: Value, key: &str, i: usize, pick: usize, with: &Value) -> Value {
    let item = &mut list[key][i];
    let mut n = pick % count_nodes(item);
    replace_nth(item, &mut n, with);
    list
}

fn pools_of(list: &Value) -> (Vec<Pool>, DecodeLog) {
    let d = modelarts::decode(Body::Pools, list.to_string().as_bytes()).expect("still a pool list");
    (d.snapshot.pools, d.log)
}

/// Whether `want` appears in `got` in order (other entries may be between).
fn in_order<T: PartialEq>(want: &[T], got: &[T]) -> bool {
    let mut it = got.iter();
    want.iter().all(|w| it.any(|g| g == w))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn one_bad_pool_never_fails_the_others(i in 0..3usize, pick in any::<usize>(), with in json_value()) {
        let clean = pool_list();
        let (all, log) = pools_of(&clean);
        prop_assert!(log.is_empty(), "{:?}", log.errors());
        prop_assert_eq!(all.len(), 3);
        let others: Vec<Pool> = all.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, p)| p.clone()).collect();
        let (got, _) = pools_of(&mutate(clean, "items", i, pick, &with));
        prop_assert!(got.len() <= 3);
        prop_assert!(in_order(&others, &got), "{others:?}\n{got:?}");
    }

    #[test]
    fn one_bad_node_never_fails_the_others(i in 0..3usize, pick in any::<usize>(), with in json_value()) {
        let list = mutate(node_list(), "items", i, pick, &with);
        let d = modelarts::decode(Body::Nodes { pool: "p" }, list.to_string().as_bytes()).expect("still a node list");
        let (pool, log) = (&d.snapshot.pools[0], &d.log);
        // Only the mutated node is ever blamed: the others decode as before.
        for e in log.errors() {
            let blamed_other = (0..3).filter(|j| *j != i).any(|j| e.object == format!("pool p node n{j}"));
            prop_assert!(!blamed_other, "{e:?}");
        }
        for r in pool.quantities.values() {
            for v in r.cpu_cores.iter().chain(&r.memory_bytes).chain(r.accelerators.values()) {
                prop_assert!(v.is_finite());
            }
        }
        // Node count: all three, or none when one was dropped.
        prop_assert!(matches!(pool.nodes, None | Some(3.0)), "{:?}", pool.nodes);
    }

    #[test]
    fn one_bad_workspace_never_fails_the_others(i in 0..6usize, pick in any::<usize>(), with in json_value()) {
        let map_all = |v: &Value| {
            modelarts::decode(Body::Workspaces { offset: 0 }, v.to_string().as_bytes())
                .expect("still a workspace list")
                .objects
        };
        let clean: Value = serde_json::from_str(WORKSPACES).unwrap();
        // Entries 4 and 5 of the fixture have no usable id: mapping keeps 0..4.
        let all = map_all(&clean);
        prop_assert_eq!(all.len(), 4);
        let others: Vec<_> = all.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, w)| w.clone()).collect();
        let got = map_all(&mutate(clean, "workspaces", i, pick, &with));
        prop_assert!(in_order(&others, &got), "{others:?}\n{got:?}");
    }
}
