//! Every metric family the exporter can emit, declared once: name, help text,
//! type, labels and how its value is read, in one table per object the family
//! describes ([`exporter`], [`account`], [`pool`], [`queue`], [`node`],
//! [`service`]). The exporter renders from these tables, `top` reads an
//! exposition back by them, and `docs/metrics.md` is generated from them; no
//! family name is spelled anywhere else.
//!
//! The output order is not the order of the tables: it is the one list
//! [`ORDER`], so a family can move in the output without moving its
//! declaration (a test checks that every declared family is in it once).

pub mod account;
mod catalogue;
pub mod exporter;
pub mod node;
pub mod pool;
pub mod queue;
pub mod service;

use std::collections::BTreeMap;

use crate::model::{Driver, FreeBlocks, Quantities, QuantityKind, Resources};

pub use catalogue::{catalogue, group_index, index, lookup, name, FamilyDef, LabelDef, Presence};

/// How a family is typed in each format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Gauge,
    /// Name ends in `_total`; OpenMetrics types the family without it.
    Counter,
    /// Name ends in `_info`, value 1; a gauge in the classic format, `info` in
    /// OpenMetrics (family name without `_info`).
    Info,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Gauge => "gauge",
            Kind::Counter => "counter",
            Kind::Info => "info",
        }
    }
}

/// A resource of a quantity family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    Cpu,
    Memory,
    Accelerators,
}

impl Resource {
    pub const ALL: [Resource; 3] = [Resource::Cpu, Resource::Memory, Resource::Accelerators];

    /// The end of its families' names.
    pub fn suffix(self) -> &'static str {
        match self {
            Resource::Cpu => "cpu_cores",
            Resource::Memory => "memory_bytes",
            Resource::Accelerators => "accelerators",
        }
    }

    /// How its families' help texts name it.
    fn what(self) -> &'static str {
        match self {
            Resource::Cpu => "CPU in cores",
            Resource::Memory => "memory in bytes",
            Resource::Accelerators => "accelerator cards by accelerator resource name",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// Every family, identified for the renderer (which keeps one buffer per
/// family, found by [`index`]) and for `top` (which reads a sample by
/// [`lookup`] of its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    Up,
    LastSuccess,
    PollDuration,
    PollInterval,
    Polls,
    PollOverruns,
    PollPartialErrors,
    ApiRequests,
    ApiFailures,
    DecodeErrors,
    Normalizations,
    BuildInfo,
    ConfigReloadSuccessful,
    ConfigReloadSuccessTimestamp,
    RegionInfo,
    PoolInfo,
    PoolNodes,
    PoolLastSuccess,
    PoolQuantity(QuantityKind, Resource),
    /// The pool's hardware ([`crate::model::Pool::physical`]); only the
    /// kinds of [`PHYSICAL_KINDS`].
    PoolPhysical(QuantityKind, Resource),
    PoolFlavorNodes,
    NodePhaseNodes,
    PoolDriverInfo,
    PoolFlavorMaxNodes,
    PoolFrozen,
    PoolNodeCapability(Resource),
    PoolNodeLimitAccelerators,
    QueueInfo,
    QueueQuantity(QuantityKind, Resource),
    QueueWorkloads,
    AcceleratorInfo,
    ServiceInfo,
    ServiceLastSuccess,
    ComputeUnitInfo,
    ComputeUnitReplicas,
    ComputeUnitStart,
    ComputeUnitExpiry,
    QueueNodes,
    QueueFreeNodes,
    QueueNodeCapability(Resource),
    PoolFreeSlots,
    PoolLargestFreeBlock,
    QueueFreeSlots,
    QueueLargestFreeBlock,
}

/// The quantities a pool's hardware figures come in.
pub const PHYSICAL_KINDS: [QuantityKind; 3] = [
    QuantityKind::Capability,
    QuantityKind::Allocated,
    QuantityKind::Remaining,
];

/// Families declared once for many quantities and resources (one per quantity
/// kind of the group, if it has kinds, and resource), in that order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Group {
    PoolQuantity,
    PoolPhysical,
    PoolNodeCapability,
    QueueQuantity,
}

impl Group {
    pub const ALL: [Group; 4] = [
        Group::PoolQuantity,
        Group::PoolPhysical,
        Group::PoolNodeCapability,
        Group::QueueQuantity,
    ];

