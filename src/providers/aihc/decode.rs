//! What a poll does with one AIHC body, on bytes alone (the decoders, the
//! benches): JSON, the console envelope, the DTO and the mapping.

use std::collections::BTreeSet;

use super::map::{self, Mapping};
use super::{client, dto, finish_snapshot, overview, remaining_from, Api};
use crate::model::{Pool, Snapshot};
use crate::providers::upstream::decode::{json, BodyError, Decoded, Lenient};
use crate::providers::upstream::Reason;
use dto::{ServerlessPoolDto, ServerlessQueueDto};

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
