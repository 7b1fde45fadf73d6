//! The capacity rows of the AIHC console seed, as the status page and `top`
//! order them (the rows themselves are built in `aipool_model::capacity`,
//! which cannot see the seeds).

use crate::capacity::{Capacity, CapacityRow, FreeSource};
use crate::quantity::slots::DEFAULT_SLOT_SIZES;

#[test]
fn the_seeds_full_queue_has_no_free_cards_and_comes_first() {
    // The console seed, common and serverless: aihc-test-pd-as (root
    // aihcq-1jpvdatpi23i and child aihcq-2fbh72rxz1s0) has 8 of 8 H20-141G
    // cards allocated; so has its pool's total.
    let (s, _) = crate::providers::aihc::seed::console_account();
    let c = Capacity::of(&s, "bj", &DEFAULT_SLOT_SIZES);
    let row = |r: &CapacityRow| {
        (
            r.pool_id.clone(),
            r.queue.as_ref().map(|q| q.0.clone()),
            r.capability,
            r.allocated,
            r.free,
            r.headroom(),
        )
    };
    let h20 = "baidu.com/h20_141g_cgpu";
    let first: Vec<_> = c.rows.iter().take(3).map(row).collect();
    let full = |queue: Option<&str>| {
        (
            "aihc-mv940z1b57zu".to_string(),
            queue.map(String::from),
            Some(8.0),
            Some(8.0),
            Some(0.0),
            Some(0.0),
        )
    };
    assert_eq!(
        first,
        vec![
            full(None),
            full(Some("aihcq-1jpvdatpi23i")),
            full(Some("aihcq-2fbh72rxz1s0")),
        ]
    );
    assert!(c.rows[..3].iter().all(|r| r.accelerator == h20));
    assert!(c.rows[..3]
        .iter()
        .all(|r| r.free_source == FreeSource::Remaining));
    // Every other row has all its cards free: wanlei-test 8 of 8 H20-96G,
    // queue-nllqttp17gv6 16 of 16 RTX 4090 (and their pools).
    let rest: Vec<_> = c.rows[3..]
        .iter()
        .map(|r| (r.queue.as_ref().map(|q| q.0.as_str()), r.free, r.headroom()))
        .collect();
    assert_eq!(
        rest,
        vec![
            (None, Some(8.0), Some(1.0)),
            (Some("aihcq-vn5bx255v2s3"), Some(8.0), Some(1.0)),
            (Some("aihcq-yvqh14qdtdg0"), Some(8.0), Some(1.0)),
            (None, Some(16.0), Some(1.0)),
            (Some("queue-nllqttp17gv6"), Some(16.0), Some(1.0)),
        ]
    );
    // `default` has no cards; three pools have no queues.
    assert_eq!(c.without_accelerators, 4);
}
