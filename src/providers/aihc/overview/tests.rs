use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::model::{Pool, Queue, Snapshot};
use crate::providers::aihc::map::snapshot::{bound_by_hardware, Polled};

const OVERVIEW: &str =
    include_str!("../../../../tests/fixtures/official/aihc/describe_resource_pool_overview.json");
const GIB: f64 = 1_073_741_824.0;

fn names(n: &[&str]) -> BTreeSet<String> {
    n.iter().map(|s| s.to_string()).collect()
}

fn remaining(q: &Quantities) -> &Resources {
    &q[&QuantityKind::Remaining]
}

/// AIHC doc "查询资源池概览", 返回示例 (tests/fixtures/official/aihc/): the
/// dedicatedV2 type has 44 cards, 2 allocated and `idle` 0, so idle is not
/// what is free: 42 cards are. CPU 914000 / 31142 milli-cores, memory
/// 6017249181696 / 75170316288 bytes.
#[test]
fn the_doc_example_reads_free_as_capacity_minus_allocated() {
    let dto: OverviewDto = serde_json::from_str(OVERVIEW).unwrap();
    let t = match &dto.resource_pools_statistic_with_type[0] {
        Lenient::Ok(t) => t.clone(),
        Lenient::Bad { error, .. } => panic!("{error}"),
    };
    let mut log = DecodeLog::default();
    let hw = hardware(
        t.accelerators_statistic.as_ref(),
        t.resources_statistic.clone().unwrap_or_default(),
        "type dedicatedV2",
        &mut log,
    );
    assert!(log.is_empty(), "{:?}", log.errors());
    assert_eq!(hw.cards, Some((44.0, 2.0)));
    assert_eq!(hw.cpu_cores, Some((914.0, 31.142)));
    assert_eq!(hw.memory_bytes, Some((6017249181696.0, 75170316288.0)));
    let mut fired = Fired::default();
    let q = physical(
        &hw,
        &names(&["baidu.com/h20_96g_cgpu"]),
        &Models::new(),
        &mut fired,
    );
    let free = remaining(&q);
    assert_eq!(free.accelerators["baidu.com/h20_96g_cgpu"], 42.0);
    assert_eq!(free.cpu_cores, Some(914.0 - 31.142));
    assert_eq!(free.memory_bytes, Some(6017249181696.0 - 75170316288.0));
    assert_eq!(
        q[&QuantityKind::Capability].accelerators["baidu.com/h20_96g_cgpu"],
        44.0
    );
    assert_eq!(
        q[&QuantityKind::Allocated].accelerators["baidu.com/h20_96g_cgpu"],
        2.0
    );
    // 6017249181696 bytes is 5604 GiB over 16 nodes: bytes, not Gi.
    assert_eq!((6017249181696.0 / GIB).round(), 5604.0);

    // The example's one pool: empty (no nodes), filed under its type.
    let pools = map_overview(dto, &mut log);
    assert!(log.is_empty(), "{:?}", log.errors());
    let p = &pools["aihc-7c2bk1a9o3zm"];
    assert_eq!(p.pool_type, "dedicatedV2");
    assert_eq!(
        (p.cpu_cores, p.memory_bytes, p.cards),
        (Some((0.0, 0.0)), Some((0.0, 0.0)), None)
    );
}

#[test]
fn per_type_figures_are_tied_to_quota_names_by_card_model() {
    let hw = Hardware {
        by_type: BTreeMap::from([
            ("NVIDIA A800-SXM4-80GB".to_string(), (8.0, 7.0)),
            ("NVIDIA L20".to_string(), (4.0, 0.0)),
        ]),
        cards: Some((12.0, 7.0)),
        ..Hardware::default()
    };
    let models = Models::from([(
        "baidu.com/a800_80g_cgpu".to_string(),
        "NVIDIA A800-SXM4-80GB".to_string(),
    )]);
    let mut fired = Fired::default();
    let q = physical(
        &hw,
        &names(&["baidu.com/a800_80g_cgpu", "baidu.com/l20_cgpu"]),
        &models,
        &mut fired,
    );
    let free = &remaining(&q).accelerators;
    assert_eq!(free["baidu.com/a800_80g_cgpu"], 1.0);
    // No model known for the L20 quota name: the type stays the label.
    assert_eq!(free["NVIDIA L20"], 4.0);
}

