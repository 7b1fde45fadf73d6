use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use super::view::{exact, page, refresh_seconds, Bar, ErrorText, Level, Named, State};
use super::*;
use crate::capacity::Capacity;
use crate::model::{Pool, Quantities, QuantityKind, Queue, Resources, Snapshot};
use crate::providers::{PollError, Reason};
use crate::runtime::failure::PollFailure;
use crate::runtime::state::Published;

pub(super) const T0: u64 = 1_700_000_000;

fn cards(pairs: &[(&str, f64)]) -> Resources {
    Resources {
        accelerators: pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        ..Resources::default()
    }
}

fn quantities(entries: &[(QuantityKind, &[(&str, f64)])]) -> Quantities {
    entries.iter().map(|(k, c)| (*k, cards(c))).collect()
}

fn queue(pool: &str, id: &str, name: &str, q: Quantities) -> Queue {
    Queue {
        pool_id: pool.into(),
        id: id.into(),
        name: name.into(),
        quantities: q,
        ..Queue::default()
    }
}

/// A request that failed with `reason`, as a provider reports it.
pub(super) fn poll_error(reason: Reason, api: &str, url: &str, message: &str) -> PollError {
    PollError {
        api: api.into(),
        url: url.into(),
        reason,
        message: message.into(),
    }
}

/// What an account publishes after a successful poll of `s` (in region "bj").
pub(super) fn published(s: Snapshot) -> Published {
    Published {
        snapshot: None,
        capacity: Some(Arc::new(Capacity::of(
            &s,
            "bj",
            &crate::quantity::slots::DEFAULT_SLOT_SIZES,
        ))),
        up: true,
        attempted: true,
        last_success: Some(UNIX_EPOCH + Duration::from_millis(T0 * 1000 + 250)),
        last_duration: Some(Duration::from_millis(310)),
        last_error: None,
        partial_errors: Vec::new(),
        failed_units: Vec::new(),
        behind: Vec::new(),
    }
}

pub(super) fn view<'a>(name: &'a str, provider: &'a str, p: &'a Published) -> AccountView<'a> {
    AccountView {
        name,
        provider,
        region: "bj",
        interval: Duration::from_secs(60),
        stale_after: Duration::from_secs(180),
        published: p,
    }
}

pub(super) fn page_at(accounts: &[AccountView], secs_after: u64) -> String {
    page_for(accounts, secs_after, None)
}

/// The page as `/?account=NAME` shows it (`None`: `/`).
pub(super) fn page_for(accounts: &[AccountView], secs_after: u64, filter: Option<&str>) -> String {
    render_at(
        accounts,
        &PageInfo {
            telemetry_path: "/metrics",
            version: "1.2.3",
            revision: "abc",
            now: UNIX_EPOCH + Duration::from_secs(T0 + secs_after),
        },
        filter,
    )
}

