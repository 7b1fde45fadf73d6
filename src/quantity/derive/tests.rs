//! The derivations on hand-made inputs: every branch and every malformed shape an
//! upstream has been seen to send or could (absent blocks, `{}`, missing card
//! entries, allocated above capability, parents in other pools, repeated names,
//! loops). The seed's own numbers are asserted through the AIHC mapping
//! (src/providers/aihc/map/tests.rs).

use super::*;
use crate::model::QuantityKind as K;

fn res(cpu: Option<f64>, mem: Option<f64>, cards: &[(&str, f64)]) -> Resources {
    Resources {
        cpu_cores: cpu,
        memory_bytes: mem,
        accelerators: cards.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
    }
}

fn cards(c: &[(&str, f64)]) -> Resources {
    res(None, None, c)
}

fn q(entries: Vec<(QuantityKind, Resources)>) -> Quantities {
    entries.into_iter().collect()
}

#[test]
fn reported_remaining_wins_and_missing_cards_come_from_workload_available() {
    // The serverless seed queue aihc-test-pd-as in miniature: remaining reports
    // cpu and memory but no cards; workloadAvailable 8 cards, all 8 allocated.
    let mut quantities = q(vec![
        (
            K::Capability,
            res(Some(176.0), Some(1952.0), &[("h20", 8.0)]),
        ),
        (
            K::Allocated,
            res(Some(100.0), Some(1025.0), &[("h20", 8.0)]),
        ),
        (K::Remaining, res(Some(72.0), Some(849.0), &[])),
        (
            K::WorkloadAvailable,
            res(Some(172.0), Some(1874.0), &[("h20", 8.0)]),
        ),
    ]);
    let mut fired = Fired::default();
    remaining(
        &mut quantities,
        RemainingFrom::WorkloadAvailable,
        &mut fired,
    );
    assert_eq!(
        quantities[&K::Remaining],
        res(Some(72.0), Some(849.0), &[("h20", 0.0)])
    );
    assert_eq!(fired.count(Rule::RemainingFromWorkloadAvailable), 1);
    assert_eq!(fired.count(Rule::RemainingClampedAtZero), 0);
    // workload_available stays what the API said.
    assert_eq!(quantities[&K::WorkloadAvailable].accelerators["h20"], 8.0);
}

#[test]
fn absent_allocated_entries_and_blocks_count_zero() {
    let mut fired = Fired::default();
    // An allocated block without the card.
    let mut a = q(vec![
        (K::Allocated, res(Some(0.0), Some(0.0), &[])),
        (K::WorkloadAvailable, cards(&[("g", 16.0)])),
    ]);
    remaining(&mut a, RemainingFrom::WorkloadAvailable, &mut fired);
    assert_eq!(a[&K::Remaining], cards(&[("g", 16.0)]));
    // No allocated block at all.
    let mut b = q(vec![(K::WorkloadAvailable, res(Some(4.0), None, &[]))]);
    remaining(&mut b, RemainingFrom::WorkloadAvailable, &mut fired);
    assert_eq!(b[&K::Remaining], res(Some(4.0), None, &[]));
    assert_eq!(fired.count(Rule::RemainingFromWorkloadAvailable), 2);
}

#[test]
fn capability_minus_allocated_only_where_the_provider_allows_it() {
    let base = q(vec![
        (K::Capability, res(Some(96.0), None, &[("g", 8.0)])),
        (K::Allocated, res(Some(12.5), None, &[("g", 2.5)])),
    ]);
    let mut fired = Fired::default();
    let mut console = base.clone();
    remaining(&mut console, RemainingFrom::WorkloadAvailable, &mut fired);
    assert!(!console.contains_key(&K::Remaining), "no series");
    assert_eq!(fired, Fired::default());
    let mut openapi = base;
    remaining(
        &mut openapi,
        RemainingFrom::WorkloadAvailableOrCapability,
        &mut fired,
    );
    assert_eq!(openapi[&K::Remaining], res(Some(83.5), None, &[("g", 5.5)]));
    assert_eq!(fired.count(Rule::RemainingFromCapability), 2);
    // workloadAvailable outranks capability even then.
    let mut both = q(vec![
        (K::Capability, cards(&[("g", 8.0)])),
        (K::WorkloadAvailable, cards(&[("g", 6.0)])),
        (K::Allocated, cards(&[("g", 1.0)])),
    ]);
    remaining(
        &mut both,
        RemainingFrom::WorkloadAvailableOrCapability,
        &mut fired,
    );
    assert_eq!(both[&K::Remaining], cards(&[("g", 5.0)]));
}

