//! `aipool_exporter top`: the first five minutes with a real account, and a
//! headroom view in the terminal.
//!
//! With `--config.file` it polls every selected account through the daemon's
//! own code (auth, paging, rules, derivations, sorting, deduplication), which
//! the binary lends it as a [`Daemon`] — this crate cannot link the exporter's
//! library, whose package holds the binary that runs `top` — and shows per
//! account whether the poll worked and, from `aipool_model::capacity`, the
//! same rows in the same order as the status page. With `--url` it reads a
//! running exporter's exposition back into snapshots and shows the same view
//! (`scrape`).
//!
//! Modes: `--once` polls once, prints and exits; otherwise it refreshes every
//! interval, full screen on a terminal (`q` or Ctrl-C quits; ↑/↓, j/k, PgUp/PgDn,
//! Home/End scroll, and the last line counts the lines out of view; columns
//! give way to the window's width as `layout` says), or as a new plain frame
//! each time when stdout is not a terminal. Exit status: 0 when every
//! selected account's last poll succeeded, 1 when any failed (or the exporter
//! at `--url` could not be read), 2 on a bad command line or config.

pub mod json;
pub mod keys;
pub mod layout;
pub mod scrape;
mod screen;
pub mod table;
pub mod terminal;
pub mod view;

use std::future::Future;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::mpsc;
use tokio::time::Instant;

use aipool_model::model::Snapshot;
use aipool_model::redact::Secret;

use scrape::{ScrapeError, Scraper, Target};
use view::{AccountData, Entry, Failure, Filter, Status};

/// The exporter's config loading and polling, which `--config.file` uses.
pub trait Daemon {
    /// The accounts of the config file at `path`, in its order, or the lines
    /// `check-config` prints for it.
    fn load(&mut self, path: &Path) -> Result<Vec<Configured>, Vec<String>>;
    /// Pollers for the accounts `load` returned at these indexes, in this
    /// order, or why they cannot be built.
    fn pollers(&mut self, selected: &[usize]) -> Result<Vec<Arc<dyn Poll>>, String>;
    /// How long a read of an exporter (`--url`) may take: the exporter's
    /// default upstream timeout.
    fn timeout(&self) -> Duration;
}

/// One account of the config, as `top` selects and shows it.
#[derive(Debug, Clone)]
pub struct Configured {
    pub name: String,
    pub provider: String,
    pub region: String,
    /// The account's `slot_sizes`.
    pub slot_sizes: Vec<u32>,
    pub interval: Duration,
}

/// One account's poller, the daemon's way.
pub trait Poll: Send + Sync {
    fn poll(&self) -> Pin<Box<dyn Future<Output = Polled> + Send + '_>>;
}

/// What one poll gave.
#[derive(Debug)]
pub struct Polled {
    /// The snapshot and what could not be read of the account (a pool, a
    /// service, a region), or why the poll failed.
    pub result: Result<(Snapshot, Vec<String>), Failure>,
    pub seconds: f64,
}

/// Every selected account's last poll succeeded.
pub const EXIT_OK: u8 = 0;
/// Some account's last poll failed, or the exporter at `--url` was unreadable.
pub const EXIT_FAILED: u8 = 1;
/// A bad command line or config.
pub const EXIT_USAGE: u8 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// Status lines and tables for people.
    Table,
    /// One JSON document per refresh (fields: README, "First five minutes").
    Json,
}

/// The command line of `aipool_exporter top`.
#[derive(Debug, Clone, clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["config_file", "url"])))]
pub struct Args {
    /// Poll the accounts of this config file, as the exporter would (secrets
    /// read the same way: inline, `_file`, `_env`).
    #[arg(long = "config.file", value_name = "PATH")]
    pub config_file: Option<PathBuf>,

    /// Read a running exporter instead: http(s)://HOST:PORT[/metrics].
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// Poll once, print, exit: 0 if every account polled fine, 1 if not.
    #[arg(long)]
    pub once: bool,

    /// Time between refreshes [default: the shortest poll interval of the
    /// accounts shown].
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub interval: Option<Duration>,

    #[arg(long, value_enum, default_value = "table")]
    pub output: Output,

