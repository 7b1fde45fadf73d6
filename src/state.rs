//! What the poller publishes and the server reads: per account, the last good
//! snapshot and the poll status, swapped as one `Arc` so a reader never sees half
//! of a poll (architecture invariant 3) and never waits for one (invariant 1).

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

/// Everything the HTTP server shows.
#[derive(Debug)]
pub struct Shared {
    pub accounts: Vec<Arc<AccountState>>,
    pub telemetry_path: String,
}

impl Shared {
    /// Every account has finished at least one poll.
    pub fn ready(&self) -> bool {
        self.accounts.iter().all(|a| a.current().attempted)
    }
}
