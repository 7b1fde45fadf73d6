//! AIHC payloads → the provider-neutral model.
//!
//! Pure functions over DTOs: no I/O, tested on the seed responses. Quirk fixes go
//! through the named rules in [`crate::quantity`], each firing recorded in `fired`.

use std::collections::BTreeMap;

use crate::model::{Pool, QuantityKind, Queue, Resources, Workloads};
use crate::quantity::{self, Fired, RawQuantity, Rule};

use crate::providers::mapping::num_opt;
pub use crate::providers::mapping::MapError;

use super::dto::{BlockDto, FlatBlock, PoolDto, QueueDto, ServerlessPoolDto, ServerlessQueueDto};

/// Queue trees deeper than this are refused rather than recursed into: real trees
/// are a few levels deep, and a cycle in a broken upstream must not overflow.
const MAX_TREE_DEPTH: usize = 32;

/// Accelerator models seen while mapping: resource name → card model.
pub type Models = BTreeMap<String, String>;

pub fn map_pool(dto: &PoolDto, default_type: &str) -> Result<Pool, MapError> {
    let id = &dto.resource_pool_id;
    Ok(Pool {
        id: id.clone(),
        name: dto.name.clone().unwrap_or_default(),
        pool_type: dto
            .pool_type
            .clone()
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| default_type.to_string()),
        phase: dto.phase.clone().unwrap_or_default(),
        nodes: num_opt(&dto.node_num, || format!("pool {id} nodeNum"))?,
        ..Pool::default()
    })
}

pub fn map_serverless_pool(dto: &ServerlessPoolDto) -> Result<Pool, MapError> {
    let id = &dto.resource_pool_id;
    Ok(Pool {
        id: id.clone(),
        name: dto.name.clone().unwrap_or_default(),
        pool_type: "serverless".to_string(),
        phase: dto.phase.clone().unwrap_or_default(),
        nodes: num_opt(&dto.instance_count, || format!("pool {id} instanceCount"))?,
        ..Pool::default()
    })
}

/// How a block's `milliCPUcores` is read.
enum CpuReading<'a> {
    /// Literally, as milli.
    Milli,
    /// A capability: milli, unless [`Rule::MilliCpuIsCores`] says cores given these
    /// reference CPUs (the same queue's remaining and workload-available, in cores).
    Capability(&'a [f64]),
}

/// Maps a common-pool block. `{}` and blocks without any known field give `None`.
fn map_block(
    block: &Option<BlockDto>,
    cpu: CpuReading<'_>,
    ctx: &str,
    fired: &mut Fired,
    models: &mut Models,
) -> Result<Option<Resources>, MapError> {
    let Some(b) = block else { return Ok(None) };
    let mut r = Resources::default();
    let memory_in_bytes = if let Some(gi) = num_opt(&b.memory_gi, || format!("{ctx}.memoryGi"))? {
        let before = fired.count(Rule::MemoryGiIsBytes);
        r.memory_bytes = Some(quantity::gi_to_bytes(gi, fired));
        fired.count(Rule::MemoryGiIsBytes) > before
    } else {
        false
    };
    let milli = num_opt(&b.milli_cpu_cores, || format!("{ctx}.milliCPUcores"))?;
    let cores = num_opt(&b.cpu_cores, || format!("{ctx}.cpuCores"))?;
    r.cpu_cores = match (milli, cpu) {
        (Some(m), CpuReading::Milli) => Some(quantity::milli_to_cores(m)),
        (Some(m), CpuReading::Capability(refs)) => Some(quantity::capability_milli_to_cores(
            m,
            refs,
            memory_in_bytes,
            fired,
        )),
        // cpuCores is rounded by the upstream ("415" beside "415140"): only a
        // fallback when the precise milli value is missing.
        (None, _) => cores,
    };
    for (i, card) in b.accelerator_card_list.iter().flatten().enumerate() {
        let description = card.accelerator_description.as_deref().unwrap_or("").trim();
        let model = card.accelerator_type.as_deref().unwrap_or("").trim();
        let name = if !description.is_empty() {
            description
        } else if !model.is_empty() {
            fired.fire(Rule::AcceleratorNameFromType);
            model
        } else {
            return Err(MapError {
                context: format!("{ctx}.acceleratorCardList[{i}]"),
                reason: "neither acceleratorDescription nor acceleratorType is set".into(),
            });
        };
        let Some(count) = num_opt(&card.accelerator_count, || {
            format!("{ctx}.acceleratorCardList[{i}].acceleratorCount")
        })?
        else {
            continue;
        };
        *r.accelerators.entry(name.to_string()).or_insert(0.0) += count;
        if !model.is_empty() && model != name {
            models
                .entry(name.to_string())
                .or_insert_with(|| model.to_string());
        }
    }
    Ok((!r.is_empty()).then_some(r))
}

