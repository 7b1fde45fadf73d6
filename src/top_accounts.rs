//! What `top --config.file` polls: the exporter's own config loading and
//! poller (`providers::build`, `poller::context`, `poller::poll`), lent to the
//! `aipool-top` crate, which cannot depend on this package's library.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use aipool_exporter::config::{self, AccountSettings, Env};
use aipool_exporter::counters::AccountCounters;
use aipool_exporter::providers::{self, PollCtx, Provider};
use aipool_exporter::runtime::failure::{PartialError, PollFailure};
use aipool_exporter::runtime::poller;
use aipool_top::view::Failure;
use aipool_top::{Configured, Poll, Polled};

/// The daemon's way of reading a config and polling its accounts.
#[derive(Default)]
pub struct Daemon {
    accounts: Vec<AccountSettings>,
}

impl aipool_top::Daemon for Daemon {
    fn load(&mut self, path: &Path) -> Result<Vec<Configured>, Vec<String>> {
        let settings = config::load(path, &Env::from_process()).map_err(|e| e.lines(path))?;
        self.accounts = settings.accounts;
        Ok(self
            .accounts
            .iter()
            .map(|a| Configured {
                name: a.name.clone(),
                provider: a.provider.as_str().to_string(),
                region: a.region.clone(),
                slot_sizes: a.slot_sizes.clone(),
                interval: a.interval,
            })
            .collect())
    }

    fn pollers(&mut self, selected: &[usize]) -> Result<Vec<Arc<dyn Poll>>, String> {
        let client = providers::build_client()
            .map_err(|e| format!("cannot build the HTTP client: {e:#}"))?;
        Ok(selected
            .iter()
            .filter_map(|&i| self.accounts.get(i))
            .map(|a| Arc::new(Session::new(a, client.clone())) as Arc<dyn Poll>)
            .collect())
    }

    fn timeout(&self) -> Duration {
        config::DEFAULT_TIMEOUT
    }
}

/// One account polled the daemon's way.
struct Session {
    settings: AccountSettings,
    provider: Arc<dyn Provider>,
    ctx: PollCtx,
}

impl Session {
    fn new(settings: &AccountSettings, client: reqwest::Client) -> Session {
        Session {
            settings: settings.clone(),
            provider: providers::build(&settings.provider_config),
            ctx: poller::context(settings, client, Arc::new(AccountCounters::default())),
        }
    }

    /// The daemon's `poller::poll`, then what `top` keeps of it.
    async fn poll_once(&self) -> Polled {
        let s = &self.settings;
        let polled = poller::poll(
            &s.name,
            s.provider,
            self.provider.as_ref(),
            &self.ctx,
            poller::deadline(s.stale_after, s.timeout),
        )
        .await;
        let seconds = polled.duration.as_secs_f64();
        let result = match polled.result {
            Ok(output) => {
                for e in &output.partial {
                    tracing::debug!(account = %s.name, api = %e.api, url = %e.url, reason = %e.reason, error = %e.message, "part of the account could not be read");
                }
                // `top` shows the daemon's text of each partial error.
                let partial = PartialError::all_of(&output)
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                Ok((output.snapshot, partial))
            }
            Err(PollFailure::Request(e)) => Err(Failure {
                reason: e.reason.as_str().to_string(),
                message: e.message,
                url: e.url,
                api: e.api,
            }),
            Err(PollFailure::Timeout(d)) => Err(Failure {
                reason: "timeout".into(),
                message: format!(
                    "the poll did not finish within {} (stale_after)",
                    humantime::format_duration(d)
                ),
                url: String::new(),
                api: String::new(),
            }),
        };
        Polled { result, seconds }
    }
}

impl Poll for Session {
    fn poll(&self) -> Pin<Box<dyn Future<Output = Polled> + Send + '_>> {
        Box::pin(self.poll_once())
    }
}
