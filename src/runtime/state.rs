//! What the poller publishes and the server reads: per account, the last good
//! snapshot and the poll status, swapped as one `Arc` so a reader never sees half
//! of a poll (a scrape mixing two polls would show figures that never held
//! together) and never waits for one (a slow upstream must not stall a scrape).
//!
//! Publishing also renders: the account's series are written to exposition bytes
//! once per publish (see `exposition::render`), so a scrape only stitches buffers.
//! The snapshot is then dropped, keeping only what the status page shows of it
//! (`capacity::Capacity`): on a large fleet the snapshot would cost about as much
//! memory again as the rendered lines (bench/RESULTS.md).

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use crate::capacity::Capacity;
use crate::config::AccountSettings;
use crate::counters::AccountCounters;
use crate::exposition::{
    is_stale, render_at, render_data, render_self, AccountLines, BuildInfo, DataLines, Format,
    HasLines, KeptUnit, SelfStatus,
};
use crate::model::{Snapshot, Unit};
use crate::providers::{FailedUnit, PollError, ProviderKind};
use crate::runtime::failure::{PartialError, PollFailure};

/// The published state of one account after its latest poll.
#[derive(Debug, Clone, Default)]
pub struct Published {
    /// A successful poll's snapshot, handed to [`AccountState::publish`]. It is
    /// rendered there and not kept: in [`AccountState::current`] it is `None`,
    /// and the last good data lives on as rendered lines ([`Rendered::lines`])
    /// and as the status page's [`Capacity`].
    pub snapshot: Option<Arc<Snapshot>>,
    /// What the status page shows of the last good snapshot; set by
    /// [`AccountState::publish`] (any value handed in is replaced).
    pub capacity: Option<Arc<Capacity>>,
    /// The last poll fully succeeded.
    pub up: bool,
    /// At least one poll has finished (successfully or not).
    pub attempted: bool,
    pub last_success: Option<SystemTime>,
    pub last_duration: Option<Duration>,
    /// The last failure; shown as `reason: api url: message`.
    pub last_error: Option<PollFailure>,
    /// Requests of the last successful poll that failed without failing it
    /// (see `providers::PollOutput::partial`), and its failed units.
    pub partial_errors: Vec<PartialError>,
    /// Units (pools, services, regions) whose own calls failed in the last
    /// successful poll, handed to [`AccountState::publish`]: their last good
    /// series are kept until `stale_after` instead of the fresh data.
    pub failed_units: Vec<FailedUnit>,
    /// What the status page shows of those: each failed unit, when its data was
    /// last fetched (`None`: never, so it has no series) and why it failed.
    /// Set by [`AccountState::publish`].
    pub behind: Vec<Behind>,
}

/// A unit whose data is older than the account's last successful poll.
#[derive(Debug, Clone, PartialEq)]
pub struct Behind {
    pub unit: Unit,
    pub fetched: Option<SystemTime>,
    /// Why its calls failed, as its provider reported it.
    pub error: PollError,
}

#[derive(Debug)]
pub struct AccountState {
    pub name: String,
    pub provider: ProviderKind,
    pub region: String,
    pub interval: Duration,
    pub stale_after: Duration,
    /// Job sizes (cards) of the free-slot series.
    pub slot_sizes: Vec<u32>,
    pub stats: Arc<AccountCounters>,
    publications: Arc<Publications>,
    entry: RwLock<Arc<Rendered>>,
}

/// What every account of one account list shares about publishing: the
/// generation counter (every publish of every account gets a new one, so a
/// scrape cache keyed by generations never mistakes one account's state for
/// another's, across reloads too) and a wake-up on every publish, so the scrape
/// cache can drop responses that still hold the previous rendering (see
/// `server::serve`) instead of keeping two renderings of a large account
/// resident until the next scrape. Owned by [`Shared`] and handed to each
/// [`AccountState`] it holds.
#[derive(Debug)]
pub struct Publications {
    generation: AtomicU64,
    published: tokio::sync::Notify,
}

impl Default for Publications {
    fn default() -> Self {
        Publications {
            generation: AtomicU64::new(1),
            published: tokio::sync::Notify::new(),
        }
    }
}

impl Publications {
    fn next_generation(&self) -> u64 {
        self.generation.fetch_add(1, Ordering::Relaxed)
    }