    /// The quantity kinds of its families; empty: one family per resource.
    pub fn kinds(self) -> &'static [QuantityKind] {
        match self {
            Group::PoolQuantity | Group::QueueQuantity => &QuantityKind::ALL,
            Group::PoolPhysical => &PHYSICAL_KINDS,
            Group::PoolNodeCapability => &[],
        }
    }

    /// Where `kind` is among [`Group::kinds`] (0 for a group without kinds).
    pub fn kind_position(self, kind: QuantityKind) -> Option<usize> {
        let kinds = self.kinds();
        if kinds.is_empty() {
            return Some(0);
        }
        kinds.iter().position(|k| *k == kind)
    }

    fn family(self, kind: QuantityKind, r: Resource) -> Family {
        match self {
            Group::PoolQuantity => Family::PoolQuantity(kind, r),
            Group::PoolPhysical => Family::PoolPhysical(kind, r),
            Group::PoolNodeCapability => Family::PoolNodeCapability(r),
            Group::QueueQuantity => Family::QueueQuantity(kind, r),
        }
    }

    /// Its families in output order, each with its kind (`None` without kinds).
    pub fn members(self) -> Vec<(Family, Option<QuantityKind>, Resource)> {
        let kinds = self.kinds();
        if kinds.is_empty() {
            return Resource::ALL
                .iter()
                .map(|r| (self.family(QuantityKind::Capability, *r), None, *r))
                .collect();
        }
        kinds
            .iter()
            .flat_map(|k| {
                Resource::ALL
                    .iter()
                    .map(move |r| (self.family(*k, *r), Some(*k), *r))
            })
            .collect()
    }
}

/// One place in the output: a family, or every family of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    One(Family),
    Group(Group),
}

/// The output order of every family: what `/metrics` shows, top to bottom.
/// Dashboards and the golden files do not care, but a reordering changes
/// every scrape's bytes, so it changes only here and on purpose.
pub const ORDER: &[Slot] = &[
    Slot::One(Family::Up),
    Slot::One(Family::LastSuccess),
    Slot::One(Family::PollDuration),
    Slot::One(Family::PollInterval),
    Slot::One(Family::Polls),
    Slot::One(Family::PollOverruns),
    Slot::One(Family::PollPartialErrors),
    Slot::One(Family::ApiRequests),
    Slot::One(Family::ApiFailures),
    Slot::One(Family::DecodeErrors),
    Slot::One(Family::Normalizations),
    Slot::One(Family::BuildInfo),
    Slot::One(Family::ConfigReloadSuccessful),
    Slot::One(Family::ConfigReloadSuccessTimestamp),
    Slot::One(Family::RegionInfo),
    Slot::One(Family::PoolInfo),
    Slot::One(Family::PoolNodes),
    Slot::One(Family::PoolLastSuccess),
    Slot::Group(Group::PoolQuantity),
    Slot::Group(Group::PoolPhysical),
    Slot::One(Family::PoolFreeSlots),
    Slot::One(Family::PoolLargestFreeBlock),
    Slot::One(Family::PoolFlavorNodes),
    Slot::One(Family::NodePhaseNodes),
    Slot::One(Family::PoolDriverInfo),
    Slot::One(Family::PoolFlavorMaxNodes),
    Slot::One(Family::PoolFrozen),
    Slot::Group(Group::PoolNodeCapability),
    Slot::One(Family::PoolNodeLimitAccelerators),
    Slot::One(Family::QueueInfo),
    Slot::Group(Group::QueueQuantity),
    Slot::One(Family::QueueFreeSlots),
    Slot::One(Family::QueueLargestFreeBlock),
    Slot::One(Family::QueueWorkloads),
    Slot::One(Family::AcceleratorInfo),
    Slot::One(Family::ServiceInfo),
    Slot::One(Family::ServiceLastSuccess),
    Slot::One(Family::ComputeUnitInfo),
    Slot::One(Family::ComputeUnitReplicas),
    Slot::One(Family::ComputeUnitStart),
    Slot::One(Family::ComputeUnitExpiry),
    Slot::One(Family::QueueNodes),
    Slot::One(Family::QueueFreeNodes),
    Slot::One(Family::QueueNodeCapability(Resource::Cpu)),
    Slot::One(Family::QueueNodeCapability(Resource::Accelerators)),
];

/// The object a family describes: the labels that identify it come first on
/// every series, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Object {
    Exporter,
    Account,
    Region,
    Pool,
    Queue,
    Accelerator,
    Service,
    ComputeUnit,
}

impl Object {
    pub const ALL: [Object; 8] = [
        Object::Exporter,
        Object::Account,
        Object::Region,
        Object::Pool,
        Object::Queue,
        Object::Accelerator,
        Object::Service,
        Object::ComputeUnit,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Object::Exporter => "Exporter process",
            Object::Account => "Account: poll health",
            Object::Region => "Compute region",
            Object::Pool => "Pool",
            Object::Queue => "Queue",
            Object::Accelerator => "Accelerator",
            Object::Service => "Qianfan service",
            Object::ComputeUnit => "Qianfan compute unit",
        }
    }

    /// The labels that identify the object, first on each of its series.
    pub fn identity(self) -> &'static [&'static str] {
        const ACCOUNT: &[&str] = &["provider", "account", "cloud_region"];
        match self {
            Object::Exporter => &[],
            Object::Account => &["provider", "account"],
            Object::Region => ACCOUNT,
            Object::Pool => &["provider", "account", "cloud_region", "pool_id"],
            Object::Queue => &["provider", "account", "cloud_region", "pool_id", "queue_id"],
            Object::Accelerator => &["provider", "account", "cloud_region", "accelerator"],
            Object::Service => &["provider", "account", "cloud_region", "service_id"],
            Object::ComputeUnit => &[
                "provider",
                "account",
                "cloud_region",
                "service_id",
                "instance_id",
            ],
        }
    }
}

