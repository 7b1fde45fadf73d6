//! The status page's HTML: a maud template over the view model (`view.rs`).
//!
//! Why maud: the template is checked at compile time (every element closed, no
//! markup built by string concatenation) and every `(value)` it splices is
//! escaped; only `PreEscaped` is not, and this file uses it for two constants
//! (the doctype and the style sheet), never for data. Values from upstreams and
//! the config (account, pool, queue and accelerator names, error messages) are
//! spliced as `(Text(..))`, which escapes `'` as well as maud's `& < > "`: the
//! page has always written `&#39;`, so its bytes stay the same.
//!
//! The page is one line per table row (the unit tests and the browser test,
//! tests/e2e/status_page.sh, read it that way), hence the `"\n"` literals.

use maud::{html, Markup, PreEscaped, Render};

use super::view::{
    AccountLine, CapabilitySource, CapacityLine, Expiry, Level, Named, Page, Section, UnitLine,
};

/// Lower-case, as the page has always written it (maud's `DOCTYPE` is upper-case).
const DOCTYPE: PreEscaped<&str> = PreEscaped("<!doctype html>\n");

/// The page's whole style sheet: a constant, so raw by design.
const STYLE: PreEscaped<&str> = PreEscaped(
    r#"
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
section.account{border-top:1px solid #e5e7eb;margin-top:1.4em}
section.account h2{margin:.8em 0 .3em}h2 .muted{font-weight:400}a.only{font-size:.7em;font-weight:400;margin-left:.6em}
p.status{margin:.2em 0 .6em}table.units{margin-top:.8em}.notice{color:var(--low);font-weight:600}
"#,
);

/// Text from an upstream or the config, escaped for element content and
/// attribute values alike (`'` too, beyond maud's own escaping).
#[derive(Clone, Copy)]
struct Text<'a>(&'a str);

impl Render for Text<'_> {
    fn render_to(&self, out: &mut String) {
        for c in self.0.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
        }
    }
}

/// The page.
pub fn page(p: &Page) -> String {
    let metrics = Text(p.info.telemetry_path);
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                "\n"
                meta http-equiv="refresh" content=(p.refresh);
                "\n"
                meta name="viewport" content="width=device-width, initial-scale=1";
                "\n"
                title { "aipool_exporter status" }
                "\n"
                style { (STYLE) }
                "\n"
            }
            body {
                "\n"
                h1 { "aipool_exporter" }
                "\n"
                p class="muted" {
                    "Version " (Text(p.info.version)) " (" (Text(p.info.revision)) ") · as of "
                    time datetime=(p.now) { (p.now) }
                    " · reloads every " (p.refresh) " s ·\n"
                    a href=(metrics) { (metrics) }
                    " · " a href="/healthz" { "/healthz" }
                    " · " a href="/ready" { "/ready" }
                }
                "\n"
                (chooser(p))
                (legend(&metrics))
                @for s in &p.sections {
                    (section(s, p.keep_rows, &metrics))
                }
            }
        }
        "\n"
    }
    .into_string()
}

