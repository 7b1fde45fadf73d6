//! One poll's lists assembled into the published snapshot: the pools and
//! their queues as they come ([`Collected`]), bounded by the hardware overview
//! and finished with the snapshot's derivations.

use std::collections::BTreeSet;

use super::super::{dto, map, overview, Api};
use super::{Mapping, PoolNames, Unread};
use crate::model::{Pool, Queue, Resources, Snapshot};
use crate::providers::upstream::decode::Lenient;
use crate::providers::upstream::{concurrent, paging, PollError};
use crate::providers::{FailedUnit, PollOutput, Unit};
use crate::quantity::derive::{self, RemainingFrom};
use crate::quantity::{Fired, Rule};
use dto::{PoolDto, QueueDto, ServerlessPoolDto, ServerlessQueueDto};

/// Where free comes from when a response has no `remaining` for a resource: the
/// console (common and serverless) sends `workloadAvailable` wherever free is
/// known; the OpenAPI's documented answers have neither, so it falls back to
/// capability − allocated, an upper bound.
pub(crate) fn remaining_from(api: Api) -> RemainingFrom {
    match api {
        Api::Console => RemainingFrom::WorkloadAvailable,
        Api::OpenApi => RemainingFrom::WorkloadAvailableOrCapability,
    }
}

/// Accumulates one poll's mapped objects. A field or object that does not
/// decode is left out and recorded ([`map::Mapping::log`]); a pool whose own
/// queue list fails after its retries is left out whole and reported in
/// [`PollOutput::failed`].
pub(crate) struct Collected {
    remaining_from: RemainingFrom,
    snapshot: Snapshot,
    mapping: Mapping,
    failed: Vec<FailedUnit>,
    partial: Vec<PollError>,
    /// Every pool the pool lists named (their queues fetched or not), with
    /// the types polled: what the hardware overview is checked against.
    listed: BTreeSet<String>,
    polled_types: BTreeSet<String>,
    /// The hardware overview (OpenAPI), when it came.
    hardware: Option<overview::Overview>,
}

impl Collected {
    pub(crate) fn new(api: Api) -> Self {
        Collected {
            remaining_from: remaining_from(api),
            snapshot: Snapshot::default(),
            mapping: Mapping::default(),
            failed: Vec::new(),
            partial: Vec::new(),
            listed: BTreeSet::new(),
            polled_types: BTreeSet::new(),
            hardware: None,
        }
    }

    /// The pools of a pool list that decoded, each to be fetched as a unit.
    pub(crate) fn pools(
        &mut self,
        items: Vec<Lenient<PoolDto>>,
        pool_type: &str,
        api: &str,
    ) -> Vec<Pool> {
        let pools = map::map_pools(items, pool_type, api, &mut self.mapping.log);
        self.polled_types.insert(pool_type.to_string());
        self.listed.extend(pools.iter().map(|p| p.id.clone()));
        pools
    }

    /// The hardware overview's answer: its pools, or the failure, which is a
    /// partial error (the quotas' figures stay, unbounded).
    pub(crate) fn set_overview(&mut self, answer: Result<dto::OverviewDto, PollError>) {
        match answer {
            Ok(dto) => {
                let hw = overview::map_overview(dto, &mut self.mapping.log);
                self.hardware = Some(hw);
            }
            Err(e) => self.partial.push(PollError {
                message: format!(
                    "{}; free figures are the quotas' alone (not bounded by the pools' hardware)",
                    e.message
                ),
                ..e
            }),
        }
    }

    /// A common or dedicated pool, and its queues if their list came; else
    /// the failure, and nothing of the pool.
    pub(crate) fn add_pool(&mut self, pool: Pool, queues: Result<Listed, PollError>, api: &str) {
        match queues {
            Ok(Listed { queues, differing }) => {
                for _ in 0..differing {
                    self.mapping.fired.fire(Rule::QueueRepeatedKeptFirst);
                }
                let mut mapped = Vec::new();
                map::map_queues(queues, &pool.id, api, &mut self.mapping, &mut mapped);
                self.snapshot.pools.push(pool);
                self.snapshot.queues.extend(mapped);
            }
            Err(error) => self.failed.push(FailedUnit {
                unit: Unit::Pool {
                    cloud_region: None,
                    pool_id: pool.id,
                },
                error,
            }),
        }
    }

    /// Each of `pools` with the queue list `fetch` gets for it, `window`
    /// fetches at a time, added in pool order ([`add_pool`](Self::add_pool)):
    /// a pool whose list fails is a failed unit, never the poll's failure.
    pub(crate) async fn add_pools_fetched<F, Fut>(
        &mut self,
        pools: Vec<Pool>,
        window: usize,
        api: &str,
        mut fetch: F,
    ) -> Result<(), PollError>
    where
        F: FnMut(&Pool) -> Fut,
        Fut: std::future::Future<Output = Result<Listed, PollError>>,
    {
        concurrent::for_each_ordered(
            pools,
            window,
            |pool| {
                let queues = fetch(&pool);
                async move { Ok::<_, PollError>((pool, queues.await)) }
            },
            |(pool, queues)| {
                self.add_pool(pool, queues, api);
                Ok(())
            },
        )
        .await
    }

    pub(crate) fn add_serverless_pools(
        &mut self,
        pools: Vec<Lenient<ServerlessPoolDto>>,
        api: &str,
    ) {
        let pools = map::map_serverless_pools(pools, api, &mut self.mapping.log);
        self.snapshot.pools.extend(pools);
    }

    pub(crate) fn add_serverless_queues(
        &mut self,
        queues: Vec<Lenient<ServerlessQueueDto>>,
        api: &str,
    ) {
        let mut mapped = Vec::new();
        map::map_serverless_queues(queues, api, &mut self.mapping, &mut mapped);
        self.snapshot.queues.extend(mapped);
    }

