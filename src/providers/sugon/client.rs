//! The Sugon HTTP side of a poll: login, the `{code, msg, data}` envelope, the
//! single re-login when a token is rejected, AI endpoint discovery with failover,
//! the per-group resource calls, and each region's HPC queues.
//!
//! Units that fail alone (`PollOutput::failed`): a compute region whose own
//! calls (its `center` answer, its resource-group list, with its token) fail
//! after their retries loses all its pools for that poll, the other regions are
//! published fresh; one resource group whose `resources` call fails loses only
//! that pool. The login, which every region's token comes from, fails the poll
//! (also when a rejected token makes a poll log in again), and so does the
//! failure of every polled region: then nothing of the account is fresh.
//!
//! The HPC side is optional: nothing there fails the poll or costs the
//! region's AI series. A failing HPC call keeps the queues an earlier poll
//! exported as a failed unit, else it is a partial error (`hpc::report_failure`);
//! a `center` answer offering no HPC drops them at once. A queue entry that
//! cannot be read is left out alone and counted like every provider's decode
//! errors (`PollOutput::decode`).
//!
//! Secrets (password, org id, AK/SK signature, tokens) go only into request
//! headers, marked sensitive; log lines and errors name regions, APIs and codes.

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

pub use super::dto::{
    API_CENTER, API_GROUPS, API_HPC_CLUSTER, API_HPC_QUEUES, API_LOGIN_AKSK, API_LOGIN_PASSWORD,
    API_RESOURCES,
};

use reqwest::header::HeaderValue;
use reqwest::{RequestBuilder, Url};
use serde_json::Value;

use crate::fields::Secret;
use crate::model::{Pool, Region};
use crate::providers::upstream::decode::DecodeLog;
use crate::providers::upstream::response::{redact_url, shorten, MESSAGE_CHARS};
use crate::providers::upstream::{PollCtx, PollError, Reason};
use crate::providers::{FailedUnit, PollOutput, Unit};
use crate::quantity::Fired;
use aipool_signing::scnet;

use super::dto::{CenterDto, Envelope, ResourcesDto};
use super::hpc::{self, HpcQueues};
use super::map::{self, MapError};
use super::session::{self, Session, SessionError};
use super::{Auth, Config, State};

mod auth;

/// "No permission": what the platform answers for an expired or revoked token.
pub const CODE_TOKEN_REJECTED: &str = "10008";
/// "Internal error": a login refused with it is the platform's fault, not the
/// credentials'.
const CODE_INTERNAL: &str = "10001";

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A header value that `Debug` output of the request hides.
fn sensitive(value: &str) -> Option<HeaderValue> {
    let mut v = HeaderValue::from_str(value).ok()?;
    v.set_sensitive(true);
    Some(v)
}

pub struct Client<'a> {
    cfg: &'a Config,
    ctx: &'a PollCtx,
    state: &'a mut State,
    /// This poll already logged in again after a rejected token; a second
    /// rejection fails that call's unit instead of looping.
    relogged: bool,
    /// What this poll's answers left out (objects and fields that did not
    /// decode), in the order met.
    log: DecodeLog,
}

/// Whether `e` is a failure of the login itself (every region's tokens come
/// from it), which fails the poll, rather than of one region's or group's call.
fn is_login_error(e: &PollError) -> bool {
    e.api == API_LOGIN_PASSWORD || e.api == API_LOGIN_AKSK
}

impl<'a> Client<'a> {
    pub fn new(cfg: &'a Config, ctx: &'a PollCtx, state: &'a mut State) -> Self {
        Client {
            cfg,
            ctx,
            state,
            relogged: false,
            log: DecodeLog::default(),
        }
    }

