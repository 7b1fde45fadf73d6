//! The status page's view model: what the page shows, computed from the
//! published state: the account lines, the capacity rows in page order, and the
//! figures and labels people read (`9 s ago`, `44 %`, `—`). Pure data, no HTML:
//! [`page`] is tested without reading markup, and `html.rs` only places these
//! values (escaping every one) into the template.

use std::cmp::Ordering;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::capacity::{by_identity, by_need, span, CapacityRow, ComputeUnitRow, KEEP_ROWS};
use crate::runtime::failure::PollFailure;
use crate::runtime::state::{Behind, Published};

pub use crate::capacity::{CapabilitySource, FreeSource};

/// One account as the page sees it.
#[derive(Debug, Clone, Copy)]
pub struct AccountView<'a> {
    pub name: &'a str,
    pub provider: &'a str,
    pub region: &'a str,
    pub interval: Duration,
    pub stale_after: Duration,
    pub published: &'a Published,
}

/// Facts about the page itself.
#[derive(Debug, Clone, Copy)]
pub struct PageInfo<'a> {
    pub telemetry_path: &'a str,
    pub version: &'a str,
    pub revision: &'a str,
    pub now: SystemTime,
}

/// One accelerator type of one pool or queue, as one account shows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row<'a> {
    pub account: &'a str,
    pub provider: &'a str,
    pub row: &'a CapacityRow,
    /// The account's data is older than `stale_after` (and so not on /metrics).
    pub stale: bool,
}

impl std::ops::Deref for Row<'_> {
    type Target = CapacityRow;
    fn deref(&self) -> &CapacityRow {
        self.row
    }
}

/// Least headroom first (see [`by_need`]), then by account and identity so the
/// order is stable.
fn by_headroom(a: &Row, b: &Row) -> Ordering {
    by_need(a.row, b.row)
        .then_with(|| a.account.cmp(b.account))
        .then_with(|| by_identity(a.row, b.row))
}

/// The capacity rows one account kept (least headroom first, at most
/// [`KEEP_ROWS`]), how many pools and queues report no accelerators (and so have
/// no row), and how many rows it did not keep.
pub fn rows<'a>(a: &AccountView<'a>, now: SystemTime) -> (Vec<Row<'a>>, usize, usize) {
    let Some(capacity) = a.published.capacity.as_deref() else {
        return (Vec::new(), 0, 0);
    };
    let stale = a.published.is_stale(a.stale_after, now);
    let rows = capacity
        .rows
        .iter()
        .map(|row| Row {
            account: a.name,
            provider: a.provider,
            row,
            stale,
        })
        .collect();
    (
        rows,
        capacity.without_accelerators,
        capacity.total_rows - capacity.rows.len(),
    )
}

/// The whole page as data.
#[derive(Debug, Clone)]
pub struct Page<'a> {
    /// Seconds between reloads.
    pub refresh: u64,
    pub info: PageInfo<'a>,
    /// `info.now`, RFC 3339.
    pub now: String,
    /// What `?account=` asked for, if anything.
    pub filter: Option<&'a str>,
    /// Every account's name, in config order (the links to each one's page).
    pub names: Vec<&'a str>,
    /// One section per account shown: all of them, or the one `filter` names
    /// (none when it names no account).
    pub sections: Vec<Section<'a>>,
    /// The most rows one account lists (it says so when it leaves some out).
    pub keep_rows: usize,
}

impl Page<'_> {
    /// `?account=` named no account.
    pub fn unknown_account(&self) -> Option<&str> {
        self.filter.filter(|_| self.sections.is_empty())
    }
}

/// One account: its status line, then its pools and queues, then its compute
/// units.
#[derive(Debug, Clone)]
pub struct Section<'a> {
    pub line: AccountLine<'a>,
    /// Least headroom first, at most [`KEEP_ROWS`].
    pub capacity: Vec<CapacityLine<'a>>,
    /// Rows left out (beyond [`KEEP_ROWS`]); they are on /metrics.
    pub not_shown: usize,
    /// Pools and queues without accelerators, which have no row.
    pub without_accelerators: usize,
    /// Soonest expiry first, at most [`KEEP_ROWS`].
    pub units: Vec<UnitLine<'a>>,
    /// Compute units left out (beyond [`KEEP_ROWS`]).
    pub units_not_shown: usize,
}

