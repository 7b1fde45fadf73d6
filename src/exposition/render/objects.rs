//! The data series of one snapshot: regions and accelerator models, then each
//! pool with its queues and queue node figures, then each service with its
//! compute units, in output order.

use std::collections::BTreeMap;
use std::time::SystemTime;

use crate::exposition::families::{index, quantity_index, Family, Resource, PHYSICAL_KINDS};
use crate::model::{
    ComputeUnit, FreeBlocks, Pool, QuantityKind, Queue, QueueNodes, Resources, Service, Snapshot,
    Unit,
};

use super::writer::{label_prefix, unix_seconds, DataLines, FamilyBuffers, UnitSpans};

/// The data series of one snapshot: what a successful poll publishes, per
/// unit (see [`DataLines`]). `fetched` is when the poll finished: each unit's
/// `aipool_{pool,service}_last_success_timestamp_seconds`. `slot_sizes` are
/// the job sizes (in cards) of the free-slot series.
pub fn render_data(
    provider: &str,
    account: &str,
    region: &str,
    s: &Snapshot,
    fetched: SystemTime,
    slot_sizes: &[u32],
) -> DataLines {
    let mut out = FamilyBuffers::new();
    let reg = |r: &Option<String>| -> String { r.clone().unwrap_or_else(|| region.to_string()) };
    let at = unix_seconds(fetched);

    for r in &s.regions {
        let b = base(provider, account, &r.id);
        out.sample(
            index(Family::RegionInfo),
            &[b[0], b[1], b[2], ("region_name", &r.name)],
            1.0,
        );
    }
    let b = base(provider, account, region);
    for (acc, model) in &s.accelerators {
        out.sample(
            index(Family::AcceleratorInfo),
            &[b[0], b[1], b[2], ("accelerator", acc), ("model", model)],
            1.0,
        );
    }
    // Account-level lines belong to no unit.
    out.spans();

    // Pools with their queues and queue node figures, in the snapshot's sort
    // order (region, pool id), which is also the output order of every pool
    // and queue family: grouping changes no byte of the output.
    type PoolKey<'a> = (&'a Option<String>, &'a str);
    #[derive(Default)]
    struct PoolParts<'a> {
        pool: Option<&'a Pool>,
        queues: Vec<&'a Queue>,
        nodes: Vec<&'a QueueNodes>,
    }
    let mut pools: BTreeMap<PoolKey<'_>, PoolParts<'_>> = BTreeMap::new();
    for p in &s.pools {
        pools
            .entry((&p.cloud_region, p.id.as_str()))
            .or_default()
            .pool = Some(p);
    }
    for q in &s.queues {
        pools
            .entry((&q.cloud_region, q.pool_id.as_str()))
            .or_default()
            .queues
            .push(q);
    }
    for n in &s.queue_nodes {
        pools
            .entry((&n.cloud_region, n.pool_id.as_str()))
            .or_default()
            .nodes
            .push(n);
    }
    let mut units = Vec::with_capacity(pools.len());
    for ((cloud_region, pool_id), parts) in &pools {
        let region = reg(cloud_region);
        let b = base(provider, account, &region);
        let pre = label_prefix(&[b[0], b[1], b[2], ("pool_id", pool_id)]);
        if let Some(p) = parts.pool {
            render_pool(&mut out, &b, p);
            free_slots(&mut out, false, &p.free_blocks, slot_sizes, &pre);
        }
        for q in &parts.queues {
            render_queue(&mut out, &b, q, slot_sizes);
        }
        for n in &parts.nodes {
            render_queue_nodes(&mut out, &b, n);
        }
        out.sample_pre(index(Family::PoolLastSuccess), &pre, &[], at);
        units.push(UnitSpans {
            unit: Unit::Pool {
                cloud_region: (*cloud_region).clone(),
                pool_id: pool_id.to_string(),
            },
            spans: out.spans(),
            fetched,
            pools: usize::from(parts.pool.is_some()),
            queues: parts.queues.len(),
        });
    }

    // Services with their compute units, by service id (the compute units'
    // sort order too).
    let mut services: BTreeMap<&str, (Option<&Service>, Vec<&ComputeUnit>)> = BTreeMap::new();
    for svc in &s.services {
        services.entry(svc.id.as_str()).or_default().0 = Some(svc);
    }
    for cu in &s.compute_units {
        services
            .entry(cu.service_id.as_str())
            .or_default()
            .1
            .push(cu);
    }
    for (service_id, (svc, cus)) in &services {
        if let Some(svc) = svc {
            out.sample(
                index(Family::ServiceInfo),
                &[
                    b[0],
                    b[1],
                    b[2],
                    ("service_id", &svc.id),
                    ("service_name", &svc.name),
                ],
                1.0,
            );
        }
        for cu in cus {
            render_compute_unit(&mut out, &b, cu);
        }
        out.sample(
            index(Family::ServiceLastSuccess),
            &[b[0], b[1], b[2], ("service_id", service_id)],
            at,
        );
        units.push(UnitSpans {
            unit: Unit::Service {
                service_id: service_id.to_string(),
            },
            spans: out.spans(),
            fetched,
            pools: 0,
            queues: 0,
        });
    }
    DataLines {
        fresh: out.finish(),
        units,
        kept: Vec::new(),
    }
}

