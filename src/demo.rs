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

pub async fn run(listen: &str, interval: Duration) -> anyhow::Result<()> {
    let sim = aipool_sim::start("127.0.0.1:0", &aipool_sim::Options::default()).await?;
    let settings = settings(&sim.addr.to_string(), listen, interval)?;
    let running = app::start(&settings).await?;
    println!(
        "aipool_exporter demo: simulated platforms at http://{}",
        sim.addr
    );
    println!(
        "aipool_exporter demo: metrics at http://{}/metrics (Ctrl-C stops)",
        running.addr
    );
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
