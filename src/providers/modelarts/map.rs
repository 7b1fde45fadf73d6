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
//!
//! Decoding is per object, so one bad object costs only itself: a pool, node or
//! workspace that is not the expected object, or a pool or workspace without a
//! usable id, is dropped and recorded in the poll's [`DecodeLog`]; a malformed
//! number loses only its own field. A sum over nodes that one malformed node or
//! value would leave short is not exported at all: a total that reads lower
//! than the truth would tell an alert there is less headroom (or less capacity)
//! than there is.

use std::collections::{BTreeSet, HashSet};

use serde_json::value::RawValue;
use serde_json::Value;

use crate::model::{Driver, Pool, QuantityKind, Resources};
use crate::providers::upstream::decode::{DecodeLog, Lenient};
use crate::quantity::{self, Fired, RawQuantity};

use super::dto::{NodeDto, PoolDto, WorkspaceDto, WorkspaceList};
use super::dto::{API_NODES, API_POOLS, API_WORKSPACES};

/// The node phase in which a node takes workloads (docs/providers.md §3:
/// Available|Creating|Deleting|Abnormal|Checking).
pub const AVAILABLE_PHASE: &str = "Available";

/// The `spec.controlMode` flags of a frozen pool: 8, frozen (seed 004: "8: It
/// is frozen. A resource pool can have several statuses"; seed 001: 9 = 1 + 8,
/// "restricted conversion to a subscription and frozen"), and 16, frozen by the
/// authorities and not unsubscribable (`huaweicloudsdkmodelarts` 3.1.219
/// `v1/model/pool_spec_model.py`: "16：公安冻结（不可退订）"), a freeze all the same.
pub const CONTROL_MODE_FROZEN: u64 = 8 | 16;

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

/// One resource of a [`Resources`] block.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum BlockResource {
    Cpu,
    Memory,
    Accelerator(String),
}

/// What a node resource key is, or `None` for one we do not export (pods,
/// storage, …), whose value is therefore not even parsed.
fn classify(key: &str) -> Option<BlockResource> {
    match key.trim().to_ascii_lowercase().as_str() {
        "cpu" => Some(BlockResource::Cpu),
        "memory" => Some(BlockResource::Memory),
        _ if is_accelerator(key) => Some(BlockResource::Accelerator(key.trim().to_string())),
        _ => None,
    }
}

/// Removes `keys` from `r`.
fn remove_keys(r: &mut Resources, keys: &BTreeSet<BlockResource>) {
    for k in keys {
        match k {
            BlockResource::Cpu => r.cpu_cores = None,
            BlockResource::Memory => r.memory_bytes = None,
            BlockResource::Accelerator(a) => {
                r.accelerators.remove(a);
            }
        }
    }
}

/// Drops every sum that overflowed to ±Inf (values near `f64::MAX`, each finite
/// alone), recording it as not finite: no infinity is ever exported.
fn drop_overflowed(r: &mut Resources, log: &mut DecodeLog, api: &str, object: &str, what: &str) {
    let mut check = |field: String, v: &mut Option<f64>| {
        if let Some(x) = *v {
            if !x.is_finite() {
                let _ = log.number(api, object, &field, Some(&RawQuantity::Number(x)));
                *v = None;
            }
        }
    };
    check(format!("{what}.cpu"), &mut r.cpu_cores);
    check(format!("{what}.memory"), &mut r.memory_bytes);
    r.accelerators.retain(|k, x| {
        let ok = x.is_finite();
        if !ok {
            let _ = log.number(
                api,
                object,
                &format!("{what}.{k}"),
                Some(&RawQuantity::Number(*x)),
            );
        }
        ok
    });
}

/// [`drop_overflowed`] for per-flavor node counts.
fn drop_overflowed_counts(
    sums: &mut std::collections::BTreeMap<(String, String), f64>,
    log: &mut DecodeLog,
    object: &str,
    what: &str,
) {
    sums.retain(|(flavor, state), x| {
        let ok = x.is_finite();
        if !ok {
            let field = format!("status.resources.{state}[{flavor}].{what} (sum)");
            let _ = log.number(API_POOLS, object, &field, Some(&RawQuantity::Number(*x)));
        }
        ok
    });
}

