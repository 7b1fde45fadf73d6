//! AIHC payloads → the provider-neutral model.
//!
//! Pure functions over DTOs: no I/O, tested on the seed responses. Quirk fixes go
//! through the named rules in [`crate::quantity`], each firing recorded in `fired`.
//! Mapping keeps each block as the API sent it (in base units); what is derived
//! from whole queues (free where the API reports none, parents by id, pool
//! totals) is [`crate::quantity::derive`], which the provider runs on the mapped
//! snapshot.
//!
//! Decoding is per object, so one bad object costs only itself: a list element
//! that did not decode, or whose id is empty, is dropped and recorded in the
//! [`Mapping`]'s [`DecodeLog`]; a number field that is malformed, negative or
//! not finite is left out and recorded, and the rest of its object maps as
//! usual. What free and the pool totals are derived from then lacks that
//! figure, so the resource it concerns is marked [`Unread`] and
//! [`super::finish_snapshot`] leaves the derived figures of that resource out
//! rather than derive them from what remains (an unreadable allocated must not
//! read as 0 in use).

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Pool, QuantityKind, Queue, Workloads};
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::providers::upstream::decode::{DecodeLog, Lenient};
use crate::quantity::{Fired, RawQuantity};

use super::dto::{PoolDto, QueueDto, ServerlessPoolDto, ServerlessQueueDto};

/// Queue trees deeper than this are cut rather than recursed into: real trees
mod blocks;
pub(crate) mod snapshot;
mod unread;

use blocks::{insert, map_block, map_flat_block, CpuReading, OwningQueue};
pub use unread::{forget_unread_remaining, forget_unread_totals};

/// are a few levels deep, and a broken upstream must not overflow the stack.
const MAX_TREE_DEPTH: usize = 32;

/// Accelerator models seen while mapping: resource name → card model.
pub type Models = BTreeMap<String, String>;

/// Pool id → name, as serverless queues name their pools.
pub type PoolNames = BTreeMap<String, String>;

/// A resource of a block.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ResourceKey {
    Cpu,
    Memory,
    Accelerator(String),
    /// A card entry that could not be read at all: any accelerator may be short.
    AnyAccelerator,
}

impl ResourceKey {
    fn covers(&self, other: &ResourceKey) -> bool {
        match (self, other) {
            (ResourceKey::AnyAccelerator, ResourceKey::Accelerator(_)) => true,
            (ResourceKey::Accelerator(_), ResourceKey::AnyAccelerator) => true,
            (a, b) => a == b,
        }
    }
}

/// One figure of one queue that was reported but could not be read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct UnreadFigure {
    pub pool_id: String,
    pub queue_id: String,
    pub kind: QuantityKind,
    pub key: ResourceKey,
}

/// The figures of a poll that were reported but could not be read.
pub type Unread = BTreeSet<UnreadFigure>;

/// What mapping one poll (or one unit) accumulates besides the objects.
#[derive(Debug, Default)]
pub struct Mapping {
    pub fired: Fired,
    pub models: Models,
    /// Pools serverless queues name (`resourcePoolIds[0]` → `resourcePoolNames[0]`).
    pub pool_names: PoolNames,
    pub log: DecodeLog,
    pub unread: Unread,
}

/// An id as the upstream sent it, or `None` (recorded) when it is empty.
fn identity(log: &mut DecodeLog, api: &str, kind: &str, id: &str, i: usize) -> Option<String> {
    let id = id.trim();
    if id.is_empty() {
        log.drop_object(api, format!("{kind} #{i}"), "empty id");
        return None;
    }
    Some(id.to_string())
}

/// The pools of a pool list that decoded and have an id.
pub fn map_pools(
    items: Vec<Lenient<PoolDto>>,
    default_type: &str,
    api: &str,
    log: &mut DecodeLog,
) -> Vec<Pool> {
    log.keep_decoded(api, "pool", "resourcePoolId", items)
        .iter()
        .enumerate()
        .filter_map(|(i, p)| map_pool(p, default_type, api, log, i))
        .collect()
}

