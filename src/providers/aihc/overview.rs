//! `DescribeResourcePoolOverview` → each pool's hardware figures
//! ([`crate::model::Pool::physical`]), which bound the quotas' free figures
//! ([`crate::quantity::derive::physical`]).
//!
//! Units and meaning (bce-sdk-go `services/aihc/v2/api/resourcepool.go`
//! `ResourceStatistic`, `AcceleratorsStatistic`; AIHC doc "查询资源池概览",
//! whose example reads CPU 914000 and memory 6017249181696 for 16 nodes):
//! CPU in milli-cores, memory in bytes, accelerators in cards. Free is
//! `capacity − allocated`, never `idle`: the doc's own example has idle 0
//! beside capacity 44 and allocated 2.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Quantities, QuantityKind, Resources};
use crate::providers::upstream::decode::{DecodeLog, Lenient};
use crate::quantity::{self, Fired, Rule};

use super::dto::{AcceleratorsStatisticDto, OverviewDto, ResourceStatisticDto};
use super::map::Models;

pub const API_OVERVIEW: &str = "DescribeResourcePoolOverview";

/// The accelerator label of an untyped card total that no single quota
/// resource name can be tied to.
pub const ALL_ACCELERATORS: &str = "all";

/// One figure: (capacity, allocated).
pub type Figure = (f64, f64);

/// What the overview says of one pool (or one pool type), in base units.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hardware {
    /// The pool type the overview files it under (`common`, `dedicatedV2`).
    pub pool_type: String,
    pub cpu_cores: Option<Figure>,
    pub memory_bytes: Option<Figure>,
    /// Every card of the pool.
    pub cards: Option<Figure>,
    /// Cards by `acceleratorType`, where the overview breaks them down.
    pub by_type: BTreeMap<String, Figure>,
}

/// Every pool the overview lists, by id.
pub type Overview = BTreeMap<String, Hardware>;

/// The pools of an overview. A pool or figure that does not decode is left
/// out and recorded; a pool listed twice keeps its first entry.
pub fn map_overview(dto: OverviewDto, log: &mut DecodeLog) -> Overview {
    let mut out = Overview::new();
    let types = log.keep_decoded(
        API_OVERVIEW,
        "pool type",
        "type",
        dto.resource_pools_statistic_with_type,
    );
    for t in types {
        let type_name = t.pool_type.clone().unwrap_or_default();
        let pools = t.resource_pool_statistics.unwrap_or_default();
        for p in log.keep_decoded(API_OVERVIEW, "pool", "resourcePoolId", pools) {
            let id = p.resource_pool_id.trim();
            if id.is_empty() {
                log.drop_object(API_OVERVIEW, "pool", "empty resourcePoolId");
                continue;
            }
            let object = format!("pool {id}");
            let mut hw = hardware(
                p.accelerators_statistic.as_ref(),
                p.resources_statistic.unwrap_or_default(),
                &object,
                log,
            );
            hw.pool_type = p
                .pool_type
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| type_name.clone());
            out.entry(id.to_string()).or_insert(hw);
        }
    }
    out
}

/// The figures of one statistics block (a pool's, or a pool type's).
pub fn hardware(
    accelerators: Option<&AcceleratorsStatisticDto>,
    resources: Vec<Lenient<ResourceStatisticDto>>,
    object: &str,
    log: &mut DecodeLog,
) -> Hardware {
    let mut hw = Hardware::default();
    for r in log.keep_decoded(
        API_OVERVIEW,
        &format!("{object} resourcesStatistic"),
        "resourceType",
        resources,
    ) {
        let kind = r.resource_type.as_deref().unwrap_or("").trim();
        let field = format!("resourcesStatistic[{kind}]");
        let Some((cap, alloc)) = figure(&r, object, &field, log) else {
            continue;
        };
        match kind.to_ascii_lowercase().as_str() {
            "cpu" => {
                hw.cpu_cores = Some((
                    quantity::milli_to_cores(cap),
                    quantity::milli_to_cores(alloc),
                ))
            }
            "memory" => hw.memory_bytes = Some((cap, alloc)),
            // Other resource types (none documented) are not ours to read.
            _ => {}
        }
    }
    if let Some(a) = accelerators {
        hw.cards = figure_of(
            a.capacity.as_ref(),
            a.allocated.as_ref(),
            object,
            "acceleratorsStatistic",
            log,
        );
        let list = a.accelerator_statistics.clone().unwrap_or_default();
        let field = format!("{object} acceleratorStatistics");
        for t in log.keep_decoded(API_OVERVIEW, &field, "acceleratorType", list) {
            let name = t
                .accelerator_type
                .as_deref()
                .unwrap_or("")
                .trim()
                .to_string();
            if name.is_empty() {
                log.drop_object(API_OVERVIEW, field.clone(), "empty acceleratorType");
                continue;
            }
            let f = format!("acceleratorStatistics[{name}]");
            if let Some(fig) = figure(&t, object, &f, log) {
                hw.by_type.insert(name, fig);
            }
        }
    }
    hw
}