/// One node's resource map in base units: `cpu` in cores (`"3920m"` → 3.92,
/// `"8"` → 8), `memory` in bytes (`"6270Mi"` as a Kubernetes quantity; a bare
/// number is GiB, as the official SDK's `NodeResource.memory` says:
/// [`quantity::Rule::NodeMemoryBareIsGi`]), accelerators as counts. Non-accelerator keys are dropped; empty values
/// (`""`) are "not reported". Returns the resources and the keys whose value
/// was malformed (recorded in `log` as `{block}.{key}` of `object`).
fn node_resources(
    map: &std::collections::BTreeMap<String, RawQuantity>,
    log: &mut DecodeLog,
    fired: &mut Fired,
    object: &str,
    block: &str,
) -> (Resources, BTreeSet<BlockResource>) {
    let mut r = Resources::default();
    let mut bad = BTreeSet::new();
    for (key, raw) in map {
        let Some(k) = classify(key) else { continue };
        // An empty value is "not reported" (no error); anything else that is
        // not a usable amount is a recorded loss of this resource.
        let empty = matches!(raw, RawQuantity::Text(t) if t.trim().is_empty());
        let field = format!("{block}.{key}");
        let Some(v) = log.amount(API_NODES, object, &field, Some(raw)) else {
            if !empty {
                bad.insert(k);
            }
            continue;
        };
        match k {
            BlockResource::Cpu => r.cpu_cores = Some(v),
            BlockResource::Memory => match quantity::node_memory_bytes(raw, v, fired) {
                Some(bytes) => r.memory_bytes = Some(bytes),
                None => {
                    // Finite as GiB, not as bytes: recorded as not finite.
                    let _ = log.number(
                        API_NODES,
                        object,
                        &field,
                        Some(&RawQuantity::Number(v * quantity::GIB)),
                    );
                    bad.insert(k);
                }
            },
            BlockResource::Accelerator(a) => {
                r.accelerators.insert(a, v);
            }
        }
    }
    (r, bad)
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

/// The text under `path` (keys, outermost first) of a JSON object that did not
/// decode, to name it in the log.
fn raw_text_at(raw: &RawValue, path: &[&str]) -> Option<String> {
    let v: Value = serde_json::from_str(raw.get()).ok()?;
    let mut at = &v;
    for k in path {
        at = at.get(k)?;
    }
    match at {
        Value::String(s) if !s.trim().is_empty() => Some(s.chars().take(64).collect()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// One ListWorkspace page (`offset` = index of its first entry): the usable
/// workspaces. An entry that is not a workspace object, or has no usable id,
/// is dropped and recorded (its pools are not polled).
pub fn map_workspaces(
    workspaces: &[Lenient<WorkspaceDto>],
    offset: usize,
    log: &mut DecodeLog,
) -> Vec<Workspace> {
    let mut out = Vec::with_capacity(workspaces.len());
    for (i, item) in workspaces.iter().enumerate() {
        let at = offset + i;
        let w = match item {
            Lenient::Ok(w) => w,
            Lenient::Bad { raw, error } => {
                let object = match raw_text_at(raw, &["id"]) {
                    Some(id) => format!("workspace {id} (#{at})"),
                    None => format!("workspace #{at}"),
                };
                log.drop_object(API_WORKSPACES, object, error.clone());
                continue;
            }
        };
        match w.id.as_ref().and_then(workspace_id_text) {
            Some(id) => out.push(Workspace {
                id,
                name: w.name.clone().unwrap_or_default(),
                status: w.status.clone().unwrap_or_default(),
            }),
            None => log.drop_object(
                API_WORKSPACES,
                format!(
                    "workspace #{at} (name {:?})",
                    w.name.as_deref().unwrap_or("")
                ),
                format!(
                    "no usable id ({}); its pools are not polled",
                    match &w.id {
                        None => "absent".to_string(),
                        Some(v) => v.to_string(),
                    }
                ),
            ),
        }
    }
    out
}

/// A non-negative whole number (a count of entries, a set of flags); a
/// malformed, negative or fractional value is recorded and `None`.
fn whole(
    log: &mut DecodeLog,
    api: &str,
    object: &str,
    field: &str,
    raw: &RawQuantity,
) -> Option<u64> {
    let v = log.amount(api, object, field, Some(raw))?;
    if v.fract() != 0.0 || v > u32::MAX as f64 {
        // The shared log has no "not an integer" reason: a fraction where a
        // whole number belongs is not a number of this field's kind. Recorded
        // through `number`, which refuses any `Other` value as not_a_number.
        let refused = RawQuantity::Other(Value::String(format!("{raw} (not a whole number)")));
        let _ = log.number(api, object, field, Some(&refused));
        return None;
    }
    Some(v as u64)
}

/// `total_count` of a ListWorkspace page, when it is a usable count.
pub fn total_count(page: &WorkspaceList, log: &mut DecodeLog) -> Option<usize> {
    let raw = page.total_count.as_ref()?;
    whole(log, API_WORKSPACES, "workspace list", "total_count", raw).map(|n| n as usize)
}

/// The pools of one ListPools answer, in order: elements that are not pool
/// objects and pools without an id are dropped and recorded.
pub fn map_pools(items: &[Lenient<PoolDto>], log: &mut DecodeLog) -> Vec<Pool> {
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item {
            Lenient::Ok(dto) => {
                if let Some(p) = map_pool(dto, i, log) {
                    out.push(p);
                }
            }
            Lenient::Bad { raw, error } => {
                let object = match raw_text_at(raw, &["metadata", "name"]) {
                    Some(id) => format!("pool {id} (#{i})"),
                    None => format!("pool #{i}"),
                };
                log.drop_object(API_POOLS, object, error.clone());
            }
        }
    }
    out
}

/// A pool as ListPools reports it (`index`: its place in the answer, to name
/// a pool without an id); [`map_nodes`] adds what its nodes say and
/// [`resolve_parents`] settles `parent_pool` once every pool is known. `None`
/// (recorded) for a pool whose id `metadata.name` is absent or empty: node URLs
/// and every series need it.
///
/// `workspace_id` is the pool's own `os.modelarts/workspace.id` label when it is
/// usable; otherwise `None`, and the poll puts the workspace whose answer
/// listed the pool.
/// `parent_pool` is `status.parent` as reported ("" when absent or naming the
/// pool itself).
pub fn map_pool(dto: &PoolDto, index: usize, log: &mut DecodeLog) -> Option<Pool> {
    let Some(id) = dto
        .metadata
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    else {
        log.drop_object(
            API_POOLS,
            format!("pool #{index}"),
            "metadata.name (the pool id) is absent or empty",
        );
        return None;
    };
    let object = format!("pool {id}");
    let labels = dto.metadata.labels.clone().unwrap_or_default();
    let spec = dto.spec.clone().unwrap_or_default();
    let status = dto.status.clone().unwrap_or_default();
    let parent = status
        .parent
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty() && *p != id)
        .unwrap_or("")
        .to_string();
    let mut pool = Pool {
        id: id.to_string(),
        name: labels.name.unwrap_or_default(),
        pool_type: spec.pool_type.unwrap_or_default(),
        phase: status.phase.unwrap_or_default(),
        workspace_id: labels.workspace_id.as_ref().and_then(workspace_id_text),
        parent_pool: Some(parent),
        // Flag CONTROL_MODE_FROZEN of a non-negative integer; anything else
        // loses the frozen series only.
        frozen: spec.control_mode.as_ref().and_then(|raw| {
            whole(log, API_POOLS, &object, "spec.controlMode", raw)
                .map(|v| v & CONTROL_MODE_FROZEN != 0)
        }),
        ..Pool::default()
    };

    if let Some(resources) = &status.resources {
        // (flavor, state) keys one of whose entries was malformed: their sum
        // would be short, so they are left out.
        let mut bad_count = BTreeSet::new();
        let mut bad_max = BTreeSet::new();
        for (state, entries) in resources.states() {
            for (i, entry) in entries.iter().enumerate() {
                let Some(flavor) = &entry.flavor else {
                    continue;
                };
                let key = (flavor.clone(), state.to_string());
                let field = |f: &str| format!("status.resources.{state}[{i}].{f}");
                // Two entries of one flavor in one state (two node pools) add up.
                for (raw, sums, bad, name) in [
                    (
                        &entry.count,
                        &mut pool.flavor_nodes,
                        &mut bad_count,
                        "count",
                    ),
                    (
                        &entry.max_count,
                        &mut pool.flavor_max_nodes,
                        &mut bad_max,
                        "maxCount",
                    ),
                ] {
                    let Some(raw) = raw else { continue };
                    match log.amount(API_POOLS, &object, &field(name), Some(raw)) {
                        Some(n) => *sums.entry(key.clone()).or_insert(0.0) += n,
                        None if matches!(raw, RawQuantity::Text(t) if t.trim().is_empty()) => {}
                        None => {
                            bad.insert(key.clone());
                        }
                    }
                }
            }
        }
        for k in &bad_count {
            pool.flavor_nodes.remove(k);
        }
        for k in &bad_max {
            pool.flavor_max_nodes.remove(k);
        }
        drop_overflowed_counts(&mut pool.flavor_nodes, log, &object, "count");
        drop_overflowed_counts(&mut pool.flavor_max_nodes, log, &object, "maxCount");
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

    Some(pool)
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
///
/// Malformed input never makes a sum read low (a short total would tell an
/// operator there is less capacity than there is):
/// - a node element that is not a node object is dropped and recorded; the
///   pool's node count, phases and sums would all be short of it, so none of
///   them is exported for this poll;
/// - a malformed value in a node's `resources` leaves that resource out of
///   the pool's capability (and allocated); one in an available node's
///   `availableResources` leaves it out of remaining (and allocated). Each is
///   recorded. A node without a name still counts: nodes are summed, not
///   exported one by one, and leaving it out would make the sums short.
pub fn map_nodes(
    pool: &mut Pool,
    nodes: &[Lenient<NodeDto>],
    log: &mut DecodeLog,
    fired: &mut Fired,
) {
    pool.nodes = Some(nodes.len() as f64);
    let mut capability: Option<Resources> = None;
    let mut remaining: Option<Resources> = None;
    let mut free_unknown = false;
    let mut node_dropped = false;
    let mut cap_bad = BTreeSet::new();
    let mut rem_bad = BTreeSet::new();
    let pool_id = pool.id.clone();
    for (i, item) in nodes.iter().enumerate() {
        let node = match item {
            Lenient::Ok(n) => n,
            Lenient::Bad { raw, error } => {
                let object = match raw_text_at(raw, &["metadata", "name"]) {
                    Some(name) => format!("pool {pool_id} node {name} (#{i})"),
                    None => format!("pool {pool_id} node #{i}"),
                };
                log.drop_object(API_NODES, object, error.clone());
                node_dropped = true;
                continue;
            }
        };
        let node_name = node
            .metadata
            .as_ref()
            .and_then(|m| m.name.clone())
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| format!("#{i}"));
        let object = format!("pool {pool_id} node {node_name}");
        let status = node.status.clone().unwrap_or_default();
        let phase = status
            .phase
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| UNKNOWN_PHASE.to_string());
        let available = phase == AVAILABLE_PHASE;
        *pool.node_phases.entry(phase).or_insert(0.0) += 1.0;

        let total = status.resources.as_ref().map(|map| {
            let (r, bad) = node_resources(map, log, fired, &object, "resources");
            cap_bad.extend(bad);
            r
        });
        // Parsed whatever the phase, so garbage is reported the same way; it
        // only costs a sum where the node's free amount counts.
        let reported_free = status.available_resources.as_ref().map(|map| {
            let (r, bad) = node_resources(map, log, fired, &object, "availableResources");
            if available {
                rem_bad.extend(bad.iter().cloned());
            }
            (r, bad)
        });
        if let Some(t) = &total {
            capability.get_or_insert_with(Resources::default).add(t);
        }
        let (mut free, free_bad) = match (available, reported_free) {
            (true, Some(f)) => f,
            (true, None) => {
                free_unknown = true;
                continue;
            }
            // Takes no workloads: nothing of it is free.
            (false, _) => (Resources::default(), BTreeSet::new()),
        };
        // A resource the node has but does not list as free has none of it free;
        // say 0 rather than leave it out of the sum. Not so for one it lists
        // with a malformed value: that one is unknown, not 0.
        if let Some(t) = &total {
            if t.cpu_cores.is_some()
                && free.cpu_cores.is_none()
                && !free_bad.contains(&BlockResource::Cpu)
            {
                free.cpu_cores = Some(0.0);
            }
            if t.memory_bytes.is_some()
                && free.memory_bytes.is_none()
                && !free_bad.contains(&BlockResource::Memory)
            {
                free.memory_bytes = Some(0.0);
            }
            for k in t.accelerators.keys() {
                if !free_bad.contains(&BlockResource::Accelerator(k.clone())) {
                    free.accelerators.entry(k.clone()).or_insert(0.0);
                }
            }
        }
        remaining.get_or_insert_with(Resources::default).add(&free);
    }
    if node_dropped {
        // Every figure of the pool's nodes would be short of the dropped one.
        pool.nodes = None;
        pool.node_phases.clear();
        return;
    }
    let object = format!("pool {pool_id}");
    let capability = capability
        .map(|mut c| {
            remove_keys(&mut c, &cap_bad);
            drop_overflowed(&mut c, log, API_NODES, &object, "sum of resources");
            c
        })
        .filter(|r| !r.is_empty());
    let remaining = remaining
        .map(|mut r| {
            remove_keys(&mut r, &rem_bad);
            drop_overflowed(&mut r, log, API_NODES, &object, "sum of availableResources");
            r
        })
        .filter(|r| !r.is_empty() && !free_unknown);
    if let (Some(c), Some(r)) = (&capability, &remaining) {
        // Only where both sides are known: `Resources::minus` would read a
        // resource left out of remaining as 0 free.
        let mut a = c.minus(r);
        if r.cpu_cores.is_none() {
            a.cpu_cores = None;
        }
        if r.memory_bytes.is_none() {
            a.memory_bytes = None;
        }
        a.accelerators.retain(|k, _| r.accelerators.contains_key(k));
        if !a.is_empty() {
            pool.quantities.insert(QuantityKind::Allocated, a);
        }
    }
    if let Some(c) = capability {
        pool.quantities.insert(QuantityKind::Capability, c);
    }
    if let Some(r) = remaining {
        pool.quantities.insert(QuantityKind::Remaining, r);
    }
    // The totals are node sums, so they are the pool's hardware too: exported
    // again in the hardware families, where a dashboard finds the hardware of
    // every platform beside quota figures.
    pool.physical = pool.quantities.clone();
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod unit_tests;