/// One pool; `None` (recorded) when its id is empty. `i` is its place in the
/// list, to name it by.
pub fn map_pool(
    dto: &PoolDto,
    default_type: &str,
    api: &str,
    log: &mut DecodeLog,
    i: usize,
) -> Option<Pool> {
    let id = identity(log, api, "pool", &dto.resource_pool_id, i)?;
    let nodes = log.amount(api, &format!("pool {id}"), "nodeNum", dto.node_num.as_ref());
    Some(Pool {
        name: dto.name.clone().unwrap_or_default(),
        pool_type: dto
            .pool_type
            .clone()
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| default_type.to_string()),
        phase: dto.phase.clone().unwrap_or_default(),
        nodes,
        id,
        ..Pool::default()
    })
}

/// The serverless pools of a list that decoded and have an id.
pub fn map_serverless_pools(
    items: Vec<Lenient<ServerlessPoolDto>>,
    api: &str,
    log: &mut DecodeLog,
) -> Vec<Pool> {
    log.keep_decoded(api, "pool", "resourcePoolId", items)
        .iter()
        .enumerate()
        .filter_map(|(i, p)| map_serverless_pool(p, api, log, i))
        .collect()
}

pub fn map_serverless_pool(
    dto: &ServerlessPoolDto,
    api: &str,
    log: &mut DecodeLog,
    i: usize,
) -> Option<Pool> {
    let id = identity(log, api, "pool", &dto.resource_pool_id, i)?;
    let nodes = log.amount(
        api,
        &format!("pool {id}"),
        "instanceCount",
        dto.instance_count.as_ref(),
    );
    Some(Pool {
        name: dto.name.clone().unwrap_or_default(),
        pool_type: "serverless".to_string(),
        phase: dto.phase.clone().unwrap_or_default(),
        nodes,
        id,
        ..Pool::default()
    })
}

/// Maps a common-pool queue list (console `queueList`, OpenAPI `queues`) of
/// pool `pool_id`: every queue that decoded, with its tree.
pub fn map_queues(
    items: Vec<Lenient<QueueDto>>,
    pool_id: &str,
    api: &str,
    m: &mut Mapping,
    out: &mut Vec<Queue>,
) {
    for (i, q) in m
        .log
        .keep_decoded(api, "queue", "queueId", items)
        .iter()
        .enumerate()
    {
        map_queue_tree(q, i, pool_id, api, m, out);
    }
}

/// Maps a common-pool queue and, flattened, every queue in its `children` tree.
/// `i` is its place in its list, to name it by when its id is empty.
///
/// `parent` is what the API said (else the tree parent's id); the provider turns
/// it into an id with [`crate::quantity::derive::parents`].
pub fn map_queue_tree(
    dto: &QueueDto,
    i: usize,
    pool_id: &str,
    api: &str,
    m: &mut Mapping,
    out: &mut Vec<Queue>,
) {
    map_queue_rec(dto, i, pool_id, "", api, m, out, 0)
}

