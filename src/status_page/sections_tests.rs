//! The status page's account sections, compute units and `?account=`
//! filter (the helpers are the page tests' own, in `tests.rs`).

use std::time::{Duration, UNIX_EPOCH};

use super::tests::{
    aihc, attr, capacity_rows, page_at, page_for, published, status_lines, table_rows, view, T0,
};
use super::view::{page, Named};
use super::*;
use crate::model::Snapshot;

/// A Qianfan account's compute units: one expired, one expiring within a week,
/// one later, one without an expiry.
fn qianfan() -> Snapshot {
    use crate::model::{ComputeUnit, Service};
    let cu = |svc: &str, id: &str, replicas: f64, expiry: Option<u64>| ComputeUnit {
        service_id: svc.into(),
        instance_id: id.into(),
        payment_timing: "Prepaid".into(),
        status: "Running".into(),
        replicas: Some(replicas),
        start_timestamp: None,
        expiry_timestamp: expiry.map(|t| t as f64),
    };
    Snapshot {
        services: vec![Service {
            id: "svco-1".into(),
            name: "support-bot".into(),
        }],
        compute_units: vec![
            cu("svco-1", "cu-later", 4.0, Some(T0 + 30 * 86_400)),
            cu("svco-1", "cu-none", 1.0, None),
            cu("svco-2", "cu-soon", 3.0, Some(T0 + 3 * 86_400)),
            cu("svco-1", "cu-expired", 5.0, Some(T0 - 2 * 86_400)),
        ],
        ..Snapshot::default()
    }
}