/// Maps a serverless flat block (`cpu` cores, `memory` Gi, accelerators by name).
fn map_flat_block(
    block: &Option<FlatBlock>,
    ctx: &str,
    fired: &mut Fired,
) -> Result<Option<Resources>, MapError> {
    let Some(b) = block else { return Ok(None) };
    let mut r = Resources::default();
    for (key, raw) in b {
        let Some(v) = num_opt(raw, || format!("{ctx}.{key}"))? else {
            continue;
        };
        match key.as_str() {
            "cpu" => r.cpu_cores = Some(v),
            "memory" => r.memory_bytes = Some(quantity::gi_to_bytes(v, fired)),
            name => {
                r.accelerators.insert(name.to_string(), v);
            }
        }
    }
    Ok((!r.is_empty()).then_some(r))
}

fn insert(q: &mut BTreeMap<QuantityKind, Resources>, kind: QuantityKind, r: Option<Resources>) {
    if let Some(r) = r {
        q.insert(kind, r);
    }
}

/// Whether `remaining` is derived (OpenAPI) or reported (console).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Remaining {
    Reported,
    /// capability − allocated, per resource, when both blocks are present.
    Derived,
}

/// Maps a common-pool queue and, flattened, every queue in its `children` tree.
pub fn map_queue_tree(
    dto: &QueueDto,
    pool_id: &str,
    remaining: Remaining,
    fired: &mut Fired,
    models: &mut Models,
    out: &mut Vec<Queue>,
) -> Result<(), MapError> {
    map_queue_rec(dto, pool_id, "", remaining, fired, models, out, 0)
}

#[allow(clippy::too_many_arguments)]
fn map_queue_rec(
    dto: &QueueDto,
    pool_id: &str,
    parent_hint: &str,
    remaining: Remaining,
    fired: &mut Fired,
    models: &mut Models,
    out: &mut Vec<Queue>,
    depth: usize,
) -> Result<(), MapError> {
    let id = &dto.queue_id;
    if depth > MAX_TREE_DEPTH {
        return Err(MapError {
            context: format!("queue {id}"),
            reason: format!("queue tree deeper than {MAX_TREE_DEPTH} levels"),
        });
    }
    let ctx = |block: &str| format!("queue {id} {block}");
    let mut q = BTreeMap::new();
    let rem = map_block(
        &dto.remaining,
        CpuReading::Milli,
        &ctx("remaining"),
        fired,
        models,
    )?;
    let avail = map_block(
        &dto.workload_available,
        CpuReading::Milli,
        &ctx("workloadAvailable"),
        fired,
        models,
    )?;
    let refs: Vec<f64> = [&rem, &avail]
        .into_iter()
        .filter_map(|b| b.as_ref().and_then(|r| r.cpu_cores))
        .collect();
    let cap = map_block(
        &dto.capability,
        CpuReading::Capability(&refs),
        &ctx("capability"),
        fired,
        models,
    )?;
    let alloc = map_block(
        &dto.allocated,
        CpuReading::Milli,
        &ctx("allocated"),
        fired,
        models,
    )?;
    let rem = match remaining {
        Remaining::Reported => rem,
        Remaining::Derived => match (&cap, &alloc) {
            (Some(c), Some(a)) => Some(c.minus(a)),
            _ => None,
        },
    };
    insert(&mut q, QuantityKind::Capability, cap);
    insert(&mut q, QuantityKind::Allocated, alloc);
    insert(&mut q, QuantityKind::Remaining, rem);
    insert(&mut q, QuantityKind::WorkloadAvailable, avail);
    insert(
        &mut q,
        QuantityKind::Deserved,
        map_block(
            &dto.deserved,
            CpuReading::Milli,
            &ctx("deserved"),
            fired,
            models,
        )?,
    );
    insert(
        &mut q,
        QuantityKind::Guarantee,
        map_block(
            &dto.guarantee,
            CpuReading::Milli,
            &ctx("guarantee"),
            fired,
            models,
        )?,
    );
    let workloads = workloads(
        &dto.running_jobs,
        &dto.pending_jobs,
        &dto.inqueue_jobs,
        &ctx("jobs"),
    )?;
    out.push(Queue {
        pool_id: pool_id.to_string(),
        id: id.clone(),
        name: dto.queue_name.clone().unwrap_or_default(),
        queue_type: dto.queue_type.clone().unwrap_or_default(),
        parent: parent_of(&dto.parent_queue, parent_hint),
        cloud_region: None,
        quantities: q,
        workloads,
    });
    for child in dto.children.iter().flatten() {
        map_queue_rec(child, pool_id, id, remaining, fired, models, out, depth + 1)?;
    }
    Ok(())
}

