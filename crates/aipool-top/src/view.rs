//! What `top` shows, built from snapshots: per account its status and the
//! capacity rows of [`aipool_model::capacity`] (the very rows the status page shows,
//! in its order, so every surface says the same), the Qianfan compute units,
//! and the pools and queues that report no accelerator figures or only
//! per-node ones (Sugon groups, HPC and CPU-only queues), with what is known of
//! them.
//!
//! Everything here is a pure function of the data, so it is unit-tested here;
//! `table` and `json` only format it.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use aipool_model::capacity::{
    by_identity, by_need, cmp_opt, compute_unit_rows, Capacity, CapacityRow, ComputeUnitRow,
};
use aipool_model::model::{Pool, Quantities, QuantityKind, Queue, Resources, Snapshot};

const GIB: f64 = 1_073_741_824.0;

/// What `top` keeps of one successful poll of one account.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountData {
    pub capacity: Capacity,
    /// (cloud_region, pool_id, queue_id) → the parent queue's id ("" for a
    /// top-level queue). Capacity rows do not carry the parent.
    parents: HashMap<(String, String, String), String>,
    pub services: usize,
    /// Soonest expiry first; units without an expiry last.
    pub compute_units: Vec<ComputeUnitRow>,
    /// Pools and queues without accelerator rows, or whose only figures are
    /// per node (Sugon).
    pub others: Vec<Other>,
}

/// A pool or queue shown with what is known of it rather than as capacity rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Other {
    pub cloud_region: String,
    pub pool_id: String,
    pub pool_name: String,
    /// (id, name, parent id) for a queue.
    pub queue: Option<(String, String, String)>,
    /// The pool's or queue's type (`gpu`, `Elastic`, …).
    pub kind: String,
    pub nodes: Option<f64>,
    /// Accelerator names it mentions (for `--accelerator`).
    pub accelerators: Vec<String>,
    /// What is known, for people: per-node resources, CPU and memory figures.
    pub known: String,
}

impl AccountData {
    /// `account_region` stands in for objects without a region of their own,
    /// and `slot_sizes` are the account's, as in [`Capacity::of`].
    pub fn of(snapshot: &Snapshot, account_region: &str, slot_sizes: &[u32]) -> AccountData {
        let region = |r: &Option<String>| r.clone().unwrap_or_else(|| account_region.to_string());
        let parents = snapshot
            .queues
            .iter()
            .map(|q| {
                (
                    (region(&q.cloud_region), q.pool_id.clone(), q.id.clone()),
                    q.parent.clone(),
                )
            })
            .collect();
        AccountData {
            capacity: Capacity::of(snapshot, account_region, slot_sizes),
            parents,
            services: snapshot.services.len(),
            compute_units: compute_unit_rows(snapshot),
            others: others_of(snapshot, account_region),
        }
    }

    /// The parent queue of a capacity row: `None` for a pool row, `Some("")`
    /// for a top-level queue.
    pub fn parent(&self, row: &CapacityRow) -> Option<&str> {
        let (id, _) = row.queue.as_ref()?;
        self.parents
            .get(&(row.cloud_region.clone(), row.pool_id.clone(), id.clone()))
            .map(String::as_str)
            .or(Some(""))
    }
}

fn has_accelerators(q: &Quantities) -> bool {
    q.values().any(|r| !r.accelerators.is_empty())
}

