//! The provider-neutral snapshot: what one successful poll of one account saw.
//!
//! Providers map their upstream DTOs into these types; the exposition module turns
//! them into series. Nothing here knows about any upstream's JSON (no serde), so a
//! provider's quirks stop at its own module boundary.
//!
//! Quantities are already in base units: cores, bytes, plain accelerator counts.
//! `None` / an absent map entry means "the API did not report it", which produces no
//! series at all; it is never turned into a fake 0.

use std::collections::BTreeMap;

/// The six quantities the platforms report for a pool or queue. `Remaining` is
/// free — what a new workload can still get — and is final in a published
/// snapshot: where the API reports none the provider derived it
/// (`quantity::derive::remaining`). `WorkloadAvailable` is as the API says
/// (capability less the platform reserve; it does not shrink as workloads
/// allocate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum QuantityKind {
    Capability,
    Allocated,
    Remaining,
    WorkloadAvailable,
    Deserved,
    Guarantee,
}

impl QuantityKind {
    pub const ALL: [QuantityKind; 6] = [
        QuantityKind::Capability,
        QuantityKind::Allocated,
        QuantityKind::Remaining,
        QuantityKind::WorkloadAvailable,
        QuantityKind::Deserved,
        QuantityKind::Guarantee,
    ];

    /// The snake_case word used in metric names.
    pub fn as_str(self) -> &'static str {
        match self {
            QuantityKind::Capability => "capability",
            QuantityKind::Allocated => "allocated",
            QuantityKind::Remaining => "remaining",
            QuantityKind::WorkloadAvailable => "workload_available",
            QuantityKind::Deserved => "deserved",
            QuantityKind::Guarantee => "guarantee",
        }
    }
}

/// One block of resources (e.g. a queue's capability) in base units.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resources {
    pub cpu_cores: Option<f64>,
    pub memory_bytes: Option<f64>,
    /// Accelerator resource name (`baidu.com/rtx_4090_cgpu`, `nvidia.com/gpu`) → cards.
    pub accelerators: BTreeMap<String, f64>,
}

impl Resources {
    pub fn is_empty(&self) -> bool {
        self.cpu_cores.is_none() && self.memory_bytes.is_none() && self.accelerators.is_empty()
    }

    /// `self − other`, resource by resource, for resources `self` reports. A resource
    /// `other` does not report counts as 0 there only when `other` is a reported block
    /// (a present allocated block without cards means no cards are allocated).
    pub fn minus(&self, other: &Resources) -> Resources {
        Resources {
            cpu_cores: self.cpu_cores.map(|c| c - other.cpu_cores.unwrap_or(0.0)),
            memory_bytes: self
                .memory_bytes
                .map(|m| m - other.memory_bytes.unwrap_or(0.0)),
            accelerators: self
                .accelerators
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v - other.accelerators.get(k).copied().unwrap_or(0.0),
                    )
                })
                .collect(),
        }
    }

    /// Adds `other` into `self` (used to sum node resources into pool totals).
    pub fn add(&mut self, other: &Resources) {
        if let Some(c) = other.cpu_cores {
            *self.cpu_cores.get_or_insert(0.0) += c;
        }
        if let Some(m) = other.memory_bytes {
            *self.memory_bytes.get_or_insert(0.0) += m;
        }
        for (k, v) in &other.accelerators {
            *self.accelerators.entry(k.clone()).or_insert(0.0) += v;
        }
    }
}