#[test]
fn oversold_is_clamped_at_zero_and_counted() {
    let mut fired = Fired::default();
    // Allocated above capability (and above workload available).
    let mut quantities = q(vec![
        (K::Capability, res(Some(8.0), None, &[("g", 8.0)])),
        (K::Allocated, res(Some(10.0), None, &[("g", 9.0)])),
        (K::WorkloadAvailable, cards(&[("g", 8.0)])),
        (K::Remaining, res(Some(-2.0), None, &[])),
    ]);
    remaining(
        &mut quantities,
        RemainingFrom::WorkloadAvailableOrCapability,
        &mut fired,
    );
    assert_eq!(
        quantities[&K::Remaining],
        res(Some(0.0), None, &[("g", 0.0)])
    );
    assert_eq!(fired.count(Rule::RemainingClampedAtZero), 2);
    // Allocated above capability stays as reported.
    assert_eq!(quantities[&K::Allocated].accelerators["g"], 9.0);
}

#[test]
fn nothing_to_derive_from_gives_no_series() {
    let mut fired = Fired::default();
    for mut quantities in [
        Quantities::new(),
        q(vec![(K::Allocated, res(Some(0.0), Some(0.0), &[]))]),
        q(vec![(K::Deserved, cards(&[("g", 1.0)]))]),
    ] {
        remaining(
            &mut quantities,
            RemainingFrom::WorkloadAvailableOrCapability,
            &mut fired,
        );
        assert!(!quantities.contains_key(&K::Remaining), "{quantities:?}");
    }
    assert_eq!(fired, Fired::default());
}

#[test]
fn an_infinite_difference_is_no_figure() {
    let mut quantities = q(vec![
        (K::Capability, res(Some(f64::MAX), None, &[])),
        (K::Allocated, res(Some(-f64::MAX), None, &[])),
    ]);
    let mut fired = Fired::default();
    remaining(
        &mut quantities,
        RemainingFrom::WorkloadAvailableOrCapability,
        &mut fired,
    );
    assert!(!quantities.contains_key(&K::Remaining));
}

fn queue(pool: &str, id: &str, name: &str, parent: &str) -> Queue {
    Queue {
        pool_id: pool.into(),
        id: id.into(),
        name: name.into(),
        parent: parent.into(),
        ..Queue::default()
    }
}

fn parents_of(queues: &[Queue]) -> Vec<(&str, &str)> {
    queues
        .iter()
        .map(|q| (q.id.as_str(), q.parent.as_str()))
        .collect()
}

#[test]
fn parents_by_id_or_name_self_and_unlisted() {
    let mut queues = vec![
        // The console seed: the root is named after the pseudo-root and is its
        // own parent; `default` names that root by name.
        queue("p", "root-id", "63a9", "63a9"),
        queue("p", "default-id", "default", "63a9"),
        queue("p", "child", "c", "default-id"),
        // Self by id; a parent nobody has; an empty parent.
        queue("p", "selfish", "s", "selfish"),
        queue("p", "orphan", "o", "nobody"),
        queue("p", "plain", "pl", " "),
        // A parent that is a queue of another pool, by id and by name.
        queue("other", "x-id", "x", ""),
        queue("p", "cross-id", "cross", "x-id"),
        queue("p", "cross-name", "cross2", "x"),
    ];
    let mut fired = Fired::default();
    parents(&mut queues, &mut fired);
    assert_eq!(
        parents_of(&queues),
        vec![
            ("root-id", ""),
            ("default-id", "root-id"),
            ("child", "default-id"),
            ("selfish", ""),
            ("orphan", ""),
            ("plain", ""),
            ("x-id", ""),
            ("cross-id", ""),
            ("cross-name", ""),
        ]
    );
    assert_eq!(fired.count(Rule::ParentQueueByName), 1);
    assert_eq!(fired.count(Rule::ParentQueueIsSelf), 2);
    assert_eq!(fired.count(Rule::ParentQueueNotListed), 3);
    assert_eq!(fired.count(Rule::ParentQueueCycle), 0);
}

