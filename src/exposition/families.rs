//! The catalogue of metric families: every name, type and help text the exporter
//! can emit, in the order they are written. `docs/metrics.md` is generated from
//! it (`metrics_doc`); `docs/metric-meanings.md` explains every family (a test
//! checks that none is missing there).

use std::sync::OnceLock;

use crate::model::QuantityKind;

/// How a family is typed in each format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Gauge,
    /// Name ends in `_total`; OpenMetrics types the family without it.
    Counter,
    /// Name ends in `_info`, value 1; a gauge in the classic format, `info` in
    /// OpenMetrics (family name without `_info`).
    Info,
}

/// A resource of a quantity family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Res {
    Cpu,
    Memory,
    Accelerators,
}

impl Res {
    pub const ALL: [Res; 3] = [Res::Cpu, Res::Memory, Res::Accelerators];

    fn suffix(self) -> &'static str {
        match self {
            Res::Cpu => "cpu_cores",
            Res::Memory => "memory_bytes",
            Res::Accelerators => "accelerators",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Res::Cpu => "CPU in cores",
            Res::Memory => "memory in bytes",
            Res::Accelerators => "accelerator cards by accelerator resource name",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Every family, identified for the renderer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fam {
    Up,
    LastSuccess,
    PollDuration,
    PollInterval,
    Polls,
    PollOverruns,
    PollPartialErrors,
    ApiRequests,
    ApiFailures,
    DecodeErrors,
    Normalizations,
    BuildInfo,
    ConfigReloadSuccessful,
    ConfigReloadSuccessTimestamp,
    RegionInfo,
    PoolInfo,
    PoolNodes,
    PoolLastSuccess,
    PoolQuantity(QuantityKind, Res),
    /// The pool's hardware ([`crate::model::Pool::physical`]); only the
    /// kinds of [`PHYSICAL_KINDS`].
    PoolPhysical(QuantityKind, Res),
    PoolFlavorNodes,
    NodePhaseNodes,
    PoolDriverInfo,
    PoolFlavorMaxNodes,
    PoolFrozen,
    PoolNodeCapability(Res),
    PoolNodeLimitAccelerators,
    QueueInfo,
    QueueQuantity(QuantityKind, Res),
    QueueWorkloads,
    AcceleratorInfo,
    ServiceInfo,
    ServiceLastSuccess,
    ComputeUnitInfo,
    ComputeUnitReplicas,
    ComputeUnitStart,
    ComputeUnitExpiry,
    QueueNodes,
    QueueFreeNodes,
    QueueNodeCapability(Res),
    PoolFreeSlots,
    PoolLargestFreeBlock,
    QueueFreeSlots,
    QueueLargestFreeBlock,
}

/// The quantities a pool's hardware figures come in.
pub const PHYSICAL_KINDS: [QuantityKind; 3] = [
    QuantityKind::Capability,
    QuantityKind::Allocated,
    QuantityKind::Remaining,
];

#[derive(Debug, Clone)]
pub struct FamilyDef {
    pub fam: Fam,
    pub name: String,
    pub help: String,
    pub kind: Kind,
}

const SIMPLE_HEAD: &[(Fam, &str, Kind, &str)] = &[
    (Fam::Up, "aipool_up", Kind::Gauge, "1 if the account's last poll fully succeeded, 0 otherwise."),
    (Fam::LastSuccess, "aipool_last_success_timestamp_seconds", Kind::Gauge, "Unix time of the account's last successful poll."),
    (Fam::PollDuration, "aipool_poll_duration_seconds", Kind::Gauge, "Wall time of the account's last poll in seconds."),
    (Fam::PollInterval, "aipool_poll_interval_seconds", Kind::Gauge, "Configured poll interval of the account in seconds."),
    (Fam::Polls, "aipool_polls_total", Kind::Counter, "Polls finished, by result (success or failure)."),
    (Fam::PollOverruns, "aipool_poll_overruns_total", Kind::Counter, "Poll ticks skipped because the previous poll was still running."),
    (Fam::PollPartialErrors, "aipool_poll_partial_errors", Kind::Gauge, "Requests of the account's last successful poll that failed without failing it (a part of the account the credentials may not read); each also counts in aipool_api_request_failures_total."),
    (Fam::ApiRequests, "aipool_api_requests_total", Kind::Counter, "Upstream API requests sent, by API."),
    (Fam::ApiFailures, "aipool_api_request_failures_total", Kind::Counter, "Failed upstream API requests, by API and reason (timeout, connect, http_4xx, http_5xx, throttled, auth, decode, upstream_error)."),
    (Fam::DecodeErrors, "aipool_decode_errors_total", Kind::Counter, "Objects and fields left out of a poll because they did not decode, by API and reason (not_a_number, not_finite, negative, malformed_object); the rest of the answer is published."),
    (Fam::Normalizations, "aipool_normalizations_total", Kind::Counter, "Times a named rule corrected an upstream quirk (see README, Normalisation rules)."),
    (Fam::BuildInfo, "aipool_build_info", Kind::Info, "Version, source revision and build date of the running exporter."),
    (Fam::ConfigReloadSuccessful, "aipool_config_last_reload_successful", Kind::Gauge, "1 if the last config load (start, SIGHUP or POST /-/reload) succeeded, 0 if the new config was rejected."),
    (Fam::ConfigReloadSuccessTimestamp, "aipool_config_last_reload_success_timestamp_seconds", Kind::Gauge, "Unix time of the last successful config load."),
    (Fam::RegionInfo, "aipool_region_info", Kind::Info, "Compute regions of an account and their names."),
    (Fam::PoolInfo, "aipool_pool_info", Kind::Info, "Resource pools with their name, type and phase."),
    (Fam::PoolNodes, "aipool_pool_nodes", Kind::Gauge, "Nodes in the resource pool."),
    (Fam::PoolLastSuccess, "aipool_pool_last_success_timestamp_seconds", Kind::Gauge, "Unix time the pool's own data (its queues, nodes) was last fetched; behind the account's aipool_last_success_timestamp_seconds while the pool's calls fail and its last good series are kept."),
];

const SIMPLE_MID: &[(Fam, &str, Kind, &str)] = &[
    (
        Fam::PoolFlavorNodes,
        "aipool_pool_flavor_nodes",
        Kind::Gauge,
        "Nodes of a pool by flavor and state (available, creating, abnormal, deleting).",
    ),
    (
        Fam::NodePhaseNodes,
        "aipool_node_phase_nodes",
        Kind::Gauge,
        "Nodes of a pool by node phase.",
    ),
    (
        Fam::PoolDriverInfo,
        "aipool_pool_driver_info",
        Kind::Info,
        "Accelerator driver version and state of a pool.",
    ),
    (
        Fam::PoolFlavorMaxNodes,
        "aipool_pool_flavor_max_nodes",
        Kind::Gauge,
        "Elastic ceiling of a pool's flavor in nodes, by flavor and state (ModelArts maxCount; equal to the node count in a physical pool).",
    ),
    (
        Fam::PoolFrozen,
        "aipool_pool_frozen",
        Kind::Gauge,
        "1 if the pool is frozen (ModelArts controlMode flag 8 or 16), else 0.",
    ),
];

const SIMPLE_QUEUE: &[(Fam, &str, Kind, &str)] = &[
    (
        Fam::PoolNodeLimitAccelerators,
        "aipool_pool_node_limit_accelerators",
        Kind::Gauge,
        "Per-node accelerator limit of a pool, by accelerator kind.",
    ),
    (
        Fam::QueueInfo,
        "aipool_queue_info",
        Kind::Info,
        "Queues with their name, type and parent queue.",
    ),
];

const SIMPLE_TAIL: &[(Fam, &str, Kind, &str)] = &[
    (
        Fam::QueueWorkloads,
        "aipool_queue_workloads",
        Kind::Gauge,
        "Workloads (jobs) in a queue by state (running, pending, inqueue).",
    ),
    (
        Fam::AcceleratorInfo,
        "aipool_accelerator_info",
        Kind::Info,
        "Card model of an accelerator resource name.",
    ),
    (
        Fam::ServiceInfo,
        "aipool_service_info",
        Kind::Info,
        "Qianfan services and their names.",
    ),
    (
        Fam::ServiceLastSuccess,
        "aipool_service_last_success_timestamp_seconds",
        Kind::Gauge,
        "Unix time a Qianfan service's compute units were last fetched; behind the account's while its calls fail and its last good series are kept.",
    ),
    (
        Fam::ComputeUnitInfo,
        "aipool_compute_unit_info",
        Kind::Info,
        "Qianfan compute unit instances with payment timing and status.",
    ),
    (
        Fam::ComputeUnitReplicas,
        "aipool_compute_unit_replicas",
        Kind::Gauge,
        "Replicas of a Qianfan compute unit instance.",
    ),
    (
        Fam::ComputeUnitStart,
        "aipool_compute_unit_start_timestamp_seconds",
        Kind::Gauge,
        "Unix time a Qianfan compute unit instance started.",
    ),
    (
        Fam::ComputeUnitExpiry,
        "aipool_compute_unit_expiry_timestamp_seconds",
        Kind::Gauge,
        "Unix time a Qianfan compute unit instance expires.",
    ),
    (
        Fam::QueueNodes,
        "aipool_queue_nodes",
        Kind::Gauge,
        "Nodes in the queue (Sugon HPC queues).",
    ),
    (
        Fam::QueueFreeNodes,
        "aipool_queue_free_nodes",
        Kind::Gauge,
        "Nodes of the queue with nothing running on them (Sugon HPC queues).",
    ),
    (
        Fam::QueueNodeCapability(Res::Cpu),
        "aipool_queue_node_capability_cpu_cores",
        Kind::Gauge,
        "Capability of one node of the queue: CPU in cores (Sugon HPC queues).",
    ),
    (
        Fam::QueueNodeCapability(Res::Accelerators),
        "aipool_queue_node_capability_accelerators",
        Kind::Gauge,
        "Capability of one node of the queue: accelerator cards by accelerator resource name (Sugon HPC queues).",
    ),
];

/// Right after the pool quantity families: what the free cards fit.
const POOL_SLOTS: &[(Fam, &str, Kind, &str)] = &[
    (
        Fam::PoolFreeSlots,
        "aipool_pool_free_slots",
        Kind::Gauge,
        "Single-node jobs of `cards` cards that fit in the pool now: the sum over its schedulable nodes of free cards on the node divided by cards, rounded down (ModelArts).",
    ),
    (
        Fam::PoolLargestFreeBlock,
        "aipool_pool_largest_free_block_accelerators",
        Kind::Gauge,
        "Most free cards on any one schedulable node of the pool (ModelArts).",
    ),
];

/// Right after the queue quantity families.
const QUEUE_SLOTS: &[(Fam, &str, Kind, &str)] = &[
    (
        Fam::QueueFreeSlots,
        "aipool_queue_free_slots",
        Kind::Gauge,
        "Single-node jobs of `cards` cards that fit in the queue now: free nodes times cards per node divided by cards, rounded down (Sugon HPC queues).",
    ),
    (
        Fam::QueueLargestFreeBlock,
        "aipool_queue_largest_free_block_accelerators",
        Kind::Gauge,
        "Most free cards on any one schedulable node of the queue: cards per node when a node is free, else 0 (Sugon HPC queues).",
    ),
];

fn push_simple(out: &mut Vec<FamilyDef>, list: &[(Fam, &str, Kind, &str)]) {
    out.extend(list.iter().map(|(fam, name, kind, help)| FamilyDef {
        fam: *fam,
        name: name.to_string(),
        help: help.to_string(),
        kind: *kind,
    }));
}

fn build() -> Vec<FamilyDef> {
    let mut out = Vec::new();
    push_simple(&mut out, SIMPLE_HEAD);
    for q in QuantityKind::ALL {
        for r in Res::ALL {
            out.push(FamilyDef {
                fam: Fam::PoolQuantity(q, r),
                name: format!("aipool_pool_{}_{}", q.as_str(), r.suffix()),
                help: format!("Pool {}: {}.", q.as_str().replace('_', "-"), r.what()),
                kind: Kind::Gauge,
            });
        }
    }
    for q in PHYSICAL_KINDS {
        for r in Res::ALL {
            out.push(FamilyDef {
                fam: Fam::PoolPhysical(q, r),
                name: format!("aipool_pool_physical_{}_{}", q.as_str(), r.suffix()),
                help: format!(
                    "Pool hardware {}, whatever the queues' quotas say: {}.",
                    q.as_str(),
                    r.what()
                ),
                kind: Kind::Gauge,
            });
        }
    }
    push_simple(&mut out, POOL_SLOTS);
    push_simple(&mut out, SIMPLE_MID);
    for r in Res::ALL {
        out.push(FamilyDef {
            fam: Fam::PoolNodeCapability(r),
            name: format!("aipool_pool_node_capability_{}", r.suffix()),
            help: format!("Capability of one node of the pool: {}.", r.what()),
            kind: Kind::Gauge,
        });
    }
    push_simple(&mut out, SIMPLE_QUEUE);
    for q in QuantityKind::ALL {
        for r in Res::ALL {
            out.push(FamilyDef {
                fam: Fam::QueueQuantity(q, r),
                name: format!("aipool_queue_{}_{}", q.as_str(), r.suffix()),
                help: format!("Queue {}: {}.", q.as_str().replace('_', "-"), r.what()),
                kind: Kind::Gauge,
            });
        }
    }
    push_simple(&mut out, QUEUE_SLOTS);
    push_simple(&mut out, SIMPLE_TAIL);
    out
}

/// The catalogue, built once.
pub fn catalogue() -> &'static [FamilyDef] {
    static CAT: OnceLock<Vec<FamilyDef>> = OnceLock::new();
    CAT.get_or_init(build)
}

/// The position of `fam` in [`catalogue`]; the renderer keeps one buffer each.
pub fn index(fam: Fam) -> usize {
    static IDX: OnceLock<Vec<Fam>> = OnceLock::new();
    let fams = IDX.get_or_init(|| catalogue().iter().map(|d| d.fam).collect());
    fams.iter().position(|f| *f == fam).unwrap_or_else(|| {
        // Every Fam variant is in the catalogue (tested); reaching this is a bug
        // in this file, not bad input.
        unreachable!("family {fam:?} missing from the catalogue")
    })
}

/// Faster [`index`] for the quantity families, which dominate large outputs.
pub fn quantity_index(queue: bool, q: QuantityKind, r: Res) -> usize {
    // Called for most samples of a large output: look the bases up once.
    static BASES: OnceLock<(usize, usize)> = OnceLock::new();
    let (pool, queue_base) = *BASES.get_or_init(|| {
        (
            index(Fam::PoolQuantity(QuantityKind::Capability, Res::Cpu)),
            index(Fam::QueueQuantity(QuantityKind::Capability, Res::Cpu)),
        )
    });
    let base = if queue { queue_base } else { pool };
    base + (q as usize) * Res::ALL.len() + r.index()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_follow_conventions() {
        let cat = catalogue();
        let mut names: Vec<&str> = cat.iter().map(|d| d.name.as_str()).collect();
        for d in cat {
            assert!(d.name.starts_with("aipool_"), "{}", d.name);
            assert!(!d.name.ends_with("_count"), "{}", d.name);
            assert_eq!(
                d.kind == Kind::Counter,
                d.name.ends_with("_total"),
                "{}",
                d.name
            );
            assert_eq!(
                d.kind == Kind::Info,
                d.name.ends_with("_info"),
                "{}",
                d.name
            );
            assert!(!d.help.is_empty());
        }
        names.sort();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n);
    }