fn figure(
    r: &ResourceStatisticDto,
    object: &str,
    field: &str,
    log: &mut DecodeLog,
) -> Option<Figure> {
    figure_of(
        r.capacity.as_ref(),
        r.allocated.as_ref(),
        object,
        field,
        log,
    )
}

/// Capacity and allocated, both readable, or nothing: free needs both.
fn figure_of(
    capacity: Option<&quantity::RawQuantity>,
    allocated: Option<&quantity::RawQuantity>,
    object: &str,
    field: &str,
    log: &mut DecodeLog,
) -> Option<Figure> {
    let cap = log.amount(API_OVERVIEW, object, &format!("{field}.capacity"), capacity);
    let alloc = log.amount(
        API_OVERVIEW,
        object,
        &format!("{field}.allocated"),
        allocated,
    );
    Some((cap?, alloc?))
}

/// The pool's hardware as quantities: capability, allocated and remaining
/// (capability − allocated, at least 0) per resource. Cards are labelled by
/// the quota's resource name where the figures can be tied to one: the
/// pool's only card name for a pool of one accelerator type, else the name
/// whose card model (`models`) or own name is the `acceleratorType` of a
/// per-type figure. A per-type figure tied to no name keeps its type as the
/// label; an untyped total of a pool whose quotas name several cards (or
/// none) is labelled [`ALL_ACCELERATORS`], and bounds nothing.
pub fn physical(
    hw: &Hardware,
    quota_names: &BTreeSet<String>,
    models: &Models,
    fired: &mut Fired,
) -> Quantities {
    let mut cards: BTreeMap<String, Figure> = BTreeMap::new();
    let single_name = (quota_names.len() == 1)
        .then(|| quota_names.iter().next())
        .flatten();
    match (hw.by_type.len(), single_name, hw.cards) {
        // One accelerator type, one quota name: the same cards.
        (0 | 1, Some(name), Some(total)) => {
            cards.insert(name.clone(), total);
        }
        (1, Some(name), None) => {
            cards.extend(hw.by_type.values().map(|f| (name.clone(), *f)));
        }
        (0, _, Some(total)) => {
            cards.insert(ALL_ACCELERATORS.to_string(), total);
        }
        _ => {
            for (t, f) in &hw.by_type {
                let tied: Vec<&String> = quota_names
                    .iter()
                    .filter(|n| *n == t || models.get(*n) == Some(t))
                    .collect();
                let label = match tied.as_slice() {
                    [one] => (*one).clone(),
                    _ => t.clone(),
                };
                cards.insert(label, *f);
            }
        }
    }
    let mut q = Quantities::new();
    for (kind, pick) in [
        (QuantityKind::Capability, 0),
        (QuantityKind::Allocated, 1),
        (QuantityKind::Remaining, 2),
    ] {
        let value = |f: Figure, fired: &mut Fired| match pick {
            0 => f.0,
            1 => f.1,
            _ => {
                let free = f.0 - f.1;
                if free < 0.0 {
                    fired.fire(Rule::RemainingClampedAtZero);
                    0.0
                } else {
                    free
                }
            }
        };
        let r = Resources {
            cpu_cores: hw.cpu_cores.map(|f| value(f, fired)),
            memory_bytes: hw.memory_bytes.map(|f| value(f, fired)),
            accelerators: cards
                .iter()
                .map(|(k, f)| (k.clone(), value(*f, fired)))
                .collect(),
        };
        if !r.is_empty() {
            q.insert(kind, r);
        }
    }
    q
}

#[cfg(test)]
mod tests;