/// The quantity blocks an object reports; a missing key means the block was absent
/// or `{}` upstream.
pub type Quantities = BTreeMap<QuantityKind, Resources>;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pool {
    pub id: String,
    pub name: String,
    pub pool_type: String,
    pub phase: String,
    /// Overrides the account's region when a platform spreads one account over
    /// several regions (Sugon: one token per compute region).
    pub cloud_region: Option<String>,
    /// Extra static facts for `aipool_pool_info` (e.g. Sugon's `max_time`), sorted by name.
    pub extra_info: BTreeMap<String, String>,
    pub nodes: Option<f64>,
    /// Pool-level totals (ModelArts node sums; AIHC capability, allocated and
    /// remaining summed over the pool's top-level queues).
    pub quantities: Quantities,
    /// The pool's hardware as the platform counts it, whatever the queues'
    /// quotas say: capability, allocated and remaining (capability −
    /// allocated) of its nodes (AIHC `DescribeResourcePoolOverview`). Empty
    /// where the platform reports no such figures.
    pub physical: Quantities,
    /// Per-node capability of the pool's node type (Sugon).
    pub node_capability: Option<Resources>,
    /// Per-node accelerator limits (Sugon `nvLimits`/`dcuLimits`/`mluLimits`).
    pub node_limits: BTreeMap<String, f64>,
    /// (flavor, state) → nodes (ModelArts `status.resources`).
    pub flavor_nodes: BTreeMap<(String, String), f64>,
    /// Node phase → how many nodes are in it (ModelArts).
    pub node_phases: BTreeMap<String, f64>,
    pub drivers: Vec<Driver>,
    /// The workspace the pool belongs to (ModelArts; `"0"` is the default
    /// workspace). `None` where the platform has no workspaces: no label then.
    pub workspace_id: Option<String>,
    /// The id of the polled pool this one is carved from (ModelArts logical
    /// sub-pools); `Some("")` for a root pool. `None` where the platform has no
    /// pool tree: no label then.
    pub parent_pool: Option<String>,
    /// (flavor, state) → the elastic ceiling in nodes (ModelArts
    /// `status.resources.*[].maxCount`).
    pub flavor_max_nodes: BTreeMap<(String, String), f64>,
    /// Whether the pool is frozen (ModelArts `spec.controlMode` flag 8 or 16); `None`
    /// when not reported.
    pub frozen: Option<bool>,
    /// Accelerator resource name → free cards on the pool's schedulable nodes,
    /// node by node (ModelArts node lists). Empty where the platform reports
    /// no per-node figure: no slot series then.
    pub free_blocks: BTreeMap<String, FreeBlocks>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Driver {
    /// `gpu` or `npu`.
    pub kind: String,
    pub version: String,
    pub state: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Queue {
    pub pool_id: String,
    pub id: String,
    pub name: String,
    pub queue_type: String,
    /// The parent queue's id within the same pool; empty for a top-level queue.
    /// Providers map what the API said and resolve it into an id
    /// (`quantity::derive::parents`) before the snapshot leaves the poll.
    pub parent: String,
    pub cloud_region: Option<String>,
    pub quantities: Quantities,
    pub workloads: Option<Workloads>,
    /// Accelerator resource name → free cards on the queue's schedulable
    /// nodes, node by node (Sugon HPC queues: whole free nodes). Empty where
    /// the platform reports no per-node figure: no slot series then.
    pub free_blocks: BTreeMap<String, FreeBlocks>,
}

/// How the free cards of one accelerator are spread over schedulable nodes:
/// what decides whether a job of N cards on one node can start, which a sum
/// of free cards cannot tell (8 free cards, 2 on each of 4 nodes, fit no
/// 4-card job). Filled by the providers through the exporter's
/// `quantity::slots`, which says what it is for; read by the capacity rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FreeBlocks {
    /// Whole free cards on a node → how many schedulable nodes have exactly
    /// that many (nodes with none free are not kept). A histogram rather than
    /// a list: a pool of thousands of nodes has a few distinct values.
    pub nodes_by_free: BTreeMap<u64, f64>,
    /// The most free cards on any one schedulable node (0 when none is free).
    pub largest: f64,
}

// Provider-neutral arithmetic on the free-card histogram (`quantity::slots` in
// the exporter says what it is for and fills it).
impl FreeBlocks {
    /// Adds one schedulable node with `free` cards free (finite, ≥ 0: callers
    /// drop any other figure, as the exporter's `quantity::slots::node_free` does).
    pub fn add_node(&mut self, free: f64) {
        if !(free.is_finite() && free > 0.0) {
            return;
        }
        // Jobs take whole cards: a shared GPU's fraction fits no job of N ≥ 1.
        let whole = free.floor();
        if whole >= 1.0 {
            *self.nodes_by_free.entry(whole as u64).or_insert(0.0) += 1.0;
        }
        if free > self.largest {
            self.largest = free;
        }
    }

    /// `free_nodes` whole free nodes of `cards_per_node` cards each (Sugon
    /// HPC queues report free nodes, not cards free on a partly used node).
    pub fn whole_nodes(free_nodes: f64, cards_per_node: f64) -> FreeBlocks {
        let mut out = FreeBlocks::default();
        let usable = |v: f64| v.is_finite() && v >= 0.0;
        if !(usable(free_nodes) && usable(cards_per_node)) || free_nodes == 0.0 {
            return out;
        }
        let whole = cards_per_node.floor();
        if whole >= 1.0 {
            out.nodes_by_free.insert(whole as u64, free_nodes.floor());
        }
        if free_nodes >= 1.0 {
            out.largest = cards_per_node;
        }
        out
    }

    /// How many single-node jobs of `cards` cards fit now (0 for size 0).
    pub fn slots(&self, cards: u32) -> f64 {
        if cards == 0 {
            return 0.0;
        }
        let n = u64::from(cards);
        self.nodes_by_free
            .iter()
            .map(|(free, nodes)| (free / n) as f64 * nodes)
            .sum()
    }

    /// Free cards over all schedulable nodes, in whole cards.
    pub fn free_cards(&self) -> f64 {
        self.nodes_by_free
            .iter()
            .map(|(free, nodes)| *free as f64 * nodes)
            .sum()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Workloads {
    pub running: f64,
    pub pending: f64,
    pub inqueue: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Region {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Service {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ComputeUnit {
    pub service_id: String,
    pub instance_id: String,
    pub payment_timing: String,
    pub status: String,
    pub replicas: Option<f64>,
    pub start_timestamp: Option<f64>,
    pub expiry_timestamp: Option<f64>,
}

/// The node figures of one queue whose platform reports them (Sugon HPC
/// queues), identified like the [`Queue`] they belong to. A queue's nodes are
/// not a quantity block: they say how its cards come in whole nodes, which is
/// what its free cards are derived from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueNodes {
    pub cloud_region: Option<String>,
    pub pool_id: String,
    pub queue_id: String,
    /// Nodes in the queue.
    pub nodes: Option<f64>,
    /// Nodes of the queue with nothing running on them.
    pub free_nodes: Option<f64>,
    /// Cores of one node of the queue.
    pub node_cpu_cores: Option<f64>,
    /// Accelerator resource name → cards of one node of the queue.
    pub node_accelerators: BTreeMap<String, f64>,
}

/// A part of an account that calls of its own fetch, and that can therefore
/// fail alone.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unit {
    /// A pool with everything under it (queues, nodes, node figures).
    /// `cloud_region` is `None` for the account's own region.
    Pool {
        cloud_region: Option<String>,
        pool_id: String,
    },
    /// A Qianfan service with its compute units.
    Service { service_id: String },
    /// A compute region with every pool in it (Sugon: one token and endpoint
    /// per region).
    Region { cloud_region: String },
}

impl std::fmt::Display for Unit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unit::Pool {
                cloud_region: Some(r),
                pool_id,
            } => write!(f, "pool {pool_id} (region {r})"),
            Unit::Pool { pool_id, .. } => write!(f, "pool {pool_id}"),
            Unit::Service { service_id } => write!(f, "service {service_id}"),
            Unit::Region { cloud_region } => write!(f, "region {cloud_region}"),
        }
    }
}

impl Unit {
    /// Whether the series rendered under `key` belong to this unit (a region
    /// holds every pool in it).
    pub fn covers(&self, key: &Unit) -> bool {
        match (self, key) {
            (
                Unit::Region { cloud_region },
                Unit::Pool {
                    cloud_region: Some(r),
                    ..
                },
            ) => r == cloud_region,
            _ => self == key,
        }
    }
}

/// Everything one successful poll of one account produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub regions: Vec<Region>,
    pub pools: Vec<Pool>,
    pub queues: Vec<Queue>,
    /// Accelerator resource name → card model.
    pub accelerators: BTreeMap<String, String>,
    pub services: Vec<Service>,
    pub compute_units: Vec<ComputeUnit>,
    /// Per-queue node figures (Sugon HPC queues).
    pub queue_nodes: Vec<QueueNodes>,
}

