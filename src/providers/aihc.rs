//! Baidu AIHC (百舸): resource pools and their queues, through either the console
//! API (`api = "console"`, browser-session cookie) or the OpenAPI
//! (`api = "openapi"`, AK/SK with bce-auth-v1). docs/providers.md §1.

pub(crate) mod client;
pub(crate) mod config;
pub mod decoders;
pub(crate) mod dto;
pub(crate) mod map;
pub(crate) mod overview;
#[cfg(test)]
pub(crate) mod seed;

use std::sync::Arc;

use std::collections::BTreeSet;

use crate::model::{Pool, Queue, Resources, Snapshot};
use crate::providers::upstream::{PollCtx, PollError};
use crate::quantity::derive::{self, RemainingFrom};
use crate::quantity::{Fired, Rule};

pub use self::config::{
    parse_config, Api, Auth, Config, CONSOLE_ENDPOINT, CONSOLE_POOL_TYPES, KNOWN_REGIONS,
    OPENAPI_POOL_TYPES,
};
use super::registry::{Decoder, Platform};
use super::upstream::decode::{json, BodyError, Decoded, Lenient};
use super::upstream::response::{upstream_message, ErrorSpec};
use super::upstream::{concurrent, paging, Reason};
use super::{BoxFuture, FailedUnit, PollOutput, Provider, Unit};
use crate::fields::{CommonKeys, Fields};
use dto::{PoolDto, QueueDto, ServerlessPoolDto, ServerlessQueueDto};
use map::{Mapping, PoolNames, Unread};

/// The bodies an AIHC poll decodes, by the list they answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    OpenApiPools,
    OpenApiQueues,
    ConsolePools,
    ConsoleQueues,
    ServerlessPools,
    ServerlessQueues,
    /// `DescribeResourcePoolOverview`: each pool it lists with its hardware
    /// figures ([`Pool::physical`], cards labelled as for a pool without
    /// quota names).
    OpenApiOverview,
}

/// What a poll does with one body of `body`'s list, on bytes alone: JSON, the
/// console envelope, the DTO, the mapping (queues go on pool `cce-1`), and
/// then the snapshot's derivations on a copy of what mapped. `snapshot` holds
/// what mapped before the derivations (what the property tests compare).
pub fn decode(body: Body, bytes: &[u8]) -> Result<Decoded, BodyError> {
    let mut m = Mapping::default();
    let mut s = Snapshot::default();
    const API: &str = "decode";
    match body {
        Body::OpenApiPools => {
            let page: dto::PoolPage = json(bytes)?;
            s.pools = map::map_pools(page.resource_pools, "common", API, &mut m.log);
        }
        Body::ConsolePools => {
            let page: dto::PoolPage = console(bytes)?;
            s.pools = map::map_pools(page.resource_pools, "common", API, &mut m.log);
        }
        Body::ServerlessPools => {
            let page: dto::ItemsPage<ServerlessPoolDto> = console(bytes)?;
            s.pools = map::map_serverless_pools(page.items, API, &mut m.log);
        }
        Body::OpenApiQueues | Body::ConsoleQueues => {
            let list = if body == Body::OpenApiQueues {
                json::<dto::QueuePage>(bytes)?.queues
            } else {
                console::<dto::ConsoleQueueList>(bytes)?.queue_list
            };
            s.pools = vec![Pool {
                id: "cce-1".into(),
                ..Default::default()
            }];
            map::map_queues(list, "cce-1", API, &mut m, &mut s.queues);
        }
        Body::ServerlessQueues => {
            let page: dto::ItemsPage<ServerlessQueueDto> = console(bytes)?;
            map::map_serverless_queues(page.items, API, &mut m, &mut s.queues);
        }
        Body::OpenApiOverview => {
            let dto: dto::OverviewDto = json(bytes)?;
            let hw = overview::map_overview(dto, &mut m.log);
            let none = BTreeSet::new();
            s.pools = hw
                .iter()
                .map(|(id, h)| Pool {
                    id: id.clone(),
                    pool_type: h.pool_type.clone(),
                    physical: overview::physical(h, &none, &m.models, &mut m.fired),
                    ..Pool::default()
                })
                .collect();
        }
    }
    let api = match body {
        Body::OpenApiPools | Body::OpenApiQueues | Body::OpenApiOverview => Api::OpenApi,
        _ => Api::Console,
    };
    let mut finished = s.clone();
    finish_snapshot(
        &mut finished,
        &m.pool_names,
        remaining_from(api),
        &mut m.fired,
        &m.unread,
    );
    Ok(Decoded {
        snapshot: s,
        log: m.log,
        objects: Vec::new(),
    })
}

/// An OpenAPI listing parsed into its DTOs and not yet mapped: the two halves
/// of [`decode`] apart, for the benches that time them apart.
pub struct OpenApiPages {
    pools: dto::PoolPage,
    queues: Vec<dto::QueuePage>,
}

