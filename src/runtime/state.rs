//! What the poller publishes and the server reads: per account, the last good
//! snapshot and the poll status, swapped as one `Arc` so a reader never sees half
//! of a poll (architecture invariant 3) and never waits for one (invariant 1).
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
use crate::exposition::{render_data, render_self, DataLines, KeptUnit, Lines};
use crate::model::{Snapshot, Unit};
use crate::providers::ProviderKind;

/// The published state of one account after its latest poll.
#[derive(Debug, Clone, Default)]
pub struct Published {
    /// A successful poll's snapshot, handed to [`AccountState::publish`]. It is
    /// rendered there and not kept: in [`AccountState::current`] it is `None`,
    /// and the last good data lives on as rendered lines ([`Rendered::data`])
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
    /// The last failure, without secrets: `reason: api url: message`.
    pub last_error: Option<String>,
    /// Requests of the last successful poll that failed without failing it
    /// (see `providers::PollOutput::partial`), without secrets, like `last_error`.
    pub partial_errors: Vec<String>,
    /// Units (pools, services, regions) whose own calls failed in the last
    /// successful poll, handed to [`AccountState::publish`]: their last good
    /// series are kept until `stale_after` instead of the fresh data.
    pub failed_units: Vec<(Unit, String)>,
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
    pub error: String,
}

#[derive(Debug)]
pub struct AccountState {
    pub name: String,
    pub provider: ProviderKind,
    pub region: String,
    pub interval: Duration,
    pub stale_after: Duration,
    pub stats: Arc<AccountCounters>,
    entry: RwLock<Arc<Rendered>>,
}

/// Process-wide publish counter: every publish of every account gets a new
/// generation, so a scrape cache keyed by generations never mistakes one
/// account's state for another's.
static GENERATION: AtomicU64 = AtomicU64::new(1);

/// Woken on every publish, so a scrape cache can drop responses that still hold
/// the previous rendering (see `server::serve`) instead of keeping two
/// renderings of a large account resident until the next scrape.
pub static PUBLISHED: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// One publish of one account: the published state and its pre-rendered lines.
#[derive(Debug)]
pub struct Rendered {
    /// Unique per publish (see [`GENERATION`]).
    pub generation: u64,
    pub published: Arc<Published>,
    /// Self metrics (poll status and counters) as of this publish.
    pub self_lines: Lines,
    /// The last good snapshot's series; shared with the previous publish when a
    /// failed poll keeps them.
    pub data: Option<Arc<DataLines>>,
    /// Pools and queues of the last good snapshot (for the status page).
    pub pools: usize,
    pub queues: usize,
    stale_after: Duration,
}

impl Rendered {
    /// The data series, unless they are stale at `now` (then they are left out).
    pub fn fresh_data(&self, now: SystemTime) -> Option<&DataLines> {
        self.data
            .as_deref()
            .filter(|_| !self.published.is_stale(self.stale_after, now))
    }
}

impl Published {
    /// The data is older than `stale_after` (or there is none): its series are
    /// left out, so dashboards show a gap instead of a frozen value.
    pub fn is_stale(&self, stale_after: Duration, now: SystemTime) -> bool {
        match self.last_success {
            None => true,
            Some(t) => now
                .duration_since(t)
                .map(|age| age > stale_after)
                .unwrap_or(false),
        }
    }
}

impl AccountState {
    pub fn new(settings: &AccountSettings) -> Self {
        let state = AccountState {
            name: settings.name.clone(),
            provider: settings.provider,
            region: settings.region.clone(),
            interval: settings.interval,
            stale_after: settings.stale_after,
            stats: Arc::new(AccountCounters::default()),
            entry: RwLock::new(Arc::new(Rendered {
                generation: 0,
                published: Arc::default(),
                self_lines: Lines::default(),
                data: None,
                pools: 0,
                queues: 0,
                stale_after: settings.stale_after,
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
        let mut data = snapshot
            .as_deref()
            .map(|s| render_data(self.provider.as_str(), &self.name, &self.region, s, fetched));
        let mut capacity = snapshot.as_deref().map(|s| Capacity::of(s, &self.region));
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
        failed: &[(Unit, String)],
        previous: &Rendered,
        now: SystemTime,
    ) -> Vec<Behind> {
        let mut behind = Vec::with_capacity(failed.len());
        let mut kept: Vec<KeptUnit> = Vec::new();
        let previous = previous.data.as_deref();
        for (unit, error) in failed {
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
    pub fn publish_failure(&self, duration: Duration, error: String) {
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
        self.swap(next, previous.data.clone(), previous.pools, previous.queues);
    }

    fn swap(&self, next: Published, data: Option<Arc<DataLines>>, pools: usize, queues: usize) {
        let self_lines = render_self(self, &next, &self.stats.view());
        let entry = Arc::new(Rendered {
            generation: GENERATION.fetch_add(1, Ordering::Relaxed),
            published: Arc::new(next),
            self_lines,
            data,
            pools,
            queues,
            stale_after: self.stale_after,
        });
        *self.entry.write().unwrap_or_else(|p| p.into_inner()) = entry;
        PUBLISHED.notify_waiters();
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
    pub telemetry_path: String,
    /// Where `POST /-/reload` sends its request (`None`: reload not supported).
    pub reload: Option<tokio::sync::mpsc::Sender<ReloadRequest>>,
}

impl Shared {
    pub fn new(
        accounts: Vec<Arc<AccountState>>,
        telemetry_path: String,
        reload: Option<tokio::sync::mpsc::Sender<ReloadRequest>>,
    ) -> Self {
        Shared {
            accounts: RwLock::new(Arc::new(accounts)),
            telemetry_path,
            reload,
        }
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
/// `aipool_config_last_reload_success_timestamp_seconds`. Process-wide, like the
/// config file it describes; unset (and not rendered) until the exporter loads
/// a config.
#[derive(Debug)]
pub struct ReloadStatus {
    /// 0 unset, 1 the last load succeeded, 2 it failed.
    state: AtomicU8,
    last_success_ms: AtomicU64,
}

static RELOAD_STATUS: ReloadStatus = ReloadStatus {
    state: AtomicU8::new(0),
    last_success_ms: AtomicU64::new(0),
};

/// The process's reload status.
pub fn reload_status() -> &'static ReloadStatus {
    &RELOAD_STATUS
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
