//! The upstream HTTP client: one shared reqwest client, per-request timeouts, a
//! body size cap, the account's [`Limits`] on every attempt, retries, and
//! request/failure accounting in `aipool_api_request_failures_total`.
//!
//! Every [`PollError`] is made through [`PollCtx::fail`], which counts it, so a
//! failure cannot go uncounted.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use serde::de::DeserializeOwned;

use crate::counters::AccountCounters;
use crate::error::{PollError, Reason};

use super::limits::Limits;
use super::response::{describe_status, error_chain, redact_url, ErrorSpec, Response};

/// What a provider's poll needs: the HTTP client, the account's limits, and where
/// to count.
pub struct PollCtx {
    pub client: reqwest::Client,
    pub timeout: Duration,
    pub max_response_bytes: u64,
    pub stats: Arc<AccountCounters>,
    pub limits: Limits,
    /// How the account's platform's error answers read.
    pub errors: &'static ErrorSpec,
}

/// A failed attempt and what it says about retrying.
struct AttemptError {
    error: PollError,
    /// The upstream's error code, if its body had one.
    code: Option<String>,
    /// The server's `Retry-After`, if any.
    retry_after: Option<Duration>,
}

/// The longest `Retry-After` we honour; a longer one is the next poll's business.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

impl PollCtx {
    /// A context for tests that count requests exactly: `client`, `timeout`,
    /// a 1 MiB body cap, no retries and no rate limit, `errors` read as the
    /// platform's.
    #[cfg(test)]
    pub fn for_tests(
        client: reqwest::Client,
        timeout: Duration,
        stats: Arc<AccountCounters>,
        errors: &'static ErrorSpec,
    ) -> Self {
        PollCtx {
            client,
            timeout,
            max_response_bytes: 1 << 20,
            stats,
            limits: Limits::unlimited(),
            errors,
        }
    }

