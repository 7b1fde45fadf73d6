//! Free figures bounded by what the pool's hardware has free.
//!
//! A quota's free (`capability − allocated`, or what a platform reports) says
//! what the queue may still take under its quota; it ignores cards that other
//! queues hold. An elastic queue on a pool with one idle card can read "8
//! free". Where a platform reports the pool's hardware ([`Pool::physical`]:
//! capability, allocated and remaining = capability − allocated of its nodes),
//! no queue of the pool can get more than the hardware has free, and neither
//! can the pool: [`bound_by_pool`] lowers every free figure above it
//! ([`Rule::RemainingBoundedByPoolIdle`]).
//!
//! Accelerators are bounded by resource name: a hardware figure keyed by the
//! same name as the quota's. A pool whose hardware figures name no card the
//! quota names while it has card figures at all (several accelerator types
//! counted together, or types that cannot be tied to the quota's names) is
//! left unbounded for those cards ([`Rule::RemainingNotBoundedMixedAccelerators`],
//! once per pool).

use crate::model::{Pool, QuantityKind, Queue, Resources};
use crate::quantity::{Fired, Rule};

/// Lowers each free figure (`Remaining`) of the queues of a pool with
/// hardware figures, and the pool's own, to the hardware's free figure of the
/// same resource. A figure at or below it is left alone.
pub fn bound_by_pool(pools: &mut [Pool], queues: &mut [Queue], fired: &mut Fired) {
    for pool in pools.iter_mut() {
        let Some(free) = pool.physical.get(&QuantityKind::Remaining).cloned() else {
            continue;
        };
        let mut mixed = false;
        for q in queues
            .iter_mut()
            .filter(|q| q.pool_id == pool.id && q.cloud_region == pool.cloud_region)
        {
            if let Some(rem) = q.quantities.get_mut(&QuantityKind::Remaining) {
                mixed |= bound(rem, &free, fired);
            }
        }
        if let Some(rem) = pool.quantities.get_mut(&QuantityKind::Remaining) {
            mixed |= bound(rem, &free, fired);
        }
        if mixed {
            fired.fire(Rule::RemainingNotBoundedMixedAccelerators);
        }
    }
}