#[allow(clippy::too_many_arguments)]
fn map_queue_rec(
    dto: &QueueDto,
    i: usize,
    pool_id: &str,
    parent_hint: &str,
    api: &str,
    m: &mut Mapping,
    out: &mut Vec<Queue>,
    depth: usize,
) {
    // A queue without an id cannot be told apart: it goes, with its subtree
    // (whose parent it would be).
    let Some(id) = identity(&mut m.log, api, "queue", &dto.queue_id, i) else {
        return;
    };
    let at = OwningQueue {
        api,
        pool_id,
        queue_id: &id,
    };
    let mut q = BTreeMap::new();
    let rem = map_block(
        &dto.remaining,
        QuantityKind::Remaining,
        CpuReading::Milli,
        &at,
        m,
    );
    let avail = map_block(
        &dto.workload_available,
        QuantityKind::WorkloadAvailable,
        CpuReading::Milli,
        &at,
        m,
    );
    let alloc = map_block(
        &dto.allocated,
        QuantityKind::Allocated,
        CpuReading::Milli,
        &at,
        m,
    );
    // Not `remaining`: it is 0 on a used-up queue, and the reading of capability
    // must not change with how full the queue is.
    let floors: Vec<f64> = [&alloc, &avail]
        .into_iter()
        .filter_map(|b| b.as_ref().and_then(|r| r.cpu_cores))
        .collect();
    let cap = map_block(
        &dto.capability,
        QuantityKind::Capability,
        CpuReading::Capability { floors: &floors },
        &at,
        m,
    );
    insert(&mut q, QuantityKind::Capability, cap);
    insert(&mut q, QuantityKind::Allocated, alloc);
    insert(&mut q, QuantityKind::Remaining, rem);
    insert(&mut q, QuantityKind::WorkloadAvailable, avail);
    for kind in [QuantityKind::Deserved, QuantityKind::Guarantee] {
        let block = if kind == QuantityKind::Deserved {
            &dto.deserved
        } else {
            &dto.guarantee
        };
        let r = map_block(block, kind, CpuReading::Milli, &at, m);
        insert(&mut q, kind, r);
    }
    let workloads = workloads(
        [
            ("runningJobs", &dto.running_jobs),
            ("pendingJobs", &dto.pending_jobs),
            ("inqueueJobs", &dto.inqueue_jobs),
        ],
        &at,
        m,
    );
    out.push(Queue {
        pool_id: pool_id.to_string(),
        id: id.clone(),
        name: dto.queue_name.clone().unwrap_or_default(),
        queue_type: dto.queue_type.clone().unwrap_or_default(),
        parent: parent_of(&dto.parent_queue, parent_hint),
        cloud_region: None,
        quantities: q,
        workloads,
        ..Queue::default()
    });
    let children: Vec<QueueDto> = children(&dto.children, &id, "queueId", depth, api, &mut m.log);
    for (i, child) in children.iter().enumerate() {
        map_queue_rec(child, i, pool_id, &id, api, m, out, depth + 1);
    }
}

/// The children of queue `id` at `depth` that decode. They are decoded here,
/// one level at a time, so the depth is bounded before any decoding recursion:
/// a tree deeper than [`MAX_TREE_DEPTH`] is cut there (recorded), and a
/// `children` that is no list is recorded and read as none.
fn children<T: DeserializeOwned>(
    raw: &Option<Box<RawValue>>,
    id: &str,
    id_key: &str,
    depth: usize,
    api: &str,
    log: &mut DecodeLog,
) -> Vec<T> {
    let Some(raw) = raw else { return Vec::new() };
    let object = format!("queue {id} children");
    let list: Option<Vec<Lenient<T>>> = match serde_json::from_str(raw.get()) {
        Ok(l) => l,
        Err(e) => {
            log.drop_object(api, object, e.to_string());
            return Vec::new();
        }
    };
    let list = list.unwrap_or_default();
    if list.is_empty() {
        return Vec::new();
    }
    if depth >= MAX_TREE_DEPTH {
        log.drop_object(
            api,
            object,
            format!("queue tree deeper than {MAX_TREE_DEPTH} levels"),
        );
        return Vec::new();
    }
    log.keep_decoded(api, &format!("queue {id} child"), id_key, list)
}

fn parent_of(reported: &Option<String>, hint: &str) -> String {
    match reported.as_deref().map(str::trim) {
        Some(p) if !p.is_empty() => p.to_string(),
        _ => hint.to_string(),
    }
}

/// The job counts; an absent one is 0 beside reported ones, as before. A
/// malformed one is recorded and the queue's counts are left out: the model
/// holds all three or none, and a fake 0 is worse than no series.
fn workloads(
    fields: [(&str, &Option<RawQuantity>); 3],
    at: &OwningQueue<'_>,
    m: &mut Mapping,
) -> Option<Workloads> {
    let before = m.log.errors().len();
    let object = at.object();
    let [r, p, i] = fields.map(|(name, raw)| m.log.amount(at.api, &object, name, raw.as_ref()));
    if m.log.errors().len() > before || (r.is_none() && p.is_none() && i.is_none()) {
        return None;
    }
    Some(Workloads {
        running: r.unwrap_or(0.0),
        pending: p.unwrap_or(0.0),
        inqueue: i.unwrap_or(0.0),
    })
}

