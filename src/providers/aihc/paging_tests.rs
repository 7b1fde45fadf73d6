//! DescribeQueues paged against a stand-in that ignores paging, as bce-sdk-go
//! `services/aihc/v2/api/queue.go` says self-managed queues do: every page is
//! the whole tree, and `totalCount` counts the nested queues.

use serde_json::{json, Value};

use super::dto::{queue_keys, QueuePage};
use super::*;
use crate::model::{Pool, QuantityKind, Snapshot};
use crate::providers::upstream::paging::{collect_distinct, Page};
use crate::quantity::{Fired, Rule};

fn cards(n: &str) -> Value {
    json!([{"acceleratorCount": n, "acceleratorDescription": "gpu", "acceleratorType": "A800"}])
}

/// The tree with the root's allocated cards `root_alloc`.
fn tree(root_alloc: &str) -> Value {
    json!({
        "queueId": "root", "queueName": "root", "parentQueue": "",
        "capability": {"acceleratorCardList": cards("8")},
        "allocated": {"acceleratorCardList": cards(root_alloc)},
        "children": [
            {"queueId": "a", "queueName": "a", "parentQueue": "root",
             "capability": {"acceleratorCardList": cards("4")},
             "allocated": {"acceleratorCardList": cards("3.5")},
             "children": [{"queueId": "a1", "queueName": "a1",
                           "capability": {"acceleratorCardList": cards("1")}}]},
            {"queueId": "b", "queueName": "b", "parentQueue": "root",
             "capability": {"acceleratorCardList": cards("4")}}
        ]
    })
}

/// Pages the stand-in (`page(n)` is page n's body) as a poll does, maps the
/// pool and derives its figures: the snapshot, the rules fired, the pages
/// asked for.
fn poll(page: impl Fn(u64) -> Value) -> (Snapshot, Fired, u64) {
    let asked = std::cell::Cell::new(0);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let distinct = rt
        .block_on(collect_distinct(1, queue_keys, |n, _| {
            asked.set(n);
            let body: QueuePage = serde_json::from_value(page(n)).unwrap();
            async move { Ok::<_, ()>(Page::from(body)) }
        }))
        .unwrap();
    let mut c = Collected::new(Api::OpenApi);
    let pool = Pool {
        id: "cce-1".into(),
        ..Pool::default()
    };
    c.add_pool(pool, Ok(Listed::paged(distinct)), "DescribeQueues");
    let out = c.finish();
    (out.snapshot, out.fired, asked.get())
}

fn free(s: &Snapshot, id: &str) -> f64 {
    let q = s.queues.iter().find(|q| q.id == id).unwrap();
    q.quantities[&QuantityKind::Remaining].accelerators["gpu"]
}

#[test]
fn the_whole_tree_on_every_page_is_counted_once() {
    let (s, fired, asked) =
        poll(|n| json!({"queues": [tree("6")], "totalCount": 4, "pageNumber": n, "pageSize": 1}));
    // Page 2 repeats page 1 and ends the list.
    assert_eq!(asked, 2);
    let mut ids: Vec<&str> = s.queues.iter().map(|q| q.id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["a", "a1", "b", "root"]);
    assert_eq!(free(&s, "root"), 2.0);
    assert_eq!(free(&s, "a"), 0.5);
    // The pool's totals are the root's once, not twice.
    let totals = &s.pools[0].quantities;
    assert_eq!(totals[&QuantityKind::Capability].accelerators["gpu"], 8.0);
    assert_eq!(totals[&QuantityKind::Allocated].accelerators["gpu"], 6.0);
    assert_eq!(fired.count(Rule::QueueRepeatedKeptFirst), 0);
}

/// The tree changed between pages: the first listing is kept, and counted.
#[test]
fn a_repeat_with_other_figures_keeps_the_first_and_is_counted() {
    let (s, fired, _) = poll(|n| {
        let alloc = if n == 1 { "6" } else { "7" };
        json!({"queues": [tree(alloc)], "totalCount": 4, "pageNumber": n, "pageSize": 1})
    });
    assert_eq!(s.queues.len(), 4);
    assert_eq!(free(&s, "root"), 2.0);
    assert_eq!(fired.count(Rule::QueueRepeatedKeptFirst), 1);
}

/// AIHC doc "查询队列详情" (tests/fixtures/official/aihc/describe_queue.json):
/// one queue item as DescribeQueues lists them. The child `old-gpu-l2q-3`
/// names its parent by queueName; its capability and allocated are 0.5 shared
/// L20 cards each (`baidu.com/l20_cgpu`, model `NVIDIA L20`), so nothing is
/// free; its allocated CPU and memory are "0".
#[test]
fn the_doc_example_queue_maps_with_its_own_numbers() {
    let item: Value = serde_json::from_str(include_str!(
        "../../../tests/fixtures/official/aihc/describe_queue.json"
    ))
    .unwrap();
    let (s, fired, _) = poll(
        |n| json!({"queues": [item.clone()], "totalCount": 2, "pageNumber": n, "pageSize": 1}),
    );
    assert_eq!(s.queues.len(), 2);
    let child = s
        .queues
        .iter()
        .find(|q| q.id == "queue-9zyv0dcqw5jh")
        .unwrap();
    assert_eq!(child.parent, "queue-h4rzqodsqgfv");
    assert_eq!(child.queue_type, "Regular");
    let card = |kind: QuantityKind| child.quantities[&kind].accelerators["baidu.com/l20_cgpu"];
    assert_eq!(card(QuantityKind::Capability), 0.5);
    assert_eq!(card(QuantityKind::Deserved), 0.5);
    assert_eq!(card(QuantityKind::Allocated), 0.5);
    assert_eq!(card(QuantityKind::Remaining), 0.0);
    let alloc = &child.quantities[&QuantityKind::Allocated];
    assert_eq!(
        (alloc.cpu_cores, alloc.memory_bytes),
        (Some(0.0), Some(0.0))
    );
    assert_eq!(s.accelerators["baidu.com/l20_cgpu"], "NVIDIA L20");
    // The root names the account's pseudo-root, no listed queue: top-level.
    let root = s
        .queues
        .iter()
        .find(|q| q.id == "queue-h4rzqodsqgfv")
        .unwrap();
    assert_eq!(root.parent, "");
    assert_eq!(fired.count(Rule::ParentQueueByName), 1);
    assert_eq!(fired.count(Rule::ParentQueueNotListed), 1);
}
