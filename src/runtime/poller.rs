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

use crate::config::AccountSettings;
use crate::counters::AccountCounters;
use crate::providers::upstream::{Limits, PollCtx};
use crate::providers::{FailedUnit, PollOutput, Provider, ProviderKind};
use crate::runtime::failure::{PartialError, PollFailure};
use crate::runtime::state::{AccountState, Published};

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
        let deadline = deadline(self.state.stale_after, self.ctx.timeout);
        let Polled { result, duration } = poll(
            &self.state.name,
            self.state.provider,
            self.provider.as_ref(),
            &self.ctx,
            deadline,
        )
        .await;
        let overruns = (duration.as_secs_f64() / self.state.interval.as_secs_f64()).floor() as u64;
        if overruns > 0 {
            self.state.stats.count_overruns(overruns);
            tracing::warn!(
                account = %self.state.name,
                duration_s = duration.as_secs_f64(),
                skipped = overruns,
                "poll took longer than the interval; skipped the ticks it overlapped"
            );
        }
        let name = &self.state.name;
        let provider = self.state.provider.as_str();
        match result {
            Ok(output) => {
                self.state.stats.count_fired(&output.fired);
                self.state.stats.count_poll(true);
                for e in self.state.stats.count_decode_errors(output.decode.errors()) {
                    tracing::warn!(account = %name, provider, api = %e.api, object = %e.object, field = %e.field, reason = %e.reason, value = %e.detail, "left out what did not decode; the rest is published");
                }
                // A part that keeps failing (a workspace list, a forbidden
                // region) is logged when it starts failing, not again on every
                // poll while the gauge and the status page show it.
                let before = self.state.current();
                let partial_errors = PartialError::all_of(&output);
                for p in &partial_errors {
                    let new = !before.partial_errors.contains(p);
                    match p {
                        PartialError::Request(e) if new => {
                            tracing::warn!(account = %name, provider, api = %e.api, url = %e.url, reason = %e.reason, error = %e.message, "part of the account could not be read; the rest is published")
                        }
                        PartialError::Request(e) => {
                            tracing::debug!(account = %name, provider, api = %e.api, reason = %e.reason, "part of the account still cannot be read")
                        }
                        PartialError::Unit(FailedUnit { unit, error: e }) if new => {
                            tracing::warn!(account = %name, provider, unit = %unit, api = %e.api, url = %e.url, reason = %e.reason, error = %e.message, "a unit's calls failed; its last good data is kept until stale_after, the rest is published")
                        }
                        PartialError::Unit(FailedUnit { unit, error: e }) => {
                            tracing::debug!(account = %name, provider, unit = %unit, api = %e.api, reason = %e.reason, "a unit's calls still fail")
                        }
                    }
                }
                tracing::debug!(
                    account = %name,
                    provider,
                    pools = output.snapshot.pools.len(),
                    queues = output.snapshot.queues.len(),
                    duration_ms = duration.as_millis() as u64,
                    "poll succeeded"
                );
                let next = Published {
                    snapshot: Some(Arc::new(output.snapshot)),
                    capacity: None,
                    up: true,
                    attempted: true,
                    last_success: Some(SystemTime::now()),
                    last_duration: Some(duration),
                    last_error: None,
                    // A failed unit is a partial error too: the gauge counts both.
                    partial_errors,
                    failed_units: output.failed,
                    behind: Vec::new(),
                };
                // Publishing renders the snapshot: a large one takes long enough
                // to hold up scrapes if it ran on an async worker.
                let state = self.state.clone();
                let publish = move || {
                    state.publish(next);
                    // The previous rendering and this poll's snapshot are free
                    // now: give their pages back (see `memory`).
                    crate::memory::release();
                };
                if let Err(e) = tokio::task::spawn_blocking(publish).await {
                    tracing::error!(account = %name, error = %e, "rendering the snapshot failed");
                }
            }
            Err(failure) => {
                self.state.stats.count_poll(false);
                let kept = what_is_kept(
                    self.state.current().last_success,
                    self.state.stale_after,
                    SystemTime::now(),
                );
                match &failure {
                    PollFailure::Request(e) => tracing::warn!(
                        account = %name,
                        provider,
                        api = %e.api,
                        url = %e.url,
                        reason = %e.reason,
                        error = %e.message,
                        "poll failed; {kept}"
                    ),
                    PollFailure::Timeout(deadline) => tracing::warn!(
                        account = %name,
                        provider,
                        deadline_s = deadline.as_secs_f64(),
                        "poll did not finish before stale_after; {kept}"
                    ),
                }
                self.state.publish_failure(duration, failure);
            }
        }
    }
}