fn parent_of(reported: &Option<String>, hint: &str) -> String {
    match reported.as_deref().map(str::trim) {
        Some(p) if !p.is_empty() => p.to_string(),
        _ => hint.to_string(),
    }
}

fn workloads(
    running: &Option<RawQuantity>,
    pending: &Option<RawQuantity>,
    inqueue: &Option<RawQuantity>,
    ctx: &str,
) -> Result<Option<Workloads>, MapError> {
    let r = num_opt(running, || format!("{ctx} running"))?;
    let p = num_opt(pending, || format!("{ctx} pending"))?;
    let i = num_opt(inqueue, || format!("{ctx} inqueue"))?;
    if r.is_none() && p.is_none() && i.is_none() {
        return Ok(None);
    }
    Ok(Some(Workloads {
        running: r.unwrap_or(0.0),
        pending: p.unwrap_or(0.0),
        inqueue: i.unwrap_or(0.0),
    }))
}

/// Maps a serverless queue tree; every child becomes a queue of its own. The pool
/// is the queue's first `resourcePoolIds` entry.
pub fn map_serverless_queue_tree(
    dto: &ServerlessQueueDto,
    fired: &mut Fired,
    models: &mut Models,
    out: &mut Vec<Queue>,
) -> Result<(), MapError> {
    map_serverless_rec(dto, "", fired, models, out, 0)
}

fn map_serverless_rec(
    dto: &ServerlessQueueDto,
    parent_hint: &str,
    fired: &mut Fired,
    models: &mut Models,
    out: &mut Vec<Queue>,
    depth: usize,
) -> Result<(), MapError> {
    let id = &dto.id;
    if depth > MAX_TREE_DEPTH {
        return Err(MapError {
            context: format!("queue {id}"),
            reason: format!("queue tree deeper than {MAX_TREE_DEPTH} levels"),
        });
    }
    let ctx = |block: &str| format!("queue {id} {block}");
    let mut q = BTreeMap::new();
    let blocks = [
        (QuantityKind::Capability, &dto.capability, "capability"),
        (QuantityKind::Allocated, &dto.allocated, "allocated"),
        (QuantityKind::Remaining, &dto.remaining, "remaining"),
        (
            QuantityKind::WorkloadAvailable,
            &dto.workload_available,
            "workloadAvailable",
        ),
        (QuantityKind::Deserved, &dto.deserved, "deserved"),
        (QuantityKind::Guarantee, &dto.guarantee, "guarantee"),
    ];
    for (kind, block, name) in blocks {
        insert(&mut q, kind, map_flat_block(block, &ctx(name), fired)?);
    }
    for node in dto.nodes.iter().flatten() {
        if let (Some(d), Some(t)) = (&node.gpu_descriptor, &node.gpu_card_type) {
            if !d.is_empty() && !t.is_empty() {
                models.entry(d.clone()).or_insert_with(|| t.clone());
            }
        }
    }
    out.push(Queue {
        pool_id: dto
            .resource_pool_ids
            .as_ref()
            .and_then(|ids| ids.first().cloned())
            .unwrap_or_default(),
        id: id.clone(),
        name: dto.name.clone().unwrap_or_default(),
        queue_type: dto.queue_type.clone().unwrap_or_default(),
        parent: parent_of(&dto.parent_queue, parent_hint),
        cloud_region: None,
        quantities: q,
        workloads: workloads(&dto.running, &dto.pending, &dto.inqueue, &ctx("jobs"))?,
    });
    for child in dto.children.iter().flatten() {
        map_serverless_rec(child, id, fired, models, out, depth + 1)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