fn accelerator_names(q: &Quantities) -> Vec<String> {
    let mut names: Vec<String> = q
        .values()
        .flat_map(|r| r.accelerators.keys().cloned())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Pools that report per-node figures (Sugon groups: their nodes, and per node
/// cores, memory and cards; no allocation), pools that report no accelerators
/// and have no queues, and queues that report no accelerators.
fn others_of(s: &Snapshot, account_region: &str) -> Vec<Other> {
    let region = |r: &Option<String>| r.clone().unwrap_or_else(|| account_region.to_string());
    let pool_names: HashMap<&str, &str> = s
        .pools
        .iter()
        .map(|p| (p.id.as_str(), p.name.as_str()))
        .collect();
    let with_queues: std::collections::HashSet<&str> =
        s.queues.iter().map(|q| q.pool_id.as_str()).collect();
    let mut out = Vec::new();
    for p in &s.pools {
        let per_node = p.node_capability.is_some();
        if per_node || (!has_accelerators(&p.quantities) && !with_queues.contains(p.id.as_str())) {
            out.push(pool_other(p, region(&p.cloud_region)));
        }
    }
    for q in &s.queues {
        if !has_accelerators(&q.quantities) {
            let pool_name = pool_names.get(q.pool_id.as_str()).copied().unwrap_or("");
            out.push(queue_other(q, pool_name, region(&q.cloud_region)));
        }
    }
    out
}

fn pool_other(p: &Pool, cloud_region: String) -> Other {
    let mut known = Vec::new();
    let mut accelerators = accelerator_names(&p.quantities);
    if let Some(nc) = &p.node_capability {
        known.push(format!("per node: {}", resources(nc)));
        accelerators.extend(nc.accelerators.keys().cloned());
    }
    known.extend(quantity_facts(&p.quantities));
    known.extend(p.extra_info.iter().map(|(k, v)| format!("{k} {v}")));
    accelerators.sort();
    accelerators.dedup();
    Other {
        cloud_region,
        pool_id: p.id.clone(),
        pool_name: p.name.clone(),
        queue: None,
        kind: p.pool_type.clone(),
        nodes: p.nodes,
        accelerators,
        known: joined(known),
    }
}

fn queue_other(q: &Queue, pool_name: &str, cloud_region: String) -> Other {
    Other {
        cloud_region,
        pool_id: q.pool_id.clone(),
        pool_name: pool_name.to_string(),
        queue: Some((q.id.clone(), q.name.clone(), q.parent.clone())),
        kind: q.queue_type.clone(),
        nodes: None,
        accelerators: Vec::new(),
        known: joined(quantity_facts(&q.quantities)),
    }
}

fn joined(facts: Vec<String>) -> String {
    if facts.is_empty() {
        "no resources reported".to_string()
    } else {
        facts.join("; ")
    }
}

/// `112 cores, 1007 GiB, 8 gpu`.
fn resources(r: &Resources) -> String {
    let mut parts = Vec::new();
    if let Some(c) = r.cpu_cores {
        parts.push(format!("{} cores", short(Some(c))));
    }
    if let Some(m) = r.memory_bytes {
        parts.push(format!("{} GiB", short(Some(m / GIB))));
    }
    for (name, n) in &r.accelerators {
        parts.push(format!("{} {name}", short(Some(*n))));
    }
    if parts.is_empty() {
        "nothing reported".to_string()
    } else {
        parts.join(", ")
    }
}

/// CPU and memory as capability / allocated / remaining, the figures a queue
/// without accelerators still has.
fn quantity_facts(q: &Quantities) -> Vec<String> {
    let mut facts = Vec::new();
    let kinds = [
        (QuantityKind::Capability, "capability"),
        (QuantityKind::Allocated, "allocated"),
        (QuantityKind::Remaining, "remaining"),
    ];
    let cpu: Vec<String> = kinds
        .iter()
        .filter_map(|(k, label)| {
            let c = q.get(k)?.cpu_cores?;
            Some(format!("{label} {}", short(Some(c))))
        })
        .collect();
    if !cpu.is_empty() {
        facts.push(format!("cores: {}", cpu.join(", ")));
    }
    let mem: Vec<String> = kinds
        .iter()
        .filter_map(|(k, label)| {
            let m = q.get(k)?.memory_bytes?;
            Some(format!("{label} {}", short(Some(m / GIB))))
        })
        .collect();
    if !mem.is_empty() {
        facts.push(format!("memory GiB: {}", mem.join(", ")));
    }
    facts
}

/// Numbers for people, as the status page writes them.
pub use aipool_model::capacity::short;

/// Why an account has no fresh data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The `reason` label (`auth`, `timeout`, …), or `down` for an exporter's
    /// account read through `--url`.
    pub reason: String,
    /// The upstream's message (no secrets: see `providers::upstream::PollCtx`).
    pub message: String,
    /// The failed request's URL, redacted; empty when unknown.
    pub url: String,
    /// The failed call (`DescribeResourcePools`); empty when unknown.
    pub api: String,
}

/// Where an account stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Its first poll has not finished.
    Pending,
    /// The last poll succeeded; `partial` lists requests that failed without
    /// failing it.
    Ok {
        partial: Vec<String>,
    },
    Failed(Failure),
}

