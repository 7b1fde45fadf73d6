//! `top`'s text output: status lines, the capacity table with headroom bars,
//! compute units and the pools known only by their nodes. Colours only when
//! asked for (a terminal, and no `NO_COLOR`); otherwise plain text with no
//! escape code at all.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::capacity::CapabilitySource;

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

/// Cells of the headroom bar.
const BAR: usize = 20;

/// A piece of a cell with an optional SGR colour.
#[derive(Debug, Clone)]
struct Seg(String, Option<&'static str>);

#[derive(Debug, Clone, Default)]
struct Cell(Vec<Seg>);

impl Cell {
    fn plain(s: impl Into<String>) -> Cell {
        Cell(vec![Seg(s.into(), None)])
    }

    fn colored(s: impl Into<String>, c: &'static str) -> Cell {
        Cell(vec![Seg(s.into(), Some(c))])
    }

    fn width(&self) -> usize {
        self.0.iter().map(|s| width(&s.0)).sum()
    }

    fn text(&self) -> String {
        self.0.iter().map(|s| s.0.as_str()).collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Align {
    Left,
    Right,
}

/// A column: heading, alignment, and whether it may be shortened to fit.
struct Col(&'static str, Align, bool);

struct Table {
    cols: Vec<Col>,
    rows: Vec<Vec<Cell>>,
}

/// Columns are never shortened below this.
const MIN_COL: usize = 8;

impl Table {
    fn render(&self, style: &Style, out: &mut Vec<String>) {
        let n = self.cols.len();
        let mut widths: Vec<usize> = self.cols.iter().map(|c| width(c.0)).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(n) {
                widths[i] = widths[i].max(cell.width());
            }
        }
        if let Some(limit) = style.width {
            let total = |w: &[usize]| w.iter().sum::<usize>() + 2 * n.saturating_sub(1);
            while total(&widths) > limit {
                let widest = (0..n)
                    .filter(|&i| self.cols[i].2 && widths[i] > MIN_COL)
                    .max_by_key(|&i| widths[i]);
                match widest {
                    Some(i) => widths[i] -= 1,
                    None => break,
                }
            }
        }
        let head: Vec<Cell> = self.cols.iter().map(|c| Cell::colored(c.0, BOLD)).collect();
        for row in std::iter::once(&head).chain(self.rows.iter()) {
            let mut line = String::new();
            for (i, col) in self.cols.iter().enumerate() {
                let empty = Cell::default();
                let cell = row.get(i).unwrap_or(&empty);
                let cell = if cell.width() > widths[i] {
                    Cell(vec![Seg(
                        ellipsize(&cell.text(), widths[i]),
                        cell.0.first().and_then(|s| s.1),
                    )])
                } else {
                    cell.clone()
                };
                let pad = " ".repeat(widths[i] - cell.width());
                if i > 0 {
                    line.push_str("  ");
                }
                if col.1 == Align::Right {
                    line.push_str(&pad);
                }
                for Seg(text, color) in &cell.0 {
                    paint(&mut line, text, *color, style.color);
                }
                if col.1 == Align::Left && i + 1 < n {
                    line.push_str(&pad);
                }
            }
            out.push(line.trim_end().to_string());
        }
    }
}

fn paint(out: &mut String, text: &str, color: Option<&str>, enabled: bool) {
    match color {
        Some(c) if enabled && !text.is_empty() => {
            out.push_str("\x1b[");
            out.push_str(c);
            out.push('m');
            out.push_str(text);
            out.push_str("\x1b[0m");
        }
        _ => out.push_str(text),
    }
}

/// Columns a string takes in a terminal: East Asian wide characters (CJK
/// pool or region names) take two.
pub fn width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    let c = c as u32;
    let wide = matches!(c,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x20000..=0x3FFFD);
    if c < 0x20 {
        0
    } else if wide {
        2
    } else {
        1
    }
}

/// `s` cut to `max` columns, ending in `…` when cut.
pub fn ellipsize(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = char_width(c);
        if w + cw + 1 > max {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

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
/// allocated (█), free (░) and neither (·).
fn headroom(row: &crate::capacity::CapacityRow) -> Cell {
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
            Some(v) if cap > 0.0 => ((v / cap).clamp(0.0, 1.0) * BAR as f64).round() as usize,
            _ => 0,
        }
    };
    let free = cells(row.free).min(BAR);
    let alloc = cells(row.allocated).min(BAR - free);
    let rest = BAR - free - alloc;
    Cell(vec![
        Seg(pct, Some(color)),
        Seg(" ".into(), None),
        Seg("█".repeat(alloc), Some(BLUE)),
        Seg("░".repeat(free), Some(GREEN)),
        Seg("·".repeat(rest), Some(DIM)),
    ])
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

    let accounts = Table {
        cols: vec![
            Col("ACCOUNT", Align::Left, true),
            Col("PROVIDER", Align::Left, false),
            Col("STATUS", Align::Left, false),
            Col("DETAIL", Align::Left, true),
        ],
        rows: f
            .entries
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
    };
    accounts.render(style, &mut out);

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
    let table = Table {
        cols: vec![
            Col("ACCOUNT", Align::Left, true),
            Col("POOL", Align::Left, true),
            Col("QUEUE", Align::Left, true),
            Col("PARENT", Align::Left, true),
            Col("ACCELERATOR", Align::Left, true),
            Col("CAP", Align::Right, false),
            Col("ALLOC", Align::Right, false),
            Col("FREE", Align::Right, false),
            Col("HEADROOM", Align::Left, false),
        ],
        rows: rows
            .iter()
            .map(|r| {
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
                vec![
                    Cell::plain(clean(r.account)),
                    Cell::plain(named(&row.pool_name, &row.pool_id)),
                    Cell::plain(queue),
                    Cell::plain(parent),
                    Cell::plain(clean(&row.accelerator)),
                    Cell::plain(cap),
                    Cell::plain(short(row.allocated)),
                    Cell::plain(short(row.free)),
                    headroom(row),
                ]
            })
            .collect(),
    };
    if rows.is_empty() {
        out.push("(no pool or queue reports accelerators)".into());
    } else {
        table.render(style, &mut out);
    }
    let not_kept = view::rows_not_kept(f.entries);
    if not_kept > 0 {
        out.push(format!(
            "{not_kept} more rows with more headroom are not listed (each account keeps its {} with the least, as the status page does); every one is on /metrics",
            crate::capacity::KEEP_ROWS
        ));
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
        let t = Table {
            cols: vec![
                Col("ACCOUNT", Align::Left, true),
                Col("SERVICE", Align::Left, true),
                Col("INSTANCE", Align::Left, true),
                Col("PAYMENT", Align::Left, false),
                Col("STATUS", Align::Left, false),
                Col("REPLICAS", Align::Right, false),
                Col("EXPIRES", Align::Left, false),
                Col("IN", Align::Left, false),
            ],
            rows: units
                .iter()
                .map(|(account, u)| {
                    let (expires, left) = expiry(u.expiry, f.now);
                    vec![
                        Cell::plain(clean(account)),
                        Cell::plain(named(&u.service_name, &u.service_id)),
                        Cell::plain(clean(&u.instance_id)),
                        Cell::plain(clean(&u.payment_timing)),
                        Cell::plain(clean(&u.status)),
                        Cell::plain(short(u.replicas)),
                        Cell::plain(expires),
                        left,
                    ]
                })
                .collect(),
        };
        t.render(style, &mut out);
    }

    let others = view::others(f.entries, f.filter);
    if !others.is_empty() {
        out.push(String::new());
        section(
            &mut out,
            style,
            "Pools and queues known by their nodes, or without accelerator figures",
        );
        let t = Table {
            cols: vec![
                Col("ACCOUNT", Align::Left, true),
                Col("REGION", Align::Left, true),
                Col("POOL", Align::Left, true),
                Col("QUEUE", Align::Left, true),
                Col("TYPE", Align::Left, true),
                Col("NODES", Align::Right, false),
                Col("KNOWN", Align::Left, true),
            ],
            rows: others
                .iter()
                .map(|(account, o)| {
                    let queue = match &o.queue {
                        Some((id, name, _)) => named(name, id),
                        None => "—".into(),
                    };
                    vec![
                        Cell::plain(clean(account)),
                        Cell::plain(clean(&o.cloud_region)),
                        Cell::plain(named(&o.pool_name, &o.pool_id)),
                        Cell::plain(queue),
                        Cell::plain(clean(&o.kind)),
                        Cell::plain(short(o.nodes)),
                        Cell::plain(clean(&o.known)),
                    ]
                })
                .collect(),
        };
        t.render(style, &mut out);
    }
    out
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

/// `12 d 4 h`, `3 h 5 min`, `42 s`.
fn span(secs: f64) -> String {
    let s = secs.max(0.0) as u64;
    let (d, h, m) = (s / 86400, s % 86400 / 3600, s % 3600 / 60);
    if d > 0 {
        format!("{d} d {h} h")
    } else if h > 0 {
        format!("{h} h {m} min")
    } else if m > 0 {
        format!("{m} min")
    } else {
        format!("{s} s")
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::model::{ComputeUnit, Pool, QuantityKind, Queue, Resources, Snapshot};
    use crate::top::view::{AccountData, Failure};

    fn cards(v: f64) -> Resources {
        Resources {
            accelerators: [("baidu.com/h20_141g_cgpu".to_string(), v)].into(),
            ..Resources::default()
        }
    }

    fn entries() -> Vec<Entry> {
        let s = Snapshot {
            pools: vec![Pool {
                id: "aihc-mv940z1b57zu".into(),
                ..Pool::default()
            }],
            queues: vec![
                Queue {
                    pool_id: "aihc-mv940z1b57zu".into(),
                    id: "aihcq-1jpvdatpi23i".into(),
                    name: "aihc-test-pd-as".into(),
                    quantities: [
                        (QuantityKind::Capability, cards(8.0)),
                        (QuantityKind::Allocated, cards(8.0)),
                        (QuantityKind::Remaining, cards(0.0)),
                    ]
                    .into(),
                    ..Queue::default()
                },
                Queue {
                    pool_id: "aihc-mv940z1b57zu".into(),
                    id: "q2".into(),
                    name: "\x1b[31mevil".into(),
                    parent: "aihcq-1jpvdatpi23i".into(),
                    quantities: [
                        (QuantityKind::Capability, cards(8.0)),
                        (QuantityKind::Allocated, cards(2.0)),
                        (QuantityKind::Remaining, cards(6.0)),
                    ]
                    .into(),
                    ..Queue::default()
                },
            ],
            compute_units: vec![ComputeUnit {
                service_id: "svc".into(),
                instance_id: "cu-1".into(),
                expiry_timestamp: Some(1_000_000.0 + 3.0 * 86400.0),
                ..ComputeUnit::default()
            }],
            ..Snapshot::default()
        };
        vec![
            Entry {
                status: Status::Ok { partial: vec![] },
                data: Some(Arc::new(AccountData::of(&s, "bj"))),
                poll_seconds: Some(0.25),
                ..Entry::pending("demo", "aihc", "bj")
            },
            Entry {
                status: Status::Failed(Failure {
                    reason: "auth".into(),
                    message: "HTTP 403 Forbidden: AccessDenied".into(),
                    url: "https://aihc.bj.baidubce.com/?action=DescribeResourcePools".into(),
                    api: "DescribeResourcePools".into(),
                }),
                ..Entry::pending("bad", "aihc", "bj")
            },
        ]
    }

    fn frame<'a>(entries: &'a [Entry], filter: &'a Filter) -> Frame<'a> {
        Frame {
            title: "aipool_exporter top",
            entries,
            filter,
            notice: None,
            now: UNIX_EPOCH + std::time::Duration::from_secs(1_000_000),
        }
    }

    #[test]
    fn plain_text_has_status_lines_rows_and_units_and_no_escape_codes() {
        let e = entries();
        let filter = Filter::default();
        let lines = render(&frame(&e, &filter), &Style::default());
        let text = lines.join("\n");
        assert!(!text.contains('\x1b'), "{text}");
        let status = lines.iter().find(|l| l.starts_with("demo")).unwrap();
        assert!(
            status.contains("ok") && status.contains("1 pool, 2 queues, 1 compute unit in 0.25 s"),
            "{status}"
        );
        let bad = lines.iter().find(|l| l.starts_with("bad")).unwrap();
        assert!(
            bad.contains("FAILED")
                && bad.ends_with("auth: HTTP 403 Forbidden: AccessDenied from https://aihc.bj.baidubce.com/?action=DescribeResourcePools"),
            "{bad}"
        );
        // The full queue first: 0 of 8 free, an all-allocated bar.
        let head = lines
            .iter()
            .position(|l| l.starts_with("ACCOUNT  POOL"))
            .unwrap();
        let first = &lines[head + 1];
        let cols: Vec<&str> = first.split_whitespace().collect();
        assert_eq!(
            cols,
            [
                "demo",
                "aihc-mv940z1b57zu",
                "aihc-test-pd-as",
                "(aihcq-1jpvdatpi23i)",
                "—",
                "baidu.com/h20_141g_cgpu",
                "8",
                "8",
                "0",
                "0",
                "%",
                "████████████████████"
            ],
            "{first}"
        );
        let second = &lines[head + 2];
        let cols: Vec<&str> = second.split_whitespace().collect();
        assert_eq!(
            cols[2..5],
            ["?[31mevil", "(q2)", "aihcq-1jpvdatpi23i"],
            "{second}"
        );
        assert!(second.contains("75 % █████░░░░░░░░░░░░░░░"), "{second}");
        let unit = lines.iter().find(|l| l.contains("cu-1")).unwrap();
        assert!(unit.contains("1970-01-15 13:46:40Z  in 3 d 0 h"), "{unit}");
    }

    #[test]
    fn colours_only_when_asked_and_lines_fit_the_width() {
        let e = entries();
        let filter = Filter::default();
        let style = Style {
            color: true,
            width: Some(100),
        };
        let lines = render(&frame(&e, &filter), &style);
        assert!(lines.iter().any(|l| l.contains("\x1b[1;31m")));
        let plain = render(
            &frame(&e, &filter),
            &Style {
                color: false,
                width: Some(100),
            },
        );
        for l in &plain {
            assert!(width(l) <= 100, "{} columns: {l}", width(l));
        }
        assert!(plain.iter().any(|l| l.contains('…')));
    }

    #[test]
    fn widths_and_ellipsis() {
        assert_eq!(width("华东一区"), 8);
        assert_eq!(ellipsize("abcdefghij", 5), "abcd…");
        assert_eq!(ellipsize("华东一区", 5), "华东…");
        assert_eq!(span(90061.0), "1 d 1 h");
        assert_eq!(span(59.0), "59 s");
    }
}
