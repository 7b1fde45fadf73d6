//! The AIHC console API (browser-session cookie auth), as the console web UI
//! calls it (docs/providers.md §1a).

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::fields::Secret;
use crate::providers::upstream::decode::Lenient;
use crate::providers::upstream::paging::{self, Page};
use crate::providers::upstream::{PollCtx, PollError, Reason, Response};

use super::super::dto::{
    queue_keys, ConsoleQueueList, ItemsPage, PoolPage, ServerlessPoolDto, ServerlessQueueDto,
};
use super::super::{Collected, Config, Listed};
use super::PAGE_SIZE;

pub const API_POOLS: &str = "v3/resourcepools";
pub const API_QUEUES: &str = "v3/queues";
pub const API_SERVERLESS_POOLS: &str = "v2/serverless/resourcePool";
pub const API_SERVERLESS_QUEUES: &str = "v2/serverless/resourceQueue";

pub async fn poll(
    cfg: &Config,
    cookie: &Secret,
    ctx: &PollCtx,
    out: &mut Collected,
) -> Result<(), PollError> {
    let client = Console { cfg, cookie, ctx };
    if cfg.pool_types.iter().any(|t| t == "common") {
        let pools = paging::collect_all(ctx, API_POOLS, PAGE_SIZE, |page, size| {
            client.get::<PoolPage, _>(
                API_POOLS,
                "v3/resourcepools",
                vec![
                    ("resourcePoolType", "common".to_string()),
                    ("pageNumber", page.to_string()),
                    ("pageSize", size.to_string()),
                    ("region", cfg.region.clone()),
                ],
                Page::from,
            )
        })
        .await?;
        let pools = out.pools(pools, "common", API_POOLS);
        // v3/queues for every pool, concurrently within the account's limits;
        // mapped in pool order. A pool whose list fails after its retries is
        // left out alone, so one pool's outage does not hide the others; the pool
        // list itself failing fails the poll.
        let client = &client;
        out.add_pools_fetched(pools, ctx.limits.fetch_window(), API_QUEUES, |pool| {
            client.get(
                API_QUEUES,
                "v3/queues",
                vec![("resourcePoolId", pool.id.clone())],
                |l: ConsoleQueueList| Listed::whole(l.queue_list),
            )
        })
        .await?;
    }
    if cfg.pool_types.iter().any(|t| t == "serverless") {
        let pools = client
            .serverless::<ServerlessPoolDto>(API_SERVERLESS_POOLS)
            .await?;
        out.add_serverless_pools(pools, API_SERVERLESS_POOLS);
        // A tree list: a page may repeat queues an earlier page had; each
        // queue is taken once, as first listed.
        let queues = paging::collect_distinct_all(
            ctx,
            API_SERVERLESS_QUEUES,
            PAGE_SIZE,
            queue_keys::<ServerlessQueueDto>,
            |page, size| {
                client.get::<ItemsPage<ServerlessQueueDto>, _>(
                    API_SERVERLESS_QUEUES,
                    API_SERVERLESS_QUEUES,
                    vec![("pageNo", page.to_string()), ("pageSize", size.to_string())],
                    Page::from,
                )
            },
        )
        .await?
        .items;
        out.add_serverless_queues(queues, API_SERVERLESS_QUEUES);
    }
    Ok(())
}

struct Console<'a> {
    cfg: &'a Config,
    cookie: &'a Secret,
    ctx: &'a PollCtx,
}

impl Console<'_> {
    /// Every page of a serverless list (`api` is also its path), paged by
    /// `pageNo` and `pageSize`.
    async fn serverless<T: DeserializeOwned>(
        &self,
        api: &str,
    ) -> Result<Vec<Lenient<T>>, PollError> {
        paging::collect_all(self.ctx, api, PAGE_SIZE, |page, size| {
            self.get::<ItemsPage<T>, _>(
                api,
                api,
                vec![("pageNo", page.to_string()), ("pageSize", size.to_string())],
                Page::from,
            )
        })
        .await
    }

    /// GETs `path` under the console base URL and unwraps the console envelope.
    async fn get<T: DeserializeOwned, R>(
        &self,
        api: &str,
        path: &str,
        query: Vec<(&str, String)>,
        convert: impl FnOnce(T) -> R,
    ) -> Result<R, PollError> {
        let mut url = self
            .ctx
            .url_with_path(api, &self.cfg.endpoint, path.split('/'))?;
        url.query_pairs_mut()
            .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        let request = self
            .ctx
            .client
            .get(url)
            .header("cookie", self.cookie.expose())
            .header("accept", "application/json");
        let resp = self.ctx.send(api, request).await?;
        let inner = unwrap_envelope(self.ctx, api, &resp)?;
        let value: T = serde_json::from_value(inner).map_err(|e| {
            self.ctx.fail(
                api,
                &resp.url,
                Reason::Decode,
                format!("unexpected payload for {api}: {e}"),
            )
        })?;
        Ok(convert(value))
    }
}

/// Unwraps `{"success":true,"result":{...}}` and, where present, the second
/// `result.result` wrapper (whose `code` must be 200); a body that is not such
/// an answer is a counted failure of `api`.
pub(crate) fn unwrap_envelope(
    ctx: &PollCtx,
    api: &str,
    resp: &Response,
) -> Result<Value, PollError> {
    envelope(&resp.body).map_err(|(reason, msg)| ctx.fail(api, &resp.url, reason, msg))
}

/// [`unwrap_envelope`] on the body alone: the payload, or why the answer is
/// not one, and its reason.
pub(crate) fn envelope(body: &[u8]) -> Result<Value, (Reason, String)> {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            // An expired console session is answered with the login page, not an
            // error status: say so rather than "invalid JSON".
            let head = String::from_utf8_lossy(&body[..body.len().min(512)]).to_ascii_lowercase();
            if head.contains("<html") || head.contains("<!doctype") {
                return Err((
                    Reason::Auth,
                    "the console answered with an HTML page: the session cookie has likely expired"
                        .into(),
                ));
            }
            return Err((Reason::Decode, format!("invalid JSON: {e}")));
        }
    };
    let Value::Object(mut top) = value else {
        return Err((Reason::Decode, "expected a JSON object".into()));
    };
    if top.get("success") != Some(&Value::Bool(true)) {
        let message = describe(top.get("message")).or_else(|| describe(top.get("code")));
        let text = message.unwrap_or_else(|| "success is not true".into());
        let lower = text.to_ascii_lowercase();
        let reason =
            if lower.contains("login") || lower.contains("auth") || lower.contains("session") {
                Reason::Auth
            } else {
                Reason::UpstreamError
            };
        return Err((reason, text));
    }
    let Some(Value::Object(mut result)) = top.remove("result") else {
        return Err((Reason::Decode, "response has no result object".into()));
    };
    if let Some(Value::Object(_)) = result.get("result") {
        if let Some(code) = result.get("code").and_then(Value::as_i64) {
            if code != 200 {
                let msg = describe(result.get("message")).unwrap_or_default();
                return Err((Reason::UpstreamError, format!("code {code}: {msg}")));
            }
        }
        if let Some(inner) = result.remove("result") {
            return Ok(inner);
        }
    }
    Ok(Value::Object(result))
}

fn describe(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.chars().take(300).collect()),
        Value::Null => None,
        Value::String(_) => None,
        other => Some(other.to_string().chars().take(300).collect()),
    }
}
