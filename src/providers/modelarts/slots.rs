//! A ModelArts pool's free cards node by node (ListPoolNodes `resources` and
//! `availableResources`), for the slot figures of `quantity::slots`.
//!
//! The node list is fetched every poll for the pool totals anyway, so the slot
//! figures cost no call of their own. Only nodes in phase `Available` take
//! workloads: a `Creating`, `Abnormal`, `Checking` or `Deleting` node adds no
//! slot, whatever it reports free (a broken node often reports all of itself
//! free). Its accelerators still name series, so a pool whose every card is on
//! broken nodes reads 0 slots rather than none.
//!
//! Malformed values were recorded by `map::map_nodes`, which parses the same
//! maps; here a node whose figure for an accelerator is unusable (not a
//! number, negative, or no `availableResources` at all) adds nothing for it,
//! so the slot figures are then a lower bound, never above what fits.

use std::collections::BTreeMap;

use crate::model::FreeBlocks;
use crate::providers::upstream::decode::Lenient;
use crate::quantity::slots::node_free;
use crate::quantity::{self, Fired, RawQuantity};

use super::dto::NodeDto;
use super::map::{is_accelerator, AVAILABLE_PHASE};

/// A count as the node reports it: `None` when it is not a usable amount
/// (malformed, empty, negative; already recorded by the mapping).
fn count(raw: &RawQuantity) -> Option<f64> {
    quantity::parse(raw).ok().flatten().filter(|v| *v >= 0.0)
}

/// The accelerator entries of one node resource map, by trimmed name.
fn accelerators(
    map: &BTreeMap<String, RawQuantity>,
) -> impl Iterator<Item = (&str, &RawQuantity)> + '_ {
    map.iter()
        .filter(|(k, _)| is_accelerator(k))
        .map(|(k, v)| (k.trim(), v))
}

