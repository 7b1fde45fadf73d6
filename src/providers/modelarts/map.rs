//! ModelArts payloads → the provider-neutral model.
//!
//! Pure functions over DTOs: no I/O, tested on the seed's ListPools example and
//! synthetic node lists.
//!
//! Pool totals are sums over the pool's nodes: capability is the sum of every
//! node's `resources`, remaining the sum of its `availableResources`, and
//! allocated their difference (everything that is not free, including whatever a
//! node that reports no free resources, e.g. one still creating, holds).

use std::collections::BTreeMap;

use crate::model::{Driver, Pool, QuantityKind, Resources};
use crate::quantity::RawQuantity;

use crate::providers::mapping::num;
pub use crate::providers::mapping::MapError;

use super::dto::{NodeDto, PoolDto};

/// The `phase` label of a node that reports none.
pub const UNKNOWN_PHASE: &str = "Unknown";

/// Whether a node resource key counts as an accelerator.
///
/// Every key is an accelerator (`nvidia.com/gpu`, `huawei.com/ascend-snt9`, …)
/// except CPU, memory and the Kubernetes resources that are obviously not
/// accelerators:
/// - `cpu`, `memory`, `pods`;
/// - anything about storage: a key containing `storage` (`ephemeral-storage`,
///   `storage`, `local-storage`, …);
/// - `hugepages-*` (memory reserved as huge pages) and `attachable-volumes-*`
///   (per-node volume limits);
/// - the `kubernetes.io/` namespace, which Kubernetes reserves for its own
///   resources.
///
/// A new vendor key therefore shows up as an accelerator without a code change.
pub fn is_accelerator(key: &str) -> bool {
    let k = key.trim().to_ascii_lowercase();
    !(k.is_empty()
        || matches!(k.as_str(), "cpu" | "memory" | "pods")
        || k.contains("storage")
        || k.starts_with("hugepages-")
        || k.starts_with("attachable-volumes-")
        || k.starts_with("kubernetes.io/"))
}

/// One node's resource map in base units: `cpu` in cores (`"3920m"` → 3.92),
/// `memory` in bytes (`"6270Mi"`; a plain number is bytes, as in Kubernetes),
/// accelerators as counts. Non-accelerator keys are dropped; empty values
/// (`""`) are "not reported".
fn node_resources(
    map: &BTreeMap<String, RawQuantity>,
    context: &dyn Fn(&str) -> String,
) -> Result<Resources, MapError> {
    let mut r = Resources::default();
    for (key, raw) in map {
        let value = num(raw, || context(key))?;
        let Some(v) = value else { continue };
        match key.trim().to_ascii_lowercase().as_str() {
            "cpu" => r.cpu_cores = Some(v),
            "memory" => r.memory_bytes = Some(v),
            _ if is_accelerator(key) => {
                r.accelerators.insert(key.trim().to_string(), v);
            }
            _ => {}
        }
    }
    Ok(r)
}

/// A pool as ListPools reports it; [`map_nodes`] adds what its nodes say.
pub fn map_pool(dto: &PoolDto) -> Result<Pool, MapError> {
    let id = &dto.metadata.name;
    let labels = dto.metadata.labels.clone().unwrap_or_default();
    let spec = dto.spec.clone().unwrap_or_default();
    let status = dto.status.clone().unwrap_or_default();
    let mut pool = Pool {
        id: id.clone(),
        name: labels.name.unwrap_or_default(),
        pool_type: spec.pool_type.unwrap_or_default(),
        phase: status.phase.unwrap_or_default(),
        ..Pool::default()
    };

    if let Some(resources) = &status.resources {
        for (state, entries) in resources.states() {
            for (i, entry) in entries.iter().enumerate() {
                let (Some(flavor), Some(count)) = (&entry.flavor, &entry.count) else {
                    continue;
                };
                let Some(n) = num(count, || {
                    format!("pool {id} status.resources.{state}[{i}].count")
                })?
                else {
                    continue;
                };
                *pool
                    .flavor_nodes
                    .entry((flavor.clone(), state.to_string()))
                    .or_insert(0.0) += n;
            }
        }
    }

    if let Some(driver) = &status.driver {
        for (kind, d) in [("gpu", &driver.gpu), ("npu", &driver.npu)] {
            let Some(d) = d else { continue };
            let version = d.version.clone().unwrap_or_default();
            let state = d.state.clone().unwrap_or_default();
            if version.is_empty() && state.is_empty() {
                continue;
            }
            pool.drivers.push(Driver {
                kind: kind.to_string(),
                version,
                state,
            });
        }
    }

    Ok(pool)
}

/// Node count, phases and the capability / remaining / allocated sums of the
/// pool's listed nodes.
pub fn map_nodes(pool: &mut Pool, nodes: &[NodeDto]) -> Result<(), MapError> {
    pool.nodes = Some(nodes.len() as f64);
    let mut capability: Option<Resources> = None;
    let mut remaining: Option<Resources> = None;
    for (i, node) in nodes.iter().enumerate() {
        let node_name = node
            .metadata
            .as_ref()
            .and_then(|m| m.name.clone())
            .unwrap_or_else(|| format!("#{i}"));
        let status = node.status.clone().unwrap_or_default();
        let pool_id = pool.id.clone();
        let phase = status
            .phase
            .filter(|p| !p.trim().is_empty())
            .unwrap_or_else(|| UNKNOWN_PHASE.to_string());
        *pool.node_phases.entry(phase).or_insert(0.0) += 1.0;

        let total = match &status.resources {
            Some(map) => Some(node_resources(map, &|k| {
                format!("pool {pool_id} node {node_name} resources.{k}")
            })?),
            None => None,
        };
        let free = match &status.available_resources {
            Some(map) => Some(node_resources(map, &|k| {
                format!("pool {pool_id} node {node_name} availableResources.{k}")
            })?),
            None => None,
        };
        if let Some(t) = &total {
            capability.get_or_insert_with(Resources::default).add(t);
        }
        if let Some(mut f) = free {
            // A resource the node has but does not list as available has none of
            // it free; say 0 rather than leave it out of the sum.
            if let Some(t) = &total {
                if t.cpu_cores.is_some() && f.cpu_cores.is_none() {
                    f.cpu_cores = Some(0.0);
                }
                if t.memory_bytes.is_some() && f.memory_bytes.is_none() {
                    f.memory_bytes = Some(0.0);
                }
                for k in t.accelerators.keys() {
                    f.accelerators.entry(k.clone()).or_insert(0.0);
                }
            }
            remaining.get_or_insert_with(Resources::default).add(&f);
        }
    }
    let capability = capability.filter(|r| !r.is_empty());
    let remaining = remaining.filter(|r| !r.is_empty());
    if let (Some(c), Some(r)) = (&capability, &remaining) {
        pool.quantities.insert(QuantityKind::Allocated, c.minus(r));
    }
    if let Some(c) = capability {
        pool.quantities.insert(QuantityKind::Capability, c);
    }
    if let Some(r) = remaining {
        pool.quantities.insert(QuantityKind::Remaining, r);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