#[test]
fn repeated_names_resolve_to_the_smallest_id_whatever_the_order() {
    for reversed in [false, true] {
        let mut queues = vec![
            queue("p", "b-id", "team", ""),
            queue("p", "a-id", "team", ""),
            queue("p", "kid", "k", "team"),
            // The same queue twice (paging): not a repeated name.
            queue("p", "a-id", "team", ""),
        ];
        if reversed {
            queues.reverse();
        }
        let mut fired = Fired::default();
        parents(&mut queues, &mut fired);
        let kid = queues.iter().find(|q| q.id == "kid").unwrap();
        assert_eq!(kid.parent, "a-id");
        assert_eq!(fired.count(Rule::DuplicateQueueName), 1);
        assert_eq!(fired.count(Rule::ParentQueueByName), 1);
    }
}

#[test]
fn parent_loops_are_cut_at_the_smallest_id() {
    let mut queues = vec![
        queue("p", "q3", "", "q1"),
        queue("p", "q1", "", "q2"),
        queue("p", "q2", "", "q3"),
        queue("p", "leaf", "", "q2"),
        // Two queues that name each other by name.
        queue("p", "m", "em", "en"),
        queue("p", "n", "en", "em"),
    ];
    let mut fired = Fired::default();
    parents(&mut queues, &mut fired);
    assert_eq!(
        parents_of(&queues),
        vec![
            ("q3", "q1"),
            ("q1", ""),
            ("q2", "q3"),
            ("leaf", "q2"),
            ("m", ""),
            ("n", "m"),
        ]
    );
    assert_eq!(fired.count(Rule::ParentQueueCycle), 2);
}

fn with(mut queue: Queue, entries: Vec<(QuantityKind, Resources)>) -> Queue {
    queue.quantities = q(entries);
    queue
}

fn pool(id: &str) -> Pool {
    Pool {
        id: id.into(),
        ..Pool::default()
    }
}

#[test]
fn pool_totals_sum_top_level_queues_only() {
    let mut pools = vec![pool("p"), pool("empty")];
    let queues = vec![
        with(
            queue("p", "a", "", ""),
            vec![
                (K::Capability, res(Some(10.0), Some(100.0), &[("g", 8.0)])),
                (K::Allocated, res(Some(4.0), Some(40.0), &[("g", 8.0)])),
                (K::Remaining, res(Some(6.0), Some(60.0), &[("g", 0.0)])),
            ],
        ),
        // Its child: inside `a`, never counted again.
        with(
            queue("p", "a-child", "", "a"),
            vec![(K::Capability, res(Some(10.0), Some(100.0), &[("g", 8.0)]))],
        ),
        // A second top-level queue without cards allocated (absent entry = 0).
        with(
            queue("p", "b", "", ""),
            vec![
                (
                    K::Capability,
                    res(Some(2.0), Some(20.0), &[("g", 4.0), ("h", 1.0)]),
                ),
                (K::Allocated, res(Some(0.0), Some(0.0), &[])),
                (
                    K::Remaining,
                    res(Some(2.0), Some(20.0), &[("g", 4.0), ("h", 1.0)]),
                ),
            ],
        ),
        // Repeated by paging: one queue.
        with(
            queue("p", "b", "", ""),
            vec![(K::Capability, res(Some(2.0), Some(20.0), &[("g", 4.0)]))],
        ),
    ];
    let mut fired = Fired::default();
    pool_totals(&mut pools, &queues, &mut fired);
    let t = &pools[0].quantities;
    assert_eq!(
        t[&K::Capability],
        res(Some(12.0), Some(120.0), &[("g", 12.0), ("h", 1.0)])
    );
    assert_eq!(
        t[&K::Allocated],
        // No top-level queue reports allocated `h`: no figure.
        res(Some(4.0), Some(40.0), &[("g", 8.0)])
    );
    assert_eq!(
        t[&K::Remaining],
        res(Some(8.0), Some(80.0), &[("g", 4.0), ("h", 1.0)])
    );
    assert!(pools[1].quantities.is_empty(), "no queues, no totals");
    assert_eq!(fired.count(Rule::PoolTotalsFromTopLevelQueues), 1);
    assert_eq!(fired.count(Rule::PoolTotalIncomplete), 0);
}

