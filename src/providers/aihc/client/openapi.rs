//! The AIHC OpenAPI (AK/SK, bce-auth-v1, action style), providers.md §1b.

use serde::de::DeserializeOwned;

use crate::fields::Secret;
use crate::providers::upstream::paging::{self, Page};
use crate::providers::upstream::signing::{now_epoch_secs, signing_host};
use crate::providers::upstream::{PollCtx, PollError};
use aipool_signing::bce::{self, BceRequest, SignedHeaders};

use super::super::dto::{self, OverviewDto, PoolPage, QueuePage};
use super::super::overview::API_OVERVIEW;
use super::super::{Collected, Config, Listed};
use super::PAGE_SIZE;

pub const API_POOLS: &str = "DescribeResourcePools";
pub const API_QUEUES: &str = "DescribeQueues";

/// How long a signature stays valid, as the official SDKs default.
const SIGNATURE_EXPIRATION_SECS: u32 = 1800;

pub struct Credentials<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a Secret,
    pub security_token: Option<&'a Secret>,
}

pub async fn poll(
    cfg: &Config,
    creds: &Credentials<'_>,
    ctx: &PollCtx,
    out: &mut Collected,
) -> Result<(), PollError> {
    let client = OpenApi { cfg, creds, ctx };
    for pool_type in &cfg.pool_types {
        let pools = paging::collect_all(ctx, API_POOLS, PAGE_SIZE, |page, size| {
            client.call::<PoolPage, _>(
                API_POOLS,
                vec![
                    ("resourcePoolType", pool_type.clone()),
                    ("pageNumber", page.to_string()),
                    ("pageSize", size.to_string()),
                ],
                Page::from,
            )
        })
        .await?;
        let pools = out.pools(pools, pool_type, API_POOLS);
        // DescribeQueues for every pool, concurrently within the account's
        // limits; mapped in pool order. A pool whose pages fail after their
        // retries is left out alone, so one pool's outage does not hide the
        // others; the pool list itself failing fails the poll.
        let client = &client;
        out.add_pools_fetched(pools, ctx.limits.fetch_window(), API_QUEUES, |pool| {
            let pool_id = pool.id.clone();
            async move {
                // Paging has no effect on self-managed queues: every page
                // may be the whole tree again (bce-sdk-go
                // `services/aihc/v2/api/queue.go`), so pages are told apart
                // by the queues they add.
                let listed = paging::collect_distinct_all(
                    ctx,
                    API_QUEUES,
                    PAGE_SIZE,
                    dto::queue_keys,
                    |page, size| {
                        client.call::<QueuePage, _>(
                            API_QUEUES,
                            queue_params(&pool_id, page, size),
                            Page::from,
                        )
                    },
                )
                .await?;
                Ok(Listed::paged(listed))
            }
        })
        .await?;
    }
    // The pools' hardware, once per poll; its failure leaves the quotas'
    // figures unbounded (a partial error), never the poll failed.
    let answer = client
        .call::<OverviewDto, _>(API_OVERVIEW, Vec::new(), |o| o)
        .await;
    out.set_overview(answer);
    Ok(())
}

/// DescribeQueues' query. The page is sent under both spellings the official
/// SDKs use (bce-sdk-go `PageNumber`/`PageSize`, bce-sdk-python
/// `pageNumber`/`pageSize`), so a server that reads either pages as asked.
fn queue_params(pool_id: &str, page: u64, size: u64) -> Vec<(&'static str, String)> {
    vec![
        ("resourcePoolId", pool_id.to_string()),
        ("pageNumber", page.to_string()),
        ("pageSize", size.to_string()),
        ("PageNumber", page.to_string()),
        ("PageSize", size.to_string()),
    ]
}

struct OpenApi<'a> {
    cfg: &'a Config,
    creds: &'a Credentials<'a>,
    ctx: &'a PollCtx,
}

impl OpenApi<'_> {
    async fn call<T: DeserializeOwned, R>(
        &self,
        action: &str,
        params: Vec<(&str, String)>,
        convert: impl FnOnce(T) -> R,
    ) -> Result<R, PollError> {
        let mut query: Vec<(String, String)> = vec![("action".into(), action.into())];
        query.extend(params.into_iter().map(|(k, v)| (k.to_string(), v)));
        let mut url = self.cfg.endpoint.clone();
        url.set_path("/");
        url.query_pairs_mut()
            .clear()
            .extend_pairs(query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let host = signing_host(self.ctx, action, &url)?;
        // Every attempt is signed anew, so a retry after `RequestExpired` (clock
        // skew) carries a fresh timestamp.
        let build = || {
            let mut headers: Vec<(String, String)> = vec![("host".into(), host.clone())];
            if let Some(token) = self.creds.security_token {
                headers.push(("x-bce-security-token".into(), token.expose().to_string()));
            }
            let now = now_epoch_secs();
            // The official SDK signs only `host` for these actions; an STS token is
            // an x-bce-* header and is signed too.
            let signed: &[&str] = if self.creds.security_token.is_some() {
                &["host", "x-bce-security-token"]
            } else {
                &["host"]
            };
            let authorization = bce::sign(
                self.creds.access_key_id,
                self.creds.secret_access_key.expose(),
                &BceRequest {
                    method: "GET",
                    path: "/",
                    query: &query,
                    headers: &headers,
                },
                SignedHeaders::Explicit(signed),
                now,
                SIGNATURE_EXPIRATION_SECS,
            );
            let mut request = self
                .ctx
                .client
                .get(url.clone())
                .header("version", "v2")
                // The doc pages show either header ("查询资源池概览":
                // `version`, "查询队列详情": `X-API-Version`); both are sent,
                // unsigned, as the SDKs send theirs.
                .header("x-api-version", "v2")
                .header("content-type", "application/json")
                .header("authorization", authorization);
            if let Some(token) = self.creds.security_token {
                request = request.header("x-bce-security-token", token.expose());
            }
            request
        };
        let resp = self.ctx.send_signed(action, build).await?;
        let value: T = self.ctx.decode(action, &resp)?;
        Ok(convert(value))
    }
}