    /// Completes at the next publish of any account.
    pub async fn published(&self) {
        self.published.notified().await
    }
}

/// One publish of one account: the published state and its pre-rendered lines.
#[derive(Debug)]
pub struct Rendered {
    pub published: Arc<Published>,
    /// What a scrape stitches: the self metrics and the last good data.
    pub lines: AccountLines,
    /// Pools and queues of the last good snapshot (for the status page).
    pub pools: usize,
    pub queues: usize,
}

impl Published {
    /// The data is older than `stale_after` (or there is none): see
    /// [`is_stale`].
    pub fn is_stale(&self, stale_after: Duration, now: SystemTime) -> bool {
        is_stale(self.last_success, stale_after, now)
    }
}

impl AccountState {
    /// A new account of the list that `publications` belongs to.
    pub fn new(settings: &AccountSettings, publications: Arc<Publications>) -> Self {
        let state = AccountState {
            name: settings.name.clone(),
            provider: settings.provider,
            region: settings.region.clone(),
            interval: settings.interval,
            stale_after: settings.stale_after,
            slot_sizes: settings.slot_sizes.clone(),
            stats: Arc::new(AccountCounters::default()),
            publications,
            entry: RwLock::new(Arc::new(Rendered {
                published: Arc::default(),
                lines: AccountLines::default(),
                pools: 0,
                queues: 0,
            })),
        };
        // Before the first poll a scrape still shows the self metrics.
        state.publish(Published::default());
        state
    }

    /// The current published state (a cheap `Arc` clone; the lock is held only
    /// for the clone).
    pub fn current(&self) -> Arc<Published> {
        self.rendered().published.clone()
    }