/// How close a compute unit is to its expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// At or past it.
    Expired,
    /// Within [`EXPIRY_SOON`].
    Soon,
    Later,
    /// No expiry reported.
    Unknown,
}

/// A compute unit that expires within a week is marked: renewing one takes
/// an order and a payment, which is days of notice, not hours.
pub const EXPIRY_SOON: Duration = Duration::from_secs(7 * 86_400);

/// One line of a compute units table.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitLine<'a> {
    pub unit: &'a ComputeUnitRow,
    pub service: Named<'a>,
    /// The exact values /metrics shows (for the `data-*` attributes).
    pub exact_replicas: Option<String>,
    pub exact_expiry: Option<String>,
    /// Replicas for people (see [`short`]).
    pub replicas: String,
    /// The expiry's RFC 3339 form, or `—`.
    pub expires: String,
    /// `in 12 d 4 h`, `expired 2 d ago`, or `—`.
    pub left: String,
    pub level: Expiry,
    /// The account's data is older than `stale_after` (and so not on /metrics).
    pub stale: bool,
}

/// An account's state from its last poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// No poll has finished yet.
    Pending,
    Up,
    Down,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Up => "up",
            State::Down => "down",
        }
    }
}

/// A moment shown to people: its RFC 3339 form and how long before the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Moment {
    pub rfc3339: String,
    /// `9 s ago`, `3 min ago`, `2 h ago`.
    pub ago: String,
}

/// One line of the accounts table: the account and what the page reads of it.
#[derive(Debug, Clone)]
pub struct AccountLine<'a> {
    pub account: AccountView<'a>,
    pub state: State,
    /// `up` as on /metrics (a pending account is down).
    pub up: bool,
    /// Its capacity data is older than `stale_after` (and so not on /metrics).
    pub stale: bool,
    /// Seconds since the epoch as /metrics writes them, and the moment.
    pub last_success: Option<(String, Moment)>,
    /// The last poll's duration, `0.31 s`, or `—`.
    pub last_poll: String,
    pub pools: usize,
    pub queues: usize,
    /// Qianfan compute units (0 elsewhere).
    pub compute_units: usize,
    pub error: Option<ErrorText>,
    /// Units whose own calls failed in the last successful poll: what is shown
    /// of them is older than the account's last success, or missing.
    pub behind: Vec<BehindLine<'a>>,
}

/// A failed poll as the page shows it, `reason: api url: message` (URL
/// redacted, no secrets), split so that the reason leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorText {
    pub reason: &'static str,
    /// What follows `reason: ` (see [`PollFailure::detail`]).
    pub detail: String,
}

impl ErrorText {
    pub fn of(e: &PollFailure) -> Self {
        ErrorText {
            reason: e.reason().as_str(),
            detail: e.detail(),
        }
    }
}

/// One unit behind, under its account's error.
#[derive(Debug, Clone, PartialEq)]
pub struct BehindLine<'a> {
    /// `pool p1`, `service s1`, `region r1`.
    pub unit: String,
    /// When its data was last fetched; `None`: it has none.
    pub fetched: Option<Moment>,
    pub reason: &'a str,
}

/// Whether a row's headroom is low, getting low, fine or not known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Low,
    Warn,
    Ok,
    Unknown,
}

/// The bar of a row with a capability: widths in percent of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub allocated: f64,
    pub free: f64,
    /// `4.5 allocated, 3.5 free of 8`.
    pub title: String,
}

/// A pool's or queue's id, and its name where that says more than the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Named<'a> {
    pub id: &'a str,
    pub name: Option<&'a str>,
}

impl<'a> Named<'a> {
    fn of(id: &'a str, name: &'a str) -> Self {
        let name = (!name.is_empty() && name != id).then_some(name);
        Named { id, name }
    }
}