/// What a failed poll leaves served, for its log line: before the first
/// success there is nothing to keep, and data older than `stale_after` is no
/// longer served.
fn what_is_kept(
    last_success: Option<SystemTime>,
    stale_after: Duration,
    now: SystemTime,
) -> &'static str {
    match last_success {
        None => "no data yet",
        Some(_) if crate::exposition::is_stale(last_success, stale_after, now) => {
            "the last good data is older than stale_after and no longer served"
        }
        Some(_) => "keeping the last good data",
    }
}

/// One poll's outcome and its wall time.
#[derive(Debug)]
pub struct Polled {
    /// The provider's output, sorted and without duplicate ids.
    pub result: Result<PollOutput, PollFailure>,
    pub duration: Duration,
}

/// The poll context of an account: the shared client, and the account's timeout,
/// body cap and retry, rate and concurrency limits. What the daemon's pollers
/// and `aipool_exporter top` both poll with.
pub fn context(
    account: &AccountSettings,
    client: reqwest::Client,
    stats: Arc<AccountCounters>,
) -> PollCtx {
    PollCtx {
        client,
        timeout: account.timeout,
        max_response_bytes: account.max_response_bytes,
        stats,
        limits: Limits::new(
            account.retries,
            account.requests_per_second,
            account.max_concurrency,
        ),
        errors: account.provider.errors(),
    }
}

/// The longest one poll may run: a large fleet may need longer than one
/// interval (the ticks it overlaps are skipped, never doubled), but a poll that
/// has not finished when its data would go stale anyway is abandoned.
pub fn deadline(stale_after: Duration, timeout: Duration) -> Duration {
    stale_after.max(timeout)
}

