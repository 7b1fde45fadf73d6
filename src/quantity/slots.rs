//! Free slots: how many single-node jobs of N cards fit right now, and the
//! largest free block (the most free cards on any one schedulable node).
//!
//! A sum of free cards does not answer "can my 8-card job start?": 8 free
//! cards spread 2 per node fit no 4-card job. Where a platform reports free
//! cards node by node (ModelArts' node lists) or in whole nodes (Sugon HPC
//! queues), providers record them in a [`FreeBlocks`] per accelerator; the
//! renderer asks it for the account's `slot_sizes`:
//!
//! - slots of N = Σ over schedulable nodes of ⌊free cards on the node ÷ N⌋;
//! - largest free block = the most free cards on one schedulable node.
//!
//! Provider-neutral and linear in the nodes: a node is one histogram update,
//! a slot figure one pass over the distinct free values.

pub use crate::model::FreeBlocks;

use super::{Fired, Rule};

/// The slot sizes of an account that sets none: the common single-node job
/// shapes on 8-card machines.
pub const DEFAULT_SLOT_SIZES: [u32; 4] = [1, 2, 4, 8];

/// At most this many sizes: each is one series per pool, queue and
/// accelerator.
pub const MAX_SLOT_SIZES: usize = 16;

/// One schedulable node's free cards of one accelerator, checked against its
/// total: above the total (a node cannot have more free than it has) it is
/// the total, firing [`Rule::NodeFreeClampedAtTotal`]. `total` is `None` when
/// the node reports no total for it (nothing to check against); a node that
/// reports resources but not this accelerator has 0 of it, and passes
/// `Some(0.0)`.
pub fn node_free(total: Option<f64>, free: f64, fired: &mut Fired) -> f64 {
    match total {
        Some(t) if free > t => {
            fired.fire(Rule::NodeFreeClampedAtTotal);
            t
        }
        _ => free,
    }
}

/// Why a `slot_sizes` list is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlotSizesError {
    #[error("must list at least one size")]
    Empty,
    #[error("lists {0} sizes; at most {MAX_SLOT_SIZES}")]
    TooMany(usize),
    #[error("entry {at}: {value} is not a positive whole number of cards")]
    NotPositive { at: usize, value: String },
    #[error("entry {at}: {value} is listed twice")]
    Duplicate { at: usize, value: u32 },
}

