//! Upstream HTTP: one shared reqwest client, per-request timeouts, a body size
//! cap, request/failure accounting, and the classification of every failure into
//! one `reason` of `aipool_api_request_failures_total`.
//!
//! Every [`PollError`] is made through [`PollCtx::fail`], which counts it, so a
//! failure cannot go uncounted.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::counters::AccountCounters;

pub use crate::error::{PollError, Reason};

/// Error codes that mean "your credentials are wrong or expired" on the platforms
/// we talk to; they are `auth` whatever HTTP status carries them.
const AUTH_CODES: &[&str] = &[
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "RequestExpired",
    "InvalidSessionToken",
    "APIGW.0301",
    "APIGW.0101",
    "APIGW.0303",
    "ModelArts.0103",
    "10008",
];

/// The Host header reqwest sends for `url`: the host, plus the port when it is
/// not the scheme's default. Request signatures must cover exactly that value.
pub fn host_header(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    })
}

/// What a provider's poll needs: the HTTP client, the account's limits, and where
/// to count.
pub struct PollCtx {
    pub client: reqwest::Client,
    pub timeout: Duration,
    pub max_response_bytes: u64,
    pub stats: Arc<AccountCounters>,
    pub limits: Limits,
}

/// Retry and rate limits of one account's upstream requests.
#[derive(Clone)]
pub struct Limits {
    /// Retries after the first attempt, for connect errors, 5xx, 429 and (with a
    /// re-signed request) Baidu `RequestExpired`.
    pub retries: u32,
    /// First backoff; doubles per retry, with full jitter, up to `backoff_max`.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    pub rate: Arc<RateLimiter>,
    /// Requests of this account in flight at once.
    pub concurrency: Arc<Semaphore>,
    /// The number of permits of `concurrency`.
    pub max_concurrency: usize,
}

impl Limits {
    pub fn new(retries: u32, requests_per_second: f64, max_concurrency: usize) -> Self {
        Limits {
            retries,
            backoff_base: Duration::from_millis(200),
            backoff_max: Duration::from_secs(10),
            rate: Arc::new(RateLimiter::new(requests_per_second)),
            concurrency: Arc::new(Semaphore::new(max_concurrency.max(1))),
            max_concurrency: max_concurrency.max(1),
        }
    }

    /// How many per-parent fetches (e.g. one pool's queues) to run ahead: twice
    /// the requests allowed in flight, so one slow fetch at the head of the line
    /// does not leave slots idle while the ones behind it wait to be consumed.
    pub fn fetch_window(&self) -> usize {
        self.max_concurrency.saturating_mul(2)
    }

    /// No retries, no rate limit: for tests that count requests exactly.
    pub fn unlimited() -> Self {
        Limits::new(0, 0.0, 64)
    }

    /// The wait before retry number `retry` (0-based): exponential with full
    /// jitter, so many clients backing off from one outage spread out.
    fn backoff(&self, retry: u32) -> Duration {
        let cap = self
            .backoff_base
            .saturating_mul(1u32 << retry.min(16))
            .min(self.backoff_max);
        cap.mul_f64(fastrand::f64())
    }
}

/// Spaces requests at least `1 / rate` apart (a token bucket with a burst of one);
/// a rate of 0 means unlimited.
pub struct RateLimiter {
    spacing: Option<Duration>,
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    pub fn new(requests_per_second: f64) -> Self {
        RateLimiter {
            spacing: (requests_per_second > 0.0 && requests_per_second.is_finite())
                .then(|| Duration::from_secs_f64(1.0 / requests_per_second)),
            next: Mutex::new(None),
        }
    }

    pub async fn acquire(&self) {
        let Some(spacing) = self.spacing else { return };
        let at = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let at = next.map_or(now, |n| n.max(now));
            *next = Some(at + spacing);
            at
        };
        tokio::time::sleep_until(at).await;
    }
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

/// A response that arrived with a 2xx status, body read in full.
#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// The request URL, redacted, for error messages.
    pub url: String,
}

