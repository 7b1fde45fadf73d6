//! One queue's resource blocks (`capability`, `allocated`, `remaining`, …) →
//! [`Resources`], naming the queue and field of whatever does not decode.

use std::collections::BTreeMap;

use crate::model::{QuantityKind, Resources};
use crate::quantity::{self, RawQuantity, Rule};

use super::super::dto::{BlockDto, CardDto, FlatBlock};
use super::{Mapping, ResourceKey, UnreadFigure};

/// How a block's `milliCPUcores` is read.
pub(super) enum CpuReading<'a> {
    /// Literally, as milli.
    Milli,
    /// A capability: milli, unless the block's own evidence says cores
    /// ([`quantity::capability_milli_to_cores`]); `floors` are the same queue's
    /// allocated and workload-available CPU in cores, which never fall as the
    /// queue fills.
    Capability { floors: &'a [f64] },
}

/// The queue a block belongs to, for naming what did not decode.
pub(super) struct OwningQueue<'a> {
    pub(super) api: &'a str,
    pub(super) pool_id: &'a str,
    pub(super) queue_id: &'a str,
}

impl OwningQueue<'_> {
    pub(super) fn object(&self) -> String {
        format!("queue {}", self.queue_id)
    }

    fn unread(&self, m: &mut Mapping, kind: QuantityKind, key: ResourceKey) {
        m.unread.insert(UnreadFigure {
            pool_id: self.pool_id.to_string(),
            queue_id: self.queue_id.to_string(),
            kind,
            key,
        });
    }

    /// An amount of `block.field`; a malformed one is recorded and its
    /// resource marked unread.
    fn amount(
        &self,
        m: &mut Mapping,
        kind: QuantityKind,
        field: &str,
        key: ResourceKey,
        raw: Option<&RawQuantity>,
    ) -> Option<f64> {
        let before = m.log.errors().len();
        let field = format!("{}.{field}", block_name(kind));
        let v = m.log.amount(self.api, &self.object(), &field, raw);
        if m.log.errors().len() > before {
            self.unread(m, kind, key);
        }
        v
    }
}

/// The upstream's name for a block.
fn block_name(kind: QuantityKind) -> &'static str {
    match kind {
        QuantityKind::Capability => "capability",
        QuantityKind::Allocated => "allocated",
        QuantityKind::Remaining => "remaining",
        QuantityKind::WorkloadAvailable => "workloadAvailable",
        QuantityKind::Deserved => "deserved",
        QuantityKind::Guarantee => "guarantee",
    }
}

/// Maps a common-pool block. `{}` and blocks without any known field give `None`.
pub(super) fn map_block(
    block: &Option<BlockDto>,
    kind: QuantityKind,
    cpu: CpuReading<'_>,
    at: &OwningQueue<'_>,
    m: &mut Mapping,
) -> Option<Resources> {
    let b = block.as_ref()?;
    let mut r = Resources::default();
    let memory = at.amount(
        m,
        kind,
        "memoryGi",
        ResourceKey::Memory,
        b.memory_gi.as_ref(),
    );
    let memory_in_bytes = if let Some(gi) = memory {
        let before = m.fired.count(Rule::MemoryGiIsBytes);
        r.memory_bytes = Some(quantity::gi_to_bytes(gi, &mut m.fired));
        m.fired.count(Rule::MemoryGiIsBytes) > before
    } else {
        false
    };
    let milli = at.amount(
        m,
        kind,
        "milliCPUcores",
        ResourceKey::Cpu,
        b.milli_cpu_cores.as_ref(),
    );
    let cores = at.amount(m, kind, "cpuCores", ResourceKey::Cpu, b.cpu_cores.as_ref());
    r.cpu_cores = match (milli, cpu) {
        (Some(m), CpuReading::Milli) => Some(quantity::milli_to_cores(m)),
        (Some(milli), CpuReading::Capability { floors }) => {
            Some(quantity::capability_milli_to_cores(
                milli,
                quantity::CpuEvidence {
                    cpu_cores: cores,
                    memory_in_bytes,
                    floors,
                },
                &mut m.fired,
            ))
        }
        // cpuCores is rounded by the upstream ("415" beside "415140"): only a
        // fallback when the precise milli value is missing.
        (None, _) => cores,
    };
    if r.cpu_cores.is_some() {
        // One of the two CPU fields was readable: the CPU figure is whole.
        m.unread.remove(&UnreadFigure {
            pool_id: at.pool_id.to_string(),
            queue_id: at.queue_id.to_string(),
            kind,
            key: ResourceKey::Cpu,
        });
    }
    let list = b.accelerator_card_list.clone().unwrap_or_default();
    let api = at.api;
    let cards = m.log.keep_decoded(
        api,
        &format!("{} {}.acceleratorCardList", at.object(), block_name(kind)),
        "acceleratorDescription",
        list.clone(),
    );
    if cards.len() < list.len() {
        at.unread(m, kind, ResourceKey::AnyAccelerator);
    }
    for (i, card) in cards.iter().enumerate() {
        map_card(card, i, kind, at, m, &mut r);
    }
    (!r.is_empty()).then_some(r)
}

fn map_card(
    card: &CardDto,
    i: usize,
    kind: QuantityKind,
    at: &OwningQueue<'_>,
    m: &mut Mapping,
    r: &mut Resources,
) {
    let description = card.accelerator_description.as_deref().unwrap_or("").trim();
    let model = card.accelerator_type.as_deref().unwrap_or("").trim();
    let name = if !description.is_empty() {
        description
    } else if !model.is_empty() {
        m.fired.fire(Rule::AcceleratorNameFromType);
        model
    } else {
        m.log.drop_object(
            at.api,
            format!(
                "{} {}.acceleratorCardList[{i}]",
                at.object(),
                block_name(kind)
            ),
            "neither acceleratorDescription nor acceleratorType is set",
        );
        at.unread(m, kind, ResourceKey::AnyAccelerator);
        return;
    };
    let Some(count) = at.amount(
        m,
        kind,
        &format!("acceleratorCardList[{i}].acceleratorCount"),
        ResourceKey::Accelerator(name.to_string()),
        card.accelerator_count.as_ref(),
    ) else {
        return;
    };
    *r.accelerators.entry(name.to_string()).or_insert(0.0) += count;
    if !model.is_empty() && model != name {
        m.models
            .entry(name.to_string())
            .or_insert_with(|| model.to_string());
    }
}

/// Maps a serverless flat block (`cpu` cores, `memory` Gi, accelerators by name).
pub(super) fn map_flat_block(
    block: &Option<FlatBlock>,
    kind: QuantityKind,
    at: &OwningQueue<'_>,
    m: &mut Mapping,
) -> Option<Resources> {
    let b = block.as_ref()?;
    let mut r = Resources::default();
    for (name, raw) in b {
        let key = match name.as_str() {
            "cpu" => ResourceKey::Cpu,
            "memory" => ResourceKey::Memory,
            other => ResourceKey::Accelerator(other.to_string()),
        };
        let Some(v) = at.amount(m, kind, name, key, raw.as_ref()) else {
            continue;
        };
        match name.as_str() {
            "cpu" => r.cpu_cores = Some(v),
            "memory" => r.memory_bytes = Some(quantity::gi_to_bytes(v, &mut m.fired)),
            name => {
                r.accelerators.insert(name.to_string(), v);
            }
        }
    }
    (!r.is_empty()).then_some(r)
}

pub(super) fn insert(
    q: &mut BTreeMap<QuantityKind, Resources>,
    kind: QuantityKind,
    r: Option<Resources>,
) {
    if let Some(r) = r {
        q.insert(kind, r);
    }
}