/// Checks a `slot_sizes` list as given (each entry as read from the config).
pub fn check_sizes(raw: &[serde_json::Value]) -> Result<Vec<u32>, SlotSizesError> {
    if raw.is_empty() {
        return Err(SlotSizesError::Empty);
    }
    if raw.len() > MAX_SLOT_SIZES {
        return Err(SlotSizesError::TooMany(raw.len()));
    }
    let mut out: Vec<u32> = Vec::with_capacity(raw.len());
    for (at, v) in raw.iter().enumerate() {
        // Environment overrides arrive as text.
        let n = match v {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => s.trim().parse::<u64>().ok(),
            _ => None,
        };
        let Some(n) = n.filter(|n| *n >= 1).and_then(|n| u32::try_from(n).ok()) else {
            return Err(SlotSizesError::NotPositive {
                at,
                value: v.to_string(),
            });
        };
        if out.contains(&n) {
            return Err(SlotSizesError::Duplicate { at, value: n });
        }
        out.push(n);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sizes(blocks: &FreeBlocks) -> Vec<(u32, f64)> {
        DEFAULT_SLOT_SIZES
            .iter()
            .map(|n| (*n, blocks.slots(*n)))
            .collect()
    }

    #[test]
    fn fragmented_nodes_fit_no_large_job() {
        // 4 nodes with 2 of 8 cards free each: 8 free, no 4-card job fits.
        let mut b = FreeBlocks::default();
        for _ in 0..4 {
            b.add_node(2.0);
        }
        assert_eq!(b.free_cards(), 8.0);
        assert_eq!(b.largest, 2.0);
        assert_eq!(sizes(&b), vec![(1, 8.0), (2, 4.0), (4, 0.0), (8, 0.0)]);
    }

    #[test]
    fn whole_free_nodes_fit_jobs_by_node() {
        // 2 free nodes of 8 cards each.
        let b = FreeBlocks::whole_nodes(2.0, 8.0);
        assert_eq!(b.largest, 8.0);
        assert_eq!(sizes(&b), vec![(1, 16.0), (2, 8.0), (4, 4.0), (8, 2.0)]);
        // Sizes that do not divide the node: 3 per node, 2 nodes.
        assert_eq!(b.slots(3), 4.0);
        assert_eq!(b.slots(16), 0.0);
    }

    #[test]
    fn no_free_node_has_no_block() {
        let b = FreeBlocks::whole_nodes(0.0, 8.0);
        assert_eq!(b.largest, 0.0);
        assert_eq!(sizes(&b), vec![(1, 0.0), (2, 0.0), (4, 0.0), (8, 0.0)]);
        let garbage = FreeBlocks::whole_nodes(f64::NAN, 8.0);
        assert_eq!(garbage, FreeBlocks::default());
    }

    #[test]
    fn fractions_fit_no_whole_job_but_show_as_the_largest_block() {
        let mut b = FreeBlocks::default();
        b.add_node(0.5);
        b.add_node(2.5);
        b.add_node(0.0);
        b.add_node(-1.0);
        b.add_node(f64::INFINITY);
        assert_eq!(b.largest, 2.5);
        assert_eq!(b.slots(1), 2.0);
        assert_eq!(b.slots(2), 1.0);
        assert_eq!(b.slots(0), 0.0);
    }

    #[test]
    fn free_above_total_is_clamped_and_counted() {
        let mut fired = Fired::default();
        assert_eq!(node_free(Some(8.0), 9.0, &mut fired), 8.0);
        assert_eq!(node_free(Some(8.0), 8.0, &mut fired), 8.0);
        assert_eq!(node_free(None, 9.0, &mut fired), 9.0);
        // A node with no such cards at all has none free.
        assert_eq!(node_free(Some(0.0), 4.0, &mut fired), 0.0);
        assert_eq!(fired.count(Rule::NodeFreeClampedAtTotal), 2);
    }

    #[test]
    fn ten_thousand_nodes_stay_a_small_histogram() {
        let mut b = FreeBlocks::default();
        for i in 0..10_000u32 {
            b.add_node(f64::from(i % 9));
        }
        assert_eq!(b.nodes_by_free.len(), 8);
        assert_eq!(b.largest, 8.0);
        // 1111 or 1112 nodes of each free value 0..=8.
        let expected: f64 = (0..10_000u32).map(|i| f64::from(i % 9 / 4)).sum();
        assert_eq!(b.slots(4), expected);
    }

    #[test]
    fn slot_sizes_are_checked() {
        assert_eq!(
            check_sizes(&[json!(1), json!(2), json!("4")]),
            Ok(vec![1, 2, 4])
        );
        assert_eq!(
            check_sizes(&[json!(0)]),
            Err(SlotSizesError::NotPositive {
                at: 0,
                value: "0".into()
            })
        );
        assert_eq!(
            check_sizes(&[json!(3), json!(3)]),
            Err(SlotSizesError::Duplicate { at: 1, value: 3 })
        );
        assert!(matches!(
            check_sizes(&[json!(-2)]),
            Err(SlotSizesError::NotPositive { .. })
        ));
        assert!(matches!(
            check_sizes(&[json!(1.5)]),
            Err(SlotSizesError::NotPositive { .. })
        ));
        assert_eq!(check_sizes(&[]), Err(SlotSizesError::Empty));
        let many: Vec<_> = (1..=17).map(|n| json!(n)).collect();
        assert_eq!(check_sizes(&many), Err(SlotSizesError::TooMany(17)));
        assert_eq!(check_sizes(&many[..16]).map(|v| v.len()), Ok(16));
    }
}
