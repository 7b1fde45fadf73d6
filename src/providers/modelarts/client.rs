//! The ModelArts HTTP calls: ListWorkspace with `offset`/`limit` paging,
//! ListPools and ListPoolNodes with `continue`-token paging, authenticated by
//! AK/SK signature or IAM token.

use std::collections::HashSet;

pub use super::dto::{API_NODES, API_POOLS, API_WORKSPACES};

use reqwest::Url;
use serde::de::DeserializeOwned;

use crate::fields::Secret;
use crate::providers::upstream::decode::{DecodeLog, Lenient};
use crate::providers::upstream::paging::{self, CursorError, MAX_PAGES};
use crate::providers::upstream::signing::{now_epoch_secs, signing_host};
use crate::providers::upstream::{PollCtx, PollError, Reason};
use aipool_signing::huawei::{self, HwRequest};

use super::dto::{ListMeta, NodeDto, NodeList, PoolDto, PoolList, WorkspaceList};
use super::iam::{self, TokenCache};
use super::map::{self, Workspace};
use super::{Auth, Config};

/// The node page size we ask for; servers cap it, and paging goes on until the
/// `continue` token is empty whatever size they used.
pub const NODE_PAGE_LIMIT: u64 = 500;

/// The workspace page size we ask for: the documented maximum (and default).
pub const WORKSPACE_PAGE_LIMIT: usize = 1000;

/// What the official SDK sends as the content type of every call, signed.
const CONTENT_TYPE: &str = "application/json";

pub struct Client<'a> {
    cfg: &'a Config,
    ctx: &'a PollCtx,
    tokens: &'a TokenCache,
}

/// How a request was authenticated, to decide whether a refusal is worth one
/// retry with a new token.
enum Used {
    Signature,
    /// A token from the cache (IAM may have revoked it since).
    CachedToken,
    /// A token fetched for this very request: refreshing again will not help.
    FreshToken,
}

impl<'a> Client<'a> {
    pub fn new(cfg: &'a Config, ctx: &'a PollCtx, tokens: &'a TokenCache) -> Self {
        Client { cfg, ctx, tokens }
    }

    /// Every workspace of the project, `limit` at a time, until `total_count`
    /// are in (or a page comes back empty, or short without a total).
    /// `offset` is sent as the index of the next entry — the doc calls it the
    /// "start page", which differs only past 1000 workspaces; entries repeated
    /// by either reading are kept once. Entries that are not workspaces or have
    /// no usable id are recorded in `log` and left out; a list that ends short
    /// of its `total_count` is a counted problem. Neither fails the poll.
    pub async fn list_workspaces(&self, log: &mut DecodeLog) -> Result<Listed, PollError> {
        let segments = ["v1", self.cfg.project_id.as_str(), "workspaces"];
        let mut listed = Listed::default();
        let mut seen = HashSet::new();
        // The cursor is the offset of the next entry; the last page's total.
        let mut offset = 0usize;
        let mut last_total = None;
        paging::follow(
            MAX_PAGES,
            |next: Option<&usize>| {
                let query = vec![
                    ("limit".to_string(), WORKSPACE_PAGE_LIMIT.to_string()),
                    ("offset".to_string(), next.copied().unwrap_or(0).to_string()),
                ];
                let segments = &segments;
                async move {
                    self.get::<WorkspaceList>(API_WORKSPACES, segments, &query)
                        .await
                }
            },
            |page| {
                let received = page.workspaces.len();
                let total = map::total_count(&page, log);
                for w in map::map_workspaces(&page.workspaces, offset, log) {
                    if seen.insert(w.id.clone()) {
                        listed.workspaces.push(w);
                    }
                }
                offset += received;
                last_total = total;
                let done = match total {
                    Some(t) => offset >= t || received == 0,
                    None => received < WORKSPACE_PAGE_LIMIT,
                };
                Ok((!done).then_some(offset))
            },
        )
        .await
        .map_err(|e| match e {
            CursorError::Fetch(e) => e,
            // An offset only repeats after an empty page, which ends the list.
            CursorError::Repeated(_) | CursorError::TooManyPages(_) => {
                self.too_many_pages(API_WORKSPACES)
            }
        })?;
        if let Some(t) = last_total.filter(|t| offset < *t) {
            listed.problems.push(self.ctx.fail(
                API_WORKSPACES,
                "",
                Reason::UpstreamError,
                format!(
                    "the list ended after {offset} of total_count {t} workspaces; \
                     the pools of the missing ones are not polled"
                ),
            ));
        }
        Ok(listed)
    }