    /// The current publish with its pre-rendered lines.
    pub fn rendered(&self) -> Arc<Rendered> {
        self.entry.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Replaces the published state and its data with `next` and its snapshot
    /// (none: no data series), rendering them outside any lock. A large snapshot
    /// takes a while, so the poller calls this off the async workers. Self
    /// metrics are rendered with the counters as of now.
    pub fn publish(&self, mut next: Published) {
        let snapshot = next.snapshot.take();
        let failed = std::mem::take(&mut next.failed_units);
        let fetched = next.last_success.unwrap_or_else(SystemTime::now);
        let mut data = snapshot.as_deref().map(|s| {
            render_data(
                self.provider.as_str(),
                &self.name,
                &self.region,
                s,
                fetched,
                &self.slot_sizes,
            )
        });
        let mut capacity = snapshot
            .as_deref()
            .map(|s| Capacity::of(s, &self.region, &self.slot_sizes));
        // Dropped here, before the swap, so a large snapshot and the previous
        // rendering are not both resident longer than needed.
        drop(snapshot);
        if let Some(d) = data.as_mut() {
            let previous = self.rendered();
            next.behind = self.keep_failed_units(d, &failed, &previous, fetched);
            if let (Some(c), Some(prev)) =
                (capacity.as_mut(), previous.published.capacity.as_deref())
            {
                let kept: Vec<&Unit> = next
                    .behind
                    .iter()
                    .filter(|b| b.fetched.is_some())
                    .map(|b| &b.unit)
                    .collect();
                let account_region = self.region.as_str();
                c.keep_rows_of(prev, |region, pool_id| {
                    // Rows carry the resolved region; a pool in the account's own
                    // region is keyed without one.
                    let unit = Unit::Pool {
                        cloud_region: (region != account_region).then(|| region.to_string()),
                        pool_id: pool_id.to_string(),
                    };
                    kept.iter().any(|k| k.covers(&unit))
                });
                c.keep_units_of(prev, |service_id| {
                    let unit = Unit::Service {
                        service_id: service_id.to_string(),
                    };
                    kept.iter().any(|k| k.covers(&unit))
                });
            }
        }
        let (pools, queues) = data.as_ref().map_or((0, 0), |d| (d.pools(), d.queues()));
        if let Some(c) = capacity.as_mut() {
            // Kept units count too: their rows and series are still shown.
            c.pools = pools;
            c.queues = queues;
        }
        next.capacity = capacity.map(Arc::new);
        self.swap(next, data.map(Arc::new), pools, queues);
    }

    /// Carries the last good lines of every failed unit from `previous` into
    /// `data` (in output order), unless they are older than `stale_after` at
    /// `now`; returns what the status page shows of the failed units. A unit
    /// the fresh data has (a provider that reported it failed and still
    /// delivered it) keeps the fresh lines.
    fn keep_failed_units(
        &self,
        data: &mut DataLines,
        failed: &[FailedUnit],
        previous: &Rendered,
        now: SystemTime,
    ) -> Vec<Behind> {
        let mut behind = Vec::with_capacity(failed.len());
        let mut kept: Vec<KeptUnit> = Vec::new();
        let previous = previous.lines.data.as_deref();
        for FailedUnit { unit, error } in failed {
            let mut fetched: Option<SystemTime> = None;
            for (old, at) in previous.iter().flat_map(|d| d.units()) {
                if !unit.covers(old) || data.has_unit(old) || kept.iter().any(|k| &k.unit == old) {
                    continue;
                }
                let fresh_enough = now
                    .duration_since(at)
                    .map_or(true, |age| age <= self.stale_after);
                if !fresh_enough {
                    continue;
                }
                if let Some(k) = previous.and_then(|d| d.extract(old)) {
                    fetched = Some(fetched.map_or(at, |f| f.min(at)));
                    kept.push(k);
                }
            }
            behind.push(Behind {
                unit: unit.clone(),
                fetched,
                error: error.clone(),
            });
        }
        if !kept.is_empty() {
            data.keep(kept);
        }
        behind
    }

    /// Publishes a failed poll: `up` 0 with `error`, keeping the last good data
    /// (until it goes stale) and the time of the last success.
    pub fn publish_failure(&self, duration: Duration, error: PollFailure) {
        let previous = self.rendered();
        let next = Published {
            snapshot: None,
            capacity: previous.published.capacity.clone(),
            up: false,
            attempted: true,
            last_success: previous.published.last_success,
            last_duration: Some(duration),
            last_error: Some(error),
            // What the last successful poll could not read is still missing
            // from the data it kept.
            partial_errors: previous.published.partial_errors.clone(),
            failed_units: Vec::new(),
            behind: previous.published.behind.clone(),
        };
        self.swap(
            next,
            previous.lines.data.clone(),
            previous.pools,
            previous.queues,
        );
    }

    fn swap(&self, next: Published, data: Option<Arc<DataLines>>, pools: usize, queues: usize) {
        let status = SelfStatus {
            provider: self.provider.as_str(),
            account: &self.name,
            interval: self.interval,
            up: next.up,
            attempted: next.attempted,
            last_success: next.last_success,
            last_duration: next.last_duration,
            partial_errors: next.partial_errors.len(),
        };
        let lines = AccountLines {
            generation: self.publications.next_generation(),
            self_lines: render_self(&status, &self.stats.view()),
            data,
            last_success: next.last_success,
            stale_after: self.stale_after,
        };
        let entry = Arc::new(Rendered {
            published: Arc::new(next),
            lines,
            pools,
            queues,
        });
        *self.entry.write().unwrap_or_else(|p| p.into_inner()) = entry;
        self.publications.published.notify_waiters();
    }
}

/// The scrape body for `accounts` as they stand at `now`, with no reload
/// status: what a scrape of an exporter with only these accounts returns (for
/// tests, benchmarks and checks outside a running server).
pub fn render_accounts_at(
    format: Format,
    accounts: &[Arc<AccountState>],
    build: &BuildInfo,
    now: SystemTime,
) -> Vec<u8> {
    render_at(format, &rendered(accounts), None, build, now)
}

/// The accounts' current publishes, in list order: what a scrape stitches.
pub fn rendered(accounts: &[Arc<AccountState>]) -> Vec<Arc<Rendered>> {
    accounts.iter().map(|a| a.rendered()).collect()
}

impl HasLines for Rendered {
    fn lines(&self) -> &AccountLines {
        &self.lines
    }
}

/// The account list as the server sees it: replaced whole on a config reload,
/// so a scrape sees either the old list or the new one.
pub type AccountList = Arc<Vec<Arc<AccountState>>>;

/// Asks the app to re-read its config; the answer is the outcome.
pub type ReloadRequest = tokio::sync::oneshot::Sender<Result<(), String>>;

/// Everything the HTTP server shows.
#[derive(Debug)]
pub struct Shared {
    accounts: RwLock<AccountList>,
    /// Handed to every account of the list (see [`Shared::new_account`]).
    pub publications: Arc<Publications>,
    /// The outcome of the last config (re)load.
    pub reload_status: ReloadStatus,
    pub telemetry_path: String,
    /// Where `POST /-/reload` sends its request (`None`: reload not supported).
    pub reload: Option<tokio::sync::mpsc::Sender<ReloadRequest>>,
}

impl Shared {
    /// An empty account list; fill it with [`Shared::new_account`] and
    /// [`Shared::set_accounts`].
    pub fn new(
        telemetry_path: String,
        reload: Option<tokio::sync::mpsc::Sender<ReloadRequest>>,
    ) -> Self {
        Shared {
            accounts: RwLock::new(Arc::default()),
            publications: Arc::default(),
            reload_status: ReloadStatus::default(),
            telemetry_path,
            reload,
        }
    }

