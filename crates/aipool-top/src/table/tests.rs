//! The text output's tests: what a person reads, plain and at 80 columns.

use std::sync::Arc;

use super::*;
use crate::layout::width;
use crate::view::{AccountData, Failure};
use aipool_model::model::{
    ComputeUnit, FreeBlocks, Pool, QuantityKind, Queue, Resources, Snapshot,
};

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
                // 6 free cards, 4 on one node and 2 on another.
                free_blocks: [("baidu.com/h20_141g_cgpu".to_string(), {
                    let mut b = FreeBlocks::default();
                    b.add_node(4.0);
                    b.add_node(2.0);
                    b
                })]
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
            data: Some(Arc::new(AccountData::of(&s, "bj", &[1, 2]))),
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
            "—",
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
    assert!(
        second.contains("  6      4   75 % █████░░░░░░░░░░░░░░░"),
        "{second}"
    );
    // The block column is explained under the table.
    assert!(lines
        .iter()
        .any(|l| l.starts_with("BLOCK: most free cards on one node")));
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
fn at_80_columns_the_columns_that_matter_come_first_and_ids_go() {
    let e = entries();
    let filter = Filter::default();
    let style = Style {
        color: false,
        width: Some(80),
    };
    let lines = render(&frame(&e, &filter), &style);
    for l in &lines {
        assert!(width(l) <= 80, "{} columns: {l}", width(l));
    }
    let head = lines
        .iter()
        .position(|l| l.starts_with("POOL / QUEUE"))
        .unwrap();
    let cols: Vec<&str> = lines[head].split_whitespace().collect();
    // Room for the largest free block and the account too; allocated, the
    // pool and the parent queue are left out, ids and vendor prefixes dropped.
    assert_eq!(
        cols,
        [
            "POOL",
            "/",
            "QUEUE",
            "ACCELERATOR",
            "FREE/CAP",
            "BLOCK",
            "HEADROOM",
            "ACCOUNT"
        ]
    );
    let first: Vec<&str> = lines[head + 1].split_whitespace().collect();
    assert_eq!(
        first[..7],
        [
            "aihc-test-pd-as",
            "h20_141g_cgpu",
            "0/8",
            "—",
            "0",
            "%",
            "██████████"
        ],
        "{}",
        lines[head + 1]
    );
    let second: Vec<&str> = lines[head + 2].split_whitespace().collect();
    assert_eq!(second[2..4], ["6/8", "4"], "{}", lines[head + 2]);
    assert!(!lines.iter().any(|l| l.contains("aihcq-1jpvdatpi23i")));
    // Narrower: the block gives way before the account, the name stays.
    let narrow = render(
        &frame(&e, &filter),
        &Style {
            color: false,
            width: Some(70),
        },
    );
    for l in &narrow {
        assert!(width(l) <= 70, "{} columns: {l}", width(l));
    }
    let head = narrow
        .iter()
        .position(|l| l.starts_with("POOL / QUEUE"))
        .unwrap();
    let cols: Vec<&str> = narrow[head].split_whitespace().collect();
    assert_eq!(
        cols,
        [
            "POOL",
            "/",
            "QUEUE",
            "ACCELERATOR",
            "FREE/CAP",
            "HEADROOM",
            "ACCOUNT"
        ],
        "{narrow:#?}"
    );
    // Wide enough: the full table, ids and all.
    let wide = render(
        &frame(&e, &filter),
        &Style {
            color: false,
            width: Some(200),
        },
    );
    assert!(wide.iter().any(|l| l.starts_with("ACCOUNT  POOL")));
    assert!(wide.iter().any(|l| l.contains("(aihcq-1jpvdatpi23i)")));
}

#[test]
fn spans() {
    assert_eq!(span(90061.0), "1 d 1 h");
    assert_eq!(span(59.0), "59 s");
}
