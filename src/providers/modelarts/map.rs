//! ModelArts payloads → the provider-neutral model.
//!
//! Pure functions over DTOs: no I/O, tested on the seed's ListPools example and
//! synthetic node and workspace lists.
//!
//! Pool totals are sums over the pool's nodes: capability is the sum of every
//! node's `resources`; remaining — what a new workload can still get — the sum
//! of `availableResources` over the nodes in phase `Available` (a node that is
//! creating, abnormal, being checked or deleted takes no workloads, whatever it
//! reports free); allocated their difference (everything that is not free).

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use crate::model::{Driver, Pool, QuantityKind, Resources};
use crate::quantity::RawQuantity;

pub use crate::providers::mapping::MapError;
use crate::providers::mapping::{num, num_opt};

use super::dto::{NodeDto, PoolDto, WorkspaceList};

/// The id of the default workspace: what ListPools answers for without
/// `workspaceId` (seed 001: "默认取值:0").
pub const DEFAULT_WORKSPACE: &str = "0";

/// The node phase in which a node takes workloads (docs/providers.md §3:
/// Available|Creating|Deleting|Abnormal|Checking).
pub const AVAILABLE_PHASE: &str = "Available";

/// The `spec.controlMode` flag of a frozen pool (seed 004: "8: It is frozen. A
/// resource pool can have several statuses"; seed 001: 9 = 1 + 8, "restricted
/// conversion to a subscription and frozen").
pub const CONTROL_MODE_FROZEN: u64 = 8;

/// A workspace status whose workspace was never created and holds nothing.
pub const WORKSPACE_CREATE_FAILED: &str = "CREATE_FAILED";

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

/// A workspace id as text: a non-empty string (trimmed) or a non-negative
/// integer (the default workspace comes as the number `0` in one doc example).
/// Anything else is no usable id.
pub fn workspace_id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => n.as_u64().map(|n| n.to_string()),
        _ => None,
    }
}

/// One workspace of a ListWorkspace answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    pub id: String,
    pub name: String,
    pub status: String,
}

impl Workspace {
    /// Whether its pools are worth listing: every workspace but one whose
    /// creation failed (it never existed, so it holds no pools).
    pub fn pollable(&self) -> bool {
        !self.status.eq_ignore_ascii_case(WORKSPACE_CREATE_FAILED)
    }
}

/// One ListWorkspace page (`offset` = index of its first entry): the usable
/// workspaces, and for each entry without a usable id why it was left out.
pub fn map_workspaces(page: &WorkspaceList, offset: usize) -> (Vec<Workspace>, Vec<String>) {
    let mut out = Vec::with_capacity(page.workspaces.len());
    let mut problems = Vec::new();
    for (i, w) in page.workspaces.iter().enumerate() {
        match w.id.as_ref().and_then(workspace_id_text) {
            Some(id) => out.push(Workspace {
                id,
                name: w.name.clone().unwrap_or_default(),
                status: w.status.clone().unwrap_or_default(),
            }),
            None => problems.push(format!(
                "workspaces[{}] (name {:?}) has no usable id ({}); its pools are not polled",
                offset + i,
                w.name.as_deref().unwrap_or(""),
                match &w.id {
                    None => "absent".to_string(),
                    Some(v) => v.to_string(),
                }
            )),
        }
    }
    (out, problems)
}

/// `total_count` of a ListWorkspace page, when it is a usable count.
pub fn total_count(page: &WorkspaceList) -> Option<usize> {
    let raw = page.total_count.as_ref()?;
    let n = num(raw, String::new).ok()??;
    (n >= 0.0 && n.fract() == 0.0 && n <= u32::MAX as f64).then_some(n as usize)
}

/// Whether `spec.controlMode` says frozen: flag [`CONTROL_MODE_FROZEN`] of a
/// non-negative integer; anything else is a mapping error naming the pool.
fn frozen(raw: &RawQuantity, pool: &str) -> Result<Option<bool>, MapError> {
    let context = || format!("pool {pool} spec.controlMode");
    let Some(v) = num(raw, context)? else {
        return Ok(None);
    };
    if v < 0.0 || v.fract() != 0.0 || v > u32::MAX as f64 {
        return Err(MapError {
            context: context(),
            reason: format!("{raw} is not a set of restriction flags (a non-negative integer)"),
        });
    }
    Ok(Some((v as u64) & CONTROL_MODE_FROZEN != 0))
}