    /// The snapshot as published: pools only queues name are added, then the
    /// tree by id, free per queue and pool totals ([`finish_snapshot`]), so
    /// the poll's output is final.
    pub(crate) fn finish(mut self) -> PollOutput {
        let m = &mut self.mapping;
        finish_snapshot(
            &mut self.snapshot,
            &m.pool_names,
            self.remaining_from,
            &mut m.fired,
            &m.unread,
        );
        if let Some(hw) = &self.hardware {
            let polled = Polled {
                listed: &self.listed,
                types: &self.polled_types,
            };
            bound_by_hardware(&mut self.snapshot, hw, &polled, &m.models, &mut m.fired);
        }
        self.snapshot.accelerators = std::mem::take(&mut m.models);
        PollOutput {
            snapshot: self.snapshot,
            fired: std::mem::take(&mut m.fired),
            partial: self.partial,
            decode: std::mem::take(&mut m.log),
            failed: self.failed,
        }
    }
}

/// A pool's queue list as paged: each queue's first listing, and how many
/// later listings of a queue said something else (the first is kept).
pub(crate) struct Listed {
    pub queues: Vec<Lenient<QueueDto>>,
    pub differing: u64,
}

impl Listed {
    /// A list fetched in one piece (nothing can repeat).
    pub fn whole(queues: Vec<Lenient<QueueDto>>) -> Self {
        Listed {
            queues,
            differing: 0,
        }
    }

    /// A paged list: repeats dropped, those that differ from their first
    /// listing counted.
    pub fn paged(d: paging::Distinct<Lenient<QueueDto>>) -> Self {
        let differing = d
            .repeats
            .iter()
            .filter(|(first, rep)| match first {
                Some(i) => d.items.get(*i).is_some_and(|f| !dto::same_listing(f, rep)),
                // A queue first seen nested in another's tree: compared with
                // nothing, it is the same queue listed twice.
                None => false,
            })
            .count() as u64;
        Listed {
            queues: d.items,
            differing,
        }
    }
}

/// The pools a poll asked the hardware overview about.
pub(crate) struct Polled<'a> {
    pub listed: &'a BTreeSet<String>,
    pub types: &'a BTreeSet<String>,
}

/// Puts each pool's hardware figures on it and bounds the free figures by
/// them ([`derive::physical::bound_by_pool`]). A listed pool the overview
/// does not have stays unbounded ([`Rule::PoolMissingFromOverview`]); an
/// overview pool of a polled type that no pool list named is ignored
/// ([`Rule::OverviewPoolNotPolled`]).
pub(crate) fn bound_by_hardware(
    snapshot: &mut Snapshot,
    hw: &overview::Overview,
    polled: &Polled<'_>,
    models: &map::Models,
    fired: &mut Fired,
) {
    for (id, h) in hw {
        let typed_as_polled = h.pool_type.is_empty() || polled.types.contains(&h.pool_type);
        if typed_as_polled && !polled.listed.contains(id) {
            fired.fire(Rule::OverviewPoolNotPolled);
        }
    }
    for pool in snapshot
        .pools
        .iter_mut()
        .filter(|p| polled.listed.contains(&p.id))
    {
        let Some(h) = hw.get(&pool.id) else {
            fired.fire(Rule::PoolMissingFromOverview);
            continue;
        };
        let names: BTreeSet<String> = snapshot
            .queues
            .iter()
            .filter(|q| q.pool_id == pool.id)
            .flat_map(|q| q.quantities.values())
            .flat_map(|r| r.accelerators.keys().cloned())
            .collect();
        pool.physical = overview::physical(h, &names, models, fired);
    }
    derive::physical::bound_by_pool(&mut snapshot.pools, &mut snapshot.queues, fired);
}

/// What AIHC adds to the provider-neutral derivations: a serverless queue's pool
/// that the serverless pool list does not have ([`Rule::PoolNamedByQueue`]) is
/// created from the queue's `resourcePoolIds[0]` / `resourcePoolNames[0]`, so its
/// totals have a pool to be on. Then [`derive::finish_snapshot`]; where a
/// figure did not decode (`unread`), the free and total figures it would have
/// fed are left out rather than derived from the rest
/// ([`map::forget_unread_remaining`], [`map::forget_unread_totals`]).
pub(crate) fn finish_snapshot(
    snapshot: &mut Snapshot,
    pool_names: &PoolNames,
    from: RemainingFrom,
    fired: &mut Fired,
    unread: &Unread,
) {
    for (id, name) in pool_names {
        if snapshot.pools.iter().any(|p| &p.id == id) {
            continue;
        }
        fired.fire(Rule::PoolNamedByQueue);
        snapshot.pools.push(Pool {
            id: id.clone(),
            name: name.clone(),
            pool_type: "serverless".to_string(),
            ..Pool::default()
        });
    }
    if unread.is_empty() {
        derive::finish_snapshot(snapshot, from, fired);
    } else {
        // Figures derived from a field that did not decode are taken back.
        derive::finish_snapshot_with(snapshot, from, fired, Some(&mut ForgetUnread(unread)));
    }
}

/// Takes back what was derived from unread figures (see [`map`]).
struct ForgetUnread<'a>(&'a Unread);

impl derive::Adjust for ForgetUnread<'_> {
    fn after_remaining(&mut self, q: &mut Queue, reported: Option<&Resources>) {
        map::forget_unread_remaining(q, reported, self.0);
    }

    fn after_totals(&mut self, pool: &mut Pool, top: &[&Queue]) {
        map::forget_unread_totals(pool, top, self.0);
    }
}