    /// Only these accounts (repeat the flag or separate with commas).
    #[arg(long = "account", value_name = "NAME", value_delimiter = ',')]
    pub accounts: Vec<String>,

    /// Only accounts of these providers (repeat or comma-separate).
    // The binary sets the possible values: the exporter's provider names.
    #[arg(long = "provider", value_name = "PROVIDER", value_delimiter = ',')]
    pub providers: Vec<String>,

    /// Only accelerators whose name contains this (case-insensitive), e.g. h20.
    #[arg(long, value_name = "SUBSTR")]
    pub accelerator: Option<String>,

    /// --url: basic auth as USER:PASSWORD, or USER with --password-file or
    /// --password-env (which keep the password out of `ps`).
    #[arg(long, short = 'u', value_name = "USER[:PASSWORD]", requires = "url")]
    pub user: Option<String>,

    /// --url: read the basic auth password from this file (a trailing newline
    /// is dropped).
    #[arg(
        long = "password-file",
        value_name = "PATH",
        requires = "user",
        conflicts_with = "password_env"
    )]
    pub password_file: Option<PathBuf>,

    /// --url: read the basic auth password from this environment variable.
    #[arg(long = "password-env", value_name = "VAR", requires = "user")]
    pub password_env: Option<String>,

    /// --url: trust only the CA certificates in this PEM file (like curl).
    #[arg(long, value_name = "PATH", requires = "url")]
    pub cacert: Option<PathBuf>,

    /// --url: client certificate (PEM) for mutual TLS; needs --key.
    #[arg(long, value_name = "PATH", requires = "url", requires = "key")]
    pub cert: Option<PathBuf>,

    /// --url: the client certificate's private key (PEM).
    #[arg(long, value_name = "PATH", requires = "cert")]
    pub key: Option<PathBuf>,

    /// --url: do not verify the server's certificate.
    #[arg(long, short = 'k', requires = "url")]
    pub insecure: bool,
}

/// A problem with the command line or config: printed, then exit 2.
#[derive(Debug)]
struct Usage(Vec<String>);

impl Usage {
    fn one(s: impl Into<String>) -> Usage {
        Usage(vec![s.into()])
    }
}

/// One account polled the daemon's way.
struct Session {
    region: String,
    slot_sizes: Vec<u32>,
    poller: Arc<dyn Poll>,
}

impl Session {
    /// One poll, and what `top` keeps of it.
    async fn poll(&self) -> (Status, Option<AccountData>, f64) {
        let polled = self.poller.poll().await;
        match polled.result {
            Ok((snapshot, partial)) => {
                let data = AccountData::of(&snapshot, &self.region, &self.slot_sizes);
                // A unit whose own calls failed (a pool, a service, a region) is
                // missing from this view, as from a first poll of the daemon: say so.
                (Status::Ok { partial }, Some(data), polled.seconds)
            }
            Err(f) => (Status::Failed(f), None, polled.seconds),
        }
    }
}

/// Where the view comes from.
enum Source {
    Accounts(Vec<Arc<Session>>),
    Exporter(Arc<Scraper>),
}

/// What a round's tasks report.
enum Event {
    Account {
        index: usize,
        status: Status,
        data: Option<Box<AccountData>>,
        seconds: f64,
    },
    Exposition(Result<scrape::Exposition, ScrapeError>),
}

impl Source {
    /// Starts one round of polls; returns how many events it will send.
    fn start_round(&self, tx: &mpsc::UnboundedSender<Event>) -> usize {
        match self {
            Source::Accounts(sessions) => {
                for (index, s) in sessions.iter().enumerate() {
                    let (s, tx) = (s.clone(), tx.clone());
                    tokio::spawn(async move {
                        let (status, data, seconds) = s.poll().await;
                        let _ = tx.send(Event::Account {
                            index,
                            status,
                            data: data.map(Box::new),
                            seconds,
                        });
                    });
                }
                sessions.len()
            }
            Source::Exporter(scraper) => {
                let (s, tx) = (scraper.clone(), tx.clone());
                tokio::spawn(async move {
                    let _ = tx.send(Event::Exposition(s.fetch().await));
                });
                1
            }
        }
    }
}