#[test]
fn a_pool_total_a_queue_does_not_report_is_left_out_and_counted() {
    let mut pools = vec![Pool {
        // What the pool had is replaced: queue sums are the rule.
        quantities: q(vec![(K::Remaining, cards(&[("g", 99.0)]))]),
        ..pool("p")
    }];
    let queues = vec![
        with(
            queue("p", "a", "", ""),
            vec![
                (K::Capability, res(Some(8.0), None, &[("g", 8.0)])),
                (K::Remaining, res(Some(1.0), None, &[("g", 2.0)])),
            ],
        ),
        // Capability `{}`: its capability is unknown, so is the pool's; and it
        // has cards but no remaining for them.
        with(
            queue("p", "b", "", ""),
            vec![
                (K::Allocated, res(Some(1.0), None, &[("g", 1.0)])),
                (K::Remaining, res(Some(3.0), None, &[])),
            ],
        ),
    ];
    let mut fired = Fired::default();
    pool_totals(&mut pools, &queues, &mut fired);
    let t = &pools[0].quantities;
    assert!(!t.contains_key(&K::Capability), "{t:?}");
    assert_eq!(t[&K::Allocated], res(Some(1.0), None, &[("g", 1.0)]));
    assert_eq!(t[&K::Remaining], res(Some(4.0), None, &[]));
    // Capability cpu and g, remaining g.
    assert_eq!(fired.count(Rule::PoolTotalIncomplete), 3);
}

#[test]
fn pools_are_matched_by_region_too() {
    let mut pools = vec![
        Pool {
            cloud_region: Some("r1".into()),
            ..pool("p")
        },
        Pool {
            cloud_region: Some("r2".into()),
            ..pool("p")
        },
    ];
    let queues = vec![with(
        Queue {
            cloud_region: Some("r2".into()),
            ..queue("p", "a", "", "")
        },
        vec![(K::Capability, cards(&[("g", 8.0)]))],
    )];
    pool_totals(&mut pools, &queues, &mut Fired::default());
    assert!(pools[0].quantities.is_empty());
    assert_eq!(pools[1].quantities[&K::Capability], cards(&[("g", 8.0)]));
}

#[test]
fn finish_snapshot_runs_every_step() {
    let mut s = Snapshot {
        pools: vec![pool("p")],
        queues: vec![
            with(
                queue("p", "root", "root", "root"),
                vec![
                    (K::Capability, cards(&[("g", 8.0)])),
                    (K::WorkloadAvailable, cards(&[("g", 8.0)])),
                    (K::Allocated, cards(&[("g", 3.0)])),
                ],
            ),
            with(
                queue("p", "kid", "kid", "root"),
                vec![
                    (K::Capability, cards(&[("g", 8.0)])),
                    (K::WorkloadAvailable, cards(&[("g", 8.0)])),
                ],
            ),
        ],
        ..Snapshot::default()
    };
    let mut fired = Fired::default();
    finish_snapshot(&mut s, RemainingFrom::WorkloadAvailable, &mut fired);
    assert_eq!(s.queues[0].parent, "");
    assert_eq!(s.queues[1].parent, "root");
    assert_eq!(s.queues[1].quantities[&K::Remaining], cards(&[("g", 8.0)]));
    let t = &s.pools[0].quantities;
    assert_eq!(t[&K::Capability], cards(&[("g", 8.0)]));
    assert_eq!(t[&K::Remaining], cards(&[("g", 5.0)]));
}
