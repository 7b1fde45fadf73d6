//! `aipool_exporter demo`: the simulator and an exporter configured for it, in
//! one process, so a new user sees real-looking metrics with no cloud account.
//! A module of the binary, not of the library: the library never runs the
//! simulator.

use std::time::Duration;

use aipool_exporter::app;
use aipool_exporter::config::{self, Env, Settings};

/// The demo config ([`aipool_sim::demo::config_toml`]), parsed as the exporter
/// parses its config file.
pub fn settings(sim: &str, listen: &str, interval: Duration) -> anyhow::Result<Settings> {
    config::from_str(
        &aipool_sim::demo::config_toml(sim, listen, interval),
        "toml",
        &Env::default(),
    )
    .map_err(|e| anyhow::anyhow!("demo config is invalid (a bug):\n{e}"))
}

/// The simulator the demo polls: its platforms' oddities that make the
/// exporter warn (a suspended Sugon region, an unreachable endpoint) are off,
/// so a first run starts quietly; the tests and `simulate` keep them.
pub fn simulator_options() -> aipool_sim::Options {
    aipool_sim::Options {
        sugon: aipool_sim::sugon::SugonOptions {
            quirks: false,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// What to open once the demo runs, for the log and the terminal.
pub fn what_to_open(exporter: &str) -> String {
    format!(
        "demo running: status page at http://{exporter}/ , metrics at \
         http://{exporter}/metrics ; in another terminal: \
         aipool_exporter top --url http://{exporter}/metrics (Ctrl-C stops the demo)"
    )
}

pub async fn run(listen: &str, interval: Duration) -> anyhow::Result<()> {
    let sim = aipool_sim::start("127.0.0.1:0", &simulator_options()).await?;
    tracing::info!(address = %sim.addr, "simulated platforms listening");
    let settings = settings(&sim.addr.to_string(), listen, interval)?;
    let running = app::start(&settings).await?;
    tracing::info!("{}", what_to_open(&running.addr.to_string()));
    app::shutdown_signal().await;
    running.stop().await;
    sim.stop().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_has_a_qianfan_account() {
        let s = settings(
            "127.0.0.1:1",
            "127.0.0.1:0",
            std::time::Duration::from_secs(60),
        )
        .unwrap();
        let a = s
            .accounts
            .iter()
            .find(|a| a.provider == aipool_exporter::providers::ProviderKind::Qianfan)
            .expect("a qianfan demo account");
        assert_eq!(a.region, "bj");
    }
}
