//! What the status page keeps of a snapshot: per pool and queue, each
//! accelerator type's capability, allocated and free cards, and where the
//! platform counts free cards per node the largest free block and the slots by
//! job size, least headroom first, at most [`KEEP_ROWS`] of them per account.
//!
//! It is taken once per successful poll, when the account publishes, and the
//! snapshot itself is then dropped: on a fleet of a million series the snapshot
//! costs about as much memory again as the rendered exposition (bench/RESULTS.md),
//! while the page only ever shows the rows with the least headroom.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use crate::model::{FreeBlocks, Pool, Quantities, QuantityKind, Queue, Snapshot};

pub use units::{compute_unit_rows, ComputeUnitRow};

mod units;

/// The most rows one account keeps, and the most the page shows in all: the rows
/// with the least headroom are the ones an operator opens the page for, and a
/// page of a hundred thousand rows would not load. Every series is on /metrics.
pub const KEEP_ROWS: usize = 1000;

/// Where a row's free figure comes from. Free is the `Remaining` quantity only:
/// where the API reports none, the provider has already derived it by a named
/// rule (`quantity::derive::remaining`), or there is no figure and no series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreeSource {
    /// `aipool_{pool,queue}_remaining_accelerators`.
    Remaining,
    /// No remaining series: the data does not determine free (e.g. Sugon reports
    /// no allocation).
    Unknown,
}

impl FreeSource {
    pub fn as_str(self) -> &'static str {
        match self {
            FreeSource::Remaining => "remaining",
            FreeSource::Unknown => "unknown",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FreeSource::Remaining => "remaining",
            FreeSource::Unknown => "not reported",
        }
    }
}

/// Where a row's capability comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapabilitySource {
    /// The platform's own figure (`aipool_{pool,queue}_capability_accelerators`).
    Reported,
    /// Sugon: `aipool_pool_nodes` × `aipool_pool_node_capability_accelerators`.
    NodesTimesPerNode,
}

impl CapabilitySource {
    pub fn as_str(self) -> &'static str {
        match self {
            CapabilitySource::Reported => "reported",
            CapabilitySource::NodesTimesPerNode => "nodes_x_per_node",
        }
    }
}

/// One accelerator type of one pool or queue. Kept rows own their strings;
/// while rows are chosen they borrow them from the snapshot (`S = &str`), so the
/// rows not kept never allocate theirs.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityRow<S = String> {
    pub cloud_region: S,
    pub pool_id: S,
    pub pool_name: S,
    /// (id, name); `None` for a pool-level row.
    pub queue: Option<(S, S)>,
    pub accelerator: S,
    pub capability: Option<f64>,
    pub capability_source: CapabilitySource,
    pub allocated: Option<f64>,
    pub free: Option<f64>,
    pub free_source: FreeSource,
    /// The most free cards on one schedulable node, as
    /// `aipool_{pool,queue}_largest_free_block_accelerators`: the largest
    /// single-node job that can start now. `None` where the platform reports
    /// no per-node figure (then there is no series either), never 0.
    pub largest_free_block: Option<f64>,
    /// How many single-node jobs of each size fit now, as
    /// `aipool_{pool,queue}_free_slots{cards}`: (cards, slots), smallest size
    /// first. `None` where the platform reports no per-node figure.
    pub slots: Option<Vec<(u32, f64)>>,
}

impl<S> CapacityRow<S> {
    /// free / capability, where both are known and capability is above 0.
    pub fn headroom(&self) -> Option<f64> {
        match (self.free, self.capability) {
            (Some(f), Some(c)) if c > 0.0 => Some(f / c),
            _ => None,
        }
    }
}

/// Least headroom first; rows without a headroom last; then the least free cards.
/// Rows that tie here are ordered by [`by_identity`].
pub fn by_need<S>(a: &CapacityRow<S>, b: &CapacityRow<S>) -> Ordering {
    let (ah, bh) = (a.headroom(), b.headroom());
    ah.is_none()
        .cmp(&bh.is_none())
        .then_with(|| cmp_opt(ah, bh))
        .then_with(|| cmp_opt(a.free, b.free))
}

