//! Baidu Qianfan (千帆): the compute units (算力单元) bought for each model service —
//! replicas, payment timing, status, start and expiry (docs/providers.md §2).
//!
//! Services come from the config (`service_ids`) or are discovered each poll with
//! `DescribeServices` (custom services) and `DescribePresetServices`; each is then
//! asked for its units with `DescribeComputeUnits`. AK/SK with bce-auth-v1.

pub(crate) mod client;
pub(crate) mod config;
pub(crate) mod dto;
pub(crate) mod map;

use std::collections::HashSet;

use crate::model::Snapshot;
use crate::providers::upstream::{PollCtx, PollError};
use crate::quantity::Fired;

use super::upstream::concurrent;
use super::upstream::decode::{json, BodyError, DecodeLog, Decoded};
use super::{BoxFuture, FailedUnit, PollOutput, Provider, Unit};
use client::Client;
pub use config::{parse_config, Config, DEFAULT_ENDPOINT, DEFAULT_REGION, PAYMENT_TIMINGS};

/// The bodies a Qianfan poll decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body<'a> {
    /// A DescribeServices page.
    Services,
    /// DescribeComputeUnits of one service, asked for one payment timing.
    ComputeUnits {
        service_id: &'a str,
        payment_timing: Option<&'a str>,
    },
}

/// What a poll does with one body, on bytes alone: the error-body check, the
/// envelope, the DTO and the mapping into `snapshot.services` or
/// `snapshot.compute_units`.
pub fn decode(body: Body<'_>, bytes: &[u8]) -> Result<Decoded, BodyError> {
    if let Some((_, message)) = client::body_error(bytes) {
        return Err(BodyError::Refused(message));
    }
    let mut out = Decoded::default();
    match body {
        Body::Services => {
            let env: dto::Envelope<dto::ServicesResult> = json(bytes)?;
            if let Some(page) = env.result {
                let _ = page.next();
                let list = page.service_list.unwrap_or_default();
                out.snapshot.services = map::map_services(client::API_SERVICES, list, &mut out.log);
            }
        }
        Body::ComputeUnits {
            service_id,
            payment_timing,
        } => {
            let env: dto::Envelope<dto::ComputeUnitsResult> = json(bytes)?;
            let list = env.result.and_then(|r| r.instances).unwrap_or_default();
            out.snapshot.compute_units =
                map::map_instances(service_id, list, payment_timing, &mut out.log);
        }
    }
    Ok(out)
}

pub struct Qianfan {
    cfg: Config,
}

impl Qianfan {
    pub fn new(cfg: Config) -> Self {
        Qianfan { cfg }
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
            // Discovery is the account's own list: its failure fails the poll.
            let discovered = match &self.cfg.service_ids {
                Some(_) => None,
                None => Some(client.discover(&mut decode).await?),
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
                partial: Vec::new(),
                decode,
                failed,
            })
        })
    }
}

#[cfg(test)]
mod sim_tests;
#[cfg(test)]
mod tests {
    use crate::config::{ConfigErrors, Env, Settings};
    use crate::providers::testing;

    const ENV: [(&str, &str); 1] = [("QF_SK", "sk-from-env")];

    fn parse(keys: &str) -> Result<Settings, ConfigErrors> {
        testing::parse(
            &testing::account("qianfan", "qf", &format!("{keys}\n")),
            &ENV,
        )
    }

    fn errors(keys: &str) -> Vec<String> {
        let text = testing::account("qianfan", "qf", &format!("{keys}\n"));
        testing::errors(&text, &Env::from_pairs(ENV))
    }

    fn qianfan(s: &Settings) -> &super::Config {
        testing::provider_config(s, 0)
    }

    #[test]
    fn defaults_for_a_minimal_account() {
        let s = parse("access_key_id = \"AK\"\nsecret_access_key_env = \"QF_SK\"").unwrap();
        assert_eq!(s.accounts[0].region, "bj");
        let c = qianfan(&s);
        assert_eq!(c.endpoint.as_str(), "https://qianfan.baidubce.com/");
        assert_eq!(c.access_key_id, "AK");
        assert_eq!(c.secret_access_key.expose(), "sk-from-env");
        assert!(c.security_token.is_none());
        assert_eq!(c.service_ids, None);
        assert_eq!(c.payment_timing, None);
    }

    #[test]
    fn every_key_given() {
        let s = parse(
            r#"access_key_id = "AK"
secret_access_key = "SK"
security_token = "STS"
region = "gz"
endpoint = "http://127.0.0.1:9"
service_ids = ["svco-a", " svco-b "]
payment_timing = "Postpaid""#,
        )
        .unwrap();
        assert_eq!(s.accounts[0].region, "gz");
        let c = qianfan(&s);
        assert_eq!(c.endpoint.as_str(), "http://127.0.0.1:9/");
        assert_eq!(c.security_token.as_ref().map(|t| t.expose()), Some("STS"));
        assert_eq!(
            c.service_ids.as_deref(),
            Some(&["svco-a".to_string(), "svco-b".to_string()][..])
        );
        assert_eq!(c.payment_timing.as_deref(), Some("Postpaid"));
    }

    #[test]
    fn mistakes_are_reported_by_key() {
        let e = errors(
            r#"secret_access_key = "SK"
service_ids = ["svco-a", "", "svco-a"]
payment_timing = "Monthly"
pool_types = ["common"]"#,
        );
        let want = [
            "accounts[0].access_key_id: is required",
            "accounts[0].service_ids[1]: must not be empty",
            "accounts[0].service_ids[2]: \"svco-a\" is listed twice",
            "accounts[0].payment_timing: \"Monthly\" is not one of Prepaid | Postpaid",
            "accounts[0].pool_types: unknown key",
        ];
        for w in want {
            assert!(e.iter().any(|x| x == w), "missing {w:?} in {e:#?}");
        }
        let e = errors("access_key_id = \"AK\"\nservice_ids = []");
        assert!(
            e.iter()
                .any(|x| x.starts_with("accounts[0].secret_access_key: is required")),
            "{e:#?}"
        );
        assert!(
            e.iter()
                .any(|x| x.starts_with("accounts[0].service_ids: must list at least one")),
            "{e:#?}"
        );
        let e = errors("access_key_id = \"AK\"\nsecret_access_key = \"SK\"\nregion = \"\"");
        assert!(
            e.iter()
                .any(|x| x.starts_with("accounts[0].region: must not be empty")),
            "{e:#?}"
        );
    }
}
