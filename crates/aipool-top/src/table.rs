//! `top`'s text output: status lines, the capacity table with headroom bars,
//! compute units and the pools known only by their nodes. Colours only when
//! asked for (a terminal, and no `NO_COLOR`); otherwise plain text with no
//! escape code at all.

use std::time::{SystemTime, UNIX_EPOCH};

use aipool_model::capacity::{span, CapabilitySource};

use super::layout::{paint, Align, Cell, Col, Drop, Seg, Table};
use super::view::{self, short, Entry, Filter, Status};

/// How to write: colours or not, and the terminal's width to fit (text
/// columns are shortened with `…`; `None`: never shortened).
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    pub color: bool,
    pub width: Option<usize>,
}

/// Everything one screen shows.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// The first line (what is shown, when, how often).
    pub title: &'a str,
    pub entries: &'a [Entry],
    pub filter: &'a Filter,
    /// A problem with the source as a whole (the exporter at `--url` cannot be
    /// read).
    pub notice: Option<&'a str>,
    pub now: SystemTime,
}

const BOLD: &str = "1";
const RED: &str = "1;31";
const YELLOW: &str = "33";
const GREEN: &str = "32";
const BLUE: &str = "34";
const DIM: &str = "2";

/// Cells of the headroom bar, and in narrow windows.
const BAR: usize = 20;
const SHORT_BAR: usize = 10;

/// Text from upstreams and the config, made safe for a terminal: control
/// characters (an escape sequence in a pool name) become `?`.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// `name (id)`, or whichever of the two there is.
fn named(name: &str, id: &str) -> String {
    match (name.is_empty(), id.is_empty()) {
        (false, false) if name != id => clean(&format!("{name} ({id})")),
        (false, _) => clean(name),
        (true, _) => clean(id),
    }
}

/// The headroom cell: percentage, then a bar of capability split into
/// allocated (█), free (░) and neither (·); a shorter bar in narrow windows.
fn headroom(row: &aipool_model::capacity::CapacityRow) -> Cell {
    headroom_bar(row, BAR).or_short(headroom_bar(row, SHORT_BAR))
}

fn headroom_bar(row: &aipool_model::capacity::CapacityRow, bar: usize) -> Cell {
    let Some(h) = row.headroom() else {
        return Cell::colored("—", DIM);
    };
    let pct = format!("{:>5}", format!("{:.0} %", (h * 100.0).clamp(0.0, 100.0)));
    let color = if h < 0.10 {
        RED
    } else if h < 0.25 {
        YELLOW
    } else {
        GREEN
    };
    let cap = row.capability.unwrap_or(0.0);
    let cells = |v: Option<f64>| -> usize {
        match v {
            Some(v) if cap > 0.0 => ((v / cap).clamp(0.0, 1.0) * bar as f64).round() as usize,
            _ => 0,
        }
    };
    let free = cells(row.free).min(bar);
    let alloc = cells(row.allocated).min(bar - free);
    let rest = bar - free - alloc;
    Cell::of(vec![
        Seg(pct, Some(color)),
        Seg(" ".into(), None),
        Seg("█".repeat(alloc), Some(BLUE)),
        Seg("░".repeat(free), Some(GREEN)),
        Seg("·".repeat(rest), Some(DIM)),
    ])
}

/// A name cell: `name (id)`, and the name alone in narrow windows.
fn name_cell(name: &str, id: &str) -> Cell {
    let short = if name.is_empty() { id } else { name };
    Cell::plain(named(name, id)).or_short(Cell::plain(clean(short)))
}

/// An accelerator's resource name, without its vendor's domain in narrow
/// windows (`baidu.com/h20_141g_cgpu` → `h20_141g_cgpu`).
fn accelerator_cell(name: &str) -> Cell {
    let short = name.rsplit_once('/').map_or(name, |(_, n)| n);
    Cell::plain(clean(name)).or_short(Cell::plain(clean(short)))
}