#[test]
fn an_untyped_total_of_a_mixed_pool_is_labelled_all() {
    let hw = Hardware {
        cards: Some((12.0, 7.0)),
        ..Hardware::default()
    };
    let mut fired = Fired::default();
    let q = physical(&hw, &names(&["a", "b"]), &Models::new(), &mut fired);
    assert_eq!(
        remaining(&q).accelerators,
        BTreeMap::from([(ALL_ACCELERATORS.to_string(), 5.0)])
    );
}

#[test]
fn bad_figures_are_left_out_and_recorded() {
    let body = r#"{"resourcePoolsStatisticWithType": [
        "not an object",
        {"type": "common", "resourcePoolStatistics": [
            {"resourcePoolId": "cce-a",
             "acceleratorsStatistic": {"capacity": "abc", "allocated": 1},
             "resourcesStatistic": [{"resourceType": "CPU", "capacity": -5, "allocated": 0},
                                    {"resourceType": "Memory", "capacity": 10, "allocated": 20}]},
            {"resourcePoolId": " "},
            {"resourcePoolId": "cce-a", "acceleratorsStatistic": {"capacity": 1, "allocated": 0}},
            7
        ]}
    ]}"#;
    let dto: OverviewDto = serde_json::from_str(body).unwrap();
    let mut log = DecodeLog::default();
    let pools = map_overview(dto, &mut log);
    // The bad type entry, "abc", -5, the empty id and the 7.
    assert_eq!(log.errors().len(), 5, "{:?}", log.errors());
    assert_eq!(pools.len(), 1);
    let a = &pools["cce-a"];
    // The first listing is kept; its unreadable figures are absent.
    assert_eq!((a.cards, a.cpu_cores), (None, None));
    assert_eq!(a.memory_bytes, Some((10.0, 20.0)));
    let mut fired = Fired::default();
    let q = physical(a, &BTreeSet::new(), &Models::new(), &mut fired);
    // More allocated than there is: nothing free.
    assert_eq!(remaining(&q).memory_bytes, Some(0.0));
    assert_eq!(fired.count(Rule::RemainingClampedAtZero), 1);
}

fn queue(pool: &str, id: &str, free: f64) -> Queue {
    Queue {
        pool_id: pool.into(),
        id: id.into(),
        quantities: BTreeMap::from([(
            QuantityKind::Remaining,
            Resources {
                accelerators: BTreeMap::from([("gpu".to_string(), free)]),
                ..Resources::default()
            },
        )]),
        ..Queue::default()
    }
}

/// The overview lists a pool no pool list named (of a polled type, and of a
/// type not polled), and omits a polled one: the known pool is bounded, the
/// omitted one keeps its quota figure, each counted once; nothing panics.
#[test]
fn unknown_and_missing_pools_are_counted_and_the_rest_bounded() {
    let card = |cap, alloc| Hardware {
        pool_type: "common".into(),
        cards: Some((cap, alloc)),
        ..Hardware::default()
    };
    let hw = Overview::from([
        ("cce-known".to_string(), card(8.0, 7.0)),
        ("cce-unknown".to_string(), card(8.0, 0.0)),
        (
            "aihc-other-type".to_string(),
            Hardware {
                pool_type: "dedicatedV2".into(),
                ..card(1.0, 0.0)
            },
        ),
    ]);
    let mut s = Snapshot {
        pools: vec![
            Pool {
                id: "cce-known".into(),
                ..Pool::default()
            },
            Pool {
                id: "cce-missing".into(),
                ..Pool::default()
            },
        ],
        queues: vec![queue("cce-known", "a", 8.0), queue("cce-missing", "b", 8.0)],
        ..Snapshot::default()
    };
    let listed = names(&["cce-known", "cce-missing"]);
    let types = names(&["common"]);
    let mut fired = Fired::default();
    bound_by_hardware(
        &mut s,
        &hw,
        &Polled {
            listed: &listed,
            types: &types,
        },
        &Models::new(),
        &mut fired,
    );
    assert_eq!(
        s.queues[0].quantities[&QuantityKind::Remaining].accelerators["gpu"],
        1.0
    );
    assert_eq!(
        s.queues[1].quantities[&QuantityKind::Remaining].accelerators["gpu"],
        8.0
    );
    assert_eq!(
        s.pools[0].physical[&QuantityKind::Capability].accelerators["gpu"],
        8.0
    );
    assert!(s.pools[1].physical.is_empty());
    assert_eq!(fired.count(Rule::OverviewPoolNotPolled), 1);
    assert_eq!(fired.count(Rule::PoolMissingFromOverview), 1);
    assert_eq!(fired.count(Rule::RemainingBoundedByPoolIdle), 1);
}
