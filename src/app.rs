//! Wiring, the top of the process: binds the listener, starts the runtime's
//! supervisor (which owns the pollers) and the HTTP server over one
//! [`Shared`], and stops them. `main` and `demo` call this; nothing below
//! imports it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::config::{Settings, Shard};
use crate::providers::upstream::build_client;
use crate::runtime::state::{ReloadRequest, Shared};
use crate::runtime::supervisor::{futures_join, Reloads, Supervisor};
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
        settings.web.telemetry_path.clone(),
        Some(reload_tx),
    ));
    let supervisor = Supervisor::start(
        settings,
        client,
        shared.clone(),
        Reloads {
            config_path: opts.config_path,
            listen_override: opts.listen_override,
            shard_override: opts.shard_override,
        },
    );
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
