//! The node figures of a queue ([`QueueNodes`], Sugon HPC queues): series of
//! the queue, read from the figures the platform reports for its nodes.

use super::{Decl, Family, Kind, Resource, Value};
use crate::model::QueueNodes;

pub const FAMILIES: &[Decl<QueueNodes>] = &[
    Decl {
        family: Family::QueueNodes,
        name: "aipool_queue_nodes",
        help: "Nodes in the queue (Sugon HPC queues).",
        kind: Kind::Gauge,
        labels: &[],
        value: Value::Figure(|n| n.nodes),
    },
    Decl {
        family: Family::QueueFreeNodes,
        name: "aipool_queue_free_nodes",
        help: "Nodes of the queue with nothing running on them (Sugon HPC queues).",
        kind: Kind::Gauge,
        labels: &[],
        value: Value::Figure(|n| n.free_nodes),
    },
    Decl {
        family: Family::QueueNodeCapability(Resource::Cpu),
        name: "aipool_queue_node_capability_cpu_cores",
        help: "Capability of one node of the queue: CPU in cores (Sugon HPC queues).",
        kind: Kind::Gauge,
        labels: &[],
        value: Value::Figure(|n| n.node_cpu_cores),
    },
    Decl {
        family: Family::QueueNodeCapability(Resource::Accelerators),
        name: "aipool_queue_node_capability_accelerators",
        help: "Capability of one node of the queue: accelerator cards by accelerator resource name (Sugon HPC queues).",
        kind: Kind::Gauge,
        labels: &[],
        value: Value::ByKey("accelerator", |n| &n.node_accelerators),
    },
];
