//! The `aipool_exporter` command line: run (default), check-config, top, simulate, demo.
//! `simulate` and `demo` serve the simulator (the `aipool-sim` crate), and `top`
//! is the `aipool-top` crate; only the binary (and the tests) link them: the
//! library knows nothing of either.

mod demo;
mod top_accounts;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use aipool_exporter::app;
use aipool_exporter::config::{self, Env};
use aipool_exporter::logging::{self, LogFormat, LogLevel};
use aipool_exporter::providers::ProviderKind;
use aipool_top as top;

#[derive(Parser, Debug)]
#[command(
    name = "aipool_exporter",
    version = aipool_exporter::build_info::LONG_VERSION,
    about = "Prometheus exporter for AI compute pools on Baidu AIHC, Baidu Qianfan, Huawei ModelArts and Sugon AC / SCNet",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    /// Path to the config file (.toml, .yaml or .yml).
    #[arg(long = "config.file", value_name = "PATH")]
    config_file: Option<PathBuf>,

    /// Address to listen on; overrides web.listen_address.
    #[arg(long = "web.listen-address", value_name = "ADDR")]
    listen_address: Option<String>,

    /// Poll only the accounts of shard i of n (stable hash of the account name);
    /// overrides `shard` in the config.
    #[arg(long = "shard", value_name = "i/n")]
    shard: Option<aipool_exporter::config::Shard>,

    /// TLS and basic auth for the exporter's endpoints, in the Prometheus
    /// exporter-toolkit web config format; re-read when it changes.
    #[arg(long = "web.config.file", value_name = "PATH")]
    web_config_file: Option<PathBuf>,

    /// Log level [default: info; error for `top`, whose status lines say what the
    /// warnings would]
    #[arg(long = "log.level", value_enum, global = true)]
    log_level: Option<LogLevel>,

    #[arg(
        long = "log.format",
        value_enum,
        default_value = "logfmt",
        global = true
    )]
    log_format: LogFormat,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Validate a config file: prints every problem with its key path; exit 0 or 1.
    CheckConfig {
        /// The config file to check.
        path: PathBuf,
        /// Also check this web config file (TLS, basic auth).
        #[arg(long = "web.config.file", value_name = "PATH")]
        web_config_file: Option<PathBuf>,
    },
    /// Poll the configured accounts once or every interval (or read a running
    /// exporter with --url) and show per account whether it works and per pool
    /// and queue the free accelerators, least headroom first; exit 0 if every
    /// account polled fine, 1 if not, 2 on a bad command line or config.
    Top(top::Args),
    /// Serve the simulated platform APIs (for demos and tests).
    Simulate {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:9878")]
        listen: String,
        /// Largest page any list API returns.
        #[arg(long = "page-cap", default_value_t = 100)]
        page_cap: u64,
        /// Keep allocations fixed at the seed values (tests need exact numbers).
        #[arg(long = "no-drift")]
        no_drift: bool,
        /// Fault injection: comma-separated TARGET=FAULT[*COUNT] (see README);
        /// change at run time with POST /-/faults.
        #[arg(long, default_value = "")]
        faults: String,
        /// How long simulated Sugon tokens stay valid.
        #[arg(long = "sugon-token-lifetime", default_value = "10m", value_parser = humantime::parse_duration)]
        sugon_token_lifetime: std::time::Duration,
        /// How far the simulated Sugon platform's clock runs ahead of this host's
        /// (its tokens then lapse before the expiry they claim).
        #[arg(long = "sugon-clock-skew", default_value = "0s", value_parser = humantime::parse_duration)]
        sugon_clock_skew: std::time::Duration,
        /// Serve a generated AIHC fleet on the OpenAPI: POOLS,QUEUES_PER_POOL
        /// (e.g. 2000,25 for about a million series).
        #[arg(long)]
        scale: Option<aipool_sim::scale::Scale>,
        /// Delay every API answer by this much (e.g. 50ms).
        #[arg(long, default_value = "0s", value_parser = humantime::parse_duration)]
        latency: std::time::Duration,
    },
    /// Run the simulator and an exporter configured for it, in one process.
    Demo {
        /// Address the exporter listens on.
        #[arg(long = "web.listen-address", default_value = "127.0.0.1:9877")]
        listen_address: String,
        /// Poll interval of the demo accounts.
        #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
        interval: std::time::Duration,
    },
}