/// What is on screen now.
struct State {
    /// `top` of what: the config file or the URL.
    what: String,
    entries: Vec<Entry>,
    notice: Option<String>,
    /// Accounts to keep from an exporter (`--account`, `--provider`).
    accounts: Vec<String>,
    providers: Vec<String>,
    /// The refresh interval, once known.
    interval: Option<Duration>,
    interval_fixed: bool,
    /// An exporter has been read at least once.
    fetched: bool,
}

impl State {
    fn apply(&mut self, ev: Event) {
        match ev {
            Event::Account {
                index,
                status,
                data,
                seconds,
            } => {
                if let Some(e) = self.entries.get_mut(index) {
                    e.status = status;
                    e.poll_seconds = Some(seconds);
                    // A failed poll keeps the last good data, as the daemon does.
                    if let Some(d) = data {
                        e.data = Some(Arc::new(*d));
                    }
                }
            }
            Event::Exposition(Ok(x)) => {
                self.fetched = true;
                self.notice = None;
                if !self.interval_fixed {
                    if let Some(i) = x.interval {
                        self.interval = Some(i.max(Duration::from_secs(1)));
                    }
                }
                if x.bad_lines > 0 {
                    tracing::debug!(lines = x.bad_lines, "exposition lines not understood");
                }
                self.entries = x
                    .accounts
                    .into_iter()
                    .filter(|e| self.accounts.is_empty() || self.accounts.contains(&e.name))
                    .filter(|e| self.providers.is_empty() || self.providers.contains(&e.provider))
                    .collect();
                if self.entries.is_empty() {
                    self.notice = Some(format!(
                        "{}: no account of this exporter matches --account / --provider",
                        self.what
                    ));
                }
            }
            Event::Exposition(Err(e)) => {
                self.fetched = true;
                self.notice = Some(format!("cannot read the exporter: {e}"));
            }
        }
    }

    fn exit_code(&self) -> u8 {
        if self.notice.is_some() || !self.fetched && self.entries.is_empty() {
            return EXIT_FAILED;
        }
        if self.entries.iter().all(Entry::ok) {
            EXIT_OK
        } else {
            EXIT_FAILED
        }
    }
}

