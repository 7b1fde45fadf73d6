//! AIHC payloads → the provider-neutral model.
//!
//! Pure functions over DTOs: no I/O, tested on the seed responses. Quirk fixes go
//! through the named rules in [`crate::quantity`], each firing recorded in `fired`.
//! Mapping keeps each block as the API sent it (in base units); what is derived
//! from whole queues (free where the API reports none, parents by id, pool
//! totals) is [`crate::quantity::derive`], which the provider runs on the mapped
//! snapshot.

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
    /// A capability: milli, unless the block's own evidence says cores
    /// ([`quantity::capability_milli_to_cores`]); `floors` are the same queue's
    /// allocated and workload-available CPU in cores, which never fall as the
    /// queue fills.
    Capability { floors: &'a [f64] },
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
        (Some(m), CpuReading::Capability { floors }) => Some(quantity::capability_milli_to_cores(
            m,
            quantity::CpuEvidence {
                cpu_cores: cores,
                memory_in_bytes,
                floors,
            },
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

/// Maps a common-pool queue and, flattened, every queue in its `children` tree.
///
/// `parent` is what the API said (else the tree parent's id); the provider turns
/// it into an id with [`crate::quantity::derive::parents`].
pub fn map_queue_tree(
    dto: &QueueDto,
    pool_id: &str,
    fired: &mut Fired,
    models: &mut Models,
    out: &mut Vec<Queue>,
) -> Result<(), MapError> {
    map_queue_rec(dto, pool_id, "", fired, models, out, 0)
}

fn map_queue_rec(
    dto: &QueueDto,
    pool_id: &str,
    parent_hint: &str,
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
    let alloc = map_block(
        &dto.allocated,
        CpuReading::Milli,
        &ctx("allocated"),
        fired,
        models,
    )?;
    // Not `remaining`: it is 0 on a used-up queue, and the reading of capability
    // must not change with how full the queue is.
    let floors: Vec<f64> = [&alloc, &avail]
        .into_iter()
        .filter_map(|b| b.as_ref().and_then(|r| r.cpu_cores))
        .collect();
    let cap = map_block(
        &dto.capability,
        CpuReading::Capability { floors: &floors },
        &ctx("capability"),
        fired,
        models,
    )?;
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
        map_queue_rec(child, pool_id, id, fired, models, out, depth + 1)?;
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

/// Pool id → name, as serverless queues name their pools.
pub type PoolNames = BTreeMap<String, String>;

/// Maps a serverless queue tree; every child becomes a queue of its own. The pool
/// is the queue's first `resourcePoolIds` entry; its first `resourcePoolNames`
/// entry goes into `pool_names` (the pool list need not have the pool).
pub fn map_serverless_queue_tree(
    dto: &ServerlessQueueDto,
    fired: &mut Fired,
    models: &mut Models,
    pool_names: &mut PoolNames,
    out: &mut Vec<Queue>,
) -> Result<(), MapError> {
    map_serverless_rec(dto, "", fired, models, pool_names, out, 0)
}

fn map_serverless_rec(
    dto: &ServerlessQueueDto,
    parent_hint: &str,
    fired: &mut Fired,
    models: &mut Models,
    pool_names: &mut PoolNames,
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
    let first = |list: &Option<Vec<String>>| {
        list.as_ref()
            .and_then(|l| l.first())
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let pool_id = first(&dto.resource_pool_ids);
    let pool_name = first(&dto.resource_pool_names);
    if !pool_id.is_empty() {
        // The first name given wins; a queue without one names no name.
        let name = pool_names.entry(pool_id.clone()).or_default();
        if name.is_empty() {
            *name = pool_name;
        }
    }
    out.push(Queue {
        pool_id,
        id: id.clone(),
        name: dto.name.clone().unwrap_or_default(),
        queue_type: dto.queue_type.clone().unwrap_or_default(),
        parent: parent_of(&dto.parent_queue, parent_hint),
        cloud_region: None,
        quantities: q,
        workloads: workloads(&dto.running, &dto.pending, &dto.inqueue, &ctx("jobs"))?,
    });
    for child in dto.children.iter().flatten() {
        map_serverless_rec(child, id, fired, models, pool_names, out, depth + 1)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
