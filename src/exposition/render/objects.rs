//! The data series of one snapshot: regions and accelerator models, then each
//! pool with its queues and queue node figures, then each service with its
//! compute units, in output order. Which series an object has, and their
//! labels and values, are its family table's (see [`super::tables`]); this
//! module walks the snapshot unit by unit and supplies each object's identity.

use std::collections::BTreeMap;
use std::time::SystemTime;

use crate::exposition::families::{account, node, pool, queue, service, Object};
use crate::model::{ComputeUnit, Pool, Queue, QueueNodes, Service, Snapshot, Unit};

use super::tables::{indices, write_fetched, write_object, write_quantities};
use super::writer::{identity_prefix, unix_seconds, DataLines, FamilyBuffers, UnitSpans};

/// The data series of one snapshot: what a successful poll publishes, per
/// unit (see [`DataLines`]). `fetched` is when the poll finished: each unit's
/// last-success series (pool, service). `slot_sizes` are
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
    let idx = indices();
    let mut scratch = Vec::new();
    let at = unix_seconds(fetched);

    for r in &s.regions {
        // A region's series name the region itself, not the account's.
        let pre = identity_prefix(Object::Region, &[provider, account, &r.id]);
        write_object(
            &mut out,
            account::REGION,
            &idx.region,
            r,
            &pre,
            slot_sizes,
            &mut scratch,
        );
    }
    for (acc, model) in &s.accelerators {
        let pre = identity_prefix(Object::Accelerator, &[provider, account, region, acc]);
        write_object(
            &mut out,
            account::ACCELERATOR,
            &idx.accelerator,
            model.as_str(),
            &pre,
            slot_sizes,
            &mut scratch,
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
        let region = cloud_region.as_deref().unwrap_or(region);
        let pre = identity_prefix(Object::Pool, &[provider, account, region, pool_id]);
        if let Some(p) = parts.pool {
            write_object(
                &mut out,
                pool::FAMILIES,
                &idx.pool,
                p,
                &pre,
                slot_sizes,
                &mut scratch,
            );
            write_quantities(&mut out, pool::QUANTITIES, p, &pre);
        }
        for q in &parts.queues {
            let pre = identity_prefix(
                Object::Queue,
                &[provider, account, region, &q.pool_id, &q.id],
            );
            write_object(
                &mut out,
                queue::FAMILIES,
                &idx.queue,
                q,
                &pre,
                slot_sizes,
                &mut scratch,
            );
            write_quantities(&mut out, queue::QUANTITIES, q, &pre);
        }
        for n in &parts.nodes {
            // The node figures are series of their queue.
            let pre = identity_prefix(
                Object::Queue,
                &[provider, account, region, &n.pool_id, &n.queue_id],
            );
            write_object(
                &mut out,
                node::FAMILIES,
                &idx.node,
                n,
                &pre,
                slot_sizes,
                &mut scratch,
            );
        }
        write_fetched(&mut out, pool::FAMILIES, &idx.pool, &pre, at);
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
        let pre = identity_prefix(Object::Service, &[provider, account, region, service_id]);
        if let Some(svc) = svc {
            write_object(
                &mut out,
                service::SERVICE,
                &idx.service,
                *svc,
                &pre,
                slot_sizes,
                &mut scratch,
            );
        }
        for cu in cus {
            let pre = identity_prefix(
                Object::ComputeUnit,
                &[provider, account, region, &cu.service_id, &cu.instance_id],
            );
            write_object(
                &mut out,
                service::COMPUTE_UNIT,
                &idx.compute_unit,
                *cu,
                &pre,
                slot_sizes,
                &mut scratch,
            );
        }
        write_fetched(&mut out, service::SERVICE, &idx.service, &pre, at);
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
