//! The account's limits on upstream requests: retries with backoff, a rate
//! limit and a concurrency limit. [`PollCtx::send`](super::PollCtx::send)
//! applies them to every attempt.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::Instant;

/// Retry and rate limits of one account's upstream requests.
#[derive(Clone)]
pub struct Limits {
    /// Retries after the first attempt, for connect errors, 5xx, 429 and (with a
    /// re-signed request) a platform's "signature too old" code.
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
    pub(super) fn backoff(&self, retry: u32) -> Duration {
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
