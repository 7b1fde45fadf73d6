//! The supervisor: owns one poller per account (a map account name →
//! settings, task, state) and config reloads (SIGHUP, `POST /-/reload`).
//!
//! A reload diffs the new accounts against the map: an unchanged account
//! keeps its task, state and counters; a changed one is restarted with fresh
//! state; a removed one is stopped; a new one is started. The server reads the
//! account list through [`Shared::accounts`], swapped whole. An invalid new
//! config changes nothing but `aipool_config_last_reload_successful`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::config::{self, AccountSettings, Env, Settings, Shard, WebSettings};
use crate::providers;
use crate::runtime::poller::{self, Poller};
use crate::runtime::state::{AccountState, ReloadRequest, Shared};

/// Waits for every task (after they were told to stop).
pub(crate) async fn futures_join(tasks: Vec<JoinHandle<()>>) {
    for t in tasks {
        let _ = t.await;
    }
}

/// The accounts this instance polls (its shard's, when sharded), logged when
/// sharding leaves some out.
fn polled_accounts(settings: &Settings) -> Vec<AccountSettings> {
    let polled: Vec<AccountSettings> = settings.polled_accounts().cloned().collect();
    if let Some(shard) = settings.shard {
        tracing::info!(
            %shard,
            polled = polled.len(),
            configured = settings.accounts.len(),
            "sharding: polling only this shard's accounts"
        );
    }
    polled
}

/// One account's running poller.
struct PollerTask {
    settings: AccountSettings,
    state: Arc<AccountState>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl PollerTask {
    /// Asks the poller to stop (it does at its next await point) and makes
    /// sure it is gone within a second.
    fn stop(self) {
        let _ = self.stop.send(true);
        let task = self.task;
        tokio::spawn(async move {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(1), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        });
    }
}

pub(crate) struct Supervisor {
    client: reqwest::Client,
    shared: Arc<Shared>,
    pollers: BTreeMap<String, PollerTask>,
    config_path: Option<PathBuf>,
    listen_override: Option<String>,
    shard_override: Option<Shard>,
    web: WebSettings,
}

/// What a reload re-reads, and what the command line holds over the file.
pub(crate) struct Reloads {
    /// The config file (`None`: reload is refused, e.g. demo).
    pub config_path: Option<PathBuf>,
    /// `--web.listen-address`, which wins over the file on every reload too.
    pub listen_override: Option<String>,
    /// `--shard=i/n`, which wins over the file's `shard` on every reload too.
    pub shard_override: Option<Shard>,
}

impl Supervisor {
    /// Starts one poller per account of `settings` this instance polls and
    /// publishes them in `shared`; [`Supervisor::run`] then serves reloads.
    pub(crate) fn start(
        settings: &Settings,
        client: reqwest::Client,
        shared: Arc<Shared>,
        reloads: Reloads,
    ) -> Self {
        let mut supervisor = Supervisor {
            client,
            shared,
            pollers: BTreeMap::new(),
            config_path: reloads.config_path,
            listen_override: reloads.listen_override,
            shard_override: reloads.shard_override,
            web: settings.web.clone(),
        };
        supervisor.apply(&polled_accounts(settings));
        supervisor.shared.reload_status.succeeded(SystemTime::now());
        supervisor
    }

    pub(crate) async fn run(
        mut self,
        mut shutdown: watch::Receiver<bool>,
        mut requests: mpsc::Receiver<ReloadRequest>,
    ) {
        let mut hangup = Hangup::new();
        loop {
            tokio::select! {
                _ = shutdown.changed() => break,
                Some(reply) = requests.recv() => {
                    let _ = reply.send(self.reload("POST /-/reload"));
                }
                _ = hangup.recv() => {
                    let _ = self.reload("SIGHUP");
                }
            }
        }
        let tasks: Vec<JoinHandle<()>> = std::mem::take(&mut self.pollers)
            .into_values()
            .map(|p| {
                let _ = p.stop.send(true);
                p.task
            })
            .collect();
        futures_join(tasks).await;
    }

    /// Re-reads the config file and applies it; an invalid file changes nothing.
    fn reload(&mut self, trigger: &str) -> Result<(), String> {
        let Some(path) = self.config_path.clone() else {
            return Err("this exporter has no config file to reload".into());
        };
        let mut settings = match config::load(&path, &Env::from_process()) {
            Ok(s) => s,
            Err(errors) => {
                self.shared.reload_status.failed();
                // Config errors name keys and never show secret values.
                let text = errors
                    .0
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ");
                tracing::error!(
                    trigger,
                    path = %path.display(),
                    errors = %text,
                    "config reload failed; the running config stays in force"
                );
                return Err(text);
            }
        };
        if let Some(addr) = &self.listen_override {
            settings.web.listen_address = addr.clone();
        }
        if self.shard_override.is_some() {
            settings.shard = self.shard_override;
        }
        if settings.web != self.web {
            tracing::warn!(
                trigger,
                "the web section changed; listen_address and telemetry_path take effect at the next restart"
            );
        }
        let (added, changed, removed) = self.apply(&polled_accounts(&settings));
        self.shared.reload_status.succeeded(SystemTime::now());
        tracing::info!(
            trigger,
            path = %path.display(),
            accounts = settings.accounts.len(),
            added,
            changed,
            removed,
            "config reloaded"
        );
        Ok(())
    }

    /// Starts, keeps, restarts or stops pollers so they match `accounts`, and
    /// publishes the new list in config order. Returns (added, changed, removed).
    fn apply(&mut self, accounts: &[AccountSettings]) -> (usize, usize, usize) {
        let (mut added, mut changed) = (0, 0);
        let mut next = BTreeMap::new();
        let mut order = Vec::with_capacity(accounts.len());
        for a in accounts {
            let kept = match self.pollers.remove(&a.name) {
                Some(p) if p.settings == *a => Some(p),
                Some(p) => {
                    tracing::info!(account = %a.name, "account settings changed; restarting its poller");
                    p.stop();
                    changed += 1;
                    None
                }
                None => {
                    added += 1;
                    None
                }
            };
            let p = kept.unwrap_or_else(|| self.spawn(a));
            order.push(p.state.clone());
            next.insert(a.name.clone(), p);
        }
        let removed = self.pollers.len();
        for (name, p) in std::mem::replace(&mut self.pollers, next) {
            tracing::info!(account = %name, "account removed from the config; stopping its poller");
            p.stop();
        }
        self.shared.set_accounts(order);
        (added, changed, removed)
    }

    fn spawn(&self, account: &AccountSettings) -> PollerTask {
        let state = self.shared.new_account(account);
        let poller = Poller {
            provider: providers::build(&account.provider_config),
            ctx: poller::context(account, self.client.clone(), state.stats.clone()),
            state: state.clone(),
        };
        let (stop, rx) = watch::channel(false);
        PollerTask {
            settings: account.clone(),
            state,
            stop,
            task: tokio::spawn(poller.run(rx)),
        }
    }
}

/// SIGHUP as a stream; never fires where there are no signals.
struct Hangup {
    #[cfg(unix)]
    signal: Option<tokio::signal::unix::Signal>,
}

impl Hangup {
    fn new() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Hangup {
                signal: signal(SignalKind::hangup())
                    .map_err(|e| tracing::warn!(error = %e, "cannot listen for SIGHUP"))
                    .ok(),
            }
        }
        #[cfg(not(unix))]
        Hangup {}
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        if let Some(s) = self.signal.as_mut() {
            if s.recv().await.is_some() {
                return;
            }
        }
        std::future::pending::<()>().await
    }
}