    /// One poll: a login if there is no session or a token is due for renewal,
    /// then every selected region's resource groups and HPC queues.
    pub async fn poll(&mut self) -> Result<PollOutput, PollError> {
        let due = match &self.state.session {
            None => true,
            Some(s) => s.renewal_due(now_ms()),
        };
        if due {
            if self.state.session.is_some() {
                tracing::debug!(user = %self.cfg.user, "a Sugon token is close to expiry; logging in again");
            }
            match self.login().await {
                Ok(()) => {}
                // Renewing early leaves time to fail: keep polling with the
                // current tokens while they last (the failure is counted).
                Err(e)
                    if self
                        .state
                        .session
                        .as_ref()
                        .is_some_and(|s| s.still_valid(now_ms())) =>
                {
                    tracing::warn!(
                        user = %self.cfg.user,
                        reason = %e.reason,
                        error = %e.message,
                        "renewing the tokens failed; using the current ones until they expire"
                    );
                }
                Err(e) => return Err(e),
            }
        }
        let regions: Vec<Region> = self
            .state
            .session
            .iter()
            .flat_map(|s| s.regions.iter())
            .map(|r| Region {
                id: r.cluster_id.clone(),
                name: r.cluster_name.clone(),
            })
            .collect();
        let mut out = PollOutput::default();
        let mut discovered = BTreeSet::new();
        let center_url = map::join(&self.cfg.endpoint, "/ac/openapi/v2/center");
        // Regions are polled one after the other: a rejected token anywhere
        // makes the poll log in again, which replaces every region's token.
        for region in regions {
            let cluster_id = region.id.clone();
            // The region itself is the login's: it stays listed when its own
            // calls fail (its pools do not).
            out.snapshot.regions.push(region);
            let (centers, ai) = match self.region_calls(&cluster_id, &center_url).await {
                Ok(v) => v,
                Err(e) if is_login_error(&e) => return Err(e),
                Err(error) => {
                    out.failed.push(FailedUnit {
                        unit: Unit::Region {
                            cloud_region: cluster_id,
                        },
                        error,
                    });
                    continue;
                }
            };
            if let Some((base, groups)) = ai {
                self.resources(&cluster_id, &base, groups, &mut discovered, &mut out)
                    .await?;
            }
            if !self.cfg.hpc_queues {
                continue;
            }
            match self
                .hpc(&cluster_id, &centers, &center_url, &mut out.fired)
                .await
            {
                Ok(queues) => {
                    let pool_id = queues.pool.id.clone();
                    self.state.hpc_pools.insert(cluster_id.clone(), pool_id);
                    out.snapshot.pools.push(queues.pool);
                    out.snapshot.queues.extend(queues.queues);
                    out.snapshot.queue_nodes.extend(queues.nodes);
                }
                Err(e) => hpc::report_failure(&cluster_id, &self.state.hpc_pools, e, &mut out),
            }
        }
        // Sugon has no account-wide list besides the login: when no region
        // answered, nothing of the account is fresh, and the poll failed like
        // an account whose pool list fails (aipool_up 0), with the first
        // region's error. One region of several failing is that region's unit.
        let regions_failed = out
            .failed
            .iter()
            .filter(|f| matches!(f.unit, Unit::Region { .. }))
            .count();
        if regions_failed > 0 && regions_failed == out.snapshot.regions.len() {
            if let Some(first) = out.failed.drain(..).next() {
                return Err(first.error);
            }
        }
        // A region that failed listed no groups: its configured ones are not
        // typos.
        if !out
            .failed
            .iter()
            .any(|f| matches!(f.unit, Unit::Region { .. }))
        {
            self.warn_undiscovered_groups(&discovered);
        }
        out.decode = std::mem::take(&mut self.log);
        Ok(out)
    }

    /// A region's own calls: its `center` answer and, when it has an AI
    /// service, its resource-group list (see [`Self::discover`]). An error
    /// here is the region's failure (or the login's, see [`is_login_error`]).
    async fn region_calls(
        &mut self,
        cluster_id: &str,
        center_url: &Url,
    ) -> Result<(Vec<CenterDto>, Option<(Url, Vec<(String, String)>)>), PollError> {
        let data = self.token_call(API_CENTER, cluster_id, center_url).await?;
        let centers = map::parse_centers(&data, &mut self.log)
            .map_err(|e| self.map_err(API_CENTER, center_url, e))?;
        let ai = self.discover(cluster_id, &centers, center_url).await?;
        Ok((centers, ai))
    }

    /// The `resources` of every selected group of one region, as pools. A
    /// group whose call fails is a failed unit of its own; only a failed login
    /// ends the poll.
    async fn resources(
        &mut self,
        cluster_id: &str,
        base: &Url,
        groups: Vec<(String, String)>,
        discovered: &mut BTreeSet<String>,
        out: &mut PollOutput,
    ) -> Result<(), PollError> {
        for (accelerator_type, group) in groups {
            discovered.insert(group.clone());
            if !self.selected(&accelerator_type, &group) {
                continue;
            }
            match self
                .group(cluster_id, base, &accelerator_type, &group, &mut out.fired)
                .await
            {
                Ok(pool) => out.snapshot.pools.push(pool),
                Err(e) if is_login_error(&e) => return Err(e),
                Err(error) => out.failed.push(FailedUnit {
                    unit: Unit::Pool {
                        cloud_region: Some(cluster_id.to_string()),
                        pool_id: group,
                    },
                    error,
                }),
            }
        }
        Ok(())
    }