/// The command line; `top --provider` takes the exporter's provider names
/// (`aipool-top` does not know them).
fn parse() -> Cli {
    let command = Cli::command().mut_subcommand("top", |top| {
        top.mut_arg("providers", |a| {
            a.value_parser(clap::builder::PossibleValuesParser::new(
                ProviderKind::NAMES,
            ))
        })
    });
    Cli::from_arg_matches(&command.get_matches()).unwrap_or_else(|e| e.exit())
}

fn main() -> ExitCode {
    let cli = parse();
    let default_level = match cli.command {
        Some(Command::Top(_)) => LogLevel::Error,
        _ => LogLevel::Info,
    };
    logging::init(cli.log_level.unwrap_or(default_level), cli.log_format);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Some(Command::CheckConfig {
            path,
            web_config_file,
        }) => return check_config(&path, web_config_file.as_deref()),
        Some(Command::Top(args)) => {
            return rt.block_on(top::run(args, &mut top_accounts::Daemon::default()))
        }
        Some(Command::Simulate {
            listen,
            page_cap,
            no_drift,
            faults,
            sugon_token_lifetime,
            sugon_clock_skew,
            scale,
            latency,
        }) => {
            let opts = aipool_sim::Options {
                page_cap,
                drift: !no_drift,
                faults,
                sugon: aipool_sim::sugon::SugonOptions {
                    token_lifetime: sugon_token_lifetime,
                    clock_skew: sugon_clock_skew,
                    ..Default::default()
                },
                scale,
                latency,
            };
            rt.block_on(simulate(&listen, &opts))
        }
        Some(Command::Demo {
            listen_address,
            interval,
        }) => rt.block_on(demo::run(&listen_address, interval)),
        None => match cli.config_file {
            Some(path) => rt.block_on(run(
                &path,
                cli.listen_address,
                cli.shard,
                cli.web_config_file,
            )),
            None => Err(anyhow::anyhow!(
                "--config.file is required (or try `aipool_exporter demo`)"
            )),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "exiting");
            eprintln!("aipool_exporter: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn check_config(path: &std::path::Path, web: Option<&std::path::Path>) -> ExitCode {
    let mut ok = true;
    match config::load(path, &Env::from_process()) {
        Ok(settings) => {
            println!(
                "{}: OK ({} account{})",
                path.display(),
                settings.accounts.len(),
                if settings.accounts.len() == 1 {
                    ""
                } else {
                    "s"
                }
            );
        }
        Err(errors) => {
            for line in errors.lines(path) {
                println!("{line}");
            }
            ok = false;
        }
    }
    if let Some(web) = web {
        match aipool_exporter::web::WebGuard::load(web) {
            Ok(_) => println!("{}: OK", web.display()),
            Err(e) => {
                println!("{}: {e}", web.display());
                ok = false;
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

async fn run(
    path: &std::path::Path,
    listen: Option<String>,
    shard: Option<aipool_exporter::config::Shard>,
    web_config: Option<PathBuf>,
) -> anyhow::Result<()> {
    let mut settings = config::load(path, &Env::from_process())
        .map_err(|e| anyhow::anyhow!("invalid config {}:\n{e}", path.display()))?;
    if let Some(addr) = &listen {
        settings.web.listen_address = addr.clone();
    }
    if shard.is_some() {
        settings.shard = shard;
    }
    let web = match web_config {
        None => None,
        Some(p) => Some(std::sync::Arc::new(
            aipool_exporter::web::WebGuard::load(&p)
                .map_err(|e| anyhow::anyhow!("invalid web config {}: {e}", p.display()))?,
        )),
    };
    let opts = app::StartOptions {
        config_path: Some(path.to_path_buf()),
        listen_override: listen,
        shard_override: shard,
        web,
    };
    let running = app::start_with(&settings, opts).await?;
    app::shutdown_signal().await;
    tracing::info!("shutting down");
    running.stop().await;
    Ok(())
}

async fn simulate(listen: &str, opts: &aipool_sim::Options) -> anyhow::Result<()> {
    let sim = aipool_sim::start(listen, opts).await?;
    // Tests read this line to find the port when they ask for port 0.
    println!("simulator listening on http://{}", sim.addr);
    tracing::info!(address = %sim.addr, "simulator listening");
    app::shutdown_signal().await;
    sim.stop().await;
    Ok(())
}
