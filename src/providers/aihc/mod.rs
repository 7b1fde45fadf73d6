//! Baidu AIHC (百舸): resource pools and their queues, through either the console
//! API (`api = "console"`, browser-session cookie) or the OpenAPI
//! (`api = "openapi"`, AK/SK with bce-auth-v1). docs/providers.md §1.

pub mod client;
pub mod config;
pub mod dto;
pub mod map;
#[cfg(test)]
pub(crate) mod seed;

use crate::model::{Pool, Queue, Resources, Snapshot};
use crate::providers::upstream::{PollCtx, PollError};
use crate::quantity::derive::{self, RemainingFrom};
use crate::quantity::{Fired, Rule};

use super::upstream::decode::Lenient;
use super::{BoxFuture, FailedUnit, PollOutput, Provider, Unit};
pub use config::{
    parse_config, Api, Auth, Config, CONSOLE_ENDPOINT, CONSOLE_POOL_TYPES, KNOWN_REGIONS,
    OPENAPI_POOL_TYPES,
};
use dto::{PoolDto, QueueDto, ServerlessPoolDto, ServerlessQueueDto};
use map::{Mapping, PoolNames, Unread};

pub struct Aihc {
    cfg: Config,
}

impl Aihc {
    pub fn new(cfg: Config) -> Self {
        Aihc { cfg }
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
pub fn remaining_from(api: Api) -> RemainingFrom {
    match api {
        Api::Console => RemainingFrom::WorkloadAvailable,
        Api::OpenApi => RemainingFrom::WorkloadAvailableOrCapability,
    }
}

/// Accumulates one poll's mapped objects. A field or object that does not
/// decode is left out and recorded ([`map::Mapping::log`]); a pool whose own
/// queue list fails after its retries is left out whole and reported in
/// [`PollOutput::failed`].
pub struct Collected {
    remaining_from: RemainingFrom,
    snapshot: Snapshot,
    mapping: Mapping,
    failed: Vec<FailedUnit>,
}

impl Collected {
    fn new(api: Api) -> Self {
        Collected {
            remaining_from: remaining_from(api),
            snapshot: Snapshot::default(),
            mapping: Mapping::default(),
            failed: Vec::new(),
        }
    }

    /// The pools of a pool list that decoded, each to be fetched as a unit.
    fn pools(&mut self, items: Vec<Lenient<PoolDto>>, pool_type: &str, api: &str) -> Vec<Pool> {
        map::map_pools(items, pool_type, api, &mut self.mapping.log)
    }

    /// A common or dedicated pool, and its queues if their list came; else
    /// the failure, and nothing of the pool.
    fn add_pool(
        &mut self,
        pool: Pool,
        queues: Result<Vec<Lenient<QueueDto>>, PollError>,
        api: &str,
    ) {
        match queues {
            Ok(queues) => {
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
        self.snapshot.accelerators = std::mem::take(&mut m.models);
        PollOutput {
            snapshot: self.snapshot,
            fired: std::mem::take(&mut m.fired),
            partial: Vec::new(),
            decode: std::mem::take(&mut m.log),
            failed: self.failed,
        }
    }
}

/// What AIHC adds to the provider-neutral derivations: a serverless queue's pool
/// that the serverless pool list does not have ([`Rule::PoolNamedByQueue`]) is
/// created from the queue's `resourcePoolIds[0]` / `resourcePoolNames[0]`, so its
/// totals have a pool to be on. Then [`derive::finish_snapshot`]; where a
/// figure did not decode (`unread`), the free and total figures it would have
/// fed are left out rather than derived from the rest
/// ([`map::forget_unread_remaining`], [`map::forget_unread_totals`]).
pub fn finish_snapshot(
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
