//! The status page at `/`: a live, dependency-free HTML view of what the exporter
//! last published. Per account its state (up, last success, last error reason);
//! per pool and queue the accelerators' capability, allocated and free as small
//! bars, least headroom first. Plain HTML and CSS, no script; the page reloads
//! itself with `<meta http-equiv=refresh>`.
//!
//! [`render_at`] is a pure function of the published state, so it is unit-tested
//! here; [`render`] reads the live state. Every string that came from an upstream
//! or the config (pool and queue names are chosen by users) is HTML-escaped. Each
//! capacity row carries its identity and numbers as `data-*` attributes with the
//! exact values `/metrics` shows, which the browser test
//! (tests/e2e/status_page.sh) compares against `/metrics`.

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::capacity::{by_identity, by_need, CapacityRow, KEEP_ROWS};
use crate::exposition::BuildInfo;
use crate::runtime::state::{Published, Shared};

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

pub use crate::capacity::{CapabilitySource, FreeSource};

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

/// Numbers as `/metrics` writes them: whole numbers without a fraction, others in
/// Rust's shortest round-trip form.
fn exact(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Numbers for people: at most two decimals, trailing zeros dropped, `—` for
/// unknown (the terminal view `top` writes them the same way).
pub fn short(v: Option<f64>) -> String {
    match v {
        None => "—".to_string(),
        Some(v) if !v.is_finite() => v.to_string(),
        Some(v) => {
            let s = format!("{v:.2}");
            let s = s.trim_end_matches('0').trim_end_matches('.');
            if s == "-0" {
                "0".to_string()
            } else {
                s.to_string()
            }
        }
    }
}

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
fn refresh_seconds(accounts: &[AccountView]) -> u64 {
    accounts
        .iter()
        .map(|a| a.interval.as_secs())
        .min()
        .unwrap_or(30)
        .clamp(5, 60)
}

const STYLE: &str = r#"
:root{--alloc:#3b6fd4;--free:#2e9e5b;--other:#e4e7ec;--low:#c62828;--warn:#d97706;--ok:#2e7d32;--muted:#6b7280}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC",sans-serif;margin:1.5em 2em;color:#111827;background:#fff}
h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.15em;margin:1.6em 0 .4em}
p{margin:.3em 0}.muted,.note{color:var(--muted);font-size:.9em}
a{color:#1d4ed8}
table{border-collapse:collapse;font-size:.85em}
th,td{border-bottom:1px solid #e5e7eb;padding:3px 8px;text-align:left;vertical-align:middle;white-space:nowrap}
th{background:#f9fafb;font-weight:600;white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.state{font-weight:600}.state.up{color:var(--ok)}.state.down{color:var(--low)}.state.pending{color:var(--muted)}
.tag{display:inline-block;border-radius:3px;padding:0 5px;font-size:.8em;background:#f3f4f6;color:#374151;white-space:nowrap}
.tag.stale{background:#fef3c7;color:#92400e}.reason{font-weight:600;color:var(--low)}
.err{max-width:44em;word-break:break-word;white-space:normal}
.hr{display:flex;align-items:center;gap:8px}.hr>span{min-width:3em;text-align:right;font-variant-numeric:tabular-nums}
.name{max-width:16em;overflow:hidden;text-overflow:ellipsis}
.bar{display:flex;width:120px;height:12px;background:var(--other);border-radius:2px;overflow:hidden}
.bar span{display:block;height:100%}.bar .alloc{background:var(--alloc)}.bar .free{background:var(--free)}
.h-low{color:var(--low);font-weight:600}.h-warn{color:var(--warn);font-weight:600}.h-ok{color:var(--ok)}
tr.stale td{opacity:.55}
.key{display:inline-block;width:10px;height:10px;border-radius:2px;vertical-align:middle;margin:0 3px 0 8px}
.id{display:block;color:var(--muted);font-size:.8em}
"#;

/// The page, from the live state.
pub fn render(shared: &Shared, build: &BuildInfo) -> String {
    // One consistent read per account for the whole page.
    let accounts = shared.accounts();
    let current: Vec<_> = accounts.iter().map(|a| (a, a.current())).collect();
    let views: Vec<AccountView> = current
        .iter()
        .map(|(a, p)| AccountView {
            name: &a.name,
            provider: a.provider.as_str(),
            region: &a.region,
            interval: a.interval,
            stale_after: a.stale_after,
            published: p,
        })
        .collect();
    render_at(
        &views,
        &PageInfo {
            telemetry_path: &shared.telemetry_path,
            version: build.version,
            revision: build.revision,
            now: SystemTime::now(),
        },
    )
}

/// The page for these accounts as of `page.now`.
pub fn render_at(accounts: &[AccountView], page: &PageInfo) -> String {
    let metrics = esc(page.telemetry_path);
    let mut h = String::with_capacity(16 * 1024);
    // Writing into a String cannot fail; the results of write! are ignored below.
    let _ = write!(
        h,
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="{refresh}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>aipool_exporter status</title>
<style>{STYLE}</style>
</head><body>
<h1>aipool_exporter</h1>
<p class="muted">Version {version} ({revision}) · as of <time datetime="{now}">{now}</time> · reloads every {refresh} s ·
<a href="{metrics}">{metrics}</a> · <a href="/healthz">/healthz</a> · <a href="/ready">/ready</a></p>
"#,
        refresh = refresh_seconds(accounts),
        version = esc(page.version),
        revision = esc(page.revision),
        now = rfc3339(page.now),
    );
    accounts_table(&mut h, accounts, page.now);
    capacity_table(&mut h, accounts, page.now, &metrics);
    h.push_str("</body></html>\n");
    h
}

fn accounts_table(h: &mut String, accounts: &[AccountView], now: SystemTime) {
    h.push_str(
        r#"<h2>Accounts</h2>
<table id="accounts"><thead><tr><th>account</th><th>provider</th><th>region</th><th>state</th><th>last success</th><th class="num">last poll</th><th class="num">pools</th><th class="num">queues</th><th>last error</th></tr></thead>
<tbody>
"#,
    );
    for a in accounts {
        let p = a.published;
        let state = match (p.attempted, p.up) {
            (false, _) => "pending",
            (true, true) => "up",
            (true, false) => "down",
        };
        let stale = p.capacity.is_some() && p.is_stale(a.stale_after, now);
        let (last_attr, last) = match p.last_success {
            Some(t) => {
                let secs = t
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs_f64())
                    .unwrap_or(0.0);
                (
                    format!(r#" data-last-success="{}""#, exact(secs)),
                    format!(
                        r#"<time datetime="{t}">{t}</time> <span class="muted">({ago})</span>"#,
                        t = rfc3339(t),
                        ago = ago(t, now)
                    ),
                )
            }
            None => (String::new(), "never".to_string()),
        };
        let duration = p
            .last_duration
            .map(|d| format!("{:.2} s", d.as_secs_f64()))
            .unwrap_or_else(|| "—".into());
        let (pools, queues) = p
            .capacity
            .as_ref()
            .map(|c| (c.pools, c.queues))
            .unwrap_or((0, 0));
        // The poller writes errors as `reason: api url: message` (URL redacted,
        // no secrets); the reason leads.
        let error = match p.last_error.as_deref() {
            Some(e) => {
                let (reason, rest) = e.split_once(':').unwrap_or((e, ""));
                format!(
                    r#"<span class="reason">{}</span>{}{}"#,
                    esc(reason),
                    if rest.is_empty() { "" } else { ":" },
                    esc(rest)
                )
            }
            None => String::new(),
        };
        // Units whose own calls failed in the last successful poll: what is
        // shown of them is older than the account's last success, or missing.
        let mut error = error;
        for b in &p.behind {
            let since = match b.fetched {
                Some(t) => format!(
                    r#"data from <time datetime="{t}">{t}</time> ({ago})"#,
                    t = rfc3339(t),
                    ago = ago(t, now)
                ),
                None => "no data".to_string(),
            };
            let (reason, _) = b.error.split_once(':').unwrap_or((&b.error, ""));
            let _ = write!(
                error,
                r#"<div class="behind" data-unit="{unit}"><span class="tag stale">behind</span> {unit}: {since}; <span class="reason">{reason}</span></div>"#,
                unit = esc(&b.unit.to_string()),
                reason = esc(reason),
            );
        }
        let stale_tag = if stale {
            r#" <span class="tag stale" title="older than stale_after: left out of /metrics">stale</span>"#
        } else {
            ""
        };
        let _ = writeln!(
            h,
            r#"<tr data-account="{name}" data-provider="{provider}" data-state="{state}" data-up="{up}" data-stale="{stale}"{last_attr}><td>{name}</td><td>{provider}</td><td>{region}</td><td><span class="state {state}">{state}</span>{stale_tag}</td><td>{last}</td><td class="num">{duration}</td><td class="num">{pools}</td><td class="num">{queues}</td><td class="err">{error}</td></tr>"#,
            name = esc(a.name),
            provider = esc(a.provider),
            region = esc(a.region),
            up = u8::from(p.up),
        );
    }
    h.push_str("</tbody></table>\n");
}

fn capacity_table(h: &mut String, accounts: &[AccountView], now: SystemTime, metrics: &str) {
    let mut all = Vec::new();
    let mut without = 0;
    let mut not_shown = 0;
    for a in accounts {
        let (rows, n, not_kept) = rows(a, now);
        all.extend(rows);
        without += n;
        not_shown += not_kept;
    }
    all.sort_by(by_headroom);
    // Each account kept its KEEP_ROWS neediest rows, so the neediest of them all
    // are among those kept.
    not_shown += all.len().saturating_sub(KEEP_ROWS);
    all.truncate(KEEP_ROWS);
    let _ = write!(
        h,
        r#"<h2>Accelerators by pool and queue</h2>
<p class="note">Least headroom (free ÷ capability) first. <b>Free</b> is <i>remaining</i>, what a new workload can still get, as on <a href="{metrics}">{metrics}</a>: where a platform reports none the exporter derives it by a named rule (README, Normalisation rules), and where the data does not determine it the row says <i>not reported</i>. Sugon's AI resource groups report no allocation: their capability is nodes × cards per node and their free cards are unknown; its HPC queues' free cards are free nodes × cards per node. Bars:<span class="key" style="background:var(--alloc)"></span>allocated<span class="key" style="background:var(--free)"></span>free<span class="key" style="background:var(--other)"></span>neither, of capability. The same numbers as series: <a href="{metrics}">{metrics}</a>.</p>
<table id="capacity"><thead><tr><th>account</th><th>pool</th><th>queue</th><th>accelerator</th><th class="num">capability</th><th class="num">allocated</th><th class="num">free</th><th>headroom</th></tr></thead>
<tbody>
"#
    );
    for r in &all {
        capacity_row(h, r);
    }
    if all.is_empty() {
        h.push_str(r#"<tr><td colspan="8" class="muted">No accelerator data yet.</td></tr>"#);
        h.push('\n');
    }
    h.push_str("</tbody></table>\n");
    if not_shown > 0 {
        let _ = writeln!(
            h,
            r#"<p class="note" id="not-shown">{not_shown} more rows are not listed: the page shows the {KEEP_ROWS} with the least headroom. Every one is on <a href="{metrics}">{metrics}</a>.</p>"#
        );
    }
    if without > 0 {
        let _ = writeln!(
            h,
            r#"<p class="note" id="without-accelerators">{without} pools or queues without accelerators are not listed (see <a href="{metrics}">{metrics}</a> for their CPU and memory).</p>"#
        );
    }
}

fn capacity_row(h: &mut String, r: &Row) {
    let queue_ids = r
        .queue
        .as_ref()
        .map(|(id, name)| (id.as_str(), name.as_str()));
    let mut attrs = format!(
        r#" data-kind="{kind}" data-provider="{}" data-account="{}" data-cloud-region="{}" data-pool-id="{}""#,
        esc(r.provider),
        esc(r.account),
        esc(&r.cloud_region),
        esc(&r.pool_id),
        kind = if r.queue.is_some() { "queue" } else { "pool" },
    );
    if let Some((id, _)) = queue_ids {
        let _ = write!(attrs, r#" data-queue-id="{}""#, esc(id));
    }
    let _ = write!(
        attrs,
        r#" data-accelerator="{}" data-capability-source="{}" data-free-source="{}""#,
        esc(&r.accelerator),
        r.capability_source.as_str(),
        r.free_source.as_str()
    );
    for (name, v) in [
        ("capability", r.capability),
        ("allocated", r.allocated),
        ("free", r.free),
    ] {
        if let Some(v) = v {
            let _ = write!(attrs, r#" data-{name}="{}""#, exact(v));
        }
    }
    let headroom = r.headroom();
    let (h_class, h_text) = match headroom {
        Some(x) if x < 0.10 => ("h-low", format!("{:.0} %", x * 100.0)),
        Some(x) if x < 0.25 => ("h-warn", format!("{:.0} %", x * 100.0)),
        Some(x) => ("h-ok", format!("{:.0} %", x * 100.0)),
        None => ("muted", "—".to_string()),
    };
    let bar = match r.capability {
        Some(c) if c > 0.0 => {
            let alloc = percent(r.allocated.unwrap_or(0.0) / c);
            // Free never overdraws the bar: allocated and free can exceed the
            // capability where a queue may borrow cards from others.
            let free = percent(r.free.unwrap_or(0.0) / c).min(100.0 - alloc);
            format!(
                r#"<div class="bar" title="{} allocated, {} free of {}"><span class="alloc" style="width:{alloc:.1}%"></span><span class="free" style="width:{free:.1}%"></span></div>"#,
                short(r.allocated),
                short(r.free),
                short(r.capability)
            )
        }
        _ => r#"<div class="bar" title="no capability figure"></div>"#.to_string(),
    };
    let cap_note = match r.capability_source {
        CapabilitySource::NodesTimesPerNode => {
            r#" <span class="tag" title="nodes × cards per node">nodes×</span>"#
        }
        CapabilitySource::Reported => "",
    };
    let pool = if r.pool_name.is_empty() || r.pool_name == r.pool_id {
        esc(&r.pool_id)
    } else {
        format!(
            r#"{} <span class="id">{}</span>"#,
            esc(&r.pool_name),
            esc(&r.pool_id)
        )
    };
    let queue = match queue_ids {
        Some((id, name)) if !name.is_empty() && name != id => {
            format!(r#"{} <span class="id">{}</span>"#, esc(name), esc(id))
        }
        Some((id, _)) => esc(id),
        None => r#"<span class="muted">(pool)</span>"#.to_string(),
    };
    // Long names are cut with an ellipsis; the title shows them whole.
    let pool_title = esc(&format!("{} ({})", r.pool_name, r.pool_id));
    let queue_title = queue_ids
        .map(|(id, name)| esc(&format!("{name} ({id})")))
        .unwrap_or_default();
    let stale = if r.stale {
        r#" class="stale" data-stale="true""#
    } else {
        ""
    };
    let _ = writeln!(
        h,
        r#"<tr{stale}{attrs}><td title="{provider}">{account}</td><td class="name" title="{pool_title}">{pool}</td><td class="name" title="{queue_title}">{queue}</td><td>{accelerator}</td><td class="num">{cap}{cap_note}</td><td class="num">{alloc}</td><td class="num">{free}<span class="id">{source}</span></td><td><div class="hr">{bar}<span class="{h_class}">{h_text}</span></div></td></tr>"#,
        account = esc(r.account),
        provider = esc(r.provider),
        accelerator = esc(&r.accelerator),
        cap = short(r.capability),
        alloc = short(r.allocated),
        free = short(r.free),
        source = r.free_source.label(),
    );
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Short name inside this module: every upstream string passes through it.
fn esc(s: &str) -> String {
    escape_html(s)
}

#[cfg(test)]
mod tests;
