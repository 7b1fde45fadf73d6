//! Wiring: settings → account states, pollers and the HTTP server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Settings;
use crate::http::{build_client, Limits, PollCtx};
use crate::poller::Poller;
use crate::providers;
use crate::server;
use crate::state::{AccountState, Shared};

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

/// Binds the listener and starts one poller per account and the server.
pub async fn start(settings: &Settings) -> anyhow::Result<Running> {
    crate::memory::tune();
    let listener = TcpListener::bind(&settings.web.listen_address)
        .await
        .with_context(|| format!("cannot listen on {}", settings.web.listen_address))?;
    let addr = listener.local_addr()?;
    let client = build_client()?;
    let (shutdown, rx) = watch::channel(false);
    let mut tasks = Vec::new();
    let mut accounts = Vec::new();
    for account in &settings.accounts {
        let state = Arc::new(AccountState::new(account));
        accounts.push(state.clone());
        let poller = Poller {
            provider: providers::build(&account.provider_config),
            ctx: PollCtx {
                client: client.clone(),
                timeout: account.timeout,
                max_response_bytes: account.max_response_bytes,
                stats: state.stats.clone(),
                limits: Limits::new(
                    account.retries,
                    account.requests_per_second,
                    account.max_concurrency,
                ),
            },
            state,
        };
        tasks.push(tokio::spawn(poller.run(rx.clone())));
    }
    let shared = Arc::new(Shared {
        accounts,
        telemetry_path: settings.web.telemetry_path.clone(),
    });
    tasks.push(tokio::spawn(server::serve(listener, shared.clone(), rx)));
    tracing::info!(
        address = %addr,
        accounts = settings.accounts.len(),
        "listening; metrics at http://{addr}{}",
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