/// Region, pool, queue (pool rows first), accelerator: a stable order for ties.
pub fn by_identity<S: Ord>(a: &CapacityRow<S>, b: &CapacityRow<S>) -> Ordering {
    (&a.cloud_region, &a.pool_id, &a.queue, &a.accelerator).cmp(&(
        &b.cloud_region,
        &b.pool_id,
        &b.queue,
        &b.accelerator,
    ))
}

/// Known figures before unknown ones, then by value; the order every view
/// sorts rows and compute units in.
pub fn cmp_opt(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.total_cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// What the status page keeps of one account's last good snapshot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Capacity {
    pub pools: usize,
    pub queues: usize,
    /// The rows with the least headroom, in [`by_need`] then [`by_identity`]
    /// order; at most [`KEEP_ROWS`].
    pub rows: Vec<CapacityRow>,
    /// Rows the snapshot had, kept or not.
    pub total_rows: usize,
    /// Pools and queues that report no accelerators (and so have no row).
    pub without_accelerators: usize,
    /// Qianfan compute units, soonest expiry first (see [`ComputeUnitRow`]);
    /// at most [`KEEP_ROWS`].
    pub compute_units: Vec<ComputeUnitRow>,
    /// Compute units the snapshot had, kept or not.
    pub total_compute_units: usize,
}

impl Capacity {
    /// `account_region` stands in for objects without a region of their own;
    /// `slot_sizes` are the account's job sizes of the free-slot figures (as
    /// rendered on /metrics).
    pub fn of(snapshot: &Snapshot, account_region: &str, slot_sizes: &[u32]) -> Capacity {
        Self::keeping(snapshot, account_region, slot_sizes, KEEP_ROWS)
    }

    fn keeping<'a>(
        snapshot: &'a Snapshot,
        account_region: &'a str,
        slot_sizes: &[u32],
        keep: usize,
    ) -> Capacity {
        let mut sizes = slot_sizes.to_vec();
        sizes.sort_unstable();
        sizes.dedup();
        let mut rows: Vec<CapacityRow<&'a str>> = Vec::new();
        let mut without = 0;
        let region = |r: &'a Option<String>| r.as_deref().unwrap_or(account_region);
        let pools_with_queues: HashSet<&str> =
            snapshot.queues.iter().map(|q| q.pool_id.as_str()).collect();
        for p in &snapshot.pools {
            let before = rows.len();
            pool_rows(p, region(&p.cloud_region), &sizes, &mut rows);
            // A pool whose queues carry its accelerators is shown through them.
            if rows.len() == before && !pools_with_queues.contains(p.id.as_str()) {
                without += 1;
            }
        }
        let names: HashMap<&str, &str> = snapshot
            .pools
            .iter()
            .map(|p| (p.id.as_str(), p.name.as_str()))
            .collect();
        for q in &snapshot.queues {
            let before = rows.len();
            let pool_name = names.get(q.pool_id.as_str()).copied().unwrap_or("");
            queue_rows(q, pool_name, region(&q.cloud_region), &sizes, &mut rows);
            if rows.len() == before {
                without += 1;
            }
        }
        let total_rows = rows.len();
        let order = |a: &CapacityRow<&str>, b: &CapacityRow<&str>| {
            by_need(a, b).then_with(|| by_identity(a, b))
        };
        if rows.len() > keep {
            rows.select_nth_unstable_by(keep, order);
            rows.truncate(keep);
        }
        rows.sort_by(order);
        Capacity {
            pools: snapshot.pools.len(),
            queues: snapshot.queues.len(),
            rows: rows.iter().map(CapacityRow::to_owned_row).collect(),
            total_rows,
            without_accelerators: without,
            compute_units: units::of(snapshot, keep),
            total_compute_units: snapshot.compute_units.len(),
        }
    }
}

impl Capacity {
    /// Adds the rows of `previous` whose pool `keep(region, pool_id)` names: a
    /// pool whose calls failed keeps the rows of its last good fetch, as its
    /// series are kept on /metrics. Still at most [`KEEP_ROWS`], neediest first.
    pub fn keep_rows_of(&mut self, previous: &Capacity, keep: impl Fn(&str, &str) -> bool) {
        let before = self.rows.len();
        self.rows.extend(
            previous
                .rows
                .iter()
                .filter(|r| keep(&r.cloud_region, &r.pool_id))
                .cloned(),
        );
        let added = self.rows.len() - before;
        if added == 0 {
            return;
        }
        self.total_rows += added;
        self.rows
            .sort_by(|a, b| by_need(a, b).then_with(|| by_identity(a, b)));
        self.rows.truncate(KEEP_ROWS);
    }
}

