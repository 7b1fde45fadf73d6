//! HPC queues in the shapes the official sources give them. The doc page
//! scnet.cn jobmanager "查询用户可访问队列" (`/hpc/openapi/v2/queuenames/users/{username}`)
//! names a queue by `id` and `text` (both "队列名称", example `debug`) beside
//! `aclHosts` ("node1,node2") and shows no `queueName`; the scnet-cli package
//! (PyPI `scnet-cli` 0.1.0, `scnet/commands/cluster.py`) reads
//! `queueName or id or text`. A queue named any of these ways is exported.

use serde_json::json;

use super::*;
use crate::providers::sugon::dto::Envelope;
use crate::providers::upstream::decode::DecodeReason;

/// The example values of the doc page's response table, as one answer
/// (`tests/fixtures/official/README.md` says what it holds and where from).
const DOC_FIELDS: &str =
    include_str!("../../../../tests/fixtures/official/sugon/queuenames_doc_fields.json");

fn jm() -> JobManager {
    JobManager {
        id: "1638523853".into(),
        name: "slurm".into(),
        kind: "SLURM".into(),
    }
}

fn map(data: &Value) -> (HpcQueues, DecodeLog, Fired) {
    let mut fired = Fired::default();
    let mut log = DecodeLog::default();
    let q = map_queues("11112", &jm(), data, &mut fired, &mut log).unwrap();
    (q, log, fired)
}

fn ids_and_names(q: &HpcQueues) -> Vec<(&str, &str)> {
    q.queues
        .iter()
        .map(|x| (x.id.as_str(), x.name.as_str()))
        .collect()
}

#[test]
fn the_doc_pages_example_queue_is_exported_by_its_id() {
    let env: Envelope = serde_json::from_str(DOC_FIELDS).unwrap();
    assert_eq!(env.code.as_deref(), Some("0"));
    let (q, log, _) = map(&env.data);
    assert!(log.is_empty(), "{log:?}");
    assert_eq!(ids_and_names(&q), [("debug", "debug")]);
    // The queue is keyed the same way in its node figures; the example gives
    // no counts, so there are none (no figure is made up).
    assert_eq!(q.nodes[0].queue_id, "debug");
    assert_eq!(q.nodes[0].pool_id, "1638523853");
    assert!(q.queues[0].quantities.is_empty());
}

#[test]
fn a_queue_is_named_by_queue_name_else_id_else_text() {
    let entries = json!([
        {"queueName": "by-name", "id": "ignored-id", "text": "ignored-text"},
        {"id": "by-id", "text": "Shown Text"},
        {"id": "only-id"},
        {"text": "only-text"},
        {"id": 42, "text": "numbered"},
        {"id": "  ", "text": "blank-id"},
        {"queueName": "", "id": "empty-name"}
    ]);
    let (q, log, _) = map(&entries);
    assert!(log.is_empty(), "{log:?}");
    assert_eq!(
        ids_and_names(&q),
        [
            ("by-name", "by-name"),
            ("by-id", "Shown Text"),
            ("only-id", "only-id"),
            ("only-text", "only-text"),
            ("42", "numbered"),
            ("blank-id", "blank-id"),
            ("empty-name", "empty-name"),
        ]
    );
}

#[test]
fn queues_named_by_id_get_free_cards_from_free_nodes() {
    // Numbers as strings, as the doc types every field.
    let entries = json!([{"id": "gpu_q", "text": "gpu_q", "aclHosts": "g1,g2,g3",
                          "queNodes": "3", "queFreeNodes": "1", "queNcpus": "192",
                          "queFreeNcpus": "70", "queMaxPPN": "64", "queMaxGpuPN": "4"}]);
    let (q, log, fired) = map(&entries);
    assert!(log.is_empty(), "{log:?}");
    let queue = &q.queues[0];
    let cap = &queue.quantities[&QuantityKind::Capability];
    let rem = &queue.quantities[&QuantityKind::Remaining];
    // 3 nodes × 4 GPUs; 1 free node × 4 GPUs.
    assert_eq!(
        cap.accelerators,
        BTreeMap::from([("gpu".to_string(), 12.0)])
    );
    assert_eq!(rem.accelerators, BTreeMap::from([("gpu".to_string(), 4.0)]));
    assert_eq!((cap.cpu_cores, rem.cpu_cores), (Some(192.0), Some(70.0)));
    assert_eq!(q.nodes[0].queue_id, "gpu_q");
    assert_eq!(
        (q.nodes[0].nodes, q.nodes[0].free_nodes),
        (Some(3.0), Some(1.0))
    );
    assert_eq!(fired.count(Rule::FreeCardsFromFreeNodes), 1);
}

#[test]
fn an_entry_with_no_name_is_one_decode_error_and_the_rest_flow() {
    let entries = json!([
        {"aclHosts": "n1", "queNodes": "2", "queFreeNodes": "1", "queMaxDcuPN": "4"},
        {"id": "dcu_q", "text": "dcu_q", "queNodes": "2", "queFreeNodes": "1", "queMaxDcuPN": "4"},
        {"id": null, "text": "", "queueName": " "}
    ]);
    let (q, log, _) = map(&entries);
    assert_eq!(ids_and_names(&q), [("dcu_q", "dcu_q")]);
    let rem = &q.queues[0].quantities[&QuantityKind::Remaining];
    assert_eq!(rem.accelerators, BTreeMap::from([("dcu".to_string(), 4.0)]));
    let got: Vec<(&str, &str, DecodeReason, &str)> = log
        .errors()
        .iter()
        .map(|e| {
            (
                e.api.as_str(),
                e.object.as_str(),
                e.reason,
                e.detail.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                API_HPC_QUEUES,
                "HPC queue #0",
                DecodeReason::MalformedObject,
                "no queueName, id or text"
            ),
            (
                API_HPC_QUEUES,
                "HPC queue #2",
                DecodeReason::MalformedObject,
                "no queueName, id or text"
            ),
        ]
    );
}

#[test]
fn one_queue_listed_by_id_and_by_queue_name_is_kept_once() {
    let entries = json!([
        {"id": "dup", "queNodes": 2},
        {"queueName": "dup", "queNodes": 9}
    ]);
    let (q, log, _) = map(&entries);
    assert_eq!(q.nodes.len(), 1);
    assert_eq!(q.nodes[0].nodes, Some(2.0));
    assert_eq!(log.errors().len(), 1);
    assert_eq!(
        log.errors()[0].detail,
        "listed twice; the first entry is kept"
    );
}