/// One account as `top` shows it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub provider: String,
    pub region: String,
    pub status: Status,
    /// The last good data (kept across a failed poll, as the daemon keeps it).
    pub data: Option<Arc<AccountData>>,
    /// Wall time of the last poll.
    pub poll_seconds: Option<f64>,
}

impl Entry {
    pub fn pending(name: &str, provider: &str, region: &str) -> Entry {
        Entry {
            name: name.to_string(),
            provider: provider.to_string(),
            region: region.to_string(),
            status: Status::Pending,
            data: None,
            poll_seconds: None,
        }
    }

    pub fn ok(&self) -> bool {
        matches!(self.status, Status::Ok { .. })
    }
}

/// One capacity row with its account.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    pub account: &'a str,
    pub provider: &'a str,
    /// `None` for a pool row, `Some("")` for a top-level queue.
    pub parent: Option<&'a str>,
    pub row: &'a CapacityRow,
}

/// Which rows to show: `--accelerator=SUBSTR`, case-insensitive.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub accelerator: Option<String>,
}

impl Filter {
    fn accelerator_ok(&self, name: &str) -> bool {
        match &self.accelerator {
            None => true,
            Some(want) => name.to_lowercase().contains(&want.to_lowercase()),
        }
    }
}

/// Every account's capacity rows, least headroom first ([`by_need`]), then by
/// account and identity: the status page's order.
pub fn rows<'a>(entries: &'a [Entry], filter: &Filter) -> Vec<Row<'a>> {
    let mut rows: Vec<Row<'a>> = entries
        .iter()
        .filter_map(|e| e.data.as_deref().map(|d| (e, d)))
        .flat_map(|(e, d)| {
            d.capacity.rows.iter().map(move |row| Row {
                account: &e.name,
                provider: &e.provider,
                parent: d.parent(row),
                row,
            })
        })
        .filter(|r| filter.accelerator_ok(&r.row.accelerator))
        .collect();
    rows.sort_by(|a, b| {
        by_need(a.row, b.row)
            .then_with(|| a.account.cmp(b.account))
            .then_with(|| by_identity(a.row, b.row))
    });
    rows
}

/// Rows an account had but did not keep (beyond `capacity::KEEP_ROWS`).
pub fn rows_not_kept(entries: &[Entry]) -> usize {
    entries
        .iter()
        .filter_map(|e| e.data.as_deref())
        .map(|d| d.capacity.total_rows.saturating_sub(d.capacity.rows.len()))
        .sum()
}

/// Every account's compute units, soonest expiry first. None when filtering
/// by accelerator: compute units name no card.
pub fn units<'a>(entries: &'a [Entry], filter: &Filter) -> Vec<(&'a str, &'a ComputeUnitRow)> {
    if filter.accelerator.is_some() {
        return Vec::new();
    }
    let mut units: Vec<(&str, &ComputeUnitRow)> = entries
        .iter()
        .filter_map(|e| e.data.as_deref().map(|d| (e, d)))
        .flat_map(|(e, d)| d.compute_units.iter().map(move |u| (e.name.as_str(), u)))
        .collect();
    units.sort_by(|a, b| cmp_opt(a.1.expiry, b.1.expiry).then_with(|| a.0.cmp(b.0)));
    units
}

