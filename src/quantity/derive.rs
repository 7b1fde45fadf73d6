//! Figures derived from whole queues and pools, provider-neutral: free where the
//! API reports none, the queue tree by id, and pool totals from top-level queues.
//!
//! The meaning comes from the seed responses (docs/providers.md §1, "What the
//! quantity blocks mean"): `workloadAvailable` is what a queue can hand out at
//! all and does not shrink as workloads allocate; `remaining = workloadAvailable −
//! allocated`; `remaining` lists no accelerator cards; a root queue's capability
//! is its pool's total. Every derived value counts its [`Rule`] in [`Fired`].
//!
//! A provider calls [`finish_snapshot`] (or the steps) inside its poll, after
//! mapping and before returning, so what `Provider::poll` returns is final.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

pub mod physical;

use super::{Fired, Rule};
use crate::model::{Pool, Quantities, QuantityKind, Queue, Resources, Snapshot};

/// Where `remaining` may come from for a resource the API reports no `remaining`
/// for. A provider chooses by what its responses carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemainingFrom {
    /// `workloadAvailable − allocated` ([`Rule::RemainingFromWorkloadAvailable`]),
    /// else no series: the AIHC console and serverless APIs send
    /// `workloadAvailable` wherever the platform knows what is free.
    WorkloadAvailable,
    /// That, else `capability − allocated` ([`Rule::RemainingFromCapability`]), an
    /// upper bound that ignores the platform reserve: the AIHC OpenAPI, whose
    /// documented answers carry neither `remaining` nor `workloadAvailable`.
    WorkloadAvailableOrCapability,
}

/// One resource of a block.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum BlockResource {
    Cpu,
    Memory,
    Accelerator(String),
}

fn get(r: &Resources, k: &BlockResource) -> Option<f64> {
    match k {
        BlockResource::Cpu => r.cpu_cores,
        BlockResource::Memory => r.memory_bytes,
        BlockResource::Accelerator(name) => r.accelerators.get(name).copied(),
    }
}

fn set(r: &mut Resources, k: &BlockResource, v: f64) {
    match k {
        BlockResource::Cpu => r.cpu_cores = Some(v),
        BlockResource::Memory => r.memory_bytes = Some(v),
        BlockResource::Accelerator(name) => {
            r.accelerators.insert(name.clone(), v);
        }
    }
}

fn keys(r: &Resources, out: &mut BTreeSet<BlockResource>) {
    if r.cpu_cores.is_some() {
        out.insert(BlockResource::Cpu);
    }
    if r.memory_bytes.is_some() {
        out.insert(BlockResource::Memory);
    }
    out.extend(
        r.accelerators
            .keys()
            .cloned()
            .map(BlockResource::Accelerator),
    );
}

/// Makes `Remaining` what a new workload can still get, resource by resource
/// (CPU, memory, each accelerator name):
///
/// - the reported `remaining`, where the API reports that resource;
/// - else `workloadAvailable − allocated` ([`Rule::RemainingFromWorkloadAvailable`]);
///   an allocated entry that is absent, or a whole allocated block that is
///   absent, counts 0: the seed's allocated blocks leave out cards none of which
///   are in use;
/// - else, with [`RemainingFrom::WorkloadAvailableOrCapability`], `capability −
///   allocated` ([`Rule::RemainingFromCapability`]);
/// - else nothing: no series.
///
/// A value below 0 is 0 ([`Rule::RemainingClampedAtZero`]): an oversold queue has
/// nothing free. Other quantities are left as the API said.
pub fn remaining(q: &mut Quantities, from: RemainingFrom, fired: &mut Fired) {
    let none = Resources::default();
    let reported = q.get(&QuantityKind::Remaining);
    let available = q.get(&QuantityKind::WorkloadAvailable);
    let capability = match from {
        RemainingFrom::WorkloadAvailable => None,
        RemainingFrom::WorkloadAvailableOrCapability => q.get(&QuantityKind::Capability),
    };
    let allocated = q.get(&QuantityKind::Allocated).unwrap_or(&none);
    let mut all = BTreeSet::new();
    for block in [reported, available, capability].into_iter().flatten() {
        keys(block, &mut all);
    }
    let mut out = Resources::default();
    for k in &all {
        let used = || get(allocated, k).unwrap_or(0.0);
        let v = if let Some(r) = reported.and_then(|b| get(b, k)) {
            r
        } else if let Some(w) = available.and_then(|b| get(b, k)) {
            fired.fire(Rule::RemainingFromWorkloadAvailable);
            w - used()
        } else if let Some(c) = capability.and_then(|b| get(b, k)) {
            fired.fire(Rule::RemainingFromCapability);
            c - used()
        } else {
            continue;
        };
        // Parsed values are finite, but a difference of two huge ones need not
        // be; an infinite "free" is no figure at all.
        if !v.is_finite() {
            continue;
        }
        let v = if v < 0.0 {
            fired.fire(Rule::RemainingClampedAtZero);
            0.0
        } else {
            v
        };
        set(&mut out, k, v);
    }
    if out.is_empty() {
        q.remove(&QuantityKind::Remaining);
    } else {
        q.insert(QuantityKind::Remaining, out);
    }
}