/// Runs `top`; returns the exit status.
pub async fn run(args: Args, daemon: &mut dyn Daemon) -> ExitCode {
    match prepare(&args, daemon) {
        Ok((source, state)) => ExitCode::from(drive(&args, source, state).await),
        Err(Usage(lines)) => {
            for l in lines {
                eprintln!("{l}");
            }
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn prepare(args: &Args, daemon: &mut dyn Daemon) -> Result<(Source, State), Usage> {
    if args.interval.is_some_and(|d| d.is_zero()) {
        return Err(Usage::one("--interval must be greater than zero"));
    }
    let mut state = State {
        what: String::new(),
        entries: Vec::new(),
        notice: None,
        accounts: args.accounts.clone(),
        providers: args.providers.clone(),
        interval: args.interval,
        interval_fixed: args.interval.is_some(),
        fetched: false,
    };
    if let Some(path) = &args.config_file {
        let url_only = [
            ("--user", args.user.is_some()),
            ("--password-file", args.password_file.is_some()),
            ("--password-env", args.password_env.is_some()),
            ("--cacert", args.cacert.is_some()),
            ("--cert", args.cert.is_some()),
            ("--key", args.key.is_some()),
            ("--insecure", args.insecure),
        ];
        let given: Vec<&str> = url_only.iter().filter(|f| f.1).map(|f| f.0).collect();
        if !given.is_empty() {
            return Err(Usage::one(format!(
                "{}: only for --url, not with --config.file",
                given.join(", ")
            )));
        }
        // On error, the same lines as `check-config`.
        let accounts = daemon.load(path).map_err(Usage)?;
        let names: Vec<&str> = accounts.iter().map(|a| a.name.as_str()).collect();
        if names.is_empty() {
            return Err(Usage::one(format!(
                "{}: no accounts configured",
                path.display()
            )));
        }
        let unknown: Vec<String> = args
            .accounts
            .iter()
            .filter(|n| !names.contains(&n.as_str()))
            .map(|n| {
                format!(
                    "--account {n:?}: no such account in {} (accounts: {})",
                    path.display(),
                    names.join(", ")
                )
            })
            .collect();
        if !unknown.is_empty() {
            return Err(Usage(unknown));
        }
        // Every configured account, whatever `shard` says: `top` looks at the
        // whole config.
        let (indexes, selected): (Vec<usize>, Vec<&Configured>) = accounts
            .iter()
            .enumerate()
            .filter(|(_, a)| args.accounts.is_empty() || args.accounts.contains(&a.name))
            .filter(|(_, a)| args.providers.is_empty() || args.providers.contains(&a.provider))
            .unzip();
        if selected.is_empty() {
            return Err(Usage::one(format!(
                "{}: no account matches --account / --provider",
                path.display()
            )));
        }
        let pollers = daemon.pollers(&indexes).map_err(Usage::one)?;
        state.what = path.display().to_string();
        state.entries = selected
            .iter()
            .map(|a| Entry::pending(&a.name, &a.provider, &a.region))
            .collect();
        if state.interval.is_none() {
            state.interval = selected.iter().map(|a| a.interval).min();
        }
        let sessions = selected
            .iter()
            .zip(pollers)
            .map(|(a, poller)| {
                Arc::new(Session {
                    region: a.region.clone(),
                    slot_sizes: a.slot_sizes.clone(),
                    poller,
                })
            })
            .collect();
        return Ok((Source::Accounts(sessions), state));
    }
    let url = args.url.clone().unwrap_or_default();
    let target = Target {
        url,
        user: user(args)?,
        cacert: args.cacert.clone(),
        cert: args.cert.clone().zip(args.key.clone()),
        insecure: args.insecure,
        timeout: daemon.timeout(),
    };
    let scraper = Scraper::new(&target).map_err(|e| Usage::one(e.to_string()))?;
    state.what = scraper.shown_url();
    Ok((Source::Exporter(Arc::new(scraper)), state))
}

/// `--user USER[:PASSWORD]` with `--password-file` / `--password-env`.
fn user(args: &Args) -> Result<Option<(String, Secret)>, Usage> {
    let Some(raw) = &args.user else {
        return Ok(None);
    };
    let (name, inline) = match raw.split_once(':') {
        Some((n, p)) => (n.to_string(), Some(p.to_string())),
        None => (raw.clone(), None),
    };
    let from_file = match &args.password_file {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| Usage::one(format!("--password-file {}: {e}", p.display())))?;
            Some(
                text.strip_suffix('\n')
                    .unwrap_or(&text)
                    .trim_end_matches('\r')
                    .to_string(),
            )
        }
        None => None,
    };
    let from_env = match &args.password_env {
        Some(v) => Some(
            std::env::var(v)
                .map_err(|_| Usage::one(format!("--password-env {v}: the variable is not set")))?,
        ),
        None => None,
    };
    let password = match (inline, from_file, from_env) {
        (Some(p), None, None) | (None, Some(p), None) | (None, None, Some(p)) => p,
        (None, None, None) => {
            return Err(Usage::one(
                "--user USER needs a password: USER:PASSWORD, --password-file or --password-env",
            ))
        }
        _ => return Err(Usage::one(
            "give the password once: in --user USER:PASSWORD, --password-file or --password-env",
        )),
    };
    Ok(Some((name, Secret::new(password))))
}

/// How the frames go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// One frame when every account has answered.
    Once,
    /// Full screen, redrawn as results arrive.
    Screen,
    /// A new frame after every round (stdout is not a terminal, or JSON).
    Stream,
}

fn color_wanted() -> bool {
    std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").as_deref() != Ok("dumb")
}