/// A pool as ListPools reports it; [`map_nodes`] adds what its nodes say and
/// [`resolve_parents`] settles `parent_pool` once every pool is known.
///
/// `workspace_id` is the pool's own `os.modelarts/workspace.id` label when it is
/// usable; otherwise `None`, and the poll puts the workspace whose answer
/// listed the pool.
/// `parent_pool` is `status.parent` as reported ("" when absent or naming the
/// pool itself).
pub fn map_pool(dto: &PoolDto) -> Result<Pool, MapError> {
    let id = &dto.metadata.name;
    let labels = dto.metadata.labels.clone().unwrap_or_default();
    let spec = dto.spec.clone().unwrap_or_default();
    let status = dto.status.clone().unwrap_or_default();
    let parent = status
        .parent
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty() && *p != id.as_str())
        .unwrap_or("")
        .to_string();
    let mut pool = Pool {
        id: id.clone(),
        name: labels.name.unwrap_or_default(),
        pool_type: spec.pool_type.unwrap_or_default(),
        phase: status.phase.unwrap_or_default(),
        workspace_id: labels.workspace_id.as_ref().and_then(workspace_id_text),
        parent_pool: Some(parent),
        frozen: match &spec.control_mode {
            Some(raw) => frozen(raw, id)?,
            None => None,
        },
        ..Pool::default()
    };

    if let Some(resources) = &status.resources {
        for (state, entries) in resources.states() {
            for (i, entry) in entries.iter().enumerate() {
                let Some(flavor) = &entry.flavor else {
                    continue;
                };
                let key = || (flavor.clone(), state.to_string());
                let field = |f: &str| format!("pool {id} status.resources.{state}[{i}].{f}");
                // Two entries of one flavor in one state (two node pools) add up.
                if let Some(n) = num_opt(&entry.count, || field("count"))? {
                    *pool.flavor_nodes.entry(key()).or_insert(0.0) += n;
                }
                if let Some(n) = num_opt(&entry.max_count, || field("maxCount"))? {
                    *pool.flavor_max_nodes.entry(key()).or_insert(0.0) += n;
                }
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

/// Keeps each pool once, the first time it is listed: a pool (a shared one,
/// say) may be in the answers of several workspaces. Returns the ids dropped.
pub fn keep_first(pools: &mut Vec<Pool>) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut dropped = Vec::new();
    pools.retain(|p| {
        let keep = seen.insert(p.id.clone());
        if !keep {
            dropped.push(p.id.clone());
        }
        keep
    });
    dropped
}

/// A parent that is no pool of this poll (one in a workspace the credentials
/// may not read, or not among `workspace_ids`) makes a pool a root, as a queue
/// whose parent is not listed is top-level: among the exported pools, the root
/// pools then hold every node once, and the README's account totals (root
/// pools only) lose none. Returns `(pool, parent)` for each parent dropped.
pub fn resolve_parents(pools: &mut [Pool]) -> Vec<(String, String)> {
    let ids: HashSet<String> = pools.iter().map(|p| p.id.clone()).collect();
    let mut unlisted = Vec::new();
    for p in pools.iter_mut() {
        if let Some(parent) = &mut p.parent_pool {
            if !parent.is_empty() && !ids.contains(parent.as_str()) {
                unlisted.push((p.id.clone(), std::mem::take(parent)));
            }
        }
    }
    unlisted
}

/// Node count, phases and the capability / remaining / allocated sums of the
/// pool's listed nodes.
///
/// Remaining counts only nodes in phase [`AVAILABLE_PHASE`]: a node that is
/// `Creating`, `Abnormal`, `Checking` or `Deleting` (or reports no phase) takes
/// no new workload, so it adds 0 free of everything it has, even where it
/// reports resources as available. An available node's resource missing from
/// its `availableResources` is 0 free. If an available node reports no
/// `availableResources` at all, the pool's free amount is not known: no
/// remaining (and no allocated) series rather than a guess.
pub fn map_nodes(pool: &mut Pool, nodes: &[NodeDto]) -> Result<(), MapError> {
    pool.nodes = Some(nodes.len() as f64);
    let mut capability: Option<Resources> = None;
    let mut remaining: Option<Resources> = None;
    let mut free_unknown = false;
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
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| UNKNOWN_PHASE.to_string());
        let available = phase == AVAILABLE_PHASE;
        *pool.node_phases.entry(phase).or_insert(0.0) += 1.0;

        let total = match &status.resources {
            Some(map) => Some(node_resources(map, &|k| {
                format!("pool {pool_id} node {node_name} resources.{k}")
            })?),
            None => None,
        };
        // Parsed whatever the phase, so garbage is reported the same way.
        let reported_free = match &status.available_resources {
            Some(map) => Some(node_resources(map, &|k| {
                format!("pool {pool_id} node {node_name} availableResources.{k}")
            })?),
            None => None,
        };
        if let Some(t) = &total {
            capability.get_or_insert_with(Resources::default).add(t);
        }
        let free = match (available, reported_free) {
            (true, Some(f)) => f,
            (true, None) => {
                free_unknown = true;
                continue;
            }
            // Takes no workloads: nothing of it is free.
            (false, _) => Resources::default(),
        };
        let mut free = free;
        // A resource the node has but does not list as free has none of it free;
        // say 0 rather than leave it out of the sum.
        if let Some(t) = &total {
            if t.cpu_cores.is_some() && free.cpu_cores.is_none() {
                free.cpu_cores = Some(0.0);
            }
            if t.memory_bytes.is_some() && free.memory_bytes.is_none() {
                free.memory_bytes = Some(0.0);
            }
            for k in t.accelerators.keys() {
                free.accelerators.entry(k.clone()).or_insert(0.0);
            }
        }
        remaining.get_or_insert_with(Resources::default).add(&free);
    }
    let capability = capability.filter(|r| !r.is_empty());
    let remaining = remaining.filter(|r| !r.is_empty() && !free_unknown);
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