/// Rewrites every `Queue::parent` to the id of the parent queue within the same
/// pool (and region), or "" for a top-level queue. The upstream may name the
/// parent by id or by name ([`Rule::ParentQueueByName`]); a queue that is its own
/// parent ([`Rule::ParentQueueIsSelf`]) or whose parent is no listed queue of its
/// pool ([`Rule::ParentQueueNotListed`], which includes a queue of another pool)
/// is top-level. Where names repeat in a pool, a name means the queue with the
/// smallest id ([`Rule::DuplicateQueueName`] counts each repeat). A loop of
/// parents is broken at its smallest id ([`Rule::ParentQueueCycle`]).
pub fn parents(queues: &mut [Queue], fired: &mut Fired) {
    let resolved = {
        let mut groups: BTreeMap<(Option<&str>, &str), Vec<usize>> = BTreeMap::new();
        for (i, q) in queues.iter().enumerate() {
            groups
                .entry((q.cloud_region.as_deref(), q.pool_id.as_str()))
                .or_default()
                .push(i);
        }
        let mut resolved = vec![String::new(); queues.len()];
        for members in groups.values() {
            let group: Vec<&Queue> = members.iter().map(|&i| &queues[i]).collect();
            for (k, parent) in resolve_group(&group, fired).into_iter().enumerate() {
                resolved[members[k]] = parent;
            }
        }
        resolved
    };
    for (q, parent) in queues.iter_mut().zip(resolved) {
        q.parent = parent;
    }
}

/// The parent id of each queue of one pool, in the order given.
fn resolve_group(qs: &[&Queue], fired: &mut Fired) -> Vec<String> {
    // Id order makes "the first queue of a name" and the loop breaking
    // independent of the order the upstream paged in.
    let mut order: Vec<usize> = (0..qs.len()).collect();
    order.sort_by(|&a, &b| qs[a].id.cmp(&qs[b].id).then(a.cmp(&b)));
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    for &i in &order {
        // The same id twice (an upstream paging while its list changes) is one
        // queue; the poller drops the repeat later.
        by_id.entry(qs[i].id.as_str()).or_insert(i);
        let name = qs[i].name.as_str();
        if name.is_empty() {
            continue;
        }
        match by_name.get(name) {
            None => {
                by_name.insert(name, i);
            }
            Some(&first) if qs[first].id != qs[i].id => fired.fire(Rule::DuplicateQueueName),
            Some(_) => {}
        }
    }
    let mut parent: Vec<Option<usize>> = qs
        .iter()
        .map(|q| {
            let p = q.parent.trim();
            if p.is_empty() {
                None
            } else if p == q.id || p == q.name {
                fired.fire(Rule::ParentQueueIsSelf);
                None
            } else if let Some(&j) = by_id.get(p) {
                Some(j)
            } else if let Some(&j) = by_name.get(p) {
                if qs[j].id == q.id {
                    fired.fire(Rule::ParentQueueIsSelf);
                    None
                } else {
                    fired.fire(Rule::ParentQueueByName);
                    Some(j)
                }
            } else {
                fired.fire(Rule::ParentQueueNotListed);
                None
            }
        })
        .collect();
    // Loops: walk up from each queue; meeting a queue of the current walk again
    // closes a loop, which is cut at its smallest id.
    const NEW: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![NEW; qs.len()];
    for &start in &order {
        let mut path = Vec::new();
        let mut cur = start;
        loop {
            match state[cur] {
                NEW => {
                    state[cur] = ON_PATH;
                    path.push(cur);
                    match parent[cur] {
                        Some(p) => cur = p,
                        None => break,
                    }
                }
                ON_PATH => {
                    let from = path.iter().position(|&x| x == cur).unwrap_or(0);
                    if let Some(&cut) = path[from..]
                        .iter()
                        .min_by(|&&a, &&b| qs[a].id.cmp(&qs[b].id))
                    {
                        parent[cut] = None;
                        fired.fire(Rule::ParentQueueCycle);
                    }
                    break;
                }
                _ => break,
            }
        }
        for k in path {
            state[k] = DONE;
        }
    }
    parent
        .into_iter()
        .map(|p| p.map(|j| qs[j].id.clone()).unwrap_or_default())
        .collect()
}

/// The quantities a pool total is made of.
const TOTALS: [QuantityKind; 3] = [
    QuantityKind::Capability,
    QuantityKind::Allocated,
    QuantityKind::Remaining,
];