/// The per-poll work the daemon and `aipool_exporter top` share: the provider's
/// poll under `deadline`, then the snapshot sorted and deduplicated (each
/// dropped duplicate logged). Counting and publishing are the caller's.
pub async fn poll(
    account: &str,
    kind: ProviderKind,
    provider: &dyn Provider,
    ctx: &PollCtx,
    deadline: Duration,
) -> Polled {
    let started = Instant::now();
    let result = tokio::time::timeout(deadline, provider.poll(ctx)).await;
    let duration = started.elapsed();
    let result = match result {
        Ok(Ok(mut output)) => {
            output.snapshot.sort();
            let dropped = output.snapshot.dedupe();
            for id in &dropped {
                tracing::warn!(account = %account, provider = kind.as_str(), object = %id, "duplicate id in upstream response; kept the first");
            }
            Ok(output)
        }
        Ok(Err(e)) => Err(PollFailure::Request(e)),
        Err(_) => Err(PollFailure::Timeout(deadline)),
    };
    Polled { result, duration }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use super::*;
    use crate::config::{self, Env};
    use crate::counters::AccountCounters;
    use crate::exposition::{BuildInfo, Format};
    use crate::model::{Snapshot, Unit};
    use crate::providers::upstream::{PollError, Reason};
    use crate::providers::{BoxFuture, PollOutput};
    use crate::runtime::state::render_accounts_at;
    use crate::runtime::state::testing::snapshot;

    /// A provider that answers from a script, one entry per poll.
    struct Scripted(Mutex<VecDeque<Result<Snapshot, PollError>>>);

    impl Provider for Scripted {
        fn poll<'a>(&'a self, _ctx: &'a PollCtx) -> BoxFuture<'a, Result<PollOutput, PollError>> {
            let next = self
                .0
                .lock()
                .unwrap()
                .pop_front()
                .expect("script exhausted");
            Box::pin(async move {
                next.map(|snapshot| PollOutput {
                    snapshot,
                    fired: Default::default(),
                    partial: Vec::new(),
                    decode: Default::default(),
                    failed: Vec::new(),
                })
            })
        }
    }

    fn failure() -> PollError {
        PollError {
            api: "DescribeQueues".into(),
            url: "http://x/".into(),
            reason: Reason::Http5xx,
            message: "HTTP 503".into(),
        }
    }

    fn poller(script: Vec<Result<Snapshot, PollError>>) -> Poller {
        let settings = config::from_str(
            "[[accounts]]\nname='a'\nprovider='aihc'\nregion='bj'\naccess_key_id='k'\nsecret_access_key='s'\n",
            "toml",
            &Env::default(),
        )
        .unwrap();
        let state = Arc::new(AccountState::new(&settings.accounts[0], Arc::default()));
        Poller {
            ctx: PollCtx::for_tests(
                reqwest::Client::new(),
                Duration::from_secs(1),
                Arc::new(AccountCounters::default()),
                &crate::providers::upstream::response::ErrorSpec::NEUTRAL,
            ),
            provider: Arc::new(Scripted(Mutex::new(script.into()))),
            state,
        }
    }

    fn metrics(p: &Poller) -> String {
        String::from_utf8(render_accounts_at(
            Format::Text,
            std::slice::from_ref(&p.state),
            &BuildInfo::default(),
            SystemTime::now(),
        ))
        .unwrap()
    }

    #[tokio::test]
    async fn each_success_replaces_the_snapshot_and_failures_keep_it() {
        let p = poller(vec![
            Ok(snapshot(&["q1", "q2"])),
            Err(failure()),
            Ok(snapshot(&["q2"])),
        ]);
        p.poll_once().await;
        let m = metrics(&p);
        assert!(
            m.contains("queue_id=\"q1\"") && m.contains("queue_id=\"q2\""),
            "{m}"
        );
        assert!(m.contains("aipool_up{provider=\"aihc\",account=\"a\"} 1\n"));
        let first_success = p.state.current().last_success;

        // A failed poll: up goes to 0, the last good data stays, and so does the
        // time of the last success.
        p.poll_once().await;
        let m = metrics(&p);
        assert!(
            m.contains("aipool_up{provider=\"aihc\",account=\"a\"} 0\n"),
            "{m}"
        );
        assert!(
            m.contains("queue_id=\"q1\""),
            "last good data was lost:\n{m}"
        );
        assert_eq!(p.state.current().last_success, first_success);
        // The state keeps the error as the provider reported it; its text is
        // made where it is shown.
        let last_error = p.state.current().last_error.clone();
        assert_eq!(last_error, Some(PollFailure::Request(failure())));
        assert_eq!(
            last_error.map(|e| e.to_string()).as_deref(),
            Some("http_5xx: DescribeQueues http://x/: HTTP 503")
        );

        // The next success replaces the snapshot: q1 vanished upstream, so it
        // vanishes from /metrics.
        p.poll_once().await;
        let m = metrics(&p);
        assert!(!m.contains("queue_id=\"q1\""), "{m}");
        assert!(m.contains("queue_id=\"q2\""));
        assert!(m.contains(
            "aipool_polls_total{provider=\"aihc\",account=\"a\",result=\"success\"} 2\n"
        ));
        assert!(m.contains(
            "aipool_polls_total{provider=\"aihc\",account=\"a\",result=\"failure\"} 1\n"
        ));
    }

    #[tokio::test]
    async fn duplicate_ids_keep_the_first() {
        let mut s = snapshot(&["q1", "q1"]);
        s.queues[1].name = "second".into();
        let p = poller(vec![Ok(s)]);
        p.poll_once().await;
        let m = metrics(&p);
        let q1: Vec<&str> = m
            .lines()
            .filter(|l| l.starts_with("aipool_queue_info{") && l.contains("queue_id=\"q1\""))
            .collect();
        assert_eq!(q1.len(), 1, "{m}");
        assert!(q1[0].contains("queue_name=\"\""), "{m}");
        assert_eq!(p.state.rendered().queues, 1);
    }

    /// A provider that never answers.
    struct Hangs;

    impl Provider for Hangs {
        fn poll<'a>(&'a self, _ctx: &'a PollCtx) -> BoxFuture<'a, Result<PollOutput, PollError>> {
            Box::pin(std::future::pending())
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_hanging_poll_ends_at_the_interval_as_a_failure() {
        let mut p = poller(vec![]);
        p.provider = Arc::new(Hangs);
        p.poll_once().await;
        let cur = p.state.current();
        assert!(cur.attempted && !cur.up);
        let deadline = deadline(p.state.stale_after, p.ctx.timeout);
        assert_eq!(cur.last_error, Some(PollFailure::Timeout(deadline)));
        assert_eq!(
            cur.last_error.as_ref().map(|e| e.to_string()).as_deref(),
            Some("timeout: poll exceeded 180s")
        );
    }

    /// A provider whose poll succeeds with a part it cannot read and a failed
    /// pool `p2`.
    struct Partly;

    impl Provider for Partly {
        fn poll<'a>(&'a self, _ctx: &'a PollCtx) -> BoxFuture<'a, Result<PollOutput, PollError>> {
            Box::pin(async {
                Ok(PollOutput {
                    snapshot: snapshot(&["q1"]),
                    partial: vec![PollError {
                        api: "ListWorkspaces".into(),
                        url: "http://x/ws".into(),
                        reason: Reason::Auth,
                        message: "forbidden".into(),
                    }],
                    failed: vec![FailedUnit {
                        unit: Unit::Pool {
                            cloud_region: None,
                            pool_id: "p2".into(),
                        },
                        error: failure(),
                    }],
                    ..PollOutput::default()
                })
            })
        }
    }

    #[tokio::test]
    async fn a_partly_failed_poll_keeps_its_errors_typed() {
        let mut p = poller(vec![]);
        p.provider = Arc::new(Partly);
        p.poll_once().await;
        let cur = p.state.current();
        assert!(cur.up && cur.last_error.is_none());
        let reasons: Vec<Reason> = cur
            .partial_errors
            .iter()
            .map(|e| e.error().reason)
            .collect();
        assert_eq!(reasons, [Reason::Auth, Reason::Http5xx]);
        assert_eq!(cur.behind.len(), 1);
        assert_eq!(cur.behind[0].error, failure());
        let m = metrics(&p);
        assert!(
            m.contains("aipool_poll_partial_errors{provider=\"aihc\",account=\"a\"} 2\n"),
            "{m}"
        );
        // A failed poll keeps what the last success could not read.
        p.provider = Arc::new(Scripted(Mutex::new(vec![Err(failure())].into())));
        p.poll_once().await;
        let cur = p.state.current();
        assert!(!cur.up);
        assert_eq!(cur.partial_errors.len(), 2);
        assert_eq!(cur.behind[0].error.reason, Reason::Http5xx);
    }

    #[test]
    fn a_failed_poll_says_what_it_keeps() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let stale_after = Duration::from_secs(180);
        assert_eq!(what_is_kept(None, stale_after, now), "no data yet");
        let recent = Some(now - Duration::from_secs(60));
        assert_eq!(
            what_is_kept(recent, stale_after, now),
            "keeping the last good data"
        );
        let old = Some(now - Duration::from_secs(600));
        assert_eq!(
            what_is_kept(old, stale_after, now),
            "the last good data is older than stale_after and no longer served"
        );
    }
}