/// What a query value may carry as is (RFC 3986 unreserved characters).
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `?account=NAME`, percent-encoded (names are the config's, any UTF-8).
fn account_href(name: &str) -> String {
    format!(
        "/?account={}",
        percent_encoding::utf8_percent_encode(name, QUERY_VALUE)
    )
}

/// Which accounts are shown, with a link to each one alone; says so when
/// `?account=` names none.
fn chooser(p: &Page) -> Markup {
    html! {
        @if let Some(name) = p.unknown_account() {
            p class="notice" id="unknown-account" {
                "No account is named " b { (Text(name)) } "."
            }
            "\n"
        }
        p class="muted" id="accounts" {
            @match p.filter {
                Some(name) if p.unknown_account().is_none() => {
                    "Showing " b { (Text(name)) } " · " a href="/" { "all accounts" }
                }
                _ => { (p.names.len()) " accounts" }
            }
            @if p.names.len() > 1 || p.unknown_account().is_some() {
                ":"
                @for name in &p.names {
                    " " a href=(account_href(name)) { (Text(name)) }
                }
            }
        }
        "\n"
    }
}

fn legend(metrics: &Text) -> Markup {
    html! {
        p class="note" {
            "Per account: its state, then its pools and queues, least headroom (free ÷ \
            capability) first, then its compute units, soonest expiry first. " b { "Free" }
            " is " i { "remaining" }
            ", what a new workload can still get, as on " a href=(metrics) { (metrics) }
            ": where a platform reports none the exporter derives it by a named rule (README, \
            Normalisation rules), and where the data does not determine it the row says "
            i { "not reported" }
            ". Sugon's AI resource groups report no allocation: their capability is nodes × \
            cards per node and their free cards are unknown; its HPC queues' free cards are \
            free nodes × cards per node. " b { "Largest block" } " is the most free cards on one \
            node, the largest single-node job that can start now, and beneath it the slots: \
            how many such jobs of each size fit (cards:jobs); a sum of free cards cannot \
            tell, 8 free spread 2 per node fit no 4-card job. It is shown where the platform \
            reports free cards per node (ModelArts pools, Sugon HPC queues), else —. Bars:"
            span class="key" style="background:var(--alloc)" {} "allocated"
            span class="key" style="background:var(--free)" {} "free"
            span class="key" style="background:var(--other)" {} "neither, of capability. \
            The same numbers as series: "
            a href=(metrics) { (metrics) } "."
        }
        "\n"
    }
}

fn section(s: &Section, keep_rows: usize, metrics: &Text) -> Markup {
    let a = &s.line;
    let name = Text(a.account.name);
    html! {
        section class="account" data-account=(name) {
            "\n"
            h2 {
                (name) " "
                span class="muted" { (Text(a.account.provider)) " · " (Text(a.account.region)) }
                " " a class="only" href=(account_href(a.account.name)) { "only this account" }
            }
            "\n"
            (status(a))
            (capacity(s, keep_rows, metrics))
            (units(s))
        }
        "\n"
    }
}

/// The account's status line, and its error and units behind beneath.
fn status(a: &AccountLine) -> Markup {
    let state = a.state.as_str();
    html! {
        p class="status" data-account=(Text(a.account.name))
            data-provider=(Text(a.account.provider)) data-state=(state)
            data-up=(u8::from(a.up)) data-stale=(a.stale)
            data-last-success=[a.last_success.as_ref().map(|(secs, _)| secs)]
        {
            span class={ "state " (state) } { (state) }
            @if a.stale {
                " "
                span class="tag stale" title="older than stale_after: left out of /metrics" { "stale" }
            }
            " · last success "
            @match &a.last_success {
                Some((_, t)) => {
                    time datetime=(t.rfc3339) { (t.rfc3339) }
                    " "
                    span class="muted" { "(" (t.ago) ")" }
                }
                None => "never",
            }
            " · last poll " (a.last_poll)
            " · " span class="counts" {
                (a.pools) " pools, " (a.queues) " queues"
                @if a.compute_units > 0 {
                    ", " (a.compute_units) " compute units"
                }
            }
        }
        "\n"
        @if a.error.is_some() || !a.behind.is_empty() {
            div class="err" {
                @if let Some(e) = &a.error {
                    span class="reason" { (Text(e.reason)) }
                    @if !e.detail.is_empty() {
                        ": " (Text(&e.detail))
                    }
                }
                @for b in &a.behind {
                    div class="behind" data-unit=(Text(&b.unit)) {
                        span class="tag stale" { "behind" }
                        " " (Text(&b.unit)) ": "
                        @match &b.fetched {
                            Some(t) => {
                                "data from " time datetime=(t.rfc3339) { (t.rfc3339) }
                                " (" (t.ago) ")"
                            }
                            None => "no data",
                        }
                        "; "
                        span class="reason" { (Text(b.reason)) }
                    }
                }
            }
            "\n"
        }
    }
}

fn capacity(s: &Section, keep_rows: usize, metrics: &Text) -> Markup {
    let has_data = s.line.account.published.capacity.is_some();
    html! {
        @if !s.capacity.is_empty() {
            table class="capacity" {
                thead {
                    tr {
                        th { "pool" } th { "queue" } th { "accelerator" }
                        th class="num" { "capability" } th class="num" { "allocated" }
                        th class="num" { "free" }
                        th class="num" title="the most free cards on one node, and single-node jobs that fit by size (cards:jobs)" { "largest block" }
                        th { "headroom" }
                    }
                }
                "\n"
                tbody {
                    "\n"
                    @for line in &s.capacity {
                        (capacity_row(line))
                        "\n"
                    }
                }
            }
            "\n"
        } @else if !has_data {
            p class="muted empty" { "No data yet." }
            "\n"
        } @else if s.units.is_empty() {
            p class="muted empty" { "No pool or queue reports accelerators." }
            "\n"
        }
        @if s.not_shown > 0 {
            p class="note not-shown" {
                (s.not_shown) " more rows are not listed: the page shows the " (keep_rows)
                " with the least headroom. Every one is on " a href=(metrics) { (metrics) } "."
            }
            "\n"
        }
        @if s.without_accelerators > 0 {
            p class="note without-accelerators" {
                (s.without_accelerators) " pools or queues without accelerators are not listed (see "
                a href=(metrics) { (metrics) } " for their CPU and memory)."
            }
            "\n"
        }
    }
}

fn units(s: &Section) -> Markup {
    html! {
        @if !s.units.is_empty() {
            table class="units" {
                thead {
                    tr {
                        th { "service" } th { "compute unit" } th { "payment" } th { "status" }
                        th class="num" { "replicas" } th { "expires" } th { "" }
                    }
                }
                "\n"
                tbody {
                    "\n"
                    @for u in &s.units {
                        (unit_row(u, s.line.account.name))
                        "\n"
                    }
                }
            }
            "\n"
            @if s.units_not_shown > 0 {
                p class="note units-not-shown" {
                    (s.units_not_shown) " more compute units, expiring later, are not listed."
                }
                "\n"
            }
        }
    }
}

fn unit_row(u: &UnitLine, account: &str) -> Markup {
    let c = u.unit;
    let (class, level) = match u.level {
        Expiry::Expired => ("h-low", "expired"),
        Expiry::Soon => ("h-warn", "soon"),
        Expiry::Later => ("h-ok", "later"),
        Expiry::Unknown => ("muted", "unknown"),
    };
    html! {
        tr class=[u.stale.then_some("stale")] data-stale=[u.stale.then_some("true")]
            data-account=(Text(account)) data-service-id=(Text(&c.service_id)) data-instance-id=(Text(&c.instance_id))
            data-replicas=[u.exact_replicas.as_ref()] data-expiry=[u.exact_expiry.as_ref()]
            data-expiry-level=(level)
        {
            td class="name" title=(Text(&c.service_id)) { (named(u.service)) }
            td { (Text(&c.instance_id)) }
            td { (Text(&c.payment_timing)) }
            td { (Text(&c.status)) }
            td class="num" { (u.replicas) }
            td class=[(u.level == Expiry::Expired).then_some("h-low")] { (u.expires) }
            td class=(class) { (u.left) }
        }
    }
}

fn capacity_row(l: &CapacityLine) -> Markup {
    let r = &l.row;
    let h_class = match l.headroom {
        Level::Low => "h-low",
        Level::Warn => "h-warn",
        Level::Ok => "h-ok",
        Level::Unknown => "muted",
    };
    html! {
        tr class=[r.stale.then_some("stale")] data-stale=[r.stale.then_some("true")]
            data-kind=(l.kind()) data-provider=(Text(r.provider)) data-account=(Text(r.account))
            data-cloud-region=(Text(&r.cloud_region)) data-pool-id=(Text(&r.pool_id))
            data-queue-id=[l.queue.map(|q| Text(q.id))]
            data-accelerator=(Text(&r.accelerator))
            data-capability-source=(r.capability_source.as_str())
            data-free-source=(r.free_source.as_str())
            data-capability=[l.exact_capability.as_ref()]
            data-allocated=[l.exact_allocated.as_ref()]
            data-free=[l.exact_free.as_ref()]
            data-largest-free-block=[l.exact_largest_block.as_ref()]
            data-slots=[l.exact_slots.as_ref()]
        {
            td class="name" title=(Text(&l.pool_title)) { (named(l.pool)) }
            td class="name" title=(Text(&l.queue_title)) {
                @match l.queue {
                    Some(q) => (named(q)),
                    None => span class="muted" { "(pool)" },
                }
            }
            td { (Text(&r.accelerator)) }
            td class="num" {
                (l.capability)
                @if r.capability_source == CapabilitySource::NodesTimesPerNode {
                    " " span class="tag" title="nodes × cards per node" { "nodes×" }
                }
            }
            td class="num" { (l.allocated) }
            td class="num" { (l.free) span class="id" { (r.free_source.label()) } }
            td class="num block" {
                (l.largest_block)
                @if let Some(s) = &l.slots { span class="id" { "slots " (s) } }
            }
            td {
                div class="hr" {
                    @match &l.bar {
                        Some(b) => div class="bar" title=(b.title) {
                            span class="alloc" style=(format_args!("width:{:.1}%", b.allocated)) {}
                            span class="free" style=(format_args!("width:{:.1}%", b.free)) {}
                        },
                        None => div class="bar" title="no capability figure" {},
                    }
                    span class=(h_class) { (l.headroom_label) }
                }
            }
        }
    }
}

/// A pool's or queue's name with its id beneath, or the id alone.
fn named(n: Named) -> Markup {
    html! {
        @match n.name {
            Some(name) => { (Text(name)) " " span class="id" { (Text(n.id)) } }
            None => (Text(n.id)),
        }
    }
}
