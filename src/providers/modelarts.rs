//! Huawei Cloud ModelArts: dedicated resource pools, their nodes, and how much of
//! each node's CPU, memory and accelerators is still free (docs/providers.md §3).
//!
//! ListPools answers for one workspace at a time (the default one without
//! `workspaceId`, seed 001), so a poll lists the project's workspaces and then
//! the pools of each — or only those of `workspace_ids`.
//!
//! Authentication is either AK/SK (`SDK-HMAC-SHA256`, [`aipool_signing::huawei`]) or
//! an IAM token obtained with a password (`iam.rs`), cached between polls.

pub(crate) mod client;
pub(crate) mod config;
pub(crate) mod decode;
pub mod decoders;
pub(crate) mod dto;
pub(crate) mod iam;
pub(crate) mod map;
pub mod regions;
pub(crate) mod slots;

use std::sync::Arc;

use crate::model::Snapshot;
use crate::providers::upstream::{PollCtx, PollError, Reason};
use crate::quantity::Fired;

pub use self::config::{parse_config, Auth, Config, PasswordAuth};
pub use self::decode::{decode, Body};
use super::registry::{Decoder, Platform};
use super::upstream::concurrent;
use super::upstream::decode::DecodeLog;
use super::upstream::response::ErrorSpec;
use super::{BoxFuture, FailedUnit, PollOutput, Provider, Unit};
use crate::fields::{CommonKeys, Fields};
use client::Client;
use iam::TokenCache;
use map::Workspace;

pub struct ModelArts {
    cfg: Config,
    /// The IAM token, kept between polls (password auth only).
    tokens: TokenCache,
}

impl ModelArts {
    pub fn new(cfg: Config) -> Self {
        ModelArts {
            cfg,
            tokens: TokenCache::default(),
        }
    }
}

impl Platform for ModelArts {
    const NAME: &'static str = "modelarts";
    type Config = Config;
    /// The API gateway's codes for refused credentials or signatures
    /// (`APIGW.0301`: incorrect IAM authentication information) and
    /// ModelArts' own.
    const ERRORS: ErrorSpec = ErrorSpec::codes(
        &["APIGW.0301", "APIGW.0101", "APIGW.0303", "ModelArts.0103"],
        &[],
    );
    const DECODERS: &'static [Decoder] = decoders::DECODERS;

    fn parse_config(f: &mut Fields<'_>, common: &mut CommonKeys) -> Option<Config> {
        parse_config(f, common)
    }

    fn build(config: &Config) -> Arc<dyn Provider> {
        Arc::new(ModelArts::new(config.clone()))
    }
}

impl Provider for ModelArts {
    fn poll<'a>(&'a self, ctx: &'a PollCtx) -> BoxFuture<'a, Result<PollOutput, PollError>> {
        Box::pin(async move {
            let client = Client::new(&self.cfg, ctx, &self.tokens);
            let mut partial = Vec::new();
            let mut decode = DecodeLog::default();
            let workspaces = match &self.cfg.workspace_ids {
                Some(ids) => ids
                    .iter()
                    .map(|id| Workspace {
                        id: id.clone(),
                        name: String::new(),
                        status: String::new(),
                    })
                    .collect(),
                // The account's own list call. Refused credentials fail the
                // poll; any other failure (5xx, timeout, an unreadable answer)
                // leaves the default workspace, which ListPools answers for
                // without the list, so that workspace's data keeps flowing and
                // the others are a counted partial error, not a dark account.
                None => match client.list_workspaces(&mut decode).await {
                    Ok(listed) => {
                        partial.extend(listed.problems);
                        listed.workspaces
                    }
                    Err(e) if e.reason == Reason::Auth => return Err(e),
                    Err(e) => {
                        partial.push(PollError {
                            message: format!(
                                "{}; polling only the default workspace until the list answers",
                                e.message
                            ),
                            ..e
                        });
                        vec![Workspace {
                            id: "0".to_string(),
                            name: String::new(),
                            status: String::new(),
                        }]
                    }
                },
            };

            let mut pools = Vec::new();
            let mut readable = 0usize;
            let mut refused: Option<PollError> = None;
            for ws in workspaces.iter().filter(|w| w.pollable()) {
                let listed = match client.list_pools(Some(&ws.id)).await {
                    Ok(listed) => listed,
                    // Credentials that may not read this workspace: its pools
                    // are missing, the others are not.
                    Err(e) if e.reason == Reason::Auth => {
                        let e = PollError {
                            message: format!("workspace {}: {}", describe(ws), e.message),
                            ..e
                        };
                        refused.get_or_insert_with(|| e.clone());
                        partial.push(e);
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                readable += 1;
                for mut pool in map::map_pools(&listed, &mut decode) {
                    pool.workspace_id.get_or_insert_with(|| ws.id.clone());
                    pools.push(pool);
                }
            }
            // Not one workspace readable: the credentials are refused for the
            // whole account (an expired token, say), not for a workspace.
            if readable == 0 {
                if let Some(e) = refused {
                    return Err(e);
                }
            }

            let dropped = map::keep_first(&mut pools);
            if !dropped.is_empty() {
                tracing::info!(
                    project_id = %self.cfg.project_id,
                    pools = ?dropped,
                    "pools listed by more than one workspace; each is kept once, as first listed"
                );
            }
            for (pool, parent) in map::resolve_parents(&mut pools) {
                tracing::debug!(
                    pool = %pool,
                    parent = %parent,
                    "the parent pool is not among the polled pools; counted as a root"
                );
            }

            // Each pool's nodes, concurrently within the account's limits and
            // mapped in pool order. A pool whose node list fails after its
            // retries is a unit that failed alone: left out whole (no pool
            // entry with missing sums), reported in `failed`.
            let mut snapshot = Snapshot::default();
            let mut fired = Fired::default();
            let mut failed = Vec::new();
            let ids: Vec<String> = pools.iter().map(|p| p.id.clone()).collect();
            let mut ids = ids.into_iter();
            let client = &client;
            concurrent::for_each_ordered_settled(
                pools,
                ctx.limits.fetch_window(),
                // The pool id is `metadata.name`, which node URLs take.
                |pool| async move {
                    let nodes = client.list_nodes(&pool.id).await?;
                    Ok((pool, nodes))
                },
                |fetched: Result<_, PollError>| {
                    let pool_id = ids.next().unwrap_or_default();
                    match fetched {
                        Ok((mut pool, nodes)) => {
                            map::map_nodes(&mut pool, &nodes, &mut decode, &mut fired);
                            pool.free_blocks = slots::free_blocks(&nodes, &mut fired);
                            snapshot.pools.push(pool);
                        }
                        Err(e) => failed.push(FailedUnit {
                            unit: Unit::Pool {
                                cloud_region: None,
                                pool_id,
                            },
                            error: e,
                        }),
                    }
                    Ok(())
                },
            )
            .await?;
            Ok(PollOutput {
                snapshot,
                fired,
                partial,
                decode,
                failed,
            })
        })
    }
}

/// `"0"` or `1d7e… (team-b)`, for messages.
fn describe(ws: &Workspace) -> String {
    if ws.name.is_empty() {
        ws.id.clone()
    } else {
        format!("{} ({})", ws.id, ws.name)
    }
}

#[cfg(test)]
mod sim_tests;
#[cfg(test)]
mod tests;