/// Accelerator resource name → the free cards of the pool's schedulable
/// nodes. Free cards above a node's total count as its total
/// ([`crate::quantity::Rule::NodeFreeClampedAtTotal`], fired into `fired`).
pub fn free_blocks(nodes: &[Lenient<NodeDto>], fired: &mut Fired) -> BTreeMap<String, FreeBlocks> {
    let mut out: BTreeMap<String, FreeBlocks> = BTreeMap::new();
    for item in nodes {
        // A node that did not decode was recorded by the mapping.
        let Lenient::Ok(node) = item else { continue };
        let Some(status) = &node.status else { continue };
        let total = status.resources.as_ref();
        for (name, _) in total.into_iter().flat_map(accelerators) {
            if !out.contains_key(name) {
                out.insert(name.to_string(), FreeBlocks::default());
            }
        }
        let schedulable = status.phase.as_deref().map(str::trim) == Some(AVAILABLE_PHASE);
        if !schedulable {
            continue;
        }
        // Without `availableResources` the node's free cards are unknown.
        let Some(free) = &status.available_resources else {
            continue;
        };
        let mut node: BTreeMap<&str, f64> = BTreeMap::new();
        for (name, raw) in accelerators(free) {
            if let Some(v) = count(raw) {
                node.insert(name, v);
            } else {
                // Unusable: this node adds nothing for it (not even a 0 below).
                node.insert(name, f64::NAN);
            }
        }
        // A card the node has but does not list as free has none free.
        for (name, _) in total.into_iter().flat_map(accelerators) {
            node.entry(name).or_insert(0.0);
        }
        for (name, v) in node {
            if v.is_nan() {
                continue;
            }
            let has = total.map(|t| {
                // Listed as free but not among its resources: it has none.
                accelerators(t)
                    .find(|(k, _)| *k == name)
                    .map_or(Some(0.0), |(_, raw)| count(raw))
            });
            let v = match has {
                // Its total is unusable: nothing to check the free figure by.
                Some(None) => continue,
                Some(Some(t)) => node_free(Some(t), v, fired),
                None => v,
            };
            out.entry(name.to_string()).or_default().add_node(v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quantity::slots::DEFAULT_SLOT_SIZES;
    use crate::quantity::Rule;

    const GPU: &str = "nvidia.com/gpu";

    fn nodes(json: serde_json::Value) -> Vec<Lenient<NodeDto>> {
        serde_json::from_value::<Vec<Lenient<NodeDto>>>(json).expect("a node list")
    }

    fn node(phase: &str, total: &str, free: &str) -> serde_json::Value {
        serde_json::json!({
            "metadata": {"name": format!("n-{phase}-{total}-{free}")},
            "status": {
                "phase": phase,
                "resources": {"cpu": "192", "memory": "1536Gi", GPU: total},
                "availableResources": {"cpu": "100", "memory": "800Gi", GPU: free},
            }
        })
    }

    fn slots(b: &FreeBlocks) -> Vec<(u32, f64)> {
        DEFAULT_SLOT_SIZES
            .iter()
            .map(|n| (*n, b.slots(*n)))
            .collect()
    }

    #[test]
    fn fragmented_pool_with_an_abnormal_node() {
        // 4 healthy nodes of 8 GPUs with 2 free each, and an abnormal node
        // whose 8 GPUs read "available": it takes no workloads.
        let mut list: Vec<_> = (0..4).map(|_| node("Available", "8", "2")).collect();
        list.push(node("Abnormal", "8", "8"));
        let mut fired = Fired::default();
        let blocks = free_blocks(&nodes(serde_json::Value::Array(list)), &mut fired);
        let gpu = &blocks[GPU];
        assert_eq!(gpu.free_cards(), 8.0);
        assert_eq!(gpu.largest, 2.0);
        assert_eq!(slots(gpu), vec![(1, 8.0), (2, 4.0), (4, 0.0), (8, 0.0)]);
        assert_eq!(blocks.len(), 1, "cpu and memory are no accelerators");
        assert_eq!(fired, Fired::default());
    }

    #[test]
    fn only_broken_nodes_read_zero_not_absent() {
        let list = nodes(serde_json::json!([
            node("Abnormal", "8", "8"),
            node("Creating", "8", "8")
        ]));
        let blocks = free_blocks(&list, &mut Fired::default());
        assert_eq!(blocks[GPU], FreeBlocks::default());
        assert_eq!(slots(&blocks[GPU])[0], (1, 0.0));
    }

    #[test]
    fn bad_node_figures_are_clamped_or_dropped() {
        let list = nodes(serde_json::json!([
            // Free above total: clamped to 8, counted.
            node("Available", "8", "12"),
            // Negative and non-numeric free counts: the node adds nothing.
            node("Available", "8", "-1"),
            node("Available", "8", "lots"),
            // A malformed total: nothing to check its free figure by.
            node("Available", "many", "4"),
            // No accelerator keys at all: 0 cards, no slot.
            {"status": {"phase": "Available", "resources": {"cpu": "8"},
                        "availableResources": {"cpu": "8"}}},
            // An available node without availableResources: unknown, skipped.
            {"status": {"phase": "Available", "resources": {GPU: "8"}}},
            // Listed free but not among its resources: it has none.
            {"status": {"phase": "Available", "resources": {"cpu": "8"},
                        "availableResources": {GPU: "4"}}},
            // Its resource not listed as free: 0 free.
            {"status": {"phase": "Available", "resources": {GPU: "8"},
                        "availableResources": {}}},
            // Not a node object (recorded by the mapping).
            "garbage",
        ]));
        let mut fired = Fired::default();
        let blocks = free_blocks(&list, &mut fired);
        let gpu = &blocks[GPU];
        assert_eq!(gpu.largest, 8.0);
        assert_eq!(slots(gpu), vec![(1, 8.0), (2, 4.0), (4, 2.0), (8, 1.0)]);
        assert_eq!(fired.count(Rule::NodeFreeClampedAtTotal), 2);
    }

    #[test]
    fn no_nodes_no_series() {
        assert!(free_blocks(&[], &mut Fired::default()).is_empty());
    }
}