impl CapacityRow<&str> {
    fn to_owned_row(&self) -> CapacityRow {
        CapacityRow {
            cloud_region: self.cloud_region.to_string(),
            pool_id: self.pool_id.to_string(),
            pool_name: self.pool_name.to_string(),
            queue: self
                .queue
                .map(|(id, name)| (id.to_string(), name.to_string())),
            accelerator: self.accelerator.to_string(),
            capability: self.capability,
            capability_source: self.capability_source,
            allocated: self.allocated,
            free: self.free,
            free_source: self.free_source,
            largest_free_block: self.largest_free_block,
            slots: self.slots.clone(),
        }
    }
}

fn acc(q: &Quantities, kind: QuantityKind, name: &str) -> Option<f64> {
    q.get(&kind).and_then(|r| r.accelerators.get(name)).copied()
}

/// Capability, allocated and free of one accelerator type from a quantity map.
/// Free is `Remaining` and nothing else: a fallback here would make the page
/// disagree with `/metrics` and with every alert on `remaining`.
fn figures(q: &Quantities, name: &str) -> (Option<f64>, Option<f64>, Option<f64>, FreeSource) {
    let cap = acc(q, QuantityKind::Capability, name);
    let alloc = acc(q, QuantityKind::Allocated, name);
    let (free, source) = match acc(q, QuantityKind::Remaining, name) {
        Some(r) => (Some(r), FreeSource::Remaining),
        None => (None, FreeSource::Unknown),
    };
    (cap, alloc, free, source)
}

/// The largest free block and the slots of each size (smallest first) of one
/// accelerator, where the pool or queue reports free cards node by node.
/// Without sizes (a view read back from /metrics fills them in itself) there
/// is no slot figure.
fn blocks(
    free_blocks: &std::collections::BTreeMap<String, FreeBlocks>,
    name: &str,
    sizes: &[u32],
) -> (Option<f64>, Option<Vec<(u32, f64)>>) {
    match free_blocks.get(name) {
        Some(b) => (
            Some(b.largest),
            (!sizes.is_empty()).then(|| sizes.iter().map(|n| (*n, b.slots(*n))).collect()),
        ),
        None => (None, None),
    }
}

/// The accelerator names any of the four shown quantities reports, sorted.
fn accelerator_names(q: &Quantities) -> Vec<&str> {
    let mut names: Vec<&str> = [
        QuantityKind::Capability,
        QuantityKind::Allocated,
        QuantityKind::Remaining,
        QuantityKind::WorkloadAvailable,
    ]
    .iter()
    .filter_map(|k| q.get(k))
    .flat_map(|r| r.accelerators.keys().map(String::as_str))
    .collect();
    names.sort_unstable();
    names.dedup();
    names
}

fn pool_rows<'a>(p: &'a Pool, region: &'a str, sizes: &[u32], out: &mut Vec<CapacityRow<&'a str>>) {
    let base = |accelerator: &'a str| CapacityRow {
        cloud_region: region,
        pool_id: p.id.as_str(),
        pool_name: p.name.as_str(),
        queue: None,
        accelerator,
        capability: None,
        capability_source: CapabilitySource::Reported,
        allocated: None,
        free: None,
        free_source: FreeSource::Unknown,
        largest_free_block: None,
        slots: None,
    };
    let names = accelerator_names(&p.quantities);
    if !names.is_empty() {
        for name in names {
            let (capability, allocated, free, free_source) = figures(&p.quantities, name);
            let (largest_free_block, slots) = blocks(&p.free_blocks, name, sizes);
            out.push(CapacityRow {
                capability,
                allocated,
                free,
                free_source,
                largest_free_block,
                slots,
                ..base(name)
            });
        }
    } else if let (Some(nc), Some(nodes)) = (&p.node_capability, p.nodes) {
        // Sugon: the pool's size is its node count times the cards of one node;
        // it reports no allocation, so free stays unknown.
        for (name, per_node) in &nc.accelerators {
            out.push(CapacityRow {
                capability: Some(nodes * per_node),
                capability_source: CapabilitySource::NodesTimesPerNode,
                ..base(name)
            });
        }
    }
}