    /// One resource group's `resources` call, mapped. Its fields decode one
    /// by one (a bad one is recorded and left out); only an answer whose
    /// `data` is not an object at all fails the call.
    async fn group(
        &mut self,
        cluster_id: &str,
        base: &Url,
        accelerator_type: &str,
        group: &str,
        fired: &mut Fired,
    ) -> Result<Pool, PollError> {
        let mut url = map::join(base, "/ai/openapi/v2/instance-service/resources");
        url.query_pairs_mut()
            .append_pair("resourceGroup", group)
            .append_pair("acceleratorType", accelerator_type);
        let data = self.token_call(API_RESOURCES, cluster_id, &url).await?;
        let dto: ResourcesDto = if data.is_null() {
            ResourcesDto::default()
        } else {
            serde_json::from_value(data).map_err(|e| {
                self.fail(
                    API_RESOURCES,
                    &url,
                    Reason::Decode,
                    format!("unexpected data: {e}"),
                )
            })?
        };
        Ok(map::map_group(
            cluster_id,
            accelerator_type,
            group,
            &dto,
            fired,
            &mut self.log,
        ))
    }

    fn selected(&self, accelerator_type: &str, group: &str) -> bool {
        let c = self.cfg;
        (c.accelerator_types.is_empty()
            || c.accelerator_types.iter().any(|t| t == accelerator_type))
            && (c.resource_groups.is_empty() || c.resource_groups.iter().any(|g| g == group))
    }

    /// A configured resource group that no region lists is probably a typo; say
    /// so once, not on every poll.
    fn warn_undiscovered_groups(&mut self, discovered: &BTreeSet<String>) {
        for g in &self.cfg.resource_groups {
            if !discovered.contains(g) && self.state.warned_groups.insert(g.clone()) {
                tracing::warn!(
                    user = %self.cfg.user,
                    resource_group = %g,
                    "configured resource group is not listed in any polled region"
                );
            }
        }
    }

    fn fail(&self, api: &str, url: &Url, reason: Reason, msg: impl Into<String>) -> PollError {
        self.ctx.fail(api, &redact_url(url), reason, msg)
    }

    fn map_err(&self, api: &str, url: &Url, e: MapError) -> PollError {
        self.fail(api, url, Reason::Decode, e.to_string())
    }

