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
pub enum Resource {
    Cpu,
    Memory,
    Accelerators,
}

impl Resource {
    pub const ALL: [Resource; 3] = [Resource::Cpu, Resource::Memory, Resource::Accelerators];

    fn suffix(self) -> &'static str {
        match self {
            Resource::Cpu => "cpu_cores",
            Resource::Memory => "memory_bytes",
            Resource::Accelerators => "accelerators",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Resource::Cpu => "CPU in cores",
            Resource::Memory => "memory in bytes",
            Resource::Accelerators => "accelerator cards by accelerator resource name",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Every family, identified for the renderer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
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
    PoolQuantity(QuantityKind, Resource),
    /// The pool's hardware ([`crate::model::Pool::physical`]); only the
    /// kinds of [`PHYSICAL_KINDS`].
    PoolPhysical(QuantityKind, Resource),
    PoolFlavorNodes,
    NodePhaseNodes,
    PoolDriverInfo,
    PoolFlavorMaxNodes,
    PoolFrozen,
    PoolNodeCapability(Resource),
    PoolNodeLimitAccelerators,
    QueueInfo,
    QueueQuantity(QuantityKind, Resource),
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
    QueueNodeCapability(Resource),
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
    pub fam: Family,
    pub name: String,
    pub help: String,
    pub kind: Kind,
}

const SIMPLE_HEAD: &[(Family, &str, Kind, &str)] = &[
    (Family::Up, "aipool_up", Kind::Gauge, "1 if the account's last poll fully succeeded, 0 otherwise."),
    (Family::LastSuccess, "aipool_last_success_timestamp_seconds", Kind::Gauge, "Unix time of the account's last successful poll."),
    (Family::PollDuration, "aipool_poll_duration_seconds", Kind::Gauge, "Wall time of the account's last poll in seconds."),
    (Family::PollInterval, "aipool_poll_interval_seconds", Kind::Gauge, "Configured poll interval of the account in seconds."),
    (Family::Polls, "aipool_polls_total", Kind::Counter, "Polls finished, by result (success or failure)."),
    (Family::PollOverruns, "aipool_poll_overruns_total", Kind::Counter, "Poll ticks skipped because the previous poll was still running."),
    (Family::PollPartialErrors, "aipool_poll_partial_errors", Kind::Gauge, "Requests of the account's last successful poll that failed without failing it (a part of the account the credentials may not read); each also counts in aipool_api_request_failures_total."),
    (Family::ApiRequests, "aipool_api_requests_total", Kind::Counter, "Upstream API requests sent, by API."),
    (Family::ApiFailures, "aipool_api_request_failures_total", Kind::Counter, "Failed upstream API requests, by API and reason (timeout, connect, http_4xx, http_5xx, throttled, auth, decode, upstream_error)."),
    (Family::DecodeErrors, "aipool_decode_errors_total", Kind::Counter, "Objects and fields left out of a poll because they did not decode, by API and reason (not_a_number, not_finite, negative, malformed_object); the rest of the answer is published."),
    (Family::Normalizations, "aipool_normalizations_total", Kind::Counter, "Times a named rule corrected an upstream quirk (see README, Normalisation rules)."),
    (Family::BuildInfo, "aipool_build_info", Kind::Info, "Version, source revision and build date of the running exporter."),
    (Family::ConfigReloadSuccessful, "aipool_config_last_reload_successful", Kind::Gauge, "1 if the last config load (start, SIGHUP or POST /-/reload) succeeded, 0 if the new config was rejected."),
    (Family::ConfigReloadSuccessTimestamp, "aipool_config_last_reload_success_timestamp_seconds", Kind::Gauge, "Unix time of the last successful config load."),
    (Family::RegionInfo, "aipool_region_info", Kind::Info, "Compute regions of an account and their names."),
    (Family::PoolInfo, "aipool_pool_info", Kind::Info, "Resource pools with their name, type and phase."),
    (Family::PoolNodes, "aipool_pool_nodes", Kind::Gauge, "Nodes in the resource pool."),
    (Family::PoolLastSuccess, "aipool_pool_last_success_timestamp_seconds", Kind::Gauge, "Unix time the pool's own data (its queues, nodes) was last fetched; behind the account's aipool_last_success_timestamp_seconds while the pool's calls fail and its last good series are kept."),
];

const SIMPLE_MID: &[(Family, &str, Kind, &str)] = &[
    (
        Family::PoolFlavorNodes,
        "aipool_pool_flavor_nodes",
        Kind::Gauge,
        "Nodes of a pool by flavor and state (available, creating, abnormal, deleting).",
    ),
    (
        Family::NodePhaseNodes,
        "aipool_node_phase_nodes",
        Kind::Gauge,
        "Nodes of a pool by node phase.",
    ),
    (
        Family::PoolDriverInfo,
        "aipool_pool_driver_info",
        Kind::Info,
        "Accelerator driver version and state of a pool.",
    ),
    (
        Family::PoolFlavorMaxNodes,
        "aipool_pool_flavor_max_nodes",
        Kind::Gauge,
        "Elastic ceiling of a pool's flavor in nodes, by flavor and state (ModelArts maxCount; equal to the node count in a physical pool).",
    ),
    (
        Family::PoolFrozen,
        "aipool_pool_frozen",
        Kind::Gauge,
        "1 if the pool is frozen (ModelArts controlMode flag 8 or 16), else 0.",
    ),
];

const SIMPLE_QUEUE: &[(Family, &str, Kind, &str)] = &[
    (
        Family::PoolNodeLimitAccelerators,
        "aipool_pool_node_limit_accelerators",
        Kind::Gauge,
        "Per-node accelerator limit of a pool, by accelerator kind.",
    ),
    (
        Family::QueueInfo,
        "aipool_queue_info",
        Kind::Info,
        "Queues with their name, type and parent queue.",
    ),
];

const SIMPLE_TAIL: &[(Family, &str, Kind, &str)] = &[
    (
        Family::QueueWorkloads,
        "aipool_queue_workloads",
        Kind::Gauge,
        "Workloads (jobs) in a queue by state (running, pending, inqueue).",
    ),
    (
        Family::AcceleratorInfo,
        "aipool_accelerator_info",
        Kind::Info,
        "Card model of an accelerator resource name.",
    ),
    (
        Family::ServiceInfo,
        "aipool_service_info",
        Kind::Info,
        "Qianfan services and their names.",
    ),
    (
        Family::ServiceLastSuccess,
        "aipool_service_last_success_timestamp_seconds",
        Kind::Gauge,
        "Unix time a Qianfan service's compute units were last fetched; behind the account's while its calls fail and its last good series are kept.",
    ),
    (
        Family::ComputeUnitInfo,
        "aipool_compute_unit_info",
        Kind::Info,
        "Qianfan compute unit instances with payment timing and status.",
    ),
    (
        Family::ComputeUnitReplicas,
        "aipool_compute_unit_replicas",
        Kind::Gauge,
        "Replicas of a Qianfan compute unit instance.",
    ),
    (
        Family::ComputeUnitStart,
        "aipool_compute_unit_start_timestamp_seconds",
        Kind::Gauge,
        "Unix time a Qianfan compute unit instance started.",
    ),
    (
        Family::ComputeUnitExpiry,
        "aipool_compute_unit_expiry_timestamp_seconds",
        Kind::Gauge,
        "Unix time a Qianfan compute unit instance expires.",
    ),
    (
        Family::QueueNodes,
        "aipool_queue_nodes",
        Kind::Gauge,
        "Nodes in the queue (Sugon HPC queues).",
    ),
    (
        Family::QueueFreeNodes,
        "aipool_queue_free_nodes",
        Kind::Gauge,
        "Nodes of the queue with nothing running on them (Sugon HPC queues).",
    ),
    (
        Family::QueueNodeCapability(Resource::Cpu),
        "aipool_queue_node_capability_cpu_cores",
        Kind::Gauge,
        "Capability of one node of the queue: CPU in cores (Sugon HPC queues).",
    ),
    (
        Family::QueueNodeCapability(Resource::Accelerators),
        "aipool_queue_node_capability_accelerators",
        Kind::Gauge,
        "Capability of one node of the queue: accelerator cards by accelerator resource name (Sugon HPC queues).",
    ),
];

/// Right after the pool quantity families: what the free cards fit.
const POOL_SLOTS: &[(Family, &str, Kind, &str)] = &[
    (
        Family::PoolFreeSlots,
        "aipool_pool_free_slots",
        Kind::Gauge,
        "Single-node jobs of `cards` cards that fit in the pool now: the sum over its schedulable nodes of free cards on the node divided by cards, rounded down (ModelArts).",
    ),
    (
        Family::PoolLargestFreeBlock,
        "aipool_pool_largest_free_block_accelerators",
        Kind::Gauge,
        "Most free cards on any one schedulable node of the pool (ModelArts).",
    ),
];

/// Right after the queue quantity families.
const QUEUE_SLOTS: &[(Family, &str, Kind, &str)] = &[
    (
        Family::QueueFreeSlots,
        "aipool_queue_free_slots",
        Kind::Gauge,
        "Single-node jobs of `cards` cards that fit in the queue now: free nodes times cards per node divided by cards, rounded down (Sugon HPC queues).",
    ),
    (
        Family::QueueLargestFreeBlock,
        "aipool_queue_largest_free_block_accelerators",
        Kind::Gauge,
        "Most free cards on any one schedulable node of the queue: cards per node when a node is free, else 0 (Sugon HPC queues).",
    ),
];

fn push_simple(out: &mut Vec<FamilyDef>, list: &[(Family, &str, Kind, &str)]) {
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
        for r in Resource::ALL {
            out.push(FamilyDef {
                fam: Family::PoolQuantity(q, r),
                name: format!("aipool_pool_{}_{}", q.as_str(), r.suffix()),
                help: format!("Pool {}: {}.", q.as_str().replace('_', "-"), r.what()),
                kind: Kind::Gauge,
            });
        }
    }
    for q in PHYSICAL_KINDS {
        for r in Resource::ALL {
            out.push(FamilyDef {
                fam: Family::PoolPhysical(q, r),
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
    for r in Resource::ALL {
        out.push(FamilyDef {
            fam: Family::PoolNodeCapability(r),
            name: format!("aipool_pool_node_capability_{}", r.suffix()),
            help: format!("Capability of one node of the pool: {}.", r.what()),
            kind: Kind::Gauge,
        });
    }
    push_simple(&mut out, SIMPLE_QUEUE);
    for q in QuantityKind::ALL {
        for r in Resource::ALL {
            out.push(FamilyDef {
                fam: Family::QueueQuantity(q, r),
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
pub fn index(fam: Family) -> usize {
    static IDX: OnceLock<Vec<Family>> = OnceLock::new();
    let fams = IDX.get_or_init(|| catalogue().iter().map(|d| d.fam).collect());
    fams.iter().position(|f| *f == fam).unwrap_or_else(|| {
        // Every Family variant is in the catalogue (tested); reaching this is a bug
        // in this file, not bad input.
        unreachable!("family {fam:?} missing from the catalogue")
    })
}

/// Faster [`index`] for the quantity families, which dominate large outputs.
pub fn quantity_index(queue: bool, q: QuantityKind, r: Resource) -> usize {
    // Called for most samples of a large output: look the bases up once.
    static BASES: OnceLock<(usize, usize)> = OnceLock::new();
    let (pool, queue_base) = *BASES.get_or_init(|| {
        (
            index(Family::PoolQuantity(
                QuantityKind::Capability,
                Resource::Cpu,
            )),
            index(Family::QueueQuantity(
                QuantityKind::Capability,
                Resource::Cpu,
            )),
        )
    });
    let base = if queue { queue_base } else { pool };
    base + (q as usize) * Resource::ALL.len() + r.index()
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
                Family::QueueQuantity(q, _) => {
                    readme.contains(&format!("aipool_queue_{}_", q.as_str()))
                }
                Family::PoolQuantity(..) => readme.contains(pool_pattern),
                Family::PoolPhysical(..) => readme.contains(
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
            for r in Resource::ALL {
                assert_eq!(
                    quantity_index(true, q, r),
                    index(Family::QueueQuantity(q, r))
                );
                assert_eq!(
                    quantity_index(false, q, r),
                    index(Family::PoolQuantity(q, r))
                );
            }
        }
        assert_eq!(
            catalogue()[index(Family::QueueQuantity(
                QuantityKind::WorkloadAvailable,
                Resource::Accelerators
            ))]
            .name,
            "aipool_queue_workload_available_accelerators"
        );
    }
}