impl PollCtx {
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
    /// (so a signed request gets a fresh timestamp), which also makes Baidu's
    /// `RequestExpired` (clock skew) worth retrying.
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
                Reason::Auth => resigned && failed.code.as_deref() == Some("RequestExpired"),
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
                format!("cannot build request: {}", error_chain(&e)),
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
            plain(self.fail(api, &url, reason, error_chain(&e)))
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
                        format!("reading body: {}", error_chain(&e)),
                    )));
                }
            }
        }
        if !status.is_success() {
            let (code, message) = upstream_message(&body);
            let reason = classify_status(status, code.as_deref());
            let text = match (&code, message) {
                (Some(c), Some(m)) => format!("HTTP {status}: {c}: {m}"),
                (Some(c), None) => format!("HTTP {status}: {c}"),
                (None, Some(m)) => format!("HTTP {status}: {m}"),
                (None, None) => format!("HTTP {status}"),
            };
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

/// The failure reason for a non-2xx status, refined by an upstream error code.
pub fn classify_status(status: StatusCode, code: Option<&str>) -> Reason {
    if code.is_some_and(|c| AUTH_CODES.contains(&c)) {
        return Reason::Auth;
    }
    match status.as_u16() {
        401 | 403 => Reason::Auth,
        429 => Reason::Throttled,
        400..=499 => Reason::Http4xx,
        _ => Reason::Http5xx,
    }
}

/// Pulls `(code, message)` out of the error body shapes the platforms use:
/// `{code, message}`, `{error_code, error_msg}`, `{code, msg}`. Messages are cut
/// short: they end up in logs.
pub fn upstream_message(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(body)
    else {
        return (None, None);
    };
    let text = |keys: &[&str]| {
        keys.iter().find_map(|k| match map.get(*k) {
            Some(serde_json::Value::String(s)) if !s.is_empty() => Some(shorten(s)),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            _ => None,
        })
    };
    (
        text(&["code", "error_code", "errorCode"]),
        text(&["message", "error_msg", "msg", "errorMsg"]),
    )
}

fn shorten(s: &str) -> String {
    const MAX: usize = 300;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(MAX).collect();
        t.push('…');
        t
    }
}

/// A URL safe to log: no user info, and the values of query parameters whose
/// names suggest credentials replaced.
pub fn redact_url(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    if u.query().is_some() {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let lower = k.to_ascii_lowercase();
                let sensitive = [
                    "token",
                    "signature",
                    "password",
                    "secret",
                    "key",
                    "cookie",
                    "auth",
                    "credential",
                ]
                .iter()
                .any(|s| lower.contains(s));
                let v = if sensitive {
                    "REDACTED".to_string()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    u.to_string()
}

/// An error and its sources on one line (reqwest hides the useful part, e.g.
/// "connection refused", in the source chain).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(src) = cur {
        let t = src.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = src.source();
    }
    s
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_classification() {
        let s = |n| StatusCode::from_u16(n).unwrap();
        assert_eq!(classify_status(s(401), None), Reason::Auth);
        assert_eq!(classify_status(s(403), None), Reason::Auth);
        assert_eq!(classify_status(s(429), None), Reason::Throttled);
        assert_eq!(classify_status(s(404), None), Reason::Http4xx);
        assert_eq!(classify_status(s(503), None), Reason::Http5xx);
        assert_eq!(
            classify_status(s(400), Some("RequestExpired")),
            Reason::Auth
        );
        assert_eq!(
            classify_status(s(400), Some("SignatureDoesNotMatch")),
            Reason::Auth
        );
        assert_eq!(
            classify_status(s(500), Some("InternalError")),
            Reason::Http5xx
        );
    }

    #[test]
    fn upstream_messages_in_every_shape() {
        assert_eq!(
            upstream_message(br#"{"requestId":"r","code":"AccessDenied","message":"no"}"#),
            (Some("AccessDenied".into()), Some("no".into()))
        );
        assert_eq!(
            upstream_message(br#"{"error_code":110,"error_msg":"Access token invalid"}"#),
            (Some("110".into()), Some("Access token invalid".into()))
        );
        assert_eq!(
            upstream_message(br#"{"code":"10008","msg":"token expired","data":null}"#),
            (Some("10008".into()), Some("token expired".into()))
        );
        assert_eq!(upstream_message(b"<html>bad gateway</html>"), (None, None));
    }

    #[test]
    fn urls_lose_credentials() {
        let u =
            Url::parse("https://user:pw@h.example/p?a=1&token=abc&accessKey=k&pageNo=2").unwrap();
        let r = redact_url(&u);
        assert!(
            !r.contains("abc") && !r.contains("pw") && !r.contains("user"),
            "{r}"
        );
        assert!(r.contains("a=1") && r.contains("pageNo=2"), "{r}");
    }

    #[test]
    fn long_messages_are_cut() {
        let body = format!(r#"{{"message":"{}"}}"#, "x".repeat(5000));
        let (_, m) = upstream_message(body.as_bytes());
        assert!(m.unwrap().chars().count() <= 301);
    }
}