#[test]
fn compute_units_soonest_expiry_first_and_expired_in_red() {
    let p = published(qianfan());
    let html = page_at(&[view("qf", "qianfan", &p)], 10);
    let rows = table_rows(&html, "units");
    let got: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                attr(r, "instance-id").unwrap(),
                attr(r, "replicas"),
                attr(r, "expiry"),
                attr(r, "expiry-level").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("cu-expired", Some("5"), Some("1699827200"), "expired"),
            ("cu-soon", Some("3"), Some("1700259200"), "soon"),
            ("cu-later", Some("4"), Some("1702592000"), "later"),
            ("cu-none", Some("1"), None, "unknown"),
        ],
        "{html}"
    );
    // Expired: the date and the time since in red (h-low is the page's red).
    assert!(
        rows[0].contains(
            r#"<td class="h-low">2023-11-12T22:13:20Z</td><td class="h-low">expired 2 d 0 h ago</td>"#
        ),
        "{}",
        rows[0]
    );
    assert!(
        rows[1].contains(r#"<td class="h-warn">in 2 d 23 h</td>"#),
        "{}",
        rows[1]
    );
    assert!(rows[2].contains(r#"<td class="h-ok">in 29 d 23 h</td>"#));
    assert!(rows[3].contains(r#"<td>—</td><td class="muted">—</td>"#));
    // The service by name with its id beneath; one without a name by its id.
    assert!(rows[0].contains(r#"support-bot <span class="id">svco-1</span>"#));
    assert!(rows[1].contains(r#"<td class="name" title="svco-2">svco-2</td>"#));
    assert!(rows[0].contains("<td>Prepaid</td><td>Running</td><td class=\"num\">5</td>"));
    // Not "0 pools, 0 queues" alone: the status line counts the units, and
    // there is no empty capacity table.
    assert!(
        status_lines(&html)[0].contains("0 pools, 0 queues, 4 compute units"),
        "{html}"
    );
    assert!(capacity_rows(&html).is_empty());
    assert!(!html.contains("No pool or queue reports accelerators."));
}

#[test]
fn the_view_model_holds_the_compute_unit_labels() {
    let p = published(qianfan());
    let info = PageInfo {
        telemetry_path: "/metrics",
        version: "1.2.3",
        revision: "abc",
        now: UNIX_EPOCH + Duration::from_secs(T0 + 10),
    };
    let v = page(&[view("qf", "qianfan", &p)], &info, None);
    let units = &v.sections[0].units;
    let got: Vec<_> = units
        .iter()
        .map(|u| (u.unit.instance_id.as_str(), u.left.as_str(), u.level))
        .collect();
    use super::view::Expiry;
    assert_eq!(
        got,
        [
            ("cu-expired", "expired 2 d 0 h ago", Expiry::Expired),
            ("cu-soon", "in 2 d 23 h", Expiry::Soon),
            ("cu-later", "in 29 d 23 h", Expiry::Later),
            ("cu-none", "—", Expiry::Unknown),
        ]
    );
    assert_eq!(units[0].expires, "2023-11-12T22:13:20Z");
    assert_eq!(
        units[0].service,
        Named {
            id: "svco-1",
            name: Some("support-bot")
        }
    );
    assert_eq!(v.sections[0].line.compute_units, 4);
}

#[test]
fn accounts_are_sections_and_a_filter_shows_one() {
    let a = published(aihc());
    let q = published(qianfan());
    let accounts = [view("prod", "aihc", &a), view("qf", "qianfan", &q)];
    let all = page_at(&accounts, 10);
    // Each section: heading, status line, then its own rows.
    let sections: Vec<&str> = all.split(r#"<section class="account""#).skip(1).collect();
    assert_eq!(sections.len(), 2);
    assert!(
        sections[0].starts_with(r#" data-account="prod">"#),
        "{}",
        sections[0]
    );
    assert_eq!(capacity_rows(sections[0]).len(), 4);
    assert!(table_rows(sections[0], "units").is_empty());
    assert!(sections[1].starts_with(r#" data-account="qf">"#));
    assert_eq!(table_rows(sections[1], "units").len(), 4);
    assert!(all.contains(r#"<a href="/?account=qf">qf</a>"#), "{all}");

    let one = page_for(&accounts, 10, Some("qf"));
    assert_eq!(one.matches(r#"<section class="account""#).count(), 1);
    assert!(one.contains(r#"<section class="account" data-account="qf">"#));
    assert!(capacity_rows(&one).is_empty());
    assert!(
        one.contains(r#"Showing <b>qf</b> · <a href="/">all accounts</a>"#),
        "{one}"
    );
    assert!(!one.contains("unknown-account"));

    let none = page_for(&accounts, 10, Some("nope"));
    assert!(!none.contains("<section"), "{none}");
    assert!(
        none.contains(
            r#"<p class="notice" id="unknown-account">No account is named <b>nope</b>.</p>"#
        ),
        "{none}"
    );
    // …and it lists the accounts there are, each a link.
    assert!(
        none.contains(
            r#"2 accounts: <a href="/?account=prod">prod</a> <a href="/?account=qf">qf</a>"#
        ),
        "{none}"
    );
}

#[test]
fn the_account_parameter_is_decoded_as_a_form_sends_it() {
    assert_eq!(account_param("account=qf"), Some("qf".into()));
    assert_eq!(
        account_param("x=1&account=bj+prod%2F2"),
        Some("bj prod/2".into())
    );
    assert_eq!(
        account_param("account=%E5%8D%8E%E4%B8%9C"),
        Some("华东".into())
    );
    assert_eq!(account_param("account=a&account=b"), Some("a".into()));
    assert_eq!(account_param("account="), None);
    assert_eq!(account_param("accounts=x"), None);
    assert_eq!(account_param(""), None);
}

/// The largest free block beside free, and the slots by size beneath it, with
/// the exact values of /metrics as attributes; unknown (no per-node figure)
/// is `—` and no attribute, never 0.
#[test]
fn the_largest_free_block_and_slots_sit_beside_free() {
    use crate::model::{FreeBlocks, Pool, QuantityKind, Queue, Resources};
    let cards = |v: f64| Resources {
        accelerators: [("nvidia.com/gpu".to_string(), v)].into(),
        ..Resources::default()
    };
    let both = |cap: f64, free: f64| {
        [
            (QuantityKind::Capability, cards(cap)),
            (QuantityKind::Remaining, cards(free)),
        ]
        .into()
    };
    // The ModelArts example: 8 free, 2 on each of 4 nodes.
    let mut fragmented = FreeBlocks::default();
    (0..4).for_each(|_| fragmented.add_node(2.0));
    let s = Snapshot {
        pools: vec![Pool {
            id: "frag".into(),
            quantities: both(40.0, 8.0),
            free_blocks: [("nvidia.com/gpu".to_string(), fragmented)].into(),
            ..Pool::default()
        }],
        queues: vec![Queue {
            pool_id: "other".into(),
            id: "q".into(),
            quantities: both(8.0, 8.0),
            ..Queue::default()
        }],
        ..Snapshot::default()
    };
    let p = published(s);
    let html = page_at(&[view("ma", "modelarts", &p)], 10);
    assert!(
        html.contains(r#"title="the most free cards on one node"#),
        "{html}"
    );
    let rows = capacity_rows(&html);
    let frag = rows
        .iter()
        .find(|r| attr(r, "pool-id") == Some("frag"))
        .unwrap();
    assert_eq!(attr(frag, "free"), Some("8"));
    assert_eq!(attr(frag, "largest-free-block"), Some("2"));
    assert_eq!(attr(frag, "slots"), Some("1:8 2:4 4:0 8:0"));
    assert!(
        frag.contains(
            r#"<td class="num block">2<span class="id">slots 1:8 2:4 4:0 8:0</span></td>"#
        ),
        "{frag}"
    );
    let q = rows
        .iter()
        .find(|r| attr(r, "queue-id") == Some("q"))
        .unwrap();
    assert_eq!(
        (attr(q, "largest-free-block"), attr(q, "slots")),
        (None, None)
    );
    assert!(q.contains(r#"<td class="num block">—</td>"#), "{q}");
}