/// Every account's pools and queues shown by what is known of them, in account
/// then snapshot order.
pub fn others<'a>(entries: &'a [Entry], filter: &Filter) -> Vec<(&'a str, &'a Other)> {
    entries
        .iter()
        .filter_map(|e| e.data.as_deref().map(|d| (e, d)))
        .flat_map(|(e, d)| d.others.iter().map(move |o| (e.name.as_str(), o)))
        .filter(|(_, o)| {
            filter.accelerator.is_none() || o.accelerators.iter().any(|a| filter.accelerator_ok(a))
        })
        .collect()
}

/// Counts for a status line: pools, queues, services, compute units.
pub fn counts(data: &AccountData) -> BTreeMap<&'static str, usize> {
    [
        ("pools", data.capacity.pools),
        ("queues", data.capacity.queues),
        ("services", data.services),
        ("compute_units", data.compute_units.len()),
    ]
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aipool_model::model::{ComputeUnit, Service};

    fn cards(name: &str, v: f64) -> Resources {
        Resources {
            accelerators: [(name.to_string(), v)].into(),
            ..Resources::default()
        }
    }

    fn queue(pool: &str, id: &str, parent: &str, cap: f64, alloc: f64, rem: f64) -> Queue {
        Queue {
            pool_id: pool.into(),
            id: id.into(),
            name: format!("{id}-name"),
            parent: parent.into(),
            quantities: [
                (QuantityKind::Capability, cards("nvidia.com/gpu", cap)),
                (QuantityKind::Allocated, cards("nvidia.com/gpu", alloc)),
                (QuantityKind::Remaining, cards("nvidia.com/gpu", rem)),
            ]
            .into(),
            ..Queue::default()
        }
    }

    fn entry(name: &str, s: &Snapshot) -> Entry {
        Entry {
            data: Some(Arc::new(AccountData::of(s, "bj", &[]))),
            status: Status::Ok { partial: vec![] },
            ..Entry::pending(name, "aihc", "bj")
        }
    }

    fn fleet() -> Snapshot {
        Snapshot {
            pools: vec![Pool {
                id: "p".into(),
                name: "pool".into(),
                ..Pool::default()
            }],
            queues: vec![
                queue("p", "root", "", 8.0, 4.0, 4.0),
                queue("p", "full", "root", 4.0, 4.0, 0.0),
                Queue {
                    pool_id: "p".into(),
                    id: "cpu".into(),
                    quantities: [(
                        QuantityKind::Capability,
                        Resources {
                            cpu_cores: Some(176.0),
                            memory_bytes: Some(1952.0 * GIB),
                            ..Resources::default()
                        },
                    )]
                    .into(),
                    ..Queue::default()
                },
            ],
            ..Snapshot::default()
        }
    }

    #[test]
    fn rows_are_the_capacity_rows_least_headroom_first_with_their_parent() {
        let s = fleet();
        let entries = [entry("a", &s)];
        let rows = rows(&entries, &Filter::default());
        let got: Vec<(&str, Option<&str>, Option<f64>)> = rows
            .iter()
            .map(|r| {
                (
                    r.row.queue.as_ref().unwrap().0.as_str(),
                    r.parent,
                    r.row.free,
                )
            })
            .collect();
        // full: 0 of 4 free (0 %), root: 4 of 8 (50 %).
        assert_eq!(
            got,
            [
                ("full", Some("root"), Some(0.0)),
                ("root", Some(""), Some(4.0))
            ]
        );
        assert_eq!(rows[0].row.headroom(), Some(0.0));
        assert_eq!(rows_not_kept(&entries), 0);
    }

    #[test]
    fn rows_of_several_accounts_merge_in_the_status_page_order() {
        let s = fleet();
        let entries = [entry("b", &s), entry("a", &s)];
        let rows = rows(&entries, &Filter::default());
        let got: Vec<(&str, &str)> = rows
            .iter()
            .map(|r| (r.account, r.row.queue.as_ref().unwrap().0.as_str()))
            .collect();
        assert_eq!(
            got,
            [("a", "full"), ("b", "full"), ("a", "root"), ("b", "root")]
        );
    }

    #[test]
    fn the_accelerator_filter_is_a_case_insensitive_substring() {
        let s = fleet();
        let entries = [entry("a", &s)];
        let f = |s: &str| Filter {
            accelerator: Some(s.into()),
        };
        assert_eq!(rows(&entries, &f("GPU")).len(), 2);
        assert_eq!(rows(&entries, &f("ascend")).len(), 0);
    }

    #[test]
    fn queues_without_accelerators_are_shown_with_their_cpu_and_memory() {
        let s = fleet();
        let entries = [entry("a", &s)];
        let others = others(&entries, &Filter::default());
        assert_eq!(others.len(), 1, "{others:?}");
        let o = others[0].1;
        assert_eq!(o.queue.as_ref().unwrap().0, "cpu");
        assert_eq!(o.pool_name, "pool");
        assert_eq!(
            o.known,
            "cores: capability 176; memory GiB: capability 1952"
        );
    }

    #[test]
    fn per_node_pools_say_what_one_node_has() {
        // A Sugon group as the seed reports it: 4 nodes of 112 cores, 1 TiB
        // (1031168 MiB) and 8 cards; no allocation.
        let s = Snapshot {
            pools: vec![Pool {
                id: "A800".into(),
                name: "A800".into(),
                pool_type: "gpu".into(),
                cloud_region: Some("11112".into()),
                nodes: Some(4.0),
                node_capability: Some(Resources {
                    cpu_cores: Some(112.0),
                    memory_bytes: Some(1_031_168.0 * 1_048_576.0),
                    accelerators: [("gpu".to_string(), 8.0)].into(),
                }),
                extra_info: [("max_time".to_string(), "168:00:00".to_string())].into(),
                ..Pool::default()
            }],
            ..Snapshot::default()
        };
        let entries = [entry("s", &s)];
        let others = others(&entries, &Filter::default());
        assert_eq!(others.len(), 1);
        assert_eq!(others[0].1.nodes, Some(4.0));
        assert_eq!(others[0].1.cloud_region, "11112");
        assert_eq!(
            others[0].1.known,
            "per node: 112 cores, 1007 GiB, 8 gpu; max_time 168:00:00"
        );
        // …and its row in the capacity table: 4 × 8 cards, free unknown.
        let rows = rows(&entries, &Filter::default());
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].row.capability, Some(32.0));
        assert_eq!(rows[0].row.free, None);
        assert_eq!(rows[0].parent, None);
        let gpu = Filter {
            accelerator: Some("gpu".into()),
        };
        assert_eq!(super::others(&entries, &gpu).len(), 1);
        let npu = Filter {
            accelerator: Some("npu".into()),
        };
        assert!(super::others(&entries, &npu).is_empty());
    }

    #[test]
    fn compute_units_soonest_expiry_first_with_their_service_name() {
        let cu = |id: &str, expiry: Option<f64>| ComputeUnit {
            service_id: "svc".into(),
            instance_id: id.into(),
            expiry_timestamp: expiry,
            ..ComputeUnit::default()
        };
        let s = Snapshot {
            services: vec![Service {
                id: "svc".into(),
                name: "support-bot".into(),
            }],
            compute_units: vec![
                cu("later", Some(2e9)),
                cu("none", None),
                cu("soon", Some(1.9e9)),
            ],
            ..Snapshot::default()
        };
        let entries = [entry("q", &s)];
        let units = units(&entries, &Filter::default());
        let ids: Vec<&str> = units.iter().map(|u| u.1.instance_id.as_str()).collect();
        assert_eq!(ids, ["soon", "later", "none"]);
        assert_eq!(units[0].1.service_name, "support-bot");
        let c = counts(entries[0].data.as_deref().unwrap());
        assert_eq!((c["services"], c["compute_units"]), (1, 3));
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short(Some(8.0)), "8");
        assert_eq!(short(Some(0.5)), "0.5");
        assert_eq!(short(Some(1.0 / 3.0)), "0.33");
        assert_eq!(short(Some(-0.001)), "0");
        assert_eq!(short(None), "—");
    }
}