    #[test]
    fn docs_document_every_family() {
        let readme = include_str!("../../docs/metric-meanings.md");
        let pool_pattern =
            "aipool_pool_{capability,allocated,remaining,workload_available,deserved,guarantee}_";
        for d in catalogue() {
            let documented = match d.fam {
                Fam::QueueQuantity(q, _) => {
                    readme.contains(&format!("aipool_queue_{}_", q.as_str()))
                }
                Fam::PoolQuantity(..) => readme.contains(pool_pattern),
                Fam::PoolPhysical(..) => readme.contains(
                    "aipool_pool_physical_{capability,allocated,remaining}_{cpu_cores,memory_bytes,accelerators}",
                ),
                _ => readme.contains(&format!("`{}`", d.name)),
            };
            assert!(
                documented,
                "docs/metric-meanings.md does not mention {}",
                d.name
            );
        }
    }

    #[test]
    fn quantity_index_agrees_with_index() {
        for q in QuantityKind::ALL {
            for r in Res::ALL {
                assert_eq!(quantity_index(true, q, r), index(Fam::QueueQuantity(q, r)));
                assert_eq!(quantity_index(false, q, r), index(Fam::PoolQuantity(q, r)));
            }
        }
        assert_eq!(
            catalogue()[index(Fam::QueueQuantity(
                QuantityKind::WorkloadAvailable,
                Res::Accelerators
            ))]
            .name,
            "aipool_queue_workload_available_accelerators"
        );
    }
}