fn status_cells(e: &Entry) -> (Cell, Cell) {
    match &e.status {
        Status::Pending => (Cell::colored("…", DIM), Cell::plain("polling")),
        Status::Ok { partial } => {
            let mut detail = match e.data.as_deref() {
                Some(d) => {
                    let c = view::counts(d);
                    let mut parts = vec![
                        plural(c["pools"], "pool"),
                        plural(c["queues"], "queue"),
                        plural(c["compute_units"], "compute unit"),
                    ];
                    if c["services"] > 0 {
                        parts.push(plural(c["services"], "service"));
                    }
                    parts.join(", ")
                }
                None => String::new(),
            };
            if let Some(s) = e.poll_seconds {
                detail.push_str(&format!(" in {s:.2} s"));
            }
            if !partial.is_empty() {
                detail.push_str(&format!(
                    "; {} part{} unreadable: {}",
                    partial.len(),
                    if partial.len() == 1 { "" } else { "s" },
                    clean(&partial.join("; "))
                ));
            }
            let state = if partial.is_empty() {
                Cell::colored("ok", GREEN)
            } else {
                Cell::colored("partly", YELLOW)
            };
            (state, Cell::plain(detail))
        }
        Status::Failed(f) => {
            let mut text = format!("{}: {}", f.reason, f.message);
            if !f.url.is_empty() {
                text.push_str(" from ");
                text.push_str(&f.url);
            }
            if e.data.is_some() {
                text.push_str(" (showing the last good data)");
            }
            (
                Cell::colored("FAILED", RED),
                Cell::colored(clean(&text), RED),
            )
        }
    }
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// The screen as lines (no trailing newlines).
pub fn render(f: &Frame, style: &Style) -> Vec<String> {
    let mut out = Vec::new();
    let mut title = String::new();
    paint(&mut title, &clean(f.title), Some(BOLD), style.color);
    out.push(title);
    if let Some(n) = f.notice {
        let mut line = String::new();
        paint(&mut line, &clean(n), Some(RED), style.color);
        out.push(line);
    }
    out.push(String::new());

    let accounts = Table::new(
        vec![
            Col::text("ACCOUNT", 10, 9),
            Col::fixed("PROVIDER", Align::Left).drop(Drop::Early(1)),
            Col::fixed("STATUS", Align::Left),
            Col::text("DETAIL", 12, 0),
        ],
        f.entries
            .iter()
            .map(|e| {
                let (state, detail) = status_cells(e);
                vec![
                    Cell::plain(clean(&e.name)),
                    Cell::plain(clean(&e.provider)),
                    state,
                    detail,
                ]
            })
            .collect(),
    );
    accounts.render(style.color, style.width, &mut out);

    let rows = view::rows(f.entries, f.filter);
    out.push(String::new());
    section(
        &mut out,
        style,
        &format!(
            "Capacity by accelerator, least headroom first ({} row{}{})",
            rows.len(),
            if rows.len() == 1 { "" } else { "s" },
            match &f.filter.accelerator {
                Some(a) => format!(", accelerator ~ {:?}", clean(a)),
                None => String::new(),
            }
        ),
    );
    let mut per_node = false;
    let mut full = Vec::with_capacity(rows.len());
    let mut compact = Vec::with_capacity(rows.len());
    for r in &rows {
        let row = r.row;
        let (queue, parent) = match (&row.queue, r.parent) {
            (Some((id, name)), parent) => (
                named(name, id),
                match parent.unwrap_or("") {
                    "" => "—".to_string(),
                    p => clean(p),
                },
            ),
            (None, _) => ("—".to_string(), String::new()),
        };
        let mut cap = short(row.capability);
        if row.capability_source != CapabilitySource::Reported && row.capability.is_some() {
            cap.push('*');
            per_node = true;
        }
        // Compact: one name column, the queue's, or the pool's after `(pool)`
        // (in front, so that cutting a long name keeps it).
        let name = match &row.queue {
            Some((id, name)) => name_cell(name, id),
            None => {
                let pool = if row.pool_name.is_empty() {
                    &row.pool_id
                } else {
                    &row.pool_name
                };
                Cell::plain(format!("(pool) {}", clean(pool)))
            }
        };
        compact.push(vec![
            name,
            accelerator_cell(&row.accelerator),
            Cell::plain(format!("{}/{cap}", short(row.free))),
            Cell::plain(short(row.largest_free_block)),
            headroom(row),
            Cell::plain(clean(r.account)),
            Cell::plain(short(row.allocated)),
            match row.queue {
                Some(_) => name_cell(&row.pool_name, &row.pool_id),
                None => Cell::plain(""),
            },
            Cell::plain(parent.clone()),
        ]);
        full.push(vec![
            Cell::plain(clean(r.account)),
            Cell::plain(named(&row.pool_name, &row.pool_id)),
            Cell::plain(queue),
            Cell::plain(parent),
            Cell::plain(clean(&row.accelerator)),
            Cell::plain(cap),
            Cell::plain(short(row.allocated)),
            Cell::plain(short(row.free)),
            Cell::plain(short(row.largest_free_block)),
            headroom(row),
        ]);
    }
    let mut table = Table::new(
        vec![
            Col::fixed("ACCOUNT", Align::Left),
            Col::fixed("POOL", Align::Left),
            Col::fixed("QUEUE", Align::Left),
            Col::fixed("PARENT", Align::Left),
            Col::fixed("ACCELERATOR", Align::Left),
            Col::fixed("CAP", Align::Right),
            Col::fixed("ALLOC", Align::Right),
            Col::fixed("FREE", Align::Right),
            Col::fixed("BLOCK", Align::Right),
            Col::fixed("HEADROOM", Align::Left),
        ],
        full,
    );
    // What matters first when the window is narrow: the name, the
    // accelerator, free of capability and the bar; then the account, then the
    // largest free block; the pool, allocated and the parent queue only where
    // there is room. Names are cut last.
    table.compact = Some(Box::new(Table::new(
        vec![
            Col::text("POOL / QUEUE", 14, 9),
            Col::text("ACCELERATOR", 13, 5),
            Col::fixed("FREE/CAP", Align::Right),
            Col::fixed("BLOCK", Align::Right).drop(Drop::Late(2)),
            Col::fixed("HEADROOM", Align::Left),
            Col::text("ACCOUNT", 10, 1).drop(Drop::Late(1)),
            Col::fixed("ALLOC", Align::Right).drop(Drop::Early(2)),
            Col::text("POOL", 8, 0).drop(Drop::Early(3)),
            Col::text("PARENT", 8, 0).drop(Drop::Early(4)),
        ],
        compact,
    )));
    if rows.is_empty() {
        out.push("(no pool or queue reports accelerators)".into());
    } else {
        table.render(style.color, style.width, &mut out);
    }
    let not_kept = view::rows_not_kept(f.entries);
    if not_kept > 0 {
        out.push(format!(
            "{not_kept} more rows with more headroom are not listed (each account keeps its {} with the least, as the status page does); every one is on /metrics",
            aipool_model::capacity::KEEP_ROWS
        ));
    }
    if rows.iter().any(|r| r.row.largest_free_block.is_some()) {
        out.push("BLOCK: most free cards on one node (the largest one-node job)".into());
    }
    if per_node {
        out.push(
            "* nodes × cards per node: the platform reports no allocation, so free is unknown"
                .into(),
        );
    }

    let units = view::units(f.entries, f.filter);
    if !units.is_empty() {
        out.push(String::new());
        section(
            &mut out,
            style,
            "Qianfan compute units, soonest expiry first",
        );
        let t = Table::new(
            vec![
                Col::text("ACCOUNT", 8, 1).drop(Drop::Late(1)),
                Col::text("SERVICE", 10, 8),
                Col::text("INSTANCE", 10, 9),
                Col::fixed("PAYMENT", Align::Left).drop(Drop::Early(2)),
                Col::fixed("STATUS", Align::Left).drop(Drop::Early(1)),
                Col::fixed("REPLICAS", Align::Right),
                Col::fixed("EXPIRES", Align::Left).drop(Drop::Early(3)),
                Col::fixed("IN", Align::Left),
            ],
            units
                .iter()
                .map(|(account, u)| {
                    let (expires, left) = expiry(u.expiry, f.now);
                    vec![
                        Cell::plain(clean(account)),
                        name_cell(&u.service_name, &u.service_id),
                        Cell::plain(clean(&u.instance_id)),
                        Cell::plain(clean(&u.payment_timing)),
                        Cell::plain(clean(&u.status)),
                        Cell::plain(short(u.replicas)),
                        Cell::plain(expires),
                        left,
                    ]
                })
                .collect(),
        );
        t.render(style.color, style.width, &mut out);
    }

    let others = view::others(f.entries, f.filter);
    if !others.is_empty() {
        out.push(String::new());
        section(
            &mut out,
            style,
            "Pools and queues known by their nodes, or without accelerator figures",
        );
        let t = Table::new(
            vec![
                Col::text("ACCOUNT", 8, 2).drop(Drop::Late(1)),
                Col::fixed("REGION", Align::Left).drop(Drop::Early(2)),
                Col::text("POOL", 10, 8),
                Col::text("QUEUE", 10, 9),
                Col::fixed("TYPE", Align::Left).drop(Drop::Early(1)),
                Col::fixed("NODES", Align::Right),
                Col::text("KNOWN", 12, 0),
            ],
            others
                .iter()
                .map(|(account, o)| {
                    let queue = match &o.queue {
                        Some((id, name, _)) => name_cell(name, id),
                        None => Cell::plain("—"),
                    };
                    vec![
                        Cell::plain(clean(account)),
                        Cell::plain(clean(&o.cloud_region)),
                        name_cell(&o.pool_name, &o.pool_id),
                        queue,
                        Cell::plain(clean(&o.kind)),
                        Cell::plain(short(o.nodes)),
                        Cell::plain(clean(&o.known)),
                    ]
                })
                .collect(),
        );
        t.render(style.color, style.width, &mut out);
    }
    out
}

/// `text` dimmed when colours are on.
pub fn paint_dim(out: &mut String, text: &str, color: bool) {
    paint(out, text, Some(DIM), color);
}

fn section(out: &mut Vec<String>, style: &Style, title: &str) {
    let mut line = String::new();
    paint(&mut line, title, Some(BOLD), style.color);
    out.push(line);
}

/// (`2026-01-31 16:00:00Z`, `in 12 d 4 h` / `expired 2 d ago`).
fn expiry(t: Option<f64>, now: SystemTime) -> (String, Cell) {
    let Some(t) = t.filter(|t| t.is_finite() && *t >= 0.0) else {
        return ("—".into(), Cell::plain("—"));
    };
    let at = UNIX_EPOCH + std::time::Duration::from_secs_f64(t);
    let date = humantime::format_rfc3339_seconds(at)
        .to_string()
        .replace('T', " ");
    let now_s = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    let left = t - now_s;
    let cell = if left <= 0.0 {
        Cell::colored(format!("expired {} ago", span(-left)), RED)
    } else if left < 7.0 * 86400.0 {
        Cell::colored(format!("in {}", span(left)), YELLOW)
    } else {
        Cell::plain(format!("in {}", span(left)))
    };
    (date, cell)
}

#[cfg(test)]
mod tests;