    /// Every pool of `workspace` (ListPools' own default, the default
    /// workspace, when `None`), following `metadata.continue`.
    pub async fn list_pools(
        &self,
        workspace: Option<&str>,
    ) -> Result<Vec<Lenient<PoolDto>>, PollError> {
        let mut query = Vec::new();
        if let Some(ws) = workspace {
            query.push(("workspaceId".to_string(), ws.to_string()));
        }
        let segments = ["v2", self.cfg.project_id.as_str(), "pools"];
        self.list_all(API_POOLS, &segments, query, |p: PoolList| {
            (p.items, p.metadata)
        })
        .await
    }

    /// Every node of `pool`, `limit` at a time, following `continue`.
    pub async fn list_nodes(&self, pool: &str) -> Result<Vec<Lenient<NodeDto>>, PollError> {
        let query = vec![("limit".to_string(), NODE_PAGE_LIMIT.to_string())];
        let segments = ["v2", self.cfg.project_id.as_str(), "pools", pool, "nodes"];
        self.list_all(API_NODES, &segments, query, |p: NodeList| {
            (p.items, p.metadata)
        })
        .await
    }

    /// Pages through a list until the continue token is absent or empty, with a
    /// hard page limit and a check that the server does not hand out one token
    /// twice (which would loop forever).
    async fn list_all<L: DeserializeOwned, T>(
        &self,
        api: &str,
        segments: &[&str],
        query: Vec<(String, String)>,
        split: impl Fn(L) -> (Vec<T>, Option<ListMeta>),
    ) -> Result<Vec<T>, PollError> {
        let mut out = Vec::new();
        paging::follow(
            MAX_PAGES,
            |token: Option<&String>| {
                let mut q = query.clone();
                if let Some(t) = token {
                    q.push(("continue".to_string(), t.clone()));
                }
                async move { self.get::<L>(api, segments, &q).await }
            },
            |page| {
                let (items, meta) = split(page);
                out.extend(items);
                Ok(meta
                    .and_then(|m| m.continue_token)
                    .filter(|t| !t.is_empty()))
            },
        )
        .await
        .map_err(|e| match e {
            CursorError::Fetch(e) => e,
            CursorError::Repeated(_) => self.ctx.fail(
                api,
                "",
                Reason::UpstreamError,
                "the server repeated a continue token; stopped paging",
            ),
            CursorError::TooManyPages(_) => self.too_many_pages(api),
        })?;
        Ok(out)
    }

    /// The failure of a list that was still going after [`MAX_PAGES`] pages.
    fn too_many_pages(&self, api: &str) -> PollError {
        self.ctx.fail(
            api,
            "",
            Reason::UpstreamError,
            format!("gave up after {MAX_PAGES} pages"),
        )
    }