fn queue_rows<'a>(
    q: &'a Queue,
    pool_name: &'a str,
    region: &'a str,
    sizes: &[u32],
    out: &mut Vec<CapacityRow<&'a str>>,
) {
    for name in accelerator_names(&q.quantities) {
        let (capability, allocated, free, free_source) = figures(&q.quantities, name);
        let (largest_free_block, slots) = blocks(&q.free_blocks, name, sizes);
        out.push(CapacityRow {
            cloud_region: region,
            pool_id: q.pool_id.as_str(),
            pool_name,
            queue: Some((q.id.as_str(), q.name.as_str())),
            accelerator: name,
            capability,
            capability_source: CapabilitySource::Reported,
            allocated,
            free,
            free_source,
            largest_free_block,
            slots,
        });
    }
}

/// A duration for people: `12 d 4 h`, `3 h 5 min`, `42 s` (the status page and
/// `top` say how long until a compute unit expires the same way).
pub fn span(secs: f64) -> String {
    let s = secs.max(0.0) as u64;
    let (d, h, m) = (s / 86400, s % 86400 / 3600, s % 3600 / 60);
    if d > 0 {
        format!("{d} d {h} h")
    } else if h > 0 {
        format!("{h} h {m} min")
    } else if m > 0 {
        format!("{m} min")
    } else {
        format!("{s} s")
    }
}