/// One line of the capacity table.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityLine<'a> {
    pub row: Row<'a>,
    /// The exact values /metrics shows (for the `data-*` attributes).
    pub exact_capability: Option<String>,
    pub exact_allocated: Option<String>,
    pub exact_free: Option<String>,
    pub exact_largest_block: Option<String>,
    /// `1:16 2:8 4:4 8:2`, as `aipool_{pool,queue}_free_slots` by `cards`.
    pub exact_slots: Option<String>,
    pub pool: Named<'a>,
    /// `None` for a pool's own row.
    pub queue: Option<Named<'a>>,
    /// Long names are cut with an ellipsis; the titles show them whole.
    pub pool_title: String,
    pub queue_title: String,
    /// Numbers for people (see [`short`]).
    pub capability: String,
    pub allocated: String,
    pub free: String,
    /// The most free cards on one node, or `—` where the platform reports no
    /// per-node figure.
    pub largest_block: String,
    /// Single-node jobs that fit now by size in cards, `1:8 2:4 4:0 8:0`;
    /// `None` where unknown.
    pub slots: Option<String>,
    pub headroom: Level,
    /// `44 %`, or `—`.
    pub headroom_label: String,
    /// `None` where there is no capability to draw against.
    pub bar: Option<Bar>,
}

impl CapacityLine<'_> {
    /// `queue` or `pool`, as the `kind` label of its series.
    pub fn kind(&self) -> &'static str {
        if self.queue.is_some() {
            "queue"
        } else {
            "pool"
        }
    }
}

/// The page for these accounts as of `page.now`: all of them, or only the
/// one named `filter`.
pub fn page<'a>(
    accounts: &[AccountView<'a>],
    info: &PageInfo<'a>,
    filter: Option<&'a str>,
) -> Page<'a> {
    let shown: Vec<&AccountView<'a>> = accounts
        .iter()
        .filter(|a| filter.is_none_or(|f| a.name == f))
        .collect();
    Page {
        refresh: refresh_seconds(accounts),
        info: *info,
        now: rfc3339(info.now),
        filter,
        names: accounts.iter().map(|a| a.name).collect(),
        sections: shown.iter().map(|a| section(a, info.now)).collect(),
        keep_rows: KEEP_ROWS,
    }
}

fn section<'a>(a: &AccountView<'a>, now: SystemTime) -> Section<'a> {
    let (mut rows, without_accelerators, not_shown) = rows(a, now);
    rows.sort_by(by_headroom);
    let stale = a.published.is_stale(a.stale_after, now);
    let (units, units_not_shown) = match a.published.capacity.as_deref() {
        Some(c) => (
            c.compute_units
                .iter()
                .map(|u| unit_line(u, stale, now))
                .collect(),
            c.total_compute_units.saturating_sub(c.compute_units.len()),
        ),
        None => (Vec::new(), 0),
    };
    Section {
        line: account(a, now),
        capacity: rows.into_iter().map(line).collect(),
        not_shown,
        without_accelerators,
        units,
        units_not_shown,
    }
}

fn unit_line(u: &ComputeUnitRow, stale: bool, now: SystemTime) -> UnitLine<'_> {
    let now_s = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    let at = u.expiry.filter(|t| t.is_finite() && *t >= 0.0);
    let (expires, left, level) = match at {
        None => ("—".to_string(), "—".to_string(), Expiry::Unknown),
        Some(t) => {
            let left = t - now_s;
            let expires = rfc3339(UNIX_EPOCH + Duration::from_secs_f64(t));
            if left <= 0.0 {
                (
                    expires,
                    format!("expired {} ago", span(-left)),
                    Expiry::Expired,
                )
            } else if left < EXPIRY_SOON.as_secs_f64() {
                (expires, format!("in {}", span(left)), Expiry::Soon)
            } else {
                (expires, format!("in {}", span(left)), Expiry::Later)
            }
        }
    };
    UnitLine {
        unit: u,
        service: Named::of(&u.service_id, &u.service_name),
        exact_replicas: u.replicas.map(exact),
        exact_expiry: u.expiry.map(exact),
        replicas: short(u.replicas),
        expires,
        left,
        level,
        stale,
    }
}

fn moment(t: SystemTime, now: SystemTime) -> Moment {
    Moment {
        rfc3339: rfc3339(t),
        ago: ago(t, now),
    }
}

