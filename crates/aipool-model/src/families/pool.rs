//! A resource pool ([`Pool`]): its facts, quantity totals, hardware, node
//! figures and free slots. Most families are provider-specific (the help text
//! names the platform); a platform that does not report a figure has no series.

use super::{Decl, Family, Group, Kind, Label, LabelRead, QuantityDecl, QuantityRead, Value};
use crate::model::Pool;

pub const FAMILIES: &[Decl<Pool>] = &[
    Decl {
        family: Family::PoolInfo,
        name: "aipool_pool_info",
        help: "Resource pools with their name, type and phase.",
        kind: Kind::Info,
        labels: &[
            Label {
                name: "pool_name",
                read: LabelRead::Always(|p| &p.name),
            },
            Label {
                name: "pool_type",
                read: LabelRead::Always(|p| &p.pool_type),
            },
            Label {
                name: "phase",
                read: LabelRead::Always(|p| &p.phase),
            },
            // Only platforms with workspaces and pool trees (ModelArts) set these.
            Label {
                name: "workspace_id",
                read: LabelRead::Optional(|p| p.workspace_id.as_deref()),
            },
            Label {
                name: "parent_pool",
                read: LabelRead::Optional(|p| p.parent_pool.as_deref()),
            },
            Label {
                name: "the platform's further facts (Sugon: `max_time`)",
                read: LabelRead::Open(|p| &p.extra_info),
            },
        ],
        value: Value::One,
    },
    Decl {
        family: Family::PoolNodes,
        name: "aipool_pool_nodes",
        help: "Nodes in the resource pool.",
        kind: Kind::Gauge,
        labels: &[],
        value: Value::Figure(|p| p.nodes),
    },
    Decl {
        family: Family::PoolLastSuccess,
        name: "aipool_pool_last_success_timestamp_seconds",
        help: "Unix time the pool's own data (its queues, nodes) was last fetched; behind the account's aipool_last_success_timestamp_seconds while the pool's calls fail and its last good series are kept.",
        kind: Kind::Gauge,
        labels: &[],
        value: Value::Fetched,
    },
    Decl {
        family: Family::PoolFreeSlots,
        name: "aipool_pool_free_slots",
        help: "Single-node jobs of `cards` cards that fit in the pool now: the sum over its schedulable nodes of free cards on the node divided by cards, rounded down (ModelArts).",
        kind: Kind::Gauge,
        labels: &[],
        value: Value::FreeSlots(|p| &p.free_blocks),
    },
    Decl {
        family: Family::PoolLargestFreeBlock,
        name: "aipool_pool_largest_free_block_accelerators",
        help: "Most free cards on any one schedulable node of the pool (ModelArts).",
        kind: Kind::Gauge,
        labels: &[],
        value: Value::LargestFreeBlock(|p| &p.free_blocks),
    },
    Decl {
        family: Family::PoolFlavorNodes,
        name: "aipool_pool_flavor_nodes",
        help: "Nodes of a pool by flavor and state (available, creating, abnormal, deleting).",
        kind: Kind::Gauge,
        labels: &[],
        value: Value::ByPair(["flavor", "state"], |p| &p.flavor_nodes),
    },
    Decl {
        family: Family::NodePhaseNodes,
        name: "aipool_node_phase_nodes",
        help: "Nodes of a pool by node phase.",
        kind: Kind::Gauge,
        labels: &[],
        value: Value::ByKey("phase", |p| &p.node_phases),
    },
    Decl {
        family: Family::PoolDriverInfo,
        name: "aipool_pool_driver_info",
        help: "Accelerator driver version and state of a pool.",
        kind: Kind::Info,
        labels: &[],
        value: Value::Drivers(|p| &p.drivers),
    },
    Decl {
        family: Family::PoolFlavorMaxNodes,
        name: "aipool_pool_flavor_max_nodes",
        help: "Elastic ceiling of a pool's flavor in nodes, by flavor and state (ModelArts maxCount; equal to the node count in a physical pool).",
        kind: Kind::Gauge,
        labels: &[],
        value: Value::ByPair(["flavor", "state"], |p| &p.flavor_max_nodes),
    },
    Decl {
        family: Family::PoolFrozen,
        name: "aipool_pool_frozen",
        help: "1 if the pool is frozen (ModelArts controlMode flag 8 or 16), else 0.",
        kind: Kind::Gauge,
        labels: &[],
        value: Value::Figure(|p| p.frozen.map(|f| f64::from(u8::from(f)))),
    },
    Decl {
        family: Family::PoolNodeLimitAccelerators,
        name: "aipool_pool_node_limit_accelerators",
        help: "Per-node accelerator limit of a pool, by accelerator kind.",
        kind: Kind::Gauge,
        labels: &[],
        value: Value::ByKey("accelerator", |p| &p.node_limits),
    },
];

pub const QUANTITIES: &[QuantityDecl<Pool>] = &[
    QuantityDecl {
        group: Group::PoolQuantity,
        name: "aipool_pool_{quantity}_{resource}",
        help: "Pool {quantity}: {resource}.",
        read: QuantityRead::ByKind(|p| &p.quantities),
    },
    QuantityDecl {
        group: Group::PoolPhysical,
        name: "aipool_pool_physical_{quantity}_{resource}",
        help: "Pool hardware {quantity}, whatever the queues' quotas say: {resource}.",
        read: QuantityRead::ByKind(|p| &p.physical),
    },
    QuantityDecl {
        group: Group::PoolNodeCapability,
        name: "aipool_pool_node_capability_{resource}",
        help: "Capability of one node of the pool: {resource}.",
        read: QuantityRead::Block(|p| p.node_capability.as_ref()),
    },
];
