//! One polling task per account, decoupled from scrapes.
//!
//! Each tick runs the provider's poll under an overall deadline; a success
//! replaces the account's published snapshot wholesale (so vanished pools and
//! queues vanish), a failure keeps the last good snapshot and flips `up` to 0.
//! Ticks missed while a poll runs long are skipped, never doubled.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use crate::http::PollCtx;
use crate::providers::Provider;
use crate::state::{AccountState, Published};

pub struct Poller {
    pub state: Arc<AccountState>,
    pub provider: Arc<dyn Provider>,
    pub ctx: PollCtx,
}

impl Poller {
    /// Polls until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let interval = self.state.interval;
        // A little jitter so many accounts configured together do not hit the
        // upstreams in lockstep; at most a second, and never a noticeable part of a
        // short interval.
        let max_jitter = (interval / 10).min(Duration::from_secs(1));
        let jitter = max_jitter.mul_f64(fastrand::f64());
        tokio::select! {
            _ = tokio::time::sleep(jitter) => {}
            _ = shutdown.changed() => return,
        }
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = shutdown.changed() => return,
            }
            tokio::select! {
                _ = self.poll_once() => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    /// One poll: run it, publish the outcome, count it.
    pub async fn poll_once(&self) {
        let started = Instant::now();
        // However many requests a poll makes, it must end before the next one is
        // due, so a slow upstream cannot pile polls up.
        let deadline = self.state.interval.max(self.ctx.timeout);
        let result = tokio::time::timeout(deadline, self.provider.poll(&self.ctx)).await;
        let duration = started.elapsed();
        let previous = self.state.current();
        let name = &self.state.name;
        let provider = self.state.provider.as_str();
        match result {
            Ok(Ok(mut output)) => {
                output.snapshot.sort();
                let dropped = output.snapshot.dedupe();
                for id in &dropped {
                    tracing::warn!(account = %name, provider, object = %id, "duplicate id in upstream response; kept the first");
                }
                self.state.stats.count_fired(&output.fired);
                self.state.stats.count_poll(true);
                tracing::debug!(
                    account = %name,
                    provider,
                    pools = output.snapshot.pools.len(),
                    queues = output.snapshot.queues.len(),
                    duration_ms = duration.as_millis() as u64,
                    "poll succeeded"
                );
                self.state.publish(Published {
                    snapshot: Some(Arc::new(output.snapshot)),
                    up: true,
                    attempted: true,
                    last_success: Some(SystemTime::now()),
                    last_duration: Some(duration),
                    last_error: None,
                });
            }
            Ok(Err(e)) => {
                self.state.stats.count_poll(false);
                tracing::warn!(
                    account = %name,
                    provider,
                    api = %e.api,
                    url = %e.url,
                    reason = %e.reason,
                    error = %e.message,
                    "poll failed; keeping the last good data"
                );
                self.publish_failure(
                    &previous,
                    duration,
                    format!("{}: {} {}: {}", e.reason, e.api, e.url, e.message),
                );
            }
            Err(_) => {
                self.state.stats.count_poll(false);
                tracing::warn!(
                    account = %name,
                    provider,
                    deadline_s = deadline.as_secs_f64(),
                    "poll did not finish before the next was due; keeping the last good data"
                );
                self.publish_failure(
                    &previous,
                    duration,
                    format!("timeout: poll exceeded {deadline:?}"),
                );
            }
        }
    }

    fn publish_failure(&self, previous: &Published, duration: Duration, error: String) {
        self.state.publish(Published {
            snapshot: previous.snapshot.clone(),
            up: false,
            attempted: true,
            last_success: previous.last_success,
            last_duration: Some(duration),
            last_error: Some(error),
        });
    }
}
