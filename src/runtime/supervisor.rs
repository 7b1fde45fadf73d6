//! Wiring: settings → account states, pollers and the HTTP server; config
//! reloads (SIGHUP, `POST /-/reload`).
//!
//! A supervisor task owns the pollers: a map account name → (settings, task,
//! state). A reload diffs the new accounts against it: an unchanged account
//! keeps its task, state and counters; a changed one is restarted with fresh
//! state; a removed one is stopped; a new one is started. The server reads the
//! account list through [`Shared::accounts`], swapped whole. An invalid new
//! config changes nothing but `aipool_config_last_reload_successful`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::config::{self, AccountSettings, Env, Settings, Shard, WebSettings};
use crate::providers;
use crate::providers::upstream::build_client;
use crate::runtime::poller::{self, Poller};
use crate::runtime::state::{reload_status, AccountState, ReloadRequest, Shared};
use crate::server;
use crate::web::WebGuard;

/// A running exporter.
pub struct Running {
    pub addr: SocketAddr,
    pub shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    /// Stops pollers and the server; waits at most a second for them.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let all = futures_join(self.tasks);
        if tokio::time::timeout(Duration::from_secs(1), all)
            .await
            .is_err()
        {
            tracing::warn!("some tasks did not stop within a second");
        }
    }
}

async fn futures_join(tasks: Vec<JoinHandle<()>>) {
    for t in tasks {
        let _ = t.await;
    }
}

/// How the exporter was started, beyond the settings.
#[derive(Default)]
pub struct StartOptions {
    /// The config file, re-read on reload (`None`: reload is refused, e.g. demo).
    pub config_path: Option<PathBuf>,
    /// `--web.listen-address`, which wins over the file on every reload too.
    pub listen_override: Option<String>,
    /// `--shard=i/n`, which wins over the file's `shard` on every reload too.
    pub shard_override: Option<Shard>,
    /// `--web.config.file`: TLS and basic auth.
    pub web: Option<Arc<WebGuard>>,
}

/// Binds the listener and starts one poller per account and the server.
pub async fn start(settings: &Settings) -> anyhow::Result<Running> {
    start_with(settings, StartOptions::default()).await
}

/// [`start`] with a config file to reload from and endpoint security.
pub async fn start_with(settings: &Settings, opts: StartOptions) -> anyhow::Result<Running> {
    crate::memory::tune();
    let listener = TcpListener::bind(&settings.web.listen_address)
        .await
        .with_context(|| format!("cannot listen on {}", settings.web.listen_address))?;
    let addr = listener.local_addr()?;
    let client = build_client()?;
    let (shutdown, rx) = watch::channel(false);
    let (reload_tx, reload_rx) = mpsc::channel::<ReloadRequest>(4);
    let shared = Arc::new(Shared::new(
        Vec::new(),
        settings.web.telemetry_path.clone(),
        Some(reload_tx),
    ));
    let mut supervisor = Supervisor {
        client,
        shared: shared.clone(),
        pollers: BTreeMap::new(),
        config_path: opts.config_path,
        listen_override: opts.listen_override,
        shard_override: opts.shard_override,
        web: settings.web.clone(),
    };
    supervisor.apply(&polled_accounts(settings));
    reload_status().succeeded(SystemTime::now());
    let tls = opts.web.as_ref().is_some_and(|w| w.tls().is_some());
    let tasks = vec![
        tokio::spawn(supervisor.run(rx.clone(), reload_rx)),
        tokio::spawn(server::serve(listener, shared.clone(), opts.web, rx)),
    ];
    tracing::info!(
        address = %addr,
        accounts = settings.accounts.len(),
        "listening; metrics at {}://{addr}{}",
        if tls { "https" } else { "http" },
        settings.web.telemetry_path
    );
    Ok(Running {
        addr,
        shared,
        shutdown,
        tasks,
    })
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

struct Supervisor {
    client: reqwest::Client,
    shared: Arc<Shared>,
    pollers: BTreeMap<String, PollerTask>,
    config_path: Option<PathBuf>,
    listen_override: Option<String>,
    shard_override: Option<Shard>,
    web: WebSettings,
}

impl Supervisor {
    async fn run(
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
                reload_status().failed();
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
        reload_status().succeeded(SystemTime::now());
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
        let state = Arc::new(AccountState::new(account));
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

/// Resolves when SIGINT or SIGTERM arrives.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