fn base<'a>(provider: &'a str, account: &'a str, r: &'a str) -> [(&'static str, &'a str); 3] {
    [
        ("provider", provider),
        ("account", account),
        ("cloud_region", r),
    ]
}

fn render_pool(out: &mut FamilyBuffers, b: &[(&'static str, &str); 3], p: &Pool) {
    let id = ("pool_id", p.id.as_str());
    let mut info: Vec<(&str, &str)> = vec![
        b[0],
        b[1],
        b[2],
        id,
        ("pool_name", &p.name),
        ("pool_type", &p.pool_type),
        ("phase", &p.phase),
    ];
    // Only platforms with workspaces and pool trees (ModelArts) set these.
    if let Some(ws) = &p.workspace_id {
        info.push(("workspace_id", ws));
    }
    if let Some(parent) = &p.parent_pool {
        info.push(("parent_pool", parent));
    }
    info.extend(p.extra_info.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    out.sample(index(Family::PoolInfo), &info, 1.0);
    // Every other series of the pool starts with these labels.
    let pre = label_prefix(&[b[0], b[1], b[2], id]);
    if let Some(n) = p.nodes {
        out.sample_pre(index(Family::PoolNodes), &pre, &[], n);
    }
    for (kind, res) in &p.quantities {
        quantities(out, false, *kind, res, &pre);
    }
    for (kind, r) in &p.physical {
        if !PHYSICAL_KINDS.contains(kind) {
            // No family for it; a provider that sets one is a bug, not input.
            continue;
        }
        if let Some(c) = r.cpu_cores {
            out.sample_pre(
                index(Family::PoolPhysical(*kind, Resource::Cpu)),
                &pre,
                &[],
                c,
            );
        }
        if let Some(m) = r.memory_bytes {
            out.sample_pre(
                index(Family::PoolPhysical(*kind, Resource::Memory)),
                &pre,
                &[],
                m,
            );
        }
        let fam = index(Family::PoolPhysical(*kind, Resource::Accelerators));
        for (acc, n) in &r.accelerators {
            out.sample_pre(fam, &pre, &[("accelerator", acc)], *n);
        }
    }
    for ((flavor, state), n) in &p.flavor_nodes {
        out.sample_pre(
            index(Family::PoolFlavorNodes),
            &pre,
            &[("flavor", flavor), ("state", state)],
            *n,
        );
    }
    for (phase, n) in &p.node_phases {
        out.sample_pre(index(Family::NodePhaseNodes), &pre, &[("phase", phase)], *n);
    }
    for ((flavor, state), n) in &p.flavor_max_nodes {
        out.sample_pre(
            index(Family::PoolFlavorMaxNodes),
            &pre,
            &[("flavor", flavor), ("state", state)],
            *n,
        );
    }
    if let Some(frozen) = p.frozen {
        out.sample_pre(
            index(Family::PoolFrozen),
            &pre,
            &[],
            f64::from(u8::from(frozen)),
        );
    }
    for d in &p.drivers {
        out.sample_pre(
            index(Family::PoolDriverInfo),
            &pre,
            &[
                ("kind", &d.kind),
                ("version", &d.version),
                ("state", &d.state),
            ],
            1.0,
        );
    }
    if let Some(nc) = &p.node_capability {
        if let Some(c) = nc.cpu_cores {
            out.sample_pre(
                index(Family::PoolNodeCapability(Resource::Cpu)),
                &pre,
                &[],
                c,
            );
        }
        if let Some(m) = nc.memory_bytes {
            out.sample_pre(
                index(Family::PoolNodeCapability(Resource::Memory)),
                &pre,
                &[],
                m,
            );
        }
        for (acc, n) in &nc.accelerators {
            out.sample_pre(
                index(Family::PoolNodeCapability(Resource::Accelerators)),
                &pre,
                &[("accelerator", acc)],
                *n,
            );
        }
    }
    for (acc, n) in &p.node_limits {
        out.sample_pre(
            index(Family::PoolNodeLimitAccelerators),
            &pre,
            &[("accelerator", acc)],
            *n,
        );
    }
}

fn render_queue(
    out: &mut FamilyBuffers,
    b: &[(&'static str, &str); 3],
    q: &Queue,
    slot_sizes: &[u32],
) {
    let ids = [
        b[0],
        b[1],
        b[2],
        ("pool_id", q.pool_id.as_str()),
        ("queue_id", q.id.as_str()),
    ];
    let pre = label_prefix(&ids);
    out.sample_pre(
        index(Family::QueueInfo),
        &pre,
        &[
            ("queue_name", &q.name),
            ("queue_type", &q.queue_type),
            ("parent_queue", &q.parent),
        ],
        1.0,
    );
    for (kind, res) in &q.quantities {
        quantities(out, true, *kind, res, &pre);
    }
    free_slots(out, true, &q.free_blocks, slot_sizes, &pre);
    if let Some(w) = &q.workloads {
        for (state, n) in [
            ("running", w.running),
            ("pending", w.pending),
            ("inqueue", w.inqueue),
        ] {
            out.sample_pre(index(Family::QueueWorkloads), &pre, &[("state", state)], n);
        }
    }
}

fn render_queue_nodes(out: &mut FamilyBuffers, b: &[(&'static str, &str); 3], n: &QueueNodes) {
    let pre = label_prefix(&[
        b[0],
        b[1],
        b[2],
        ("pool_id", n.pool_id.as_str()),
        ("queue_id", n.queue_id.as_str()),
    ]);
    if let Some(v) = n.nodes {
        out.sample_pre(index(Family::QueueNodes), &pre, &[], v);
    }
    if let Some(v) = n.free_nodes {
        out.sample_pre(index(Family::QueueFreeNodes), &pre, &[], v);
    }
    if let Some(v) = n.node_cpu_cores {
        out.sample_pre(
            index(Family::QueueNodeCapability(Resource::Cpu)),
            &pre,
            &[],
            v,
        );
    }
    for (acc, v) in &n.node_accelerators {
        out.sample_pre(
            index(Family::QueueNodeCapability(Resource::Accelerators)),
            &pre,
            &[("accelerator", acc)],
            *v,
        );
    }
}

fn render_compute_unit(out: &mut FamilyBuffers, b: &[(&'static str, &str); 3], cu: &ComputeUnit) {
    let ids = [
        b[0],
        b[1],
        b[2],
        ("service_id", cu.service_id.as_str()),
        ("instance_id", cu.instance_id.as_str()),
    ];
    out.sample(
        index(Family::ComputeUnitInfo),
        &[
            ids[0],
            ids[1],
            ids[2],
            ids[3],
            ids[4],
            ("payment_timing", &cu.payment_timing),
            ("status", &cu.status),
        ],
        1.0,
    );
    if let Some(r) = cu.replicas {
        out.sample(index(Family::ComputeUnitReplicas), &ids, r);
    }
    if let Some(t) = cu.start_timestamp {
        out.sample(index(Family::ComputeUnitStart), &ids, t);
    }
    if let Some(t) = cu.expiry_timestamp {
        out.sample(index(Family::ComputeUnitExpiry), &ids, t);
    }
}

/// The quantity series of one block, labelled with `prefix` (the pool's or
/// queue's identity labels).
fn quantities(
    out: &mut FamilyBuffers,
    queue: bool,
    kind: QuantityKind,
    r: &Resources,
    prefix: &[u8],
) {
    if let Some(c) = r.cpu_cores {
        out.sample_pre(quantity_index(queue, kind, Resource::Cpu), prefix, &[], c);
    }
    if let Some(m) = r.memory_bytes {
        out.sample_pre(
            quantity_index(queue, kind, Resource::Memory),
            prefix,
            &[],
            m,
        );
    }
    let fam = quantity_index(queue, kind, Resource::Accelerators);
    for (acc, n) in &r.accelerators {
        out.sample_pre(fam, prefix, &[("accelerator", acc)], *n);
    }
}

/// The free-slot series of a pool's or queue's accelerators: one per slot
/// size (`cards`) and the largest free block, labelled with `prefix`.
fn free_slots(
    out: &mut FamilyBuffers,
    queue: bool,
    blocks: &BTreeMap<String, FreeBlocks>,
    sizes: &[u32],
    prefix: &[u8],
) {
    if blocks.is_empty() {
        return;
    }
    let (slots, largest) = if queue {
        (Family::QueueFreeSlots, Family::QueueLargestFreeBlock)
    } else {
        (Family::PoolFreeSlots, Family::PoolLargestFreeBlock)
    };
    let (slots, largest) = (index(slots), index(largest));
    let mut cards = itoa::Buffer::new();
    for (acc, b) in blocks {
        for n in sizes {
            out.sample_pre(
                slots,
                prefix,
                &[("accelerator", acc), ("cards", cards.format(*n))],
                b.slots(*n),
            );
        }
        out.sample_pre(largest, prefix, &[("accelerator", acc)], b.largest);
    }
}
