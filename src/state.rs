//! What the poller publishes and the server reads: per account, the last good
//! snapshot and the poll status, swapped as one `Arc` so a reader never sees half
//! of a poll (architecture invariant 3) and never waits for one (invariant 1).

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use crate::config::AccountSettings;
use crate::model::Snapshot;
use crate::providers::ProviderKind;
use crate::stats::AccountStats;

/// The published state of one account after its latest poll.
#[derive(Debug, Clone, Default)]
pub struct Published {
    /// The last good snapshot; kept when a later poll fails.
    pub snapshot: Option<Arc<Snapshot>>,
    /// The last poll fully succeeded.
    pub up: bool,
    /// At least one poll has finished (successfully or not).
    pub attempted: bool,
    pub last_success: Option<SystemTime>,
    pub last_duration: Option<Duration>,
    /// The last failure, without secrets: `reason: api url: message`.
    pub last_error: Option<String>,
}

#[derive(Debug)]
pub struct AccountState {
    pub name: String,
    pub provider: ProviderKind,
    pub region: String,
    pub interval: Duration,
    pub stale_after: Duration,
    pub stats: Arc<AccountStats>,
    published: RwLock<Arc<Published>>,
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
        AccountState {
            name: settings.name.clone(),
            provider: settings.provider,
            region: settings.region.clone(),
            interval: settings.interval,
            stale_after: settings.stale_after,
            stats: Arc::new(AccountStats::default()),
            published: RwLock::new(Arc::new(Published::default())),
        }
    }

    /// The current published state (a cheap `Arc` clone; the lock is held only
    /// for the clone).
    pub fn current(&self) -> Arc<Published> {
        self.published
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the published state.
    pub fn publish(&self, next: Published) {
        *self.published.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(next);
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