    /// Finds the region's AI service in its `center` answer and lists its
    /// resource groups: `None` when the region has no enabled `aiUrls` entry
    /// (an HPC-only region).
    ///
    /// Enabled entries are tried in order (the one that answered last time
    /// first); a connection failure or timeout moves on to the next.
    async fn discover(
        &mut self,
        cluster_id: &str,
        centers: &[CenterDto],
        center_url: &Url,
    ) -> Result<Option<(Url, Vec<(String, String)>)>, PollError> {
        let mut urls = map::enabled_ai_urls(centers, cluster_id);
        if urls.is_empty() {
            tracing::debug!(region = %cluster_id, "no enabled aiUrls entry: the region has no AI service");
            return Ok(None);
        }
        if let Some(preferred) = self.state.preferred_ai_url.get(cluster_id) {
            if let Some(pos) = urls.iter().position(|u| u == preferred) {
                let u = urls.remove(pos);
                urls.insert(0, u);
            }
        }
        let mut last_error = None;
        for raw in &urls {
            let base = match map::ai_base(raw) {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(region = %cluster_id, error = %e, "skipping an unusable aiUrls entry");
                    continue;
                }
            };
            let url = map::join(&base, "/ai/openapi/v2/instance-service/resource-group");
            match self.token_call(API_GROUPS, cluster_id, &url).await {
                Ok(data) => {
                    let groups = map::parse_groups(&data, &mut self.log)
                        .map_err(|e| self.map_err(API_GROUPS, &url, e))?;
                    self.state
                        .preferred_ai_url
                        .insert(cluster_id.to_string(), raw.clone());
                    return Ok(Some((base, groups)));
                }
                Err(e) if matches!(e.reason, Reason::Connect | Reason::Timeout) => {
                    tracing::warn!(
                        region = %cluster_id,
                        url = %e.url,
                        error = %e.message,
                        "AI endpoint unreachable; trying the next enabled aiUrls entry"
                    );
                    last_error = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(last_error.unwrap_or_else(|| {
            self.fail(
                API_CENTER,
                center_url,
                Reason::Decode,
                format!("no enabled aiUrls entry of region {cluster_id} is a usable URL"),
            )
        }))
    }

    /// The region's HPC queues: its `center` answer's `hpcUrls` and cluster
    /// user, the job manager (`GET {hpc}/hpc/openapi/v2/cluster`, first entry),
    /// and that manager's queues for the user (`GET
    /// {hpc}/hpc/openapi/v2/queuenames/users/{user}?strJobManagerID=ID`).
    ///
    /// Enabled `hpcUrls` entries are tried like `aiUrls`. `Err` is why the region
    /// has no fresh queue series ([`hpc::report_failure`]): nothing here fails
    /// the poll. Queue entries that cannot be read are left out and recorded
    /// in the poll's decode log.
    async fn hpc(
        &mut self,
        cluster_id: &str,
        centers: &[CenterDto],
        center_url: &Url,
        fired: &mut Fired,
    ) -> Result<HpcQueues, PollError> {
        let access = hpc::hpc_access(centers, cluster_id).map_err(|e| {
            // No HPC offered: the queues vanish at once, none are kept.
            self.state.hpc_pools.remove(cluster_id);
            self.fail(
                API_CENTER,
                center_url,
                Reason::UpstreamError,
                format!("{e} (set hpc_queues = false to stop asking)"),
            )
        })?;
        let mut urls = access.urls;
        if let Some(preferred) = self.state.preferred_hpc_url.get(cluster_id) {
            if let Some(pos) = urls.iter().position(|u| u == preferred) {
                let u = urls.remove(pos);
                urls.insert(0, u);
            }
        }
        let mut last_error = None;
        for raw in &urls {
            let base = match map::service_base(raw, "hpc") {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(region = %cluster_id, error = %e, "skipping an unusable hpcUrls entry");
                    continue;
                }
            };
            let url = map::join(&base, "/hpc/openapi/v2/cluster");
            let data = match self.hpc_call(API_HPC_CLUSTER, cluster_id, &url).await {
                Ok(data) => data,
                Err(e) if matches!(e.reason, Reason::Connect | Reason::Timeout) => {
                    tracing::warn!(
                        region = %cluster_id,
                        url = %e.url,
                        error = %e.message,
                        "HPC endpoint unreachable; trying the next enabled hpcUrls entry"
                    );
                    last_error = Some(e);
                    continue;
                }
                Err(e) => return Err(e),
            };
            self.state
                .preferred_hpc_url
                .insert(cluster_id.to_string(), raw.clone());
            let jm = hpc::parse_job_manager(&data, &mut self.log)
                .map_err(|e| self.map_err(API_HPC_CLUSTER, &url, e))?;
            // The job manager exported before is gone: nothing to keep of it.
            if self.state.hpc_pools.get(cluster_id) != Some(&jm.id) {
                self.state.hpc_pools.remove(cluster_id);
            }
            let url = queues_url(&base, &access.user, &jm.id);
            let data = self.hpc_call(API_HPC_QUEUES, cluster_id, &url).await?;
            return hpc::map_queues(cluster_id, &jm, &data, fired, &mut self.log)
                .map_err(|e| self.map_err(API_HPC_QUEUES, &url, e));
        }
        Err(last_error.unwrap_or_else(|| {
            self.fail(
                API_CENTER,
                center_url,
                Reason::Decode,
                format!("no enabled hpcUrls entry of region {cluster_id} is a usable URL"),
            )
        }))
    }

    /// GETs an HPC API with the region's token.
    ///
    /// A rejected token (10008, HTTP 401/403) is retried after one login like
    /// any call ([`Self::token_call`]): the platform's clock may have expired it
    /// since the region's `center` call. A rejection of a fresh token, though,
    /// means the user may not use the region's HPC service; the region is then
    /// remembered, and later rejections there are not retried, so a user
    /// without that permission does not cost a login on every poll. An answer
    /// that gets through clears it.
    async fn hpc_call(
        &mut self,
        api: &str,
        cluster_id: &str,
        url: &Url,
    ) -> Result<Value, PollError> {
        let result = if self.state.hpc_denied.contains(cluster_id) {
            let token = self.token_for(api, cluster_id, url)?;
            let request = with_secret(self.ctx.client.get(url.clone()), "token", &token)
                .header("accept", "application/json");
            self.envelope(api, url, request).await
        } else {
            self.token_call(api, cluster_id, url).await
        };
        match &result {
            Ok(_) => {
                self.state.hpc_denied.remove(cluster_id);
            }
            // Not a refused login (`e.api` is then the login's).
            Err(e) if e.reason == Reason::Auth && e.api == api => {
                self.state.hpc_denied.insert(cluster_id.to_string());
            }
            Err(_) => {}
        }
        result
    }
}

/// `{base}/hpc/openapi/v2/queuenames/users/{user}?strJobManagerID={id}`, the
/// user name percent-encoded as one path segment.
pub fn queues_url(base: &Url, user: &str, job_manager_id: &str) -> Url {
    let mut url = map::join(base, "/hpc/openapi/v2/queuenames/users");
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.push(user);
    }
    url.query_pairs_mut()
        .append_pair("strJobManagerID", job_manager_id);
    url
}

/// Adds a secret header; a value that cannot be a header is left out, so the
/// platform refuses the request as unauthenticated instead of the value
/// appearing in a "cannot build request" error.
fn with_secret(request: RequestBuilder, name: &str, value: &Secret) -> RequestBuilder {
    match sensitive(value.expose()) {
        Some(v) => request.header(name, v),
        None => {
            tracing::warn!(
                header = name,
                "a credential contains characters an HTTP header cannot carry; sending the request without it"
            );
            request
        }
    }
}