/// Maps a serverless queue list: every queue that decoded, with its tree.
pub fn map_serverless_queues(
    items: Vec<Lenient<ServerlessQueueDto>>,
    api: &str,
    m: &mut Mapping,
    out: &mut Vec<Queue>,
) {
    for (i, q) in m
        .log
        .keep_decoded(api, "queue", "id", items)
        .iter()
        .enumerate()
    {
        map_serverless_queue_tree(q, i, api, m, out);
    }
}

/// Maps a serverless queue tree; every child becomes a queue of its own. The pool
/// is the queue's first `resourcePoolIds` entry; its first `resourcePoolNames`
/// entry goes into `pool_names` (the pool list need not have the pool).
pub fn map_serverless_queue_tree(
    dto: &ServerlessQueueDto,
    i: usize,
    api: &str,
    m: &mut Mapping,
    out: &mut Vec<Queue>,
) {
    map_serverless_rec(dto, i, "", api, m, out, 0)
}

fn map_serverless_rec(
    dto: &ServerlessQueueDto,
    i: usize,
    parent_hint: &str,
    api: &str,
    m: &mut Mapping,
    out: &mut Vec<Queue>,
    depth: usize,
) {
    let Some(id) = identity(&mut m.log, api, "queue", &dto.id, i) else {
        return;
    };
    let first = |list: &Option<Vec<String>>| {
        list.as_ref()
            .and_then(|l| l.first())
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let pool_id = first(&dto.resource_pool_ids);
    let pool_name = first(&dto.resource_pool_names);
    let at = OwningQueue {
        api,
        pool_id: &pool_id,
        queue_id: &id,
    };
    let mut q = BTreeMap::new();
    let blocks = [
        (QuantityKind::Capability, &dto.capability),
        (QuantityKind::Allocated, &dto.allocated),
        (QuantityKind::Remaining, &dto.remaining),
        (QuantityKind::WorkloadAvailable, &dto.workload_available),
        (QuantityKind::Deserved, &dto.deserved),
        (QuantityKind::Guarantee, &dto.guarantee),
    ];
    for (kind, block) in blocks {
        let r = map_flat_block(block, kind, &at, m);
        insert(&mut q, kind, r);
    }
    let nodes = dto.nodes.clone().unwrap_or_default();
    let kind = format!("queue {id} node");
    for node in m.log.keep_decoded(api, &kind, "gpuDescriptor", nodes) {
        if let (Some(d), Some(t)) = (&node.gpu_descriptor, &node.gpu_card_type) {
            if !d.is_empty() && !t.is_empty() {
                m.models.entry(d.clone()).or_insert_with(|| t.clone());
            }
        }
    }
    if !pool_id.is_empty() {
        // The first name given wins; a queue without one names no name.
        let name = m.pool_names.entry(pool_id.clone()).or_default();
        if name.is_empty() {
            *name = pool_name;
        }
    }
    let workloads = workloads(
        [
            ("running", &dto.running),
            ("pending", &dto.pending),
            ("inqueue", &dto.inqueue),
        ],
        &at,
        m,
    );
    out.push(Queue {
        pool_id: pool_id.clone(),
        id: id.clone(),
        name: dto.name.clone().unwrap_or_default(),
        queue_type: dto.queue_type.clone().unwrap_or_default(),
        parent: parent_of(&dto.parent_queue, parent_hint),
        cloud_region: None,
        quantities: q,
        workloads,
        ..Queue::default()
    });
    let children: Vec<ServerlessQueueDto> =
        children(&dto.children, &id, "id", depth, api, &mut m.log);
    for (i, child) in children.iter().enumerate() {
        map_serverless_rec(child, i, &id, api, m, out, depth + 1);
    }
}

#[cfg(test)]
mod tests;