    /// A new account state that publishes through this list's
    /// [`Publications`].
    pub fn new_account(&self, settings: &AccountSettings) -> Arc<AccountState> {
        Arc::new(AccountState::new(settings, self.publications.clone()))
    }

    /// The accounts' current pre-rendered lines, in list order, for a scrape.
    pub fn rendered(&self) -> Vec<Arc<Rendered>> {
        rendered(&self.accounts())
    }

    /// The current accounts (a cheap `Arc` clone).
    pub fn accounts(&self) -> AccountList {
        self.accounts
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the account list (config reload).
    pub fn set_accounts(&self, accounts: Vec<Arc<AccountState>>) {
        *self.accounts.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(accounts);
    }

    /// Every account has finished at least one poll.
    pub fn ready(&self) -> bool {
        self.accounts().iter().all(|a| a.current().attempted)
    }
}

/// The outcome of the last config (re)load, for
/// `aipool_config_last_reload_successful` and
/// `aipool_config_last_reload_success_timestamp_seconds`; unset (and not
/// rendered) until the exporter loads a config.
#[derive(Debug, Default)]
pub struct ReloadStatus {
    /// 0 unset, 1 the last load succeeded, 2 it failed.
    state: AtomicU8,
    last_success_ms: AtomicU64,
}

impl ReloadStatus {
    pub fn succeeded(&self, at: SystemTime) {
        let ms = at
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        self.last_success_ms.store(ms, Ordering::Relaxed);
        self.state.store(1, Ordering::Relaxed);
    }

    pub fn failed(&self) {
        self.state.store(2, Ordering::Relaxed);
    }

    /// `(last reload successful, Unix time of the last success)`, once set.
    pub fn get(&self) -> Option<(bool, f64)> {
        match self.state.load(Ordering::Relaxed) {
            0 => None,
            s => Some((
                s == 1,
                self.last_success_ms.load(Ordering::Relaxed) as f64 / 1000.0,
            )),
        }
    }
}

/// Fixtures shared by the unit tests of the runtime and of exposition.
#[cfg(test)]
pub(crate) mod testing {
    use std::sync::Arc;

    use super::AccountState;
    use crate::config::{self, Env};
    use crate::model::{Pool, Queue, Snapshot};

    /// An AIHC account `name` in region `bj`, in an account list of its own.
    pub(crate) fn account(name: &str) -> Arc<AccountState> {
        let text = format!(
            "[[accounts]]\nname = \"{name}\"\nprovider = \"aihc\"\nregion = \"bj\"\naccess_key_id = \"ak\"\nsecret_access_key = \"sk\"\n"
        );
        let settings = config::from_str(&text, "toml", &Env::default()).expect("valid config");
        Arc::new(AccountState::new(&settings.accounts[0], Arc::default()))
    }

    /// One pool `p` with `queues` in it.
    pub(crate) fn snapshot(queues: &[&str]) -> Snapshot {
        Snapshot {
            pools: vec![Pool {
                id: "p".into(),
                ..Pool::default()
            }],
            queues: queues
                .iter()
                .map(|q| Queue {
                    pool_id: "p".into(),
                    id: q.to_string(),
                    ..Queue::default()
                })
                .collect(),
            ..Snapshot::default()
        }
    }
}
