//! A queue ([`Queue`]) of a pool: its facts, quantities, free slots and
//! workloads. The node figures some platforms report for a queue are in
//! [`super::node`].

use super::{Decl, Family, Group, Kind, Label, LabelRead, QuantityDecl, QuantityRead, Value};
use crate::model::Queue;

pub const FAMILIES: &[Decl<Queue>] = &[
    Decl {
        family: Family::QueueInfo,
        name: "aipool_queue_info",
        help: "Queues with their name, type and parent queue.",
        kind: Kind::Info,
        labels: &[
            Label {
                name: "queue_name",
                read: LabelRead::Always(|q| &q.name),
            },
            Label {
                name: "queue_type",
                read: LabelRead::Always(|q| &q.queue_type),
            },
            Label {
                name: "parent_queue",
                read: LabelRead::Always(|q| &q.parent),
            },
        ],
        value: Value::One,
    },
    Decl {
        family: Family::QueueFreeSlots,
        name: "aipool_queue_free_slots",
        help: "Single-node jobs of `cards` cards that fit in the queue now: free nodes times cards per node divided by cards, rounded down (Sugon HPC queues).",
        kind: Kind::Gauge,
        labels: &[],
        value: Value::FreeSlots(|q| &q.free_blocks),
    },
    Decl {
        family: Family::QueueLargestFreeBlock,
        name: "aipool_queue_largest_free_block_accelerators",
        help: "Most free cards on any one schedulable node of the queue: cards per node when a node is free, else 0 (Sugon HPC queues).",
        kind: Kind::Gauge,
        labels: &[],
        value: Value::LargestFreeBlock(|q| &q.free_blocks),
    },
    Decl {
        family: Family::QueueWorkloads,
        name: "aipool_queue_workloads",
        help: "Workloads (jobs) in a queue by state (running, pending, inqueue).",
        kind: Kind::Gauge,
        labels: &[],
        value: Value::ByState(
            "state",
            &[
                ("running", |q| q.workloads.map(|w| w.running)),
                ("pending", |q| q.workloads.map(|w| w.pending)),
                ("inqueue", |q| q.workloads.map(|w| w.inqueue)),
            ],
        ),
    },
];

pub const QUANTITIES: &[QuantityDecl<Queue>] = &[QuantityDecl {
    group: Group::QueueQuantity,
    name: "aipool_queue_{quantity}_{resource}",
    help: "Queue {quantity}: {resource}.",
    read: QuantityRead::ByKind(|q| &q.quantities),
}];