    /// One authenticated GET, decoded. With a cached IAM token, an auth failure
    /// is answered once with a new token: IAM revokes tokens before their expiry
    /// (password changes, disabled users), and the next request should not wait a
    /// poll for that. With AK/SK the request is signed anew for every attempt, so
    /// a retry carries a fresh `X-Sdk-Date`.
    async fn get<T: DeserializeOwned>(
        &self,
        api: &str,
        segments: &[&str],
        query: &[(String, String)],
    ) -> Result<T, PollError> {
        let url = self.url(api, segments, query)?;
        let mut retried = false;
        loop {
            let (sent, used) = match &self.cfg.auth {
                Auth::AkSk {
                    access_key_id,
                    secret_access_key,
                } => {
                    let host = signing_host(self.ctx, api, &url)?;
                    let build =
                        || self.signed(&url, &host, query, access_key_id, secret_access_key);
                    (self.ctx.send_signed(api, build).await, Used::Signature)
                }
                Auth::Password(auth) => {
                    let (token, used) = match self.tokens.current() {
                        Some(t) => (t, Used::CachedToken),
                        None => {
                            let (t, valid_for) =
                                iam::fetch(auth, &self.cfg.project_id, self.ctx).await?;
                            self.tokens.store(t.clone(), valid_for);
                            (t, Used::FreshToken)
                        }
                    };
                    let request = self.base(&url).header("x-auth-token", token.expose());
                    (self.ctx.send(api, request).await, used)
                }
            };
            match sent {
                Ok(resp) => return self.ctx.decode(api, &resp),
                Err(e)
                    if e.reason == Reason::Auth
                        && matches!(used, Used::CachedToken)
                        && !retried
                        && !is_forbidden(&e) =>
                {
                    tracing::info!(
                        api,
                        project_id = %self.cfg.project_id,
                        "ModelArts refused the cached IAM token; fetching a new one"
                    );
                    self.tokens.invalidate();
                    retried = true;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// `{endpoint}/{segments…}?{query}`, the query encoded as it is signed.
    fn url(
        &self,
        api: &str,
        segments: &[&str],
        query: &[(String, String)],
    ) -> Result<Url, PollError> {
        let mut url = self
            .ctx
            .url_with_path(api, &self.cfg.endpoint, segments.iter().copied())?;
        let encoded = huawei::encode_query(query);
        url.set_query((!encoded.is_empty()).then_some(encoded.as_str()));
        Ok(url)
    }

    /// A GET of `url` without credentials yet.
    fn base(&self, url: &Url) -> reqwest::RequestBuilder {
        self.ctx
            .client
            .get(url.clone())
            .header("content-type", CONTENT_TYPE)
    }

    /// A GET of `url` signed now with AK/SK (`SDK-HMAC-SHA256`), covering the
    /// headers sent: host, content-type, x-project-id and x-sdk-date.
    fn signed(
        &self,
        url: &Url,
        host: &str,
        query: &[(String, String)],
        ak: &str,
        sk: &Secret,
    ) -> reqwest::RequestBuilder {
        let now = now_epoch_secs();
        let date = huawei::format_sdk_date(now);
        let headers = vec![
            ("content-type".to_string(), CONTENT_TYPE.to_string()),
            ("x-project-id".to_string(), self.cfg.project_id.clone()),
        ];
        let authorization = huawei::sign(
            ak,
            sk.expose(),
            &HwRequest {
                method: "GET",
                host,
                path: url.path(),
                query,
                headers: &headers,
                body: b"",
            },
            &date,
        );
        self.base(url)
            .header("x-sdk-date", date)
            .header("x-project-id", &self.cfg.project_id)
            .header("authorization", authorization)
    }
}

/// What ListWorkspace gave: the workspaces, and problems that leave some out
/// without failing the poll (already counted as request failures).
#[derive(Debug, Default)]
pub struct Listed {
    pub workspaces: Vec<Workspace>,
    pub problems: Vec<PollError>,
}

/// Whether an auth failure is HTTP 403: the credentials are good but may not
/// read this (a workspace of someone else's), so a new token would not help —
/// and fetching one on every poll for a workspace that stays forbidden would
/// only load IAM. The HTTP layer starts its message with `HTTP {status}`.
fn is_forbidden(e: &PollError) -> bool {
    e.message.starts_with("HTTP 403")
}

#[cfg(test)]
mod tests {
    use super::*;
    use aipool_signing::UNRESERVED;
    use percent_encoding::utf8_percent_encode;

    #[test]
    fn only_a_403_is_forbidden() {
        let e = |message: &str| PollError {
            api: API_POOLS.into(),
            url: String::new(),
            reason: Reason::Auth,
            message: message.into(),
        };
        assert!(is_forbidden(&e(
            "HTTP 403 Forbidden: ModelArts.0203: no access"
        )));
        assert!(!is_forbidden(&e(
            "HTTP 401 Unauthorized: APIGW.0301: token expired"
        )));
        assert!(!is_forbidden(&e("HTTP 400 Bad Request: APIGW.0301")));
    }

    #[test]
    fn query_values_are_encoded_like_the_signer() {
        let enc = |s: &str| utf8_percent_encode(s, UNRESERVED).to_string();
        assert_eq!(enc("a+b/c= d~e-f_g.h"), "a%2Bb%2Fc%3D%20d~e-f_g.h");
        assert_eq!(enc("工作"), "%E5%B7%A5%E4%BD%9C");
    }
}
