//! Leaving out the derived figures (free, pool totals) that a figure which did
//! not decode would have fed: a sum short of it would read lower than the truth.

use crate::model::{Pool, QuantityKind, Queue, Resources};

use super::{ResourceKey, Unread};

/// Leaves out the derived figures an unread figure would have fed, after
/// [`crate::quantity::derive::remaining`] ran on `queue` (whose reported
/// `Remaining` resources before it are `reported`): free of a resource whose
/// remaining, workload-available, allocated or capability figure was
/// unreadable, unless the queue's own remaining figure for it was read.
pub fn forget_unread_remaining(queue: &mut Queue, reported: Option<&Resources>, unread: &Unread) {
    let Some(rem) = queue.quantities.get_mut(&QuantityKind::Remaining) else {
        return;
    };
    let tainted: Vec<&ResourceKey> = unread
        .iter()
        .filter(|u| u.pool_id == queue.pool_id && u.queue_id == queue.id)
        .filter(|u| {
            matches!(
                u.kind,
                QuantityKind::Remaining
                    | QuantityKind::WorkloadAvailable
                    | QuantityKind::Allocated
                    | QuantityKind::Capability
            )
        })
        .map(|u| &u.key)
        .collect();
    if tainted.is_empty() {
        return;
    }
    let hit = |k: &ResourceKey| tainted.iter().any(|t| t.covers(k)) && !has(reported, k);
    if hit(&ResourceKey::Cpu) {
        rem.cpu_cores = None;
    }
    if hit(&ResourceKey::Memory) {
        rem.memory_bytes = None;
    }
    rem.accelerators
        .retain(|name, _| !hit(&ResourceKey::Accelerator(name.clone())));
    if rem.is_empty() {
        queue.quantities.remove(&QuantityKind::Remaining);
    }
}

fn has(r: Option<&Resources>, key: &ResourceKey) -> bool {
    match (r, key) {
        (Some(r), ResourceKey::Cpu) => r.cpu_cores.is_some(),
        (Some(r), ResourceKey::Memory) => r.memory_bytes.is_some(),
        (Some(r), ResourceKey::Accelerator(n)) => r.accelerators.contains_key(n),
        _ => false,
    }
}

/// Leaves out a pool total that a top-level queue's unread figure would have
/// been part of, run after [`forget_unread_remaining`] and the totals: a sum
/// short of a part is no total (an unread allocated would otherwise count 0).
pub fn forget_unread_totals(pool: &mut Pool, top_level: &[&Queue], unread: &Unread) {
    if pool.cloud_region.is_some() {
        return;
    }
    for q in top_level.iter().filter(|q| q.pool_id == pool.id) {
        for u in unread
            .iter()
            .filter(|u| u.pool_id == q.pool_id && u.queue_id == q.id)
        {
            let kinds: &[QuantityKind] = match u.kind {
                QuantityKind::Capability | QuantityKind::Allocated => {
                    &[u.kind, QuantityKind::Remaining]
                }
                QuantityKind::Remaining | QuantityKind::WorkloadAvailable => {
                    &[QuantityKind::Remaining]
                }
                _ => &[],
            };
            for &kind in kinds {
                if has(q.quantities.get(&kind), &u.key) {
                    // The queue's own figure was read after all (cpuCores
                    // beside an unreadable milliCPUcores, a reported remaining).
                    continue;
                }
                let Some(r) = pool.quantities.get_mut(&kind) else {
                    continue;
                };
                match &u.key {
                    ResourceKey::Cpu => r.cpu_cores = None,
                    ResourceKey::Memory => r.memory_bytes = None,
                    ResourceKey::Accelerator(n) => {
                        r.accelerators.remove(n);
                    }
                    ResourceKey::AnyAccelerator => r.accelerators.clear(),
                }
                if r.is_empty() {
                    pool.quantities.remove(&kind);
                }
            }
        }
    }
}