    /// `base` with `segments` appended to its path (each one segment, so
    /// encoded as such), or the counted `connect` failure of `api` when
    /// `base` cannot have a path.
    pub fn url_with_path<'s>(
        &self,
        api: &str,
        base: &Url,
        segments: impl IntoIterator<Item = &'s str>,
    ) -> Result<Url, PollError> {
        let mut url = base.clone();
        {
            let mut path = url.path_segments_mut().map_err(|_| {
                self.fail(api, "", Reason::Connect, "endpoint cannot be a base URL")
            })?;
            path.pop_if_empty();
            path.extend(segments);
        }
        Ok(url)
    }

    /// Counts a failure and builds the error for it.
    pub fn fail(
        &self,
        api: &str,
        url: &str,
        reason: Reason,
        message: impl Into<String>,
    ) -> PollError {
        self.stats.count_failure(api, reason);
        PollError {
            api: api.to_string(),
            url: url.to_string(),
            reason,
            message: message.into(),
        }
    }

    /// Sends a request with the account's limits: rate limit, concurrency limit,
    /// timeout and body cap; counts every attempt; retries connect errors, 5xx and
    /// 429 (honouring `Retry-After`) with backoff; turns transport errors and
    /// non-2xx statuses into classified [`PollError`]s. Auth errors are never
    /// retried.
    pub async fn send(
        &self,
        api: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<Response, PollError> {
        self.send_with(api, false, || request.try_clone()).await
    }

    /// Like [`send`](Self::send), but builds the request anew for every attempt
    /// (so a signed request gets a fresh timestamp), which also makes the
    /// platform's "signature too old" codes (clock skew: its
    /// `ErrorSpec::resign_codes`) worth retrying.
    pub async fn send_signed(
        &self,
        api: &str,
        mut build: impl FnMut() -> reqwest::RequestBuilder,
    ) -> Result<Response, PollError> {
        self.send_with(api, true, move || Some(build())).await
    }

    async fn send_with(
        &self,
        api: &str,
        resigned: bool,
        mut build: impl FnMut() -> Option<reqwest::RequestBuilder>,
    ) -> Result<Response, PollError> {
        let mut retry = 0;
        loop {
            let Some(request) = build() else {
                return Err(self.fail(
                    api,
                    "",
                    Reason::Connect,
                    "request cannot be cloned for a retry",
                ));
            };
            let failed = match self.attempt(api, request).await {
                Ok(resp) => return Ok(resp),
                Err(failed) => failed,
            };
            let retryable = match failed.error.reason {
                Reason::Connect | Reason::Http5xx | Reason::Throttled => true,
                Reason::Auth => resigned && self.errors.resign_cures(failed.code.as_deref()),
                _ => false,
            };
            if !retryable || retry >= self.limits.retries {
                return Err(failed.error);
            }
            let wait = failed
                .retry_after
                .map(|d| d.min(MAX_RETRY_AFTER))
                .unwrap_or_else(|| self.limits.backoff(retry));
            tracing::debug!(
                api,
                url = %failed.error.url,
                reason = %failed.error.reason,
                retry = retry + 1,
                wait_ms = wait.as_millis() as u64,
                "retrying upstream request"
            );
            tokio::time::sleep(wait).await;
            retry += 1;
        }
    }

    /// One attempt: waits for the rate limiter and a concurrency slot, sends,
    /// reads the body under the cap, classifies the outcome.
    async fn attempt(
        &self,
        api: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<Response, AttemptError> {
        let plain = |error: PollError| AttemptError {
            error,
            code: None,
            retry_after: None,
        };
        let request = request.timeout(self.timeout).build().map_err(|e| {
            plain(self.fail(
                api,
                "",
                Reason::Connect,
                format!("cannot build request: {}", error_chain(&e.without_url())),
            ))
        })?;
        let url = redact_url(request.url());
        self.limits.rate.acquire().await;
        // The semaphore is never closed, so acquiring cannot fail; if it ever did,
        // sending without a slot is better than failing the poll.
        let _slot = self.limits.concurrency.acquire().await.ok();
        self.stats.count_request(api);
        let mut resp = self.client.execute(request).await.map_err(|e| {
            let reason = if e.is_timeout() {
                Reason::Timeout
            } else {
                Reason::Connect
            };
            // Without the URL: reqwest's copy is not redacted, and the log
            // line names the (redacted) URL already.
            plain(self.fail(api, &url, reason, error_chain(&e.without_url())))
        })?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if (body.len() + chunk.len()) as u64 > self.max_response_bytes {
                        return Err(plain(self.fail(
                            api,
                            &url,
                            Reason::Decode,
                            format!(
                                "response body exceeds max_response_bytes ({})",
                                self.max_response_bytes
                            ),
                        )));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    let reason = if e.is_timeout() {
                        Reason::Timeout
                    } else {
                        Reason::Connect
                    };
                    return Err(plain(self.fail(
                        api,
                        &url,
                        reason,
                        format!("reading body: {}", error_chain(&e.without_url())),
                    )));
                }
            }
        }
        if !status.is_success() {
            let (code, message) = (self.errors.read)(&body);
            let reason = self.errors.classify(status, code.as_deref());
            let text = describe_status(status, code.as_deref(), message.as_deref());
            let retry_after = headers
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            return Err(AttemptError {
                error: self.fail(api, &url, reason, text),
                code,
                retry_after,
            });
        }
        Ok(Response {
            status,
            headers,
            body,
            url,
        })
    }

    /// Decodes a JSON body, counting a `decode` failure if it does not fit `T`.
    pub fn decode<T: DeserializeOwned>(&self, api: &str, resp: &Response) -> Result<T, PollError> {
        serde_json::from_slice(&resp.body).map_err(|e| {
            self.fail(
                api,
                &resp.url,
                Reason::Decode,
                format!("invalid JSON for {api}: {e}"),
            )
        })
    }
}

/// The shared client: rustls, no proxy surprises from the environment beyond
/// reqwest's standard `HTTPS_PROXY` handling, a connect timeout, and a user agent
/// that says who we are.
pub fn build_client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .user_agent(concat!("aipool_exporter/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(10))
        .pool_idle_timeout(Duration::from_secs(90))
        .build()?)
}
