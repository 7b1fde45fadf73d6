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

/// Malformed values a node quantity may hold, and what each is recorded as.
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

mod nodes;