/// Bounds `rem` by `free`, resource by resource; true when a card figure was
/// left unbounded because the hardware counts cards under other names.
fn bound(rem: &mut Resources, free: &Resources, fired: &mut Fired) -> bool {
    let mut lower = |v: &mut f64, limit: f64| {
        if *v > limit {
            *v = limit;
            fired.fire(Rule::RemainingBoundedByPoolIdle);
        }
    };
    if let (Some(v), Some(limit)) = (rem.cpu_cores.as_mut(), free.cpu_cores) {
        lower(v, limit);
    }
    if let (Some(v), Some(limit)) = (rem.memory_bytes.as_mut(), free.memory_bytes) {
        lower(v, limit);
    }
    let mut unbounded = false;
    for (name, v) in rem.accelerators.iter_mut() {
        match free.accelerators.get(name) {
            Some(&limit) => lower(v, limit),
            None => unbounded |= !free.accelerators.is_empty(),
        }
    }
    unbounded
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const GPU: &str = "baidu.com/a800_80g_cgpu";

    fn res(cpu: Option<f64>, cards: &[(&str, f64)]) -> Resources {
        Resources {
            cpu_cores: cpu,
            memory_bytes: None,
            accelerators: cards.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        }
    }

    fn queue(id: &str, free: Resources) -> Queue {
        Queue {
            pool_id: "p".into(),
            id: id.into(),
            quantities: BTreeMap::from([(QuantityKind::Remaining, free)]),
            ..Queue::default()
        }
    }

    fn pool(free: Resources, hardware_free: Resources) -> Pool {
        Pool {
            id: "p".into(),
            quantities: BTreeMap::from([(QuantityKind::Remaining, free)]),
            physical: BTreeMap::from([(QuantityKind::Remaining, hardware_free)]),
            ..Pool::default()
        }
    }

    fn free(q: &Queue, name: &str) -> f64 {
        q.quantities[&QuantityKind::Remaining].accelerators[name]
    }

    /// The case: 8 cards, 7 of them allocated pool-wide → 1 free. A
    /// root with quota 8 and 6 allocated reads 2 free by quota, 1 in fact; a
    /// child with quota 4 and 3.5 allocated keeps its 0.5.
    #[test]
    fn a_quota_above_the_idle_cards_is_lowered_to_them() {
        let mut pools = vec![pool(res(None, &[(GPU, 2.0)]), res(None, &[(GPU, 1.0)]))];
        let mut queues = vec![
            queue("root", res(Some(95.5), &[(GPU, 2.0)])),
            queue("team-a", res(Some(32.0), &[(GPU, 0.5)])),
            queue("other-pool", res(None, &[(GPU, 8.0)])),
        ];
        queues[2].pool_id = "q".into();
        let mut fired = Fired::default();
        bound_by_pool(&mut pools, &mut queues, &mut fired);
        assert_eq!(free(&queues[0], GPU), 1.0);
        assert_eq!(free(&queues[1], GPU), 0.5);
        assert_eq!(free(&queues[2], GPU), 8.0, "another pool's queue");
        // No hardware CPU figure: CPU stays as the quota says.
        assert_eq!(
            queues[0].quantities[&QuantityKind::Remaining].cpu_cores,
            Some(95.5)
        );
        assert_eq!(
            pools[0].quantities[&QuantityKind::Remaining].accelerators[GPU],
            1.0
        );
        // Root and pool were lowered; team-a was not.
        assert_eq!(fired.count(Rule::RemainingBoundedByPoolIdle), 2);
        assert_eq!(fired.count(Rule::RemainingNotBoundedMixedAccelerators), 0);
    }

    #[test]
    fn cpu_and_memory_are_bounded_too() {
        let mut hw = res(Some(10.0), &[]);
        hw.memory_bytes = Some(100.0);
        let mut quota = res(Some(20.0), &[]);
        quota.memory_bytes = Some(50.0);
        let mut pools = vec![pool(quota.clone(), hw)];
        let mut queues = vec![queue("a", quota)];
        let mut fired = Fired::default();
        bound_by_pool(&mut pools, &mut queues, &mut fired);
        let r = &queues[0].quantities[&QuantityKind::Remaining];
        assert_eq!((r.cpu_cores, r.memory_bytes), (Some(10.0), Some(50.0)));
        assert_eq!(fired.count(Rule::RemainingBoundedByPoolIdle), 2);
    }

    /// Hardware counted under names the quotas do not use (several types
    /// together): cards stay as the quotas say, counted once per pool.
    #[test]
    fn cards_of_other_names_are_not_bounded_and_counted() {
        let mut pools = vec![pool(
            res(None, &[(GPU, 8.0), ("b", 4.0)]),
            res(None, &[("all", 1.0)]),
        )];
        let mut queues = vec![
            queue("a", res(None, &[(GPU, 8.0)])),
            queue("b", res(None, &[("b", 4.0)])),
        ];
        let mut fired = Fired::default();
        bound_by_pool(&mut pools, &mut queues, &mut fired);
        assert_eq!(free(&queues[0], GPU), 8.0);
        assert_eq!(free(&queues[1], "b"), 4.0);
        assert_eq!(fired.count(Rule::RemainingNotBoundedMixedAccelerators), 1);
        assert_eq!(fired.count(Rule::RemainingBoundedByPoolIdle), 0);
    }

    /// Per-type hardware figures bound each type by its own free cards.
    #[test]
    fn per_type_figures_bound_each_type() {
        let mut pools = vec![pool(
            res(None, &[(GPU, 8.0), ("b", 4.0)]),
            res(None, &[(GPU, 3.0), ("b", 5.0)]),
        )];
        let mut queues = vec![queue("a", res(None, &[(GPU, 8.0), ("b", 4.0)]))];
        let mut fired = Fired::default();
        bound_by_pool(&mut pools, &mut queues, &mut fired);
        assert_eq!(free(&queues[0], GPU), 3.0);
        assert_eq!(free(&queues[0], "b"), 4.0);
        assert_eq!(fired.count(Rule::RemainingNotBoundedMixedAccelerators), 0);
    }

    #[test]
    fn a_pool_without_hardware_figures_is_left_alone() {
        let mut p = pool(res(None, &[(GPU, 8.0)]), Resources::default());
        p.physical.clear();
        let mut pools = vec![p];
        let mut queues = vec![queue("a", res(None, &[(GPU, 8.0)]))];
        let mut fired = Fired::default();
        bound_by_pool(&mut pools, &mut queues, &mut fired);
        assert_eq!(free(&queues[0], GPU), 8.0);
        assert_eq!(fired, Fired::default());
    }
}