fn account<'a>(a: &AccountView<'a>, now: SystemTime) -> AccountLine<'a> {
    let p = a.published;
    let state = match (p.attempted, p.up) {
        (false, _) => State::Pending,
        (true, true) => State::Up,
        (true, false) => State::Down,
    };
    let last_success = p.last_success.map(|t| {
        let secs = t
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        (exact(secs), moment(t, now))
    });
    let (pools, queues, compute_units) = p
        .capacity
        .as_ref()
        .map(|c| (c.pools, c.queues, c.total_compute_units))
        .unwrap_or((0, 0, 0));
    AccountLine {
        account: *a,
        state,
        up: p.up,
        stale: p.capacity.is_some() && p.is_stale(a.stale_after, now),
        last_success,
        last_poll: p
            .last_duration
            .map(|d| format!("{:.2} s", d.as_secs_f64()))
            .unwrap_or_else(|| "—".into()),
        pools,
        queues,
        compute_units,
        error: p.last_error.as_ref().map(ErrorText::of),
        behind: p.behind.iter().map(|b| behind(b, now)).collect(),
    }
}

fn behind(b: &Behind, now: SystemTime) -> BehindLine<'_> {
    BehindLine {
        unit: b.unit.to_string(),
        fetched: b.fetched.map(|t| moment(t, now)),
        reason: b.error.reason.as_str(),
    }
}

fn line(r: Row<'_>) -> CapacityLine<'_> {
    let row = r.row;
    let (headroom, headroom_label) = match row.headroom() {
        Some(x) if x < 0.10 => (Level::Low, format!("{:.0} %", x * 100.0)),
        Some(x) if x < 0.25 => (Level::Warn, format!("{:.0} %", x * 100.0)),
        Some(x) => (Level::Ok, format!("{:.0} %", x * 100.0)),
        None => (Level::Unknown, "—".to_string()),
    };
    let bar = match row.capability {
        Some(c) if c > 0.0 => {
            let allocated = percent(row.allocated.unwrap_or(0.0) / c);
            // Free never overdraws the bar: allocated and free can exceed the
            // capability where a queue may borrow cards from others.
            let free = percent(row.free.unwrap_or(0.0) / c).min(100.0 - allocated);
            Some(Bar {
                allocated,
                free,
                title: format!(
                    "{} allocated, {} free of {}",
                    short(row.allocated),
                    short(row.free),
                    short(row.capability)
                ),
            })
        }
        _ => None,
    };
    let queue = row
        .queue
        .as_ref()
        .map(|(id, name)| Named::of(id.as_str(), name.as_str()));
    let slots = |f: fn(f64) -> String| {
        row.slots.as_ref().map(|s| {
            let sizes: Vec<String> = s.iter().map(|(n, v)| format!("{n}:{}", f(*v))).collect();
            sizes.join(" ")
        })
    };
    CapacityLine {
        exact_capability: row.capability.map(exact),
        exact_allocated: row.allocated.map(exact),
        exact_free: row.free.map(exact),
        exact_largest_block: row.largest_free_block.map(exact),
        exact_slots: slots(exact),
        largest_block: short(row.largest_free_block),
        slots: slots(|v| short(Some(v))),
        pool: Named::of(&row.pool_id, &row.pool_name),
        queue,
        pool_title: format!("{} ({})", row.pool_name, row.pool_id),
        queue_title: row
            .queue
            .as_ref()
            .map(|(id, name)| format!("{name} ({id})"))
            .unwrap_or_default(),
        capability: short(row.capability),
        allocated: short(row.allocated),
        free: short(row.free),
        headroom,
        headroom_label,
        bar,
        row: r,
    }
}

/// Numbers as `/metrics` writes them: whole numbers without a fraction, others in
/// Rust's shortest round-trip form.
pub(super) fn exact(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

pub use crate::capacity::short;

fn percent(v: f64) -> f64 {
    (v * 100.0).clamp(0.0, 100.0)
}

fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

fn ago(t: SystemTime, now: SystemTime) -> String {
    match now.duration_since(t) {
        Ok(d) => {
            let s = d.as_secs();
            if s < 120 {
                format!("{s} s ago")
            } else if s < 7200 {
                format!("{} min ago", s / 60)
            } else {
                format!("{} h ago", s / 3600)
            }
        }
        Err(_) => "just now".to_string(),
    }
}

/// Seconds between reloads: the shortest poll interval, kept between 5 s and 60 s.
pub(super) fn refresh_seconds(accounts: &[AccountView]) -> u64 {
    accounts
        .iter()
        .map(|a| a.interval.as_secs())
        .min()
        .unwrap_or(30)
        .clamp(5, 60)
}