/// Numbers for people: at most two decimals, trailing zeros dropped, `—` for
/// unknown (the terminal view `top` writes them the same way).
pub fn short(v: Option<f64>) -> String {
    match v {
        None => "—".to_string(),
        Some(v) if !v.is_finite() => v.to_string(),
        Some(v) => {
            let s = format!("{v:.2}");
            let s = s.trim_end_matches('0').trim_end_matches('.');
            if s == "-0" {
                "0".to_string()
            } else {
                s.to_string()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Resources;

    /// The exporter's default `slot_sizes` (`quantity::slots` there).
    const DEFAULT_SLOT_SIZES: [u32; 4] = [1, 2, 4, 8];

    fn queue(pool: &str, id: &str, cap: f64, free: f64) -> Queue {
        let cards = |v: f64| Resources {
            accelerators: [("nvidia.com/gpu".to_string(), v)].into(),
            ..Resources::default()
        };
        Queue {
            pool_id: pool.into(),
            id: id.into(),
            name: format!("{id}-name"),
            quantities: [
                (QuantityKind::Capability, cards(cap)),
                (QuantityKind::Remaining, cards(free)),
            ]
            .into(),
            ..Queue::default()
        }
    }

    fn fleet(queues: usize) -> Snapshot {
        let mut s = Snapshot::default();
        s.pools.push(Pool {
            id: "p".into(),
            name: "pool".into(),
            ..Pool::default()
        });
        // Headroom falls with the index: q0 has the most, the last the least.
        s.queues = (0..queues)
            .map(|i| queue("p", &format!("q{i:03}"), 100.0, (queues - i) as f64))
            .collect();
        s
    }

    #[test]
    fn keeps_the_rows_with_the_least_headroom_in_order() {
        let c = Capacity::keeping(&fleet(50), "bj", &[1], 10);
        assert_eq!((c.pools, c.queues, c.total_rows), (1, 50, 50));
        assert_eq!(
            c.without_accelerators, 0,
            "the pool is shown through its queues"
        );
        let ids: Vec<&str> = c
            .rows
            .iter()
            .map(|r| r.queue.as_ref().map_or("", |q| q.0.as_str()))
            .collect();
        assert_eq!(
            ids,
            ["q049", "q048", "q047", "q046", "q045", "q044", "q043", "q042", "q041", "q040"]
        );
        assert_eq!(c.rows[0].free, Some(1.0));
        assert_eq!(c.rows[0].pool_name, "pool");
        assert_eq!(c.rows[0].cloud_region, "bj");
    }

    #[test]
    fn keeps_every_row_when_there_are_few() {
        let c = Capacity::keeping(&fleet(5), "bj", &[1], 10);
        assert_eq!((c.rows.len(), c.total_rows), (5, 5));
        assert!(c.rows.windows(2).all(|w| by_need(&w[0], &w[1]).is_le()));
    }

    #[test]
    fn free_is_remaining_only() {
        // workload available and capability − allocated are rules upstream of
        // the page; without a remaining figure free is unknown.
        let cards = |v: f64| Resources {
            accelerators: [("g".to_string(), v)].into(),
            ..Resources::default()
        };
        let mut s = Snapshot::default();
        s.queues.push(Queue {
            pool_id: "p".into(),
            id: "q".into(),
            quantities: [
                (QuantityKind::Capability, cards(8.0)),
                (QuantityKind::Allocated, cards(2.0)),
                (QuantityKind::WorkloadAvailable, cards(8.0)),
            ]
            .into(),
            ..Queue::default()
        });
        let c = Capacity::of(&s, "bj", &DEFAULT_SLOT_SIZES);
        assert_eq!(
            (c.rows[0].free, c.rows[0].free_source),
            (None, FreeSource::Unknown)
        );
    }

    /// The ModelArts example of docs/slots.md: 4 available nodes of 8 GPUs
    /// with 2 free each (its abnormal fifth node adds no block: the provider's
    /// node reading, tested there, leaves it out).
    fn fragmented_pool() -> Pool {
        let mut blocks = FreeBlocks::default();
        for _ in 0..4 {
            blocks.add_node(2.0);
        }
        let cards = |v: f64| Resources {
            accelerators: [("nvidia.com/gpu".to_string(), v)].into(),
            ..Resources::default()
        };
        Pool {
            id: "frag".into(),
            quantities: [
                (QuantityKind::Capability, cards(40.0)),
                (QuantityKind::Remaining, cards(8.0)),
            ]
            .into(),
            free_blocks: [("nvidia.com/gpu".to_string(), blocks)].into(),
            ..Pool::default()
        }
    }

    #[test]
    fn a_fragmented_pool_has_8_free_but_a_largest_block_of_2() {
        let mut s = fleet(1);
        s.pools.push(fragmented_pool());
        // Sugon HPC: 2 whole free nodes of 8 cards.
        s.queues[0].free_blocks = [(
            "nvidia.com/gpu".to_string(),
            FreeBlocks::whole_nodes(2.0, 8.0),
        )]
        .into();
        s.queues.push(queue("p", "no-nodes", 8.0, 8.0));
        let c = Capacity::of(&s, "bj", &DEFAULT_SLOT_SIZES);
        let figures = |pool: &str, queue: Option<&str>| {
            let r = c
                .rows
                .iter()
                .find(|r| r.pool_id == pool && r.queue.as_ref().map(|q| q.0.as_str()) == queue)
                .expect("the row");
            (r.free, r.largest_free_block, r.slots.clone())
        };
        assert_eq!(
            figures("frag", None),
            (
                Some(8.0),
                Some(2.0),
                Some(vec![(1, 8.0), (2, 4.0), (4, 0.0), (8, 0.0)])
            )
        );
        assert_eq!(
            figures("p", Some("q000")),
            (
                Some(1.0),
                Some(8.0),
                Some(vec![(1, 16.0), (2, 8.0), (4, 4.0), (8, 2.0)])
            )
        );
        // No per-node figure: unknown, not 0.
        assert_eq!(figures("p", Some("no-nodes")), (Some(8.0), None, None));

        // The account's own sizes, smallest first whatever their order.
        let c = Capacity::of(&s, "bj", &[8, 16, 2]);
        let frag = c.rows.iter().find(|r| r.pool_id == "frag").unwrap();
        assert_eq!(frag.slots, Some(vec![(2, 4.0), (8, 0.0), (16, 0.0)]));
        // Without sizes (read back from /metrics) the block is still known.
        let c = Capacity::of(&s, "bj", &[]);
        let frag = c.rows.iter().find(|r| r.pool_id == "frag").unwrap();
        assert_eq!(
            (frag.largest_free_block, frag.slots.clone()),
            (Some(2.0), None)
        );
    }

    #[test]
    fn pools_and_queues_without_accelerators_are_counted() {
        let mut s = fleet(1);
        s.pools.push(Pool {
            id: "cpu-only".into(),
            ..Pool::default()
        });
        s.queues.push(Queue {
            pool_id: "p".into(),
            id: "cpu-queue".into(),
            ..Queue::default()
        });
        let c = Capacity::of(&s, "bj", &DEFAULT_SLOT_SIZES);
        assert_eq!((c.rows.len(), c.without_accelerators), (1, 2));
    }
}