/// Sets each pool's capability, allocated and remaining to the sums over its
/// top-level queues (`parent` "", so run [`parents`] first): a nested queue's
/// resources are inside its parent's and are never counted twice. Fires
/// [`Rule::PoolTotalsFromTopLevelQueues`] once per pool that gets totals; these
/// replace whatever the pool had for the three quantities.
///
/// Per resource: allocated sums what the queues report (an absent entry is 0, as
/// for [`remaining`]); capability and remaining are left out
/// ([`Rule::PoolTotalIncomplete`]) when a top-level queue that reports the
/// resource at all does not report it for that quantity, since the sum would be
/// short. A pool without top-level queues keeps what it had.
pub fn pool_totals(pools: &mut [Pool], queues: &[Queue], fired: &mut Fired) {
    let mut seen = HashSet::new();
    let mut tops: HashMap<(Option<&str>, &str), Vec<&Queue>> = HashMap::new();
    for q in queues.iter().filter(|q| q.parent.is_empty()) {
        let key = (q.cloud_region.as_deref(), q.pool_id.as_str());
        // A repeated id is one queue (see `resolve_group`).
        if seen.insert((key, q.id.as_str())) {
            tops.entry(key).or_default().push(q);
        }
    }
    for pool in pools.iter_mut() {
        let Some(top) = tops.get(&(pool.cloud_region.as_deref(), pool.id.as_str())) else {
            continue;
        };
        let totals = totals_of(top, fired);
        if totals.is_empty() {
            continue;
        }
        for kind in TOTALS {
            pool.quantities.remove(&kind);
        }
        pool.quantities.extend(totals);
        fired.fire(Rule::PoolTotalsFromTopLevelQueues);
    }
}

fn totals_of(top: &[&Queue], fired: &mut Fired) -> Quantities {
    // Resources each queue reports in any of the three quantities.
    let mentioned: Vec<BTreeSet<BlockResource>> = top
        .iter()
        .map(|q| {
            let mut k = BTreeSet::new();
            for kind in TOTALS {
                if let Some(r) = q.quantities.get(&kind) {
                    keys(r, &mut k);
                }
            }
            k
        })
        .collect();
    let all: BTreeSet<&BlockResource> = mentioned.iter().flatten().collect();
    let mut out = Quantities::new();
    for kind in TOTALS {
        let mut sum = Resources::default();
        for &k in &all {
            let (mut total, mut reported, mut complete) = (0.0, false, true);
            for (q, m) in top.iter().zip(&mentioned) {
                if !m.contains(k) {
                    continue;
                }
                match q.quantities.get(&kind).and_then(|r| get(r, k)) {
                    Some(v) => {
                        total += v;
                        reported = true;
                    }
                    None if kind == QuantityKind::Allocated => {}
                    None => complete = false,
                }
            }
            if !reported {
                // No top-level queue has the figure: neither has the pool.
                continue;
            }
            if !complete {
                fired.fire(Rule::PoolTotalIncomplete);
                continue;
            }
            set(&mut sum, k, total);
        }
        if !sum.is_empty() {
            out.insert(kind, sum);
        }
    }
    out
}

/// Every step, in order: the tree by id, free per queue, pool totals.
pub fn finish_snapshot(s: &mut Snapshot, from: RemainingFrom, fired: &mut Fired) {
    finish_snapshot_with(s, from, fired, None);
}

/// What a provider may take back between the steps, e.g. a figure derived
/// from a field that did not decode (which must not stand as if it had).
pub trait Adjust {
    /// After a queue's free figures are derived; `reported` is its remaining
    /// block as the upstream reported it.
    fn after_remaining(&mut self, q: &mut Queue, reported: Option<&Resources>);
    /// After the pool totals; `top` are the pool's top-level queues.
    fn after_totals(&mut self, pool: &mut Pool, top: &[&Queue]);
}

/// [`finish_snapshot`] with `adjust` called between the steps (none: nothing
/// extra is done, not even the copies `adjust` would need).
pub fn finish_snapshot_with(
    s: &mut Snapshot,
    from: RemainingFrom,
    fired: &mut Fired,
    mut adjust: Option<&mut dyn Adjust>,
) {
    parents(&mut s.queues, fired);
    for q in &mut s.queues {
        let reported = match adjust {
            Some(_) => q.quantities.get(&QuantityKind::Remaining).cloned(),
            None => None,
        };
        remaining(&mut q.quantities, from, fired);
        if let Some(a) = adjust.as_deref_mut() {
            a.after_remaining(q, reported.as_ref());
        }
    }
    pool_totals(&mut s.pools, &s.queues, fired);
    let Some(adjust) = adjust else { return };
    let mut top: BTreeMap<&str, Vec<&Queue>> = BTreeMap::new();
    for q in s.queues.iter().filter(|q| q.parent.is_empty()) {
        top.entry(q.pool_id.as_str()).or_default().push(q);
    }
    for pool in &mut s.pools {
        if let Some(top) = top.get(pool.id.as_str()) {
            adjust.after_totals(pool, top);
        }
    }
}

#[cfg(test)]
mod tests;