/// SIGINT or SIGTERM, registered at once (before the terminal changes mode),
/// so the screen is always restored.
struct Interrupt {
    #[cfg(unix)]
    signals: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Interrupt {
    fn new() -> Interrupt {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Interrupt {
                signals: signal(SignalKind::interrupt())
                    .ok()
                    .zip(signal(SignalKind::terminate()).ok()),
            }
        }
        #[cfg(not(unix))]
        Interrupt {}
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        if let Some((int, term)) = self.signals.as_mut() {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn drive(args: &Args, source: Source, mut state: State) -> u8 {
    let tty = std::io::stdout().is_terminal();
    let mode = if args.once {
        Mode::Once
    } else if tty && args.output == Output::Table {
        Mode::Screen
    } else {
        Mode::Stream
    };
    let filter = Filter {
        accelerator: args.accelerator.clone(),
    };
    let color = color_wanted();
    let mut interrupt = Interrupt::new();
    let (screen, mut keys) = if mode == Mode::Screen {
        (Some(terminal::Screen::enter()), terminal::keys())
    } else {
        (None, None)
    };
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut redraw = tokio::time::interval(Duration::from_secs(1));
    let mut scroll = keys::Scroll::default();
    // The body's length and room as last drawn, for the keys to scroll by.
    let mut drawn = (0, 1);
    'rounds: loop {
        let round_start = Instant::now();
        let mut outstanding = source.start_round(&tx);
        loop {
            let interval = state.interval.unwrap_or(Duration::from_secs(30));
            let next = round_start + interval;
            tokio::select! {
                Some(ev) = rx.recv() => {
                    state.apply(ev);
                    outstanding = outstanding.saturating_sub(1);
                    if outstanding > 0 {
                        continue;
                    }
                    let printed = match mode {
                        Mode::Once => {
                            let _ = print_frame(args, &state, &filter, color, true);
                            return state.exit_code();
                        }
                        Mode::Stream => print_frame(args, &state, &filter, color, false),
                        Mode::Screen => Ok(()),
                    };
                    if printed.is_err() {
                        // stdout closed (`top | head`): nothing more to say.
                        return state.exit_code();
                    }
                }
                _ = tokio::time::sleep_until(next), if outstanding == 0 => break,
                _ = redraw.tick(), if mode == Mode::Screen => {}
                key = async {
                    match keys.as_mut() {
                        Some(k) => k.recv().await,
                        None => std::future::pending().await,
                    }
                } => match key {
                    Some(keys::Key::Quit) | None => break 'rounds,
                    Some(k) => scroll.apply(k, drawn.0, drawn.1),
                },
                _ = interrupt.recv() => break 'rounds,
            }
            if let Some(screen) = &screen {
                let (cols, rows) = terminal::size().unwrap_or((120, 40));
                let (lines, body, room) = screen::lines(
                    &state,
                    &filter,
                    color,
                    (cols, rows),
                    scroll,
                    outstanding,
                    next,
                );
                drawn = (body, room);
                if screen.draw(&lines, cols).is_err() {
                    break 'rounds;
                }
            }
        }
    }
    // Dropping the screen restores the terminal.
    drop(screen);
    state.exit_code()
}

fn title(state: &State, extra: &str) -> String {
    let now = humantime::format_rfc3339_seconds(SystemTime::now())
        .to_string()
        .replace('T', " ");
    let n = state.entries.len();
    format!(
        "aipool_exporter top · {} · {} account{} · {now}{extra}",
        state.what,
        n,
        if n == 1 { "" } else { "s" }
    )
}

/// One frame to stdout: the table, or one JSON document (pretty with
/// `--once`, one line per refresh otherwise).
fn print_frame(
    args: &Args,
    state: &State,
    filter: &Filter,
    color: bool,
    once: bool,
) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match args.output {
        Output::Json => {
            let doc = json::document(&state.entries, filter, SystemTime::now());
            let mut doc = doc;
            if let Some(n) = &state.notice {
                doc["error"] = serde_json::json!(n);
            }
            let text = if once {
                serde_json::to_string_pretty(&doc)
            } else {
                serde_json::to_string(&doc)
            }
            .unwrap_or_default();
            writeln!(out, "{text}")?;
        }
        Output::Table => {
            let t = title(state, "");
            let frame = table::Frame {
                title: &t,
                entries: &state.entries,
                filter,
                notice: state.notice.as_deref(),
                now: SystemTime::now(),
            };
            for l in table::render(&frame, &table::Style { color, width: None }) {
                writeln!(out, "{l}")?;
            }
            if !once {
                writeln!(out)?;
            }
        }
    }
    out.flush()
}