/// The `<tr ...>` lines of the tables of this class (`capacity`, `units`), in
/// page order, across every account's section.
pub(super) fn table_rows<'a>(html: &'a str, class: &str) -> Vec<&'a str> {
    html.split(&format!(r#"<table class="{class}">"#))
        .skip(1)
        .flat_map(|t| t.split("</table>").next().unwrap().lines())
        .filter(|l| l.starts_with("<tr"))
        .collect()
}

pub(super) fn capacity_rows(html: &str) -> Vec<&str> {
    table_rows(html, "capacity")
}

/// The account status lines, in page order.
pub(super) fn status_lines(html: &str) -> Vec<&str> {
    html.lines()
        .filter(|l| l.starts_with(r#"<p class="status""#))
        .collect()
}

pub(super) fn attr<'a>(row: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(r#" data-{name}=""#);
    let start = row.find(&key)? + key.len();
    Some(&row[start..start + row[start..].find('"')?])
}

pub(super) fn aihc() -> Snapshot {
    use QuantityKind::*;
    let mut s = Snapshot::default();
    s.pools.push(Pool {
        id: "p1".into(),
        name: "train".into(),
        ..Pool::default()
    });
    s.queues = vec![
        // Only remaining: that is free.
        queue(
            "p1",
            "q-rem",
            "team-a",
            quantities(&[
                (Capability, &[("gpu", 8.0)]),
                (Allocated, &[("gpu", 4.5)]),
                (Remaining, &[("gpu", 3.5)]),
            ]),
        ),
        // Both: remaining still wins.
        queue(
            "p1",
            "q-both",
            "team-b",
            quantities(&[
                (Capability, &[("gpu", 4.0)]),
                (Allocated, &[("gpu", 1.0)]),
                (Remaining, &[("gpu", 3.0)]),
                (WorkloadAvailable, &[("gpu", 2.0)]),
            ]),
        ),
        // Only workload-available: no remaining, so free is not known (the
        // providers derive remaining where the data determines it).
        queue(
            "p1",
            "q-wa",
            "team-c",
            quantities(&[
                (Capability, &[("gpu", 16.0)]),
                (WorkloadAvailable, &[("gpu", 15.0)]),
            ]),
        ),
        // Full: nothing free.
        queue(
            "p1",
            "q-diff",
            "team-d",
            quantities(&[
                (Capability, &[("gpu", 8.0)]),
                (Allocated, &[("gpu", 8.0)]),
                (Remaining, &[("gpu", 0.0)]),
            ]),
        ),
        // No accelerators at all: no row, counted in the note.
        queue(
            "p1",
            "q-cpu",
            "cpu-only",
            [(
                Capability,
                Resources {
                    cpu_cores: Some(4.0),
                    ..Resources::default()
                },
            )]
            .into(),
        ),
    ];
    s
}

#[test]
fn free_is_the_remaining_quantity_only() {
    let p = published(aihc());
    let a = view("prod", "aihc", &p);
    let (rows, without, not_kept) = rows(&a, UNIX_EPOCH + Duration::from_secs(T0 + 10));
    assert_eq!(not_kept, 0);
    let by_queue: BTreeMap<&str, &Row> = rows
        .iter()
        .map(|r| (r.queue.as_ref().unwrap().0.as_str(), r))
        .collect();
    assert_eq!(by_queue.len(), 4, "{rows:?}");
    assert_eq!(without, 1);
    let free = |q: &str| (by_queue[q].free, by_queue[q].free_source);
    assert_eq!(free("q-rem"), (Some(3.5), FreeSource::Remaining));
    assert_eq!(free("q-both"), (Some(3.0), FreeSource::Remaining));
    assert_eq!(free("q-wa"), (None, FreeSource::Unknown));
    assert_eq!(free("q-diff"), (Some(0.0), FreeSource::Remaining));
    assert_eq!(by_queue["q-wa"].allocated, None);
    assert_eq!(by_queue["q-rem"].pool_name, "train");
}

#[test]
fn rows_are_sorted_least_headroom_first_and_carry_exact_values() {
    let p = published(aihc());
    let html = page_at(&[view("prod", "aihc", &p)], 10);
    let rows = capacity_rows(&html);
    let order: Vec<&str> = rows.iter().map(|r| attr(r, "queue-id").unwrap()).collect();
    // 0/8, 3.5/8, 3/4, then q-wa without a free figure.
    assert_eq!(order, ["q-diff", "q-rem", "q-both", "q-wa"], "{html}");
    let rem = rows[1];
    assert_eq!(attr(rem, "capability"), Some("8"));
    assert_eq!(attr(rem, "allocated"), Some("4.5"));
    assert_eq!(attr(rem, "free"), Some("3.5"));
    assert_eq!(attr(rem, "free-source"), Some("remaining"));
    assert_eq!(attr(rem, "kind"), Some("queue"));
    assert_eq!(attr(rem, "pool-id"), Some("p1"));
    assert_eq!(attr(rem, "cloud-region"), Some("bj"));
    assert!(rem.contains(r#"<span class="h-ok">44 %</span>"#), "{rem}");
    // Workload-available only: no allocated or free attribute (no series on
    // /metrics).
    assert_eq!(attr(rows[3], "allocated"), None);
    assert_eq!(attr(rows[3], "free"), None);
    assert_eq!(attr(rows[3], "free-source"), Some("unknown"));
    assert!(rows[3].contains("not reported"), "{}", rows[3]);
    // The full queue: 0 free, 0 % headroom, first.
    assert_eq!(attr(rows[0], "free"), Some("0"));
    assert!(rows[0].contains(r#"<span class="h-low">0 %</span>"#));
    assert!(html.contains(r#"<p class="note without-accelerators">1 pools or queues"#));
}

#[test]
fn rows_without_headroom_go_last() {
    use QuantityKind::*;
    let mut s = aihc();
    s.queues.push(queue(
        "p1",
        "q-nocap",
        "no-capability",
        quantities(&[(Allocated, &[("gpu", 1.0)])]),
    ));
    s.queues.push(queue(
        "p1",
        "q-zero",
        "zero",
        quantities(&[(Capability, &[("gpu", 0.0)]), (Remaining, &[("gpu", 0.0)])]),
    ));
    let p = published(s);
    let html = page_at(&[view("prod", "aihc", &p)], 10);
    let order: Vec<&str> = capacity_rows(&html)
        .iter()
        .map(|r| attr(r, "queue-id").unwrap())
        .collect();
    // Without a headroom: the known free first, then by identity.
    assert_eq!(
        order,
        ["q-diff", "q-rem", "q-both", "q-zero", "q-nocap", "q-wa"]
    );
}

#[test]
fn every_upstream_string_is_escaped() {
    use QuantityKind::*;
    let evil = r#"<script>alert("x")</script>&'"#;
    let mut s = Snapshot::default();
    s.pools.push(Pool {
        id: format!("pool{evil}"),
        name: format!("name{evil}"),
        quantities: quantities(&[(Capability, &[("gpu", 2.0)])]),
        ..Pool::default()
    });
    s.pools[0]
        .quantities
        .insert(Allocated, cards(&[(&format!("acc{evil}"), 1.0)]));
    s.queues.push(queue(
        &format!("pool{evil}"),
        &format!("queue{evil}"),
        &format!("qname{evil}"),
        quantities(&[(Capability, &[("gpu", 1.0)])]),
    ));
    let mut p = published(s);
    p.up = false;
    p.last_error = Some(PollFailure::Request(poll_error(
        Reason::Auth,
        "DescribeQueues",
        "https://x/?sig=<redacted>",
        &format!("<img src=x onerror={evil}>"),
    )));
    let name = format!("acct{evil}");
    let mut a = view(&name, "aihc", &p);
    let region = format!("reg{evil}");
    a.region = &region;
    let html = render_at(
        &[a],
        &PageInfo {
            telemetry_path: "/metrics\"><script>",
            version: "<v>",
            revision: "<r>",
            now: UNIX_EPOCH + Duration::from_secs(T0 + 10),
        },
        None,
    );
    assert!(!html.contains("<script>"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("<v>") && !html.contains("<r>"));
    // Nothing upstream can close an attribute: every quote is an entity.
    for line in html.lines().filter(|l| l.starts_with("<tr")) {
        assert!(!line.contains(r#"x")"#), "{line}");
    }
    let escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;";
    for what in ["name", "pool", "qname", "queue", "acc", "acct", "reg"] {
        assert!(
            html.contains(&format!("{what}{escaped}")),
            "{what} not escaped in {html}"
        );
    }
    assert!(html.contains(r#"<span class="reason">auth</span>:"#));
    assert!(html.contains("&lt;img src=x onerror="));
}

#[test]
fn sugon_capability_is_nodes_times_cards_per_node_and_free_unknown() {
    let mut s = Snapshot::default();
    s.pools.push(Pool {
        id: "A800".into(),
        name: "A800".into(),
        cloud_region: Some("11112".into()),
        nodes: Some(4.0),
        node_capability: Some(Resources {
            cpu_cores: Some(112.0),
            ..cards(&[("gpu", 8.0)])
        }),
        node_limits: [("nvidia".to_string(), 8.0)].into(),
        ..Pool::default()
    });
    s.pools.push(Pool {
        id: "cpu-general".into(),
        name: "cpu-general".into(),
        nodes: Some(32.0),
        node_capability: Some(Resources {
            cpu_cores: Some(64.0),
            ..Resources::default()
        }),
        ..Pool::default()
    });
    let p = published(s);
    let html = page_at(&[view("sg", "sugon", &p)], 10);
    let rows = capacity_rows(&html);
    assert_eq!(rows.len(), 1, "{html}");
    let r = rows[0];
    assert_eq!(attr(r, "kind"), Some("pool"));
    assert_eq!(attr(r, "cloud-region"), Some("11112"));
    assert_eq!(attr(r, "capability"), Some("32"));
    assert_eq!(attr(r, "capability-source"), Some("nodes_x_per_node"));
    assert_eq!(attr(r, "free-source"), Some("unknown"));
    assert_eq!(attr(r, "free"), None);
    assert_eq!(attr(r, "allocated"), None);
    assert!(html.contains(r#"without-accelerators">1 pools"#));
}

#[test]
fn pool_totals_make_pool_rows() {
    use QuantityKind::*;
    let mut s = Snapshot::default();
    s.pools.push(Pool {
        id: "pm".into(),
        name: "train-mixed".into(),
        quantities: quantities(&[
            (
                Capability,
                &[("nvidia.com/gpu", 24.0), ("huawei.com/ascend-snt9", 16.0)],
            ),
            (
                Allocated,
                &[("nvidia.com/gpu", 9.0), ("huawei.com/ascend-snt9", 14.0)],
            ),
            (
                Remaining,
                &[("nvidia.com/gpu", 15.0), ("huawei.com/ascend-snt9", 2.0)],
            ),
        ]),
        ..Pool::default()
    });
    let p = published(s);
    let html = page_at(&[view("ma", "modelarts", &p)], 10);
    let rows = capacity_rows(&html);
    let accs: Vec<_> = rows
        .iter()
        .map(|r| attr(r, "accelerator").unwrap())
        .collect();
    assert_eq!(accs, ["huawei.com/ascend-snt9", "nvidia.com/gpu"]);
    assert!(rows.iter().all(|r| attr(r, "kind") == Some("pool")));
    assert!(rows[0].contains("train-mixed"));
}

#[test]
fn bars_are_proportional_and_never_overflow() {
    use QuantityKind::*;
    let mut s = Snapshot::default();
    s.queues.push(queue(
        "p",
        "borrow",
        "borrow",
        // A queue that may borrow: allocated + remaining > capability.
        quantities(&[
            (Capability, &[("gpu", 8.0)]),
            (Allocated, &[("gpu", 6.0)]),
            (Remaining, &[("gpu", 4.0)]),
        ]),
    ));
    s.queues.push(queue(
        "p",
        "half",
        "half",
        quantities(&[
            (Capability, &[("gpu", 8.0)]),
            (Allocated, &[("gpu", 2.0)]),
            (Remaining, &[("gpu", 6.0)]),
        ]),
    ));
    let p = published(s);
    let html = page_at(&[view("a", "aihc", &p)], 10);
    let rows = capacity_rows(&html);
    assert!(
        rows[0].contains(r#"<span class="alloc" style="width:75.0%"></span><span class="free" style="width:25.0%"></span>"#),
        "{}",
        rows[0]
    );
    assert!(
        rows[1].contains(r#"style="width:25.0%"></span><span class="free" style="width:75.0%">"#)
    );
}

#[test]
fn account_states_last_success_and_error_reason() {
    let up = published(aihc());
    let mut down = published(aihc());
    down.up = false;
    down.last_error = Some(PollFailure::Request(poll_error(
        Reason::Http5xx,
        "DescribeQueues",
        "http://h/api",
        "upstream said no",
    )));
    let pending = Published::default();
    let html = page_at(
        &[
            view("up-acct", "aihc", &up),
            view("down-acct", "aihc", &down),
            view("new-acct", "qianfan", &pending),
        ],
        10,
    );
    let accounts = status_lines(&html);
    assert_eq!(accounts.len(), 3);
    assert_eq!(attr(accounts[0], "state"), Some("up"));
    assert_eq!(attr(accounts[0], "up"), Some("1"));
    assert_eq!(attr(accounts[0], "last-success"), Some("1700000000.25"));
    assert!(accounts[0].contains("2023-11-14T22:13:20Z"));
    assert!(accounts[0].contains("(9 s ago)"), "{}", accounts[0]);
    assert_eq!(attr(accounts[1], "state"), Some("down"));
    assert_eq!(attr(accounts[1], "up"), Some("0"));
    // The error is on the line under its account's status line.
    let down_section = html.split(accounts[1]).nth(1).unwrap();
    assert!(down_section.starts_with(
        "\n<div class=\"err\"><span class=\"reason\">http_5xx</span>: DescribeQueues http://h/api: upstream said no"
    ), "{down_section}");
    assert_eq!(attr(accounts[2], "state"), Some("pending"));
    assert_eq!(attr(accounts[2], "last-success"), None);
    assert!(
        accounts[2].contains("last success never"),
        "{}",
        accounts[2]
    );
    assert!(
        accounts[0].contains("1 pools, 5 queues</span>"),
        "{}",
        accounts[0]
    );
    // Each account is a section with its own heading and rows.
    assert_eq!(html.matches(r#"<section class="account""#).count(), 3);
    assert_eq!(html.matches(r#"<table class="capacity">"#).count(), 2);
    assert!(html.contains("No data yet."));
    assert!(html.contains(r#"<a href="/metrics">/metrics</a>"#));
}

#[test]
fn stale_data_is_shown_but_marked() {
    let p = published(aihc());
    let fresh = page_at(&[view("a", "aihc", &p)], 180);
    assert!(!fresh.contains("stale\""), "{fresh}");
    let stale = page_at(&[view("a", "aihc", &p)], 181);
    assert!(stale.contains(r#"data-stale="true""#));
    assert!(stale.contains(r#"<span class="tag stale""#));
    assert!(capacity_rows(&stale)
        .iter()
        .all(|r| r.starts_with(r#"<tr class="stale" data-stale="true""#)));
}

#[test]
fn reloads_at_the_shortest_interval_within_bounds() {
    let p = Published::default();
    let mut fast = view("a", "aihc", &p);
    fast.interval = Duration::from_secs(2);
    let mut slow = view("b", "aihc", &p);
    slow.interval = Duration::from_secs(600);
    assert_eq!(refresh_seconds(&[fast, slow]), 5);
    assert_eq!(refresh_seconds(&[slow]), 60);
    let mut mid = view("c", "aihc", &p);
    mid.interval = Duration::from_secs(10);
    assert_eq!(refresh_seconds(&[slow, mid]), 10);
    assert!(page_at(&[mid], 0).contains(r#"<meta http-equiv="refresh" content="10">"#));
}

#[test]
fn numbers_are_written_like_the_exposition() {
    assert_eq!(exact(16.0), "16");
    assert_eq!(exact(4.5), "4.5");
    assert_eq!(exact(1795453016.169159), "1795453016.169159");
    assert_eq!(exact(-2.0), "-2");
    assert_eq!(short(Some(0.3333)), "0.33");
    assert_eq!(short(Some(8.0)), "8");
    assert_eq!(short(None), "—");
}

#[test]
fn empty_state_says_so() {
    let pending = Published::default();
    let html = page_at(&[view("new", "aihc", &pending)], 0);
    assert!(html.contains("No data yet."), "{html}");
    assert!(!html.contains("without-accelerators"));
    let none = published(Snapshot::default());
    let html = page_at(&[view("empty", "aihc", &none)], 0);
    assert!(
        html.contains("No pool or queue reports accelerators."),
        "{html}"
    );
}

#[test]
fn a_large_fleet_shows_only_the_rows_with_the_least_headroom() {
    use crate::capacity::KEEP_ROWS;
    // An account of 1,600 queues: the page shows its KEEP_ROWS neediest and
    // says how many it left out.
    let fleet = |offset: f64| {
        let queues = (0..1600)
            .map(|i| {
                let free = offset + i as f64;
                queue(
                    "p",
                    &format!("q{i:04}"),
                    "",
                    quantities(&[
                        (QuantityKind::Capability, &[("nvidia.com/gpu", 10_000.0)]),
                        (QuantityKind::Remaining, &[("nvidia.com/gpu", free)]),
                    ]),
                )
            })
            .collect();
        published(Snapshot {
            queues,
            ..Snapshot::default()
        })
    };
    let big = fleet(0.0);
    let html = page_at(&[view("big", "aihc", &big)], 10);
    let rows = capacity_rows(&html);
    assert_eq!(rows.len(), KEEP_ROWS);
    let free: Vec<f64> = rows
        .iter()
        .map(|r| attr(r, "free").unwrap().parse().unwrap())
        .collect();
    // Free cards 0, 1, 2, …: the neediest.
    assert!(
        free.iter().enumerate().all(|(i, f)| *f == i as f64),
        "{free:?}"
    );
    assert!(html.contains(
        r#"<p class="note not-shown">600 more rows are not listed: the page shows the 1000 with the least headroom."#
    ));
    // A small fleet has no such note.
    assert!(!page_at(&[view("a", "aihc", &published(aihc()))], 10).contains("not-shown"));
}

#[test]
fn the_seeds_full_queue_shows_no_free_cards_first() {
    // The console seed (common and serverless pools) as a poll publishes it:
    // aihc-test-pd-as has 8 of 8 H20-141G cards allocated. Its pool's total row
    // and both of its queues (root and child share the name) read 0 free, 0 %.
    let (s, _) = crate::providers::aihc::seed::console_account();
    let p = published(s);
    let html = page_at(&[view("console", "aihc", &p)], 10);
    let rows = capacity_rows(&html);
    let head: Vec<_> = rows
        .iter()
        .take(3)
        .map(|r| {
            (
                attr(r, "kind").unwrap(),
                attr(r, "pool-id").unwrap(),
                attr(r, "queue-id"),
                attr(r, "free"),
                attr(r, "free-source"),
            )
        })
        .collect();
    let full = |kind, queue| {
        (
            kind,
            "aihc-mv940z1b57zu",
            queue,
            Some("0"),
            Some("remaining"),
        )
    };
    assert_eq!(
        head,
        vec![
            full("pool", None),
            full("queue", Some("aihcq-1jpvdatpi23i")),
            full("queue", Some("aihcq-2fbh72rxz1s0")),
        ],
        "{html}"
    );
    for r in &rows[..3] {
        assert!(r.contains("aihc-test-pd-as") || r.contains("aihc-reg-pool-bhdyd"));
        assert!(r.contains(r#"<span class="h-low">0 %</span>"#), "{r}");
    }
    assert!(!rows[3].contains(r#"<span class="h-low">0 %</span>"#));
}

#[test]
fn units_behind_are_marked_with_their_age_and_reason() {
    let mut p = published(aihc());
    p.behind = vec![
        crate::runtime::state::Behind {
            unit: crate::model::Unit::Pool {
                cloud_region: None,
                pool_id: "cce-<1>".into(),
            },
            fetched: Some(UNIX_EPOCH + Duration::from_secs(T0 - 120)),
            error: poll_error(
                Reason::Http5xx,
                "v3/queues",
                "http://h/api",
                "upstream said no",
            ),
        },
        crate::runtime::state::Behind {
            unit: crate::model::Unit::Service {
                service_id: "svco-2".into(),
            },
            fetched: None,
            error: poll_error(
                Reason::Timeout,
                "DescribeComputeUnits",
                "http://h/",
                "no answer",
            ),
        },
    ];
    let html = page_at(&[view("bj-prod", "aihc", &p)], 10);
    assert!(
        html.contains(r#"<div class="behind" data-unit="pool cce-&lt;1&gt;">"#),
        "{html}"
    );
    assert!(
        html.contains("data from <time datetime=\"2023-11-14T22:11:20Z\">"),
        "{html}"
    );
    assert!(
        html.contains(r#"<span class="reason">http_5xx</span>"#),
        "{html}"
    );
    assert!(html.contains(r#"data-unit="service svco-2""#));
    assert!(html.contains("service svco-2: no data;"), "{html}");
}

mod escaping;
mod view_model;