impl Snapshot {
    /// Sorts every list by its identity so output is deterministic and two scrapes of
    /// one snapshot are byte-identical, whatever order the upstream paged in.
    pub fn sort(&mut self) {
        self.regions.sort_by(|a, b| a.id.cmp(&b.id));
        self.pools
            .sort_by(|a, b| (&a.cloud_region, &a.id).cmp(&(&b.cloud_region, &b.id)));
        self.queues.sort_by(|a, b| {
            (&a.cloud_region, &a.pool_id, &a.id).cmp(&(&b.cloud_region, &b.pool_id, &b.id))
        });
        self.services.sort_by(|a, b| a.id.cmp(&b.id));
        self.compute_units
            .sort_by(|a, b| (&a.service_id, &a.instance_id).cmp(&(&b.service_id, &b.instance_id)));
        self.queue_nodes.sort_by(|a, b| {
            (&a.cloud_region, &a.pool_id, &a.queue_id).cmp(&(
                &b.cloud_region,
                &b.pool_id,
                &b.queue_id,
            ))
        });
    }
}

impl Snapshot {
    /// Drops objects whose identity repeats (an upstream paging while its list
    /// changes can return one twice), keeping the first; returns what was dropped.
    /// Two series with one label set would make the whole scrape invalid.
    pub fn dedupe(&mut self) -> Vec<String> {
        let mut dropped = Vec::new();
        let mut seen = std::collections::HashSet::new();
        self.pools.retain(|p| {
            let keep = seen.insert((p.cloud_region.clone(), p.id.clone(), String::new()));
            if !keep {
                dropped.push(format!("pool {}", p.id));
            }
            keep
        });
        seen.clear();
        self.queues.retain(|q| {
            let keep = seen.insert((q.cloud_region.clone(), q.pool_id.clone(), q.id.clone()));
            if !keep {
                dropped.push(format!("queue {}", q.id));
            }
            keep
        });
        let mut seen_cu = std::collections::HashSet::new();
        self.compute_units.retain(|c| {
            let keep = seen_cu.insert((c.service_id.clone(), c.instance_id.clone()));
            if !keep {
                dropped.push(format!("compute unit {}", c.instance_id));
            }
            keep
        });
        dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedupe_keeps_the_first() {
        let mut s = Snapshot::default();
        for (id, name) in [("p1", "first"), ("p2", "x"), ("p1", "second")] {
            s.pools.push(Pool {
                id: id.into(),
                name: name.into(),
                ..Pool::default()
            });
        }
        assert_eq!(s.dedupe(), vec!["pool p1".to_string()]);
        assert_eq!(s.pools.len(), 2);
        assert_eq!(s.pools[0].name, "first");
    }

    #[test]
    fn minus_keeps_only_resources_of_the_left_side() {
        let cap = Resources {
            cpu_cores: Some(10.0),
            memory_bytes: None,
            accelerators: [("a".to_string(), 8.0)].into(),
        };
        let alloc = Resources {
            cpu_cores: Some(2.5),
            memory_bytes: Some(5.0),
            accelerators: BTreeMap::new(),
        };
        let rem = cap.minus(&alloc);
        assert_eq!(rem.cpu_cores, Some(7.5));
        assert_eq!(rem.memory_bytes, None);
        assert_eq!(rem.accelerators.get("a"), Some(&8.0));
    }

    #[test]
    fn add_sums_and_creates() {
        let mut total = Resources::default();
        let node = Resources {
            cpu_cores: Some(3.92),
            memory_bytes: None,
            accelerators: [("nvidia.com/gpu".to_string(), 1.0)].into(),
        };
        total.add(&node);
        total.add(&node);
        assert_eq!(total.cpu_cores, Some(7.84));
        assert_eq!(total.memory_bytes, None);
        assert_eq!(total.accelerators["nvidia.com/gpu"], 2.0);
    }
}