/// One label a family adds after its object's identity, with how its value is
/// read from the model object `T`.
pub struct Label<T: ?Sized + 'static> {
    pub name: &'static str,
    pub read: LabelRead<T>,
}

pub enum LabelRead<T: ?Sized + 'static> {
    /// On every series.
    Always(for<'a> fn(&'a T) -> &'a str),
    /// Only when the object has a value (no label otherwise, never an empty one).
    Optional(for<'a> fn(&'a T) -> Option<&'a str>),
    /// Further labels the data names (sorted by name), after all others.
    Open(for<'a> fn(&'a T) -> &'a BTreeMap<String, String>),
}

/// A label value of [`Value::ByState`] and how its figure is read.
pub type State<T> = (&'static str, fn(&T) -> Option<f64>);

/// How the series of a family are read from its model object `T`.
pub enum Value<T: ?Sized + 'static> {
    /// One series of value 1 per object (info families).
    One,
    /// One series when the object reports the figure.
    Figure(fn(&T) -> Option<f64>),
    /// One series per entry, the key as the named label.
    ByKey(&'static str, for<'a> fn(&'a T) -> &'a BTreeMap<String, f64>),
    /// One series per entry, the keys as the two named labels.
    ByPair(
        [&'static str; 2],
        for<'a> fn(&'a T) -> &'a BTreeMap<(String, String), f64>,
    ),
    /// One series per listed label value, when the object reports it.
    ByState(&'static str, &'static [State<T>]),
    /// One series of value 1 per driver, its kind, version and state as labels.
    Drivers(for<'a> fn(&'a T) -> &'a [Driver]),
    /// Per accelerator and slot size (`cards`, from the config): how many
    /// single-node jobs of that size fit.
    FreeSlots(for<'a> fn(&'a T) -> &'a BTreeMap<String, FreeBlocks>),
    /// Per accelerator: the most free cards on one node.
    LargestFreeBlock(for<'a> fn(&'a T) -> &'a BTreeMap<String, FreeBlocks>),
    /// When the unit the object belongs to was last fetched: not in the model,
    /// the renderer knows it (one series per unit, whether or not the object
    /// itself came back).
    Fetched,
    /// Read by the exporter from its own state, not from a model object; the
    /// labels named here follow the object's identity.
    Runtime(&'static [&'static str]),
}

impl<T: ?Sized> Value<T> {
    /// The labels each series adds after the object's labels.
    pub fn labels(&self) -> &[&'static str] {
        match self {
            Value::ByKey(l, _) | Value::ByState(l, _) => std::slice::from_ref(l),
            Value::ByPair(l, _) => l,
            Value::Drivers(_) => &["kind", "version", "state"],
            Value::FreeSlots(_) => &["accelerator", "cards"],
            Value::LargestFreeBlock(_) => &["accelerator"],
            Value::Runtime(l) => l,
            Value::One | Value::Figure(_) | Value::Fetched => &[],
        }
    }
}

/// The "object" of families whose values are the exporter's own state
/// (poll status, counters, build and reload facts), which is not in the
/// model: their tables declare name, help, type and labels, and the exporter
/// reads the values ([`Value::Runtime`]). No value of it exists.
pub enum Runtime {}

/// A family's declaration, over the model object `T` it reads.
pub struct Decl<T: ?Sized + 'static> {
    pub family: Family,
    pub name: &'static str,
    pub help: &'static str,
    pub kind: Kind,
    /// The labels read from the object, after its identity, in order.
    pub labels: &'static [Label<T>],
    pub value: Value<T>,
}

/// How a group's figures are read from its object.
pub enum QuantityRead<T: ?Sized + 'static> {
    /// A block per quantity kind.
    ByKind(for<'a> fn(&'a T) -> &'a Quantities),
    /// One block (a group without kinds).
    Block(for<'a> fn(&'a T) -> Option<&'a Resources>),
}

/// The declaration of a [`Group`]'s families. `{quantity}` in the name is
/// the kind as in names (`workload_available`), in the help text the kind
/// hyphenated (`workload-available`); `{resource}` is the resource's
/// [`Resource::suffix`] in the name and its description in the help text.
/// Accelerator families carry the `accelerator` label.
pub struct QuantityDecl<T: ?Sized + 'static> {
    pub group: Group,
    pub name: &'static str,
    pub help: &'static str,
    pub read: QuantityRead<T>,
}

/// The name and help text of a group member.
fn fill(template: &str, kind: Option<QuantityKind>, r: Resource, help: bool) -> String {
    let kind = kind.map(QuantityKind::as_str).unwrap_or("");
    let (kind, resource) = if help {
        (kind.replace('_', "-"), r.what())
    } else {
        (kind.to_string(), r.suffix())
    };
    template
        .replace("{quantity}", &kind)
        .replace("{resource}", resource)
}

#[cfg(test)]
mod tests;