impl OpenApiPages {
    /// Parses a DescribeResourcePools page and each pool's DescribeQueues page
    /// (in the pools' order).
    pub fn parse(pools: &[u8], queues: &[Vec<u8>]) -> Result<Self, BodyError> {
        Ok(OpenApiPages {
            pools: json(pools)?,
            queues: queues.iter().map(|b| json(b)).collect::<Result<_, _>>()?,
        })
    }

    /// Maps the pages as a poll does (each pool with the queue page of the
    /// same position) and runs the snapshot's derivations: the published
    /// snapshot, sorted, and what was left out.
    pub fn normalise(&self) -> Decoded {
        const API: &str = "decode";
        let mut s = Snapshot::default();
        let mut m = Mapping::default();
        let pools = self.pools.resource_pools.iter().enumerate();
        for ((i, pool), page) in pools.zip(&self.queues) {
            let Lenient::Ok(pool) = pool else { continue };
            let Some(p) = map::map_pool(pool, "common", API, &mut m.log, i) else {
                continue;
            };
            for (j, q) in page.queues.iter().enumerate() {
                if let Lenient::Ok(q) = q {
                    map::map_queue_tree(q, j, &p.id, API, &mut m, &mut s.queues);
                }
            }
            s.pools.push(p);
        }
        finish_snapshot(
            &mut s,
            &m.pool_names,
            remaining_from(Api::OpenApi),
            &mut m.fired,
            &m.unread,
        );
        s.accelerators = m.models;
        s.sort();
        Decoded {
            snapshot: s,
            log: m.log,
            objects: Vec::new(),
        }
    }
}

/// The console envelope, then the typed payload, as the console client reads them.
fn console<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, BodyError> {
    let inner = client::console::envelope(bytes).map_err(|(reason, message)| match reason {
        Reason::Decode => BodyError::Json(message),
        _ => BodyError::Refused(message),
    })?;
    serde_json::from_value(inner).map_err(BodyError::json)
}

pub struct Aihc {
    cfg: Config,
}

impl Aihc {
    pub fn new(cfg: Config) -> Self {
        Aihc { cfg }
    }
}

impl Platform for Aihc {
    const NAME: &'static str = "aihc";
    type Config = Config;
    const ERRORS: ErrorSpec = ErrorSpec {
        auth_codes: aipool_signing::bce::AUTH_ERROR_CODES,
        resign_codes: &[aipool_signing::bce::REQUEST_EXPIRED],
        read: upstream_message,
    };
    const DECODERS: &'static [Decoder] = decoders::DECODERS;

    fn parse_config(f: &mut Fields<'_>, common: &mut CommonKeys) -> Option<Config> {
        parse_config(f, common)
    }

    fn build(config: &Config) -> Arc<dyn Provider> {
        Arc::new(Aihc::new(config.clone()))
    }
}

impl Provider for Aihc {
    fn poll<'a>(&'a self, ctx: &'a PollCtx) -> BoxFuture<'a, Result<PollOutput, PollError>> {
        Box::pin(async move {
            let mut out = Collected::new(self.cfg.api);
            client::poll(&self.cfg, ctx, &mut out).await?;
            Ok(out.finish())
        })
    }
}

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
    fn new(api: Api) -> Self {
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
    fn pools(&mut self, items: Vec<Lenient<PoolDto>>, pool_type: &str, api: &str) -> Vec<Pool> {
        let pools = map::map_pools(items, pool_type, api, &mut self.mapping.log);
        self.polled_types.insert(pool_type.to_string());
        self.listed.extend(pools.iter().map(|p| p.id.clone()));
        pools
    }

    /// The hardware overview's answer: its pools, or the failure, which is a
    /// partial error (the quotas' figures stay, unbounded).
    fn set_overview(&mut self, answer: Result<dto::OverviewDto, PollError>) {
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
    fn add_pool(&mut self, pool: Pool, queues: Result<Listed, PollError>, api: &str) {
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
    async fn add_pools_fetched<F, Fut>(
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

    fn add_serverless_pools(&mut self, pools: Vec<Lenient<ServerlessPoolDto>>, api: &str) {
        let pools = map::map_serverless_pools(pools, api, &mut self.mapping.log);
        self.snapshot.pools.extend(pools);
    }

    fn add_serverless_queues(&mut self, queues: Vec<Lenient<ServerlessQueueDto>>, api: &str) {
        let mut mapped = Vec::new();
        map::map_serverless_queues(queues, api, &mut self.mapping, &mut mapped);
        self.snapshot.queues.extend(mapped);
    }

    /// The snapshot as published: pools only queues name are added, then the
    /// tree by id, free per queue and pool totals ([`finish_snapshot`]), so
    /// the poll's output is final.
    fn finish(mut self) -> PollOutput {
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

#[cfg(test)]
mod paging_tests;
#[cfg(test)]
mod tests;
