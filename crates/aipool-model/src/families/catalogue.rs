//! The tables put together: every declared family, in output order
//! ([`super::ORDER`]), with its full label list, and the look-ups the
//! renderer and `top` use.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::{
    account, exporter, fill, node, pool, queue, service, Decl, Family, Group, Kind, LabelRead,
    Object, QuantityDecl, QuantityKind, Resource, Slot, ORDER,
};

/// A family as the exposition, `top` and the docs see it.
#[derive(Debug, Clone)]
pub struct FamilyDef {
    pub fam: Family,
    pub name: String,
    pub help: String,
    pub kind: Kind,
    pub object: Object,
    /// Every label in the order written: the object's identity, the family's
    /// own labels, then its per-series labels.
    pub labels: Vec<LabelDef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabelDef {
    /// The label's name; for [`Presence::Open`], what the further labels are.
    pub name: &'static str,
    pub presence: Presence,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Always,
    /// Only where the object has a value.
    Optional,
    /// Further labels named by the data.
    Open,
}

fn always(name: &'static str) -> LabelDef {
    LabelDef {
        name,
        presence: Presence::Always,
    }
}

fn decl_defs<T: ?Sized>(object: Object, decls: &[Decl<T>], out: &mut Vec<FamilyDef>) {
    for d in decls {
        let mut labels: Vec<LabelDef> = object.identity().iter().map(|l| always(l)).collect();
        labels.extend(d.labels.iter().map(|l| LabelDef {
            name: l.name,
            presence: match l.read {
                LabelRead::Always(_) => Presence::Always,
                LabelRead::Optional(_) => Presence::Optional,
                LabelRead::Open(_) => Presence::Open,
            },
        }));
        labels.extend(d.value.labels().iter().map(|l| always(l)));
        out.push(FamilyDef {
            fam: d.family,
            name: d.name.to_string(),
            help: d.help.to_string(),
            kind: d.kind,
            object,
            labels,
        });
    }
}

fn group_defs<T: ?Sized>(object: Object, decls: &[QuantityDecl<T>], out: &mut Vec<FamilyDef>) {
    for d in decls {
        for (fam, kind, r) in d.group.members() {
            let mut labels: Vec<LabelDef> = object.identity().iter().map(|l| always(l)).collect();
            if r == Resource::Accelerators {
                labels.push(always("accelerator"));
            }
            out.push(FamilyDef {
                fam,
                name: fill(d.name, kind, r, false),
                help: fill(d.help, kind, r, true),
                kind: Kind::Gauge,
                object,
                labels,
            });
        }
    }
}

/// Every declared family, table by table (not in output order).
pub(super) fn declared() -> Vec<FamilyDef> {
    let mut out = Vec::new();
    decl_defs(Object::Exporter, exporter::FAMILIES, &mut out);
    decl_defs(Object::Account, account::FAMILIES, &mut out);
    decl_defs(Object::Region, account::REGION, &mut out);
    decl_defs(Object::Accelerator, account::ACCELERATOR, &mut out);
    decl_defs(Object::Pool, pool::FAMILIES, &mut out);
    group_defs(Object::Pool, pool::QUANTITIES, &mut out);
    decl_defs(Object::Queue, queue::FAMILIES, &mut out);
    group_defs(Object::Queue, queue::QUANTITIES, &mut out);
    decl_defs(Object::Queue, node::FAMILIES, &mut out);
    decl_defs(Object::Service, service::SERVICE, &mut out);
    decl_defs(Object::ComputeUnit, service::COMPUTE_UNIT, &mut out);
    out
}

/// The families of [`ORDER`], expanded (a group into its members).
pub(super) fn ordered_families() -> Vec<Family> {
    ORDER
        .iter()
        .flat_map(|slot| match slot {
            Slot::One(f) => vec![*f],
            Slot::Group(g) => g.members().into_iter().map(|(f, _, _)| f).collect(),
        })
        .collect()
}

fn build() -> Vec<FamilyDef> {
    let mut declared: HashMap<Family, FamilyDef> =
        declared().into_iter().map(|d| (d.fam, d)).collect();
    // A family in the order list but declared nowhere (or twice in the list)
    // is left out here and fails the tests, which compare both lists.
    ordered_families()
        .into_iter()
        .filter_map(|f| declared.remove(&f))
        .collect()
}

/// Every family in output order, built once.
pub fn catalogue() -> &'static [FamilyDef] {
    static CAT: OnceLock<Vec<FamilyDef>> = OnceLock::new();
    CAT.get_or_init(build)
}

fn positions() -> &'static HashMap<Family, usize> {
    static POS: OnceLock<HashMap<Family, usize>> = OnceLock::new();
    POS.get_or_init(|| {
        catalogue()
            .iter()
            .enumerate()
            .map(|(i, d)| (d.fam, i))
            .collect()
    })
}

/// The position of `fam` in [`catalogue`]; the renderer keeps one buffer each.
pub fn index(fam: Family) -> usize {
    match positions().get(&fam) {
        Some(i) => *i,
        // Every family is declared and ordered (tested); reaching this is a
        // bug in the tables, not bad input.
        None => unreachable!("family {fam:?} missing from the catalogue"),
    }
}

/// The position of a group member in [`catalogue`], without a look-up: the
/// quantity families hold most samples of a large output. `None` when the
/// group has no family for `kind`.
pub fn group_index(group: Group, kind: QuantityKind, r: Resource) -> Option<usize> {
    static BASES: OnceLock<[usize; 4]> = OnceLock::new();
    let bases = BASES.get_or_init(|| Group::ALL.map(|g| index(g.members()[0].0)));
    let pos = group.kind_position(kind)?;
    Some(bases[group as usize] + pos * Resource::ALL.len() + r.index())
}

/// The family named `name`, if the exporter declares one.
pub fn lookup(name: &str) -> Option<Family> {
    static BY_NAME: OnceLock<HashMap<&'static str, Family>> = OnceLock::new();
    BY_NAME
        .get_or_init(|| {
            catalogue()
                .iter()
                .map(|d| (d.name.as_str(), d.fam))
                .collect()
        })
        .get(name)
        .copied()
}

/// The name of `fam`.
pub fn name(fam: Family) -> &'static str {
    &catalogue()[index(fam)].name
}
