//! Baidu Qianfan (千帆): the compute units (算力单元) bought for each model service —
//! replicas, payment timing, status, start and expiry (docs/providers.md §2).
//!
//! Services come from the config (`service_ids`) or are discovered each poll with
//! `DescribeServices` (custom services, once per protocol version 1 and 2) and
//! `DescribePresetServices`; each is then asked for its units with
//! `DescribeComputeUnits`. AK/SK with bce-auth-v1 (docs/providers/qianfan.md).

pub(crate) mod client;
pub(crate) mod config;
pub(crate) mod decode;
pub mod decoders;
pub(crate) mod dto;
pub(crate) mod map;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use crate::model::{Service, Snapshot};
use crate::providers::upstream::{PollCtx, PollError};
use crate::quantity::Fired;

pub use self::config::{parse_config, Config, DEFAULT_ENDPOINT, DEFAULT_REGION, PAYMENT_TIMINGS};
pub use self::decode::{decode, Body};
use super::registry::{Decoder, Platform};
use super::upstream::concurrent;
use super::upstream::decode::DecodeLog;
use super::upstream::response::ErrorSpec;
use super::{BoxFuture, FailedUnit, PollOutput, Provider, Unit};
use crate::fields::{CommonKeys, Fields};
use client::Client;

pub struct Qianfan {
    cfg: Config,
    /// What each DescribeServices pass (protocol version 1, 2) listed when it
    /// last succeeded: a pass that fails stands on it.
    last_listed: Mutex<[Option<Vec<Service>>; 2]>,
}

impl Qianfan {
    pub fn new(cfg: Config) -> Self {
        Qianfan {
            cfg,
            last_listed: Mutex::new([None, None]),
        }
    }
}

impl Platform for Qianfan {
    const NAME: &'static str = "qianfan";
    type Config = Config;
    const ERRORS: ErrorSpec = ErrorSpec::codes(
        aipool_signing::bce::AUTH_ERROR_CODES,
        &[aipool_signing::bce::REQUEST_EXPIRED],
    );
    const DECODERS: &'static [Decoder] = decoders::DECODERS;

    fn parse_config(f: &mut Fields<'_>, common: &mut CommonKeys) -> Option<Config> {
        parse_config(f, common)
    }

    fn build(config: &Config) -> Arc<dyn Provider> {
        Arc::new(Qianfan::new(config.clone()))
    }

    /// Qianfan also answers failures with HTTP 200: what the client makes
    /// of the body as a 2xx answer, too.
    fn error_body(bytes: &[u8]) -> Vec<(String, String)> {
        let mut read = Self::ERRORS.describe(bytes);
        read.push((
            "body_error".into(),
            format!("{:?}", client::body_error(bytes)),
        ));
        read
    }
}

impl Provider for Qianfan {
    fn poll<'a>(&'a self, ctx: &'a PollCtx) -> BoxFuture<'a, Result<PollOutput, PollError>> {
        Box::pin(async move {
            let client = Client {
                cfg: &self.cfg,
                ctx,
            };
            let mut decode = DecodeLog::default();
            // Discovery is the account's own list: its failure fails the poll;
            // one protocol version's pass failing is a partial error.
            let (discovered, partial) = match &self.cfg.service_ids {
                Some(_) => (None, Vec::new()),
                None => {
                    // Polls of one account never overlap; the lock is not held
                    // across the calls. A poisoned lock only means a poll
                    // panicked mid-update: its lists are still lists.
                    let mut last = self
                        .last_listed
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .clone();
                    let found = client.discover(&mut last, &mut decode).await;
                    *self.last_listed.lock().unwrap_or_else(|e| e.into_inner()) = last;
                    let found = found?;
                    (Some(found.services), found.partial)
                }
            };
            let service_ids: Vec<String> = match (&self.cfg.service_ids, &discovered) {
                (Some(ids), _) => ids.clone(),
                (None, Some(services)) => services.iter().map(|s| s.id.clone()).collect(),
                (None, None) => Vec::new(),
            };
            let timing = self.cfg.payment_timing.as_deref();
            // Each service's compute units are its own unit: a call that fails
            // after its retries leaves that service out (reported in `failed`),
            // the others are published. Fetched concurrently within the
            // account's limits, mapped in service order.
            let mut compute_units = Vec::new();
            let mut failed = Vec::new();
            let mut ids = service_ids.iter();
            let client = &client;
            concurrent::for_each_ordered_settled(
                service_ids.iter().cloned(),
                ctx.limits.fetch_window(),
                |service_id: String| async move { client.compute_units(&service_id).await },
                |result| {
                    // The sink gets the results in the items' order.
                    let Some(service_id) = ids.next() else {
                        return Ok(());
                    };
                    match result {
                        Ok(items) => compute_units.extend(map::map_instances(
                            service_id,
                            items,
                            timing,
                            &mut decode,
                        )),
                        Err(error) => failed.push(FailedUnit {
                            unit: Unit::Service {
                                service_id: service_id.clone(),
                            },
                            error,
                        }),
                    }
                    Ok::<(), PollError>(())
                },
            )
            .await?;
            // Configured services are all the account has: when not one of them
            // answers, nothing of the account was read (wrong credentials, an
            // unreachable endpoint) and the poll fails as a whole.
            if self.cfg.service_ids.is_some()
                && !service_ids.is_empty()
                && failed.len() == service_ids.len()
            {
                return Err(failed.swap_remove(0).error);
            }
            let failed_ids: HashSet<&str> = failed
                .iter()
                .filter_map(|f| match &f.unit {
                    Unit::Service { service_id } => Some(service_id.as_str()),
                    _ => None,
                })
                .collect();
            let snapshot = Snapshot {
                // A failed service is left out with its compute units.
                services: discovered
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|s| !failed_ids.contains(s.id.as_str()))
                    .collect(),
                compute_units,
                ..Snapshot::default()
            };
            Ok(PollOutput {
                snapshot,
                fired: Fired::default(),
                partial,
                decode,
                failed,
            })
        })
    }
}

#[cfg(test)]
mod sim_tests;
#[cfg(test)]
mod tests;
