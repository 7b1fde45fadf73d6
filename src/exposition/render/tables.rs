//! Series of one model object, written as its family table declares them
//! (`aipool_model::families`): each family's labels and values read through
//! its declaration, after the object's identity labels (`prefix`, rendered
//! once per object by the caller).

use std::sync::OnceLock;

use crate::exposition::families::{
    account, group_index, index, node, pool, queue, service, Decl, Group, LabelRead, QuantityDecl,
    QuantityRead, Resource, Value,
};
use crate::model::{QuantityKind, Resources};

use super::writer::FamilyBuffers;

/// The catalogue index of each family of a table, by table position: looked
/// up once per process, so writing a series costs no look-up.
pub(super) struct Indices {
    pub region: Vec<usize>,
    pub accelerator: Vec<usize>,
    pub pool: Vec<usize>,
    pub queue: Vec<usize>,
    pub node: Vec<usize>,
    pub service: Vec<usize>,
    pub compute_unit: Vec<usize>,
    /// By group and quantity kind: the index of the group's CPU family of
    /// that kind (`None`: the group has no such kind); a group without kinds
    /// has its families under every kind.
    pub quantity: [[Option<usize>; QuantityKind::ALL.len()]; Group::ALL.len()],
}

pub(super) fn indices() -> &'static Indices {
    fn of<T: ?Sized>(decls: &[Decl<T>]) -> Vec<usize> {
        decls.iter().map(|d| index(d.family)).collect()
    }
    static IDX: OnceLock<Indices> = OnceLock::new();
    IDX.get_or_init(|| Indices {
        region: of(account::REGION),
        accelerator: of(account::ACCELERATOR),
        pool: of(pool::FAMILIES),
        queue: of(queue::FAMILIES),
        node: of(node::FAMILIES),
        service: of(service::SERVICE),
        compute_unit: of(service::COMPUTE_UNIT),
        quantity: Group::ALL.map(|g| QuantityKind::ALL.map(|k| group_index(g, k, Resource::Cpu))),
    })
}

/// Every series `decls` declares for `obj`, except the unit's fetch time
/// ([`write_fetched`]); `slot_sizes` are the `cards` of the free-slot series.
/// `scratch` holds one series' labels at a time (no allocation per object).
pub(super) fn write_object<'a, T: ?Sized>(
    out: &mut FamilyBuffers,
    decls: &[Decl<T>],
    idx: &[usize],
    obj: &'a T,
    prefix: &[u8],
    slot_sizes: &[u32],
    scratch: &mut Vec<(&'a str, &'a str)>,
) {
    for (d, &fam) in decls.iter().zip(idx) {
        let names = d.value.labels();
        match &d.value {
            Value::One => {
                scratch.clear();
                for l in d.labels {
                    match l.read {
                        LabelRead::Always(read) => scratch.push((l.name, read(obj))),
                        LabelRead::Optional(read) => {
                            if let Some(v) = read(obj) {
                                scratch.push((l.name, v));
                            }
                        }
                        LabelRead::Open(read) => {
                            scratch.extend(read(obj).iter().map(|(k, v)| (k.as_str(), v.as_str())))
                        }
                    }
                }
                out.sample_pre(fam, prefix, scratch, 1.0);
            }
            Value::Figure(read) => {
                if let Some(v) = read(obj) {
                    out.sample_pre(fam, prefix, &[], v);
                }
            }
            Value::ByKey(label, read) => {
                for (k, v) in read(obj) {
                    out.sample_pre(fam, prefix, &[(label, k)], *v);
                }
            }
            Value::ByPair([a, b], read) => {
                for ((x, y), v) in read(obj) {
                    out.sample_pre(fam, prefix, &[(a, x), (b, y)], *v);
                }
            }
            Value::ByState(label, states) => {
                for (state, read) in *states {
                    if let Some(v) = read(obj) {
                        out.sample_pre(fam, prefix, &[(label, state)], v);
                    }
                }
            }
            Value::Drivers(read) => {
                for dr in read(obj) {
                    scratch.clear();
                    let values = [dr.kind.as_str(), &dr.version, &dr.state];
                    scratch.extend(names.iter().copied().zip(values));
                    out.sample_pre(fam, prefix, scratch, 1.0);
                }
            }
            Value::FreeSlots(read) => {
                let mut cards = itoa::Buffer::new();
                for (acc, b) in read(obj) {
                    for n in slot_sizes {
                        let labels = [(names[0], acc.as_str()), (names[1], cards.format(*n))];
                        out.sample_pre(fam, prefix, &labels, b.slots(*n));
                    }
                }
            }
            Value::LargestFreeBlock(read) => {
                for (acc, b) in read(obj) {
                    out.sample_pre(fam, prefix, &[(names[0], acc)], b.largest);
                }
            }
            // Not the object's: the unit's fetch time, or the exporter's state.
            Value::Fetched | Value::Runtime(_) => {}
        }
    }
}

/// The [`Value::Fetched`] series of `decls`: when the unit was fetched.
pub(super) fn write_fetched<T: ?Sized>(
    out: &mut FamilyBuffers,
    decls: &[Decl<T>],
    idx: &[usize],
    prefix: &[u8],
    at: f64,
) {
    for (d, &fam) in decls.iter().zip(idx) {
        if matches!(d.value, Value::Fetched) {
            out.sample_pre(fam, prefix, &[], at);
        }
    }
}

/// The quantity series `decls` declare for `obj`.
pub(super) fn write_quantities<T: ?Sized>(
    out: &mut FamilyBuffers,
    decls: &[QuantityDecl<T>],
    obj: &T,
    prefix: &[u8],
) {
    let idx = &indices().quantity;
    for d in decls {
        let by_kind = &idx[d.group as usize];
        match d.read {
            QuantityRead::ByKind(read) => {
                for (kind, res) in read(obj) {
                    // A kind the group has no family for (the hardware
                    // figures come in three) writes nothing: a provider that
                    // sets one is a bug, not input.
                    if let Some(cpu) = by_kind[*kind as usize] {
                        resources(out, cpu, res, prefix);
                    }
                }
            }
            QuantityRead::Block(read) => {
                // A group without kinds has its families at any kind's place.
                if let (Some(res), Some(cpu)) = (read(obj), by_kind[0]) {
                    resources(out, cpu, res, prefix);
                }
            }
        }
    }
}

/// One block's series, in the families of one group and kind, which follow
/// each other from `cpu` on: CPU, memory, accelerators (see [`Resource::ALL`]).
fn resources(out: &mut FamilyBuffers, cpu: usize, r: &Resources, prefix: &[u8]) {
    if let Some(c) = r.cpu_cores {
        out.sample_pre(cpu, prefix, &[], c);
    }
    if let Some(m) = r.memory_bytes {
        out.sample_pre(cpu + Resource::Memory.index(), prefix, &[], m);
    }
    let acc = cpu + Resource::Accelerators.index();
    for (a, n) in &r.accelerators {
        out.sample_pre(acc, prefix, &[("accelerator", a)], *n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantity_indices_are_each_kinds_cpu_family_followed_by_the_others() {
        let idx = &indices().quantity;
        for g in Group::ALL {
            for kind in QuantityKind::ALL {
                let want = |r| group_index(g, kind, r);
                let cpu = idx[g as usize][kind as usize];
                assert_eq!(cpu, want(Resource::Cpu), "{g:?} {kind:?}");
                if let Some(cpu) = cpu {
                    assert_eq!(Some(cpu + 1), want(Resource::Memory));
                    assert_eq!(Some(cpu + 2), want(Resource::Accelerators));
                }
            }
        }
    }
}
