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

use super::view::{AccountLine, CapabilitySource, CapacityLine, Level, Named, Page};

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
                (accounts(&p.accounts))
                (capacity(p, &metrics))
            }
        }
        "\n"
    }
    .into_string()
}

fn accounts(lines: &[AccountLine]) -> Markup {
    html! {
        h2 { "Accounts" }
        "\n"
        table id="accounts" {
            thead {
                tr {
                    th { "account" } th { "provider" } th { "region" } th { "state" }
                    th { "last success" } th class="num" { "last poll" }
                    th class="num" { "pools" } th class="num" { "queues" } th { "last error" }
                }
            }
            "\n"
            tbody {
                "\n"
                @for a in lines {
                    (account(a))
                    "\n"
                }
            }
        }
        "\n"
    }
}

fn account(a: &AccountLine) -> Markup {
    let name = Text(a.account.name);
    let provider = Text(a.account.provider);
    let state = a.state.as_str();
    html! {
        tr data-account=(name) data-provider=(provider) data-state=(state)
            data-up=(u8::from(a.up)) data-stale=(a.stale)
            data-last-success=[a.last_success.as_ref().map(|(secs, _)| secs)]
        {
            td { (name) }
            td { (provider) }
            td { (Text(a.account.region)) }
            td {
                span class={ "state " (state) } { (state) }
                @if a.stale {
                    " "
                    span class="tag stale" title="older than stale_after: left out of /metrics" { "stale" }
                }
            }
            td {
                @match &a.last_success {
                    Some((_, t)) => {
                        time datetime=(t.rfc3339) { (t.rfc3339) }
                        " "
                        span class="muted" { "(" (t.ago) ")" }
                    }
                    None => "never",
                }
            }
            td class="num" { (a.last_poll) }
            td class="num" { (a.pools) }
            td class="num" { (a.queues) }
            td class="err" {
                @if let Some(e) = &a.error {
                    span class="reason" { (Text(e.reason)) }
                    @if !e.detail.is_empty() {
                        ":" (Text(e.detail))
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
        }
    }
}

fn capacity(p: &Page, metrics: &Text) -> Markup {
    html! {
        h2 { "Accelerators by pool and queue" }
        "\n"
        p class="note" {
            "Least headroom (free ÷ capability) first. " b { "Free" } " is " i { "remaining" }
            ", what a new workload can still get, as on " a href=(metrics) { (metrics) }
            ": where a platform reports none the exporter derives it by a named rule (README, \
            Normalisation rules), and where the data does not determine it the row says "
            i { "not reported" }
            ". Sugon's AI resource groups report no allocation: their capability is nodes × \
            cards per node and their free cards are unknown; its HPC queues' free cards are \
            free nodes × cards per node. Bars:"
            span class="key" style="background:var(--alloc)" {} "allocated"
            span class="key" style="background:var(--free)" {} "free"
            span class="key" style="background:var(--other)" {} "neither, of capability. \
            The same numbers as series: "
            a href=(metrics) { (metrics) } "."
        }
        "\n"
        table id="capacity" {
            thead {
                tr {
                    th { "account" } th { "pool" } th { "queue" } th { "accelerator" }
                    th class="num" { "capability" } th class="num" { "allocated" }
                    th class="num" { "free" } th { "headroom" }
                }
            }
            "\n"
            tbody {
                "\n"
                @for line in &p.capacity {
                    (capacity_row(line))
                    "\n"
                }
                @if p.capacity.is_empty() {
                    tr { td colspan="8" class="muted" { "No accelerator data yet." } }
                    "\n"
                }
            }
        }
        "\n"
        @if p.not_shown > 0 {
            p class="note" id="not-shown" {
                (p.not_shown) " more rows are not listed: the page shows the " (p.keep_rows)
                " with the least headroom. Every one is on " a href=(metrics) { (metrics) } "."
            }
            "\n"
        }
        @if p.without_accelerators > 0 {
            p class="note" id="without-accelerators" {
                (p.without_accelerators) " pools or queues without accelerators are not listed (see "
                a href=(metrics) { (metrics) } " for their CPU and memory)."
            }
            "\n"
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
        {
            td title=(Text(r.provider)) { (Text(r.account)) }
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
