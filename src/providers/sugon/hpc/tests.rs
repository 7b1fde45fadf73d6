//! HPC queue mapping on fixtures that follow the documented shapes. There is no
//! seed response for the HPC side: `crates/aipool-sim/fixtures/sugon_hpc_*.json`
//! follow docs/providers.md §4 (from the `scnet-cli` package), with numbers as
//! strings in one queue and as JSON numbers in another.

use serde_json::json;

use super::*;
use crate::providers::sugon::dto::Envelope;
use crate::providers::sugon::map::parse_centers;
use crate::providers::upstream::decode::DecodeReason;

const CLUSTER: &str = include_str!("../../../../crates/aipool-sim/fixtures/sugon_hpc_cluster.json");
const QUEUES: &str = include_str!("../../../../crates/aipool-sim/fixtures/sugon_hpc_queues.json");

fn data(body: &str) -> Value {
    let env: Envelope = serde_json::from_str(body).unwrap();
    assert_eq!(env.code.as_deref(), Some("0"));
    env.data
}

fn jm_of(v: &Value) -> Result<JobManager, MapError> {
    parse_job_manager(v, &mut DecodeLog::default())
}

fn job_manager() -> JobManager {
    jm_of(&data(CLUSTER)).unwrap()
}

/// `data` mapped as region `cluster`'s queue list, with what it left out.
fn map(cluster: &str, data: &Value, fired: &mut Fired) -> (HpcQueues, DecodeLog) {
    let mut log = DecodeLog::default();
    let q = map_queues(cluster, &job_manager(), data, fired, &mut log).unwrap();
    (q, log)
}

fn mapped() -> (HpcQueues, Fired) {
    let mut fired = Fired::default();
    let (q, log) = map("11112", &data(QUEUES), &mut fired);
    assert!(log.is_empty(), "{log:?}");
    (q, fired)
}

fn queue<'a>(q: &'a HpcQueues, name: &str) -> (&'a Queue, &'a QueueNodes) {
    let i = q.queues.iter().position(|x| x.id == name).unwrap();
    (&q.queues[i], &q.nodes[i])
}

fn block(q: &Queue, kind: QuantityKind) -> &Resources {
    &q.quantities[&kind]
}

#[test]
fn the_job_manager_is_the_first_cluster_entry() {
    // `id` is a number in the fixture, a string elsewhere: both read as text.
    assert_eq!(
        job_manager(),
        JobManager {
            id: "1637".into(),
            name: "slurm".into(),
            kind: "SLURM".into()
        }
    );
    let two = json!([{"id": "2215", "text": "西安Slurm"}, {"id": 9, "text": "other"}]);
    let jm = jm_of(&two).unwrap();
    assert_eq!(
        (jm.id.as_str(), jm.name.as_str(), jm.kind.as_str()),
        ("2215", "西安Slurm", "")
    );
    // One object instead of a list; no name: the id is the name.
    let jm = jm_of(&json!({"id": 7})).unwrap();
    assert_eq!((jm.id.as_str(), jm.name.as_str()), ("7", "7"));
    // An entry without an id is passed over.
    assert_eq!(jm_of(&json!([{"text": "x"}, {"id": 3}])).unwrap().id, "3");
    for bad in [
        json!([]),
        Value::Null,
        json!([{"text": "x"}]),
        json!("1637"),
        json!([{"id": [1]}]),
    ] {
        assert!(jm_of(&bad).is_err(), "{bad}");
    }
}

#[test]
fn the_cluster_is_a_pool_of_type_hpc() {
    let (q, _) = mapped();
    assert_eq!(q.pool.id, "1637");
    assert_eq!(q.pool.name, "slurm");
    assert_eq!(q.pool.pool_type, "hpc");
    assert_eq!(q.pool.cloud_region.as_deref(), Some("11112"));
    assert_eq!(
        q.pool.extra_info,
        BTreeMap::from([("job_manager_type".to_string(), "SLURM".to_string())])
    );
    // Queues of one Slurm cluster may share nodes: no pool totals are summed.
    assert!(q.pool.quantities.is_empty());
    let names: Vec<&str> = q.queues.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(names, ["ksgpu_a800", "kscpu_debug", "xahdnormal"]);
}

#[test]
fn free_cards_are_free_nodes_times_cards_per_node() {
    let (q, fired) = mapped();

    // GPU queue, every number a string: 4 nodes of 8 GPUs, 2 of them free.
    let (gpu, nodes) = queue(&q, "ksgpu_a800");
    assert_eq!(
        (
            gpu.pool_id.as_str(),
            gpu.name.as_str(),
            gpu.queue_type.as_str(),
            gpu.parent.as_str()
        ),
        ("1637", "ksgpu_a800", "hpc", "")
    );
    assert_eq!(gpu.cloud_region.as_deref(), Some("11112"));
    let cap = block(gpu, QuantityKind::Capability);
    let rem = block(gpu, QuantityKind::Remaining);
    assert_eq!(cap.cpu_cores, Some(448.0));
    assert_eq!(rem.cpu_cores, Some(248.0));
    assert_eq!(
        cap.accelerators,
        BTreeMap::from([("gpu".to_string(), 4.0 * 8.0)])
    );
    assert_eq!(
        rem.accelerators,
        BTreeMap::from([("gpu".to_string(), 2.0 * 8.0)])
    );
    assert_eq!(cap.memory_bytes, None);
    assert_eq!((nodes.nodes, nodes.free_nodes), (Some(4.0), Some(2.0)));
    assert_eq!(nodes.node_cpu_cores, Some(112.0));
    assert_eq!(
        nodes.node_accelerators,
        BTreeMap::from([("gpu".to_string(), 8.0)])
    );
    assert_eq!(
        (nodes.pool_id.as_str(), nodes.queue_id.as_str()),
        ("1637", "ksgpu_a800")
    );

    // DCU queue, JSON numbers: 16 nodes of 4 DCUs, 5 free.
    let (dcu, nodes) = queue(&q, "xahdnormal");
    assert_eq!(
        block(dcu, QuantityKind::Capability).accelerators,
        BTreeMap::from([("dcu".to_string(), 64.0)])
    );
    assert_eq!(
        block(dcu, QuantityKind::Remaining).accelerators,
        BTreeMap::from([("dcu".to_string(), 20.0)])
    );
    assert_eq!(block(dcu, QuantityKind::Remaining).cpu_cores, Some(180.0));
    assert_eq!(
        nodes.node_accelerators,
        BTreeMap::from([("dcu".to_string(), 4.0)])
    );

    // CPU queue (0 cards per node): cores only, no accelerator entries.
    let (cpu, nodes) = queue(&q, "kscpu_debug");
    assert!(block(cpu, QuantityKind::Capability).accelerators.is_empty());
    assert!(block(cpu, QuantityKind::Remaining).accelerators.is_empty());
    assert_eq!(block(cpu, QuantityKind::Remaining).cpu_cores, Some(64.0));
    assert!(nodes.node_accelerators.is_empty());
    assert_eq!(nodes.free_nodes, Some(2.0));

    // One firing per derived card figure: capability and free of two queues.
    assert_eq!(fired.count(Rule::CardsFromNodes), 2);
    assert_eq!(fired.count(Rule::FreeCardsFromFreeNodes), 2);
}

#[test]
fn a_full_queue_has_zero_free_cards() {
    let entry = json!([{"queueName": "full", "queNodes": 4, "queFreeNodes": 0,
                        "queNcpus": 448, "queFreeNcpus": 0, "queMaxGpuPN": 8}]);
    let mut fired = Fired::default();
    let (q, _) = map("1", &entry, &mut fired);
    let rem = block(&q.queues[0], QuantityKind::Remaining);
    assert_eq!(rem.accelerators, BTreeMap::from([("gpu".to_string(), 0.0)]));
    assert_eq!(rem.cpu_cores, Some(0.0));
}

#[test]
fn absent_fields_give_no_series() {
    // Without free nodes there is no free card figure; without cards per node
    // no card figure at all; nothing becomes a fake 0.
    let entries = json!([
        {"queueName": "no-free", "queNodes": "4", "queMaxGpuPN": "8"},
        {"queueName": "no-pn", "queNodes": "4", "queFreeNodes": "1"},
        {"queueName": "bare"}
    ]);
    let mut fired = Fired::default();
    let (q, log) = map("1", &entries, &mut fired);
    assert!(log.is_empty(), "{log:?}");
    let (no_free, _) = queue(&q, "no-free");
    assert_eq!(
        block(no_free, QuantityKind::Capability).accelerators["gpu"],
        32.0
    );
    assert!(!no_free.quantities.contains_key(&QuantityKind::Remaining));
    let (no_pn, n) = queue(&q, "no-pn");
    assert!(no_pn.quantities.is_empty());
    assert_eq!((n.nodes, n.free_nodes), (Some(4.0), Some(1.0)));
    let (bare, n) = queue(&q, "bare");
    assert!(bare.quantities.is_empty());
    assert_eq!(
        n,
        &QueueNodes {
            cloud_region: Some("1".into()),
            pool_id: "1637".into(),
            queue_id: "bare".into(),
            ..QueueNodes::default()
        }
    );
    assert_eq!(fired.count(Rule::CardsFromNodes), 1);
    assert_eq!(fired.count(Rule::FreeCardsFromFreeNodes), 0);
    // No queues at all.
    for empty in [Value::Null, json!([])] {
        let (q, log) = map("1", &empty, &mut fired);
        assert!(q.queues.is_empty() && log.is_empty());
        assert_eq!(q.pool.id, "1637");
    }
}

#[test]
fn bad_entries_are_left_out_with_a_reason_and_the_rest_is_kept() {
    let entries = json!([
        {"queueName": "good", "queNodes": 2, "queFreeNodes": 1, "queMaxDcuPN": 4},
        {"queueName": "oversold", "queNodes": 2, "queFreeNodes": 3, "queMaxDcuPN": 4},
        {"queueName": "cores", "queNcpus": "64", "queFreeNcpus": "65"},
        {"queueName": "negative", "queNodes": -1, "queNcpus": 8},
        {"queueName": "garbage", "queNodes": "lots", "queNcpus": 8},
        {"queueName": "shape", "queNodes": {"n": 1}, "queNcpus": 8},
        {"queNodes": 2},
        {"queueName": "  "},
        "not an object",
        {"queueName": {"n": 1}, "queNodes": 2},
        {"queueName": "good", "queNodes": 9}
    ]);
    let mut fired = Fired::default();
    let (q, log) = map("1", &entries, &mut fired);
    let names: Vec<&str> = q.queues.iter().map(|x| x.id.as_str()).collect();
    // A bad field costs only that field, not its queue: the queues whose
    // queNodes is negative, not a number or an object are kept without it.
    assert_eq!(names, ["good", "negative", "garbage", "shape"]);
    assert_eq!(q.nodes.len(), 4);
    // The first "good" is kept, the duplicate reported.
    assert_eq!(q.nodes[0].nodes, Some(2.0));
    for name in ["negative", "garbage", "shape"] {
        let (queue_, nodes) = queue(&q, name);
        assert_eq!(nodes.nodes, None, "{name}");
        assert_eq!(
            block(queue_, QuantityKind::Capability).cpu_cores,
            Some(8.0),
            "{name}"
        );
    }
    let got: Vec<(&str, &str, DecodeReason, &str)> = log
        .errors()
        .iter()
        .map(|e| {
            assert_eq!(e.api, "v2/queuenames");
            (
                e.object.as_str(),
                e.field.as_str(),
                e.reason,
                e.detail.as_str(),
            )
        })
        .collect();
    // The entries that are no queue object are named first (by position), as
    // the list is decoded; then the mapped ones in order.
    let want: [(&str, &str, DecodeReason, &str); 10] = [
        (
            "HPC queue #8",
            "",
            DecodeReason::MalformedObject,
            "invalid type",
        ),
        (
            "HPC queue #9",
            "",
            DecodeReason::MalformedObject,
            "expected a string",
        ),
        (
            "HPC queue oversold (region 1)",
            "",
            DecodeReason::MalformedObject,
            "queFreeNodes > queNodes: 3 free of 2",
        ),
        (
            "HPC queue cores (region 1)",
            "",
            DecodeReason::MalformedObject,
            "queFreeNcpus > queNcpus: 65 free of 64",
        ),
        (
            "HPC queue negative (region 1)",
            "queNodes",
            DecodeReason::Negative,
            "-1",
        ),
        (
            "HPC queue garbage (region 1)",
            "queNodes",
            DecodeReason::NotANumber,
            "\"lots\"",
        ),
        (
            "HPC queue shape (region 1)",
            "queNodes",
            DecodeReason::NotANumber,
            "{\"n\":1}",
        ),
        (
            "HPC queue #6",
            "",
            DecodeReason::MalformedObject,
            "no queueName, id or text",
        ),
        (
            "HPC queue #7",
            "",
            DecodeReason::MalformedObject,
            "no queueName, id or text",
        ),
        (
            "HPC queue good (region 1)",
            "",
            DecodeReason::MalformedObject,
            "listed twice; the first entry is kept",
        ),
    ];
    assert_eq!(got.len(), want.len(), "{got:#?}");
    for (g, w) in got.iter().zip(want) {
        assert_eq!((g.0, g.1, g.2), (w.0, w.1, w.2), "{g:?}");
        assert!(
            g.3.starts_with(w.3),
            "{:?} does not start with {:?}",
            g.3,
            w.3
        );
    }
    // Rules fired only for the exported queue.
    assert_eq!(fired.count(Rule::CardsFromNodes), 1);
    assert_eq!(fired.count(Rule::FreeCardsFromFreeNodes), 1);
    // A list that is no list fails the whole answer.
    assert!(map_queues(
        "1",
        &job_manager(),
        &json!("x"),
        &mut fired,
        &mut DecodeLog::default()
    )
    .is_err());
}

/// Seed-like fixture queues with one field malformed in one queue: only that
/// field's series goes, and the reason is recorded; the queue's other figures
/// and the other queues are the fixture's exactly.
#[test]
fn a_malformed_field_loses_only_its_own_series() {
    let cases: [(Value, Option<DecodeReason>); 7] = [
        (json!("abc"), Some(DecodeReason::NotANumber)),
        (json!(""), None),
        (Value::Null, None),
        (json!("NaN"), Some(DecodeReason::NotANumber)),
        (json!("-1"), Some(DecodeReason::Negative)),
        (json!("1e400"), Some(DecodeReason::NotFinite)),
        (json!({"n": 1}), Some(DecodeReason::NotANumber)),
    ];
    for (bad, reason) in cases {
        let mut queues = data(QUEUES);
        // The GPU queue's free nodes (a string "2" in the fixture).
        queues[0]["queFreeNodes"] = bad.clone();
        let mut fired = Fired::default();
        let (q, log) = map("11112", &queues, &mut fired);
        let names: Vec<&str> = q.queues.iter().map(|x| x.id.as_str()).collect();
        assert_eq!(names, ["ksgpu_a800", "kscpu_debug", "xahdnormal"], "{bad}");
        let (gpu, nodes) = queue(&q, "ksgpu_a800");
        // Gone: the free nodes and the free cards derived from them.
        assert_eq!(nodes.free_nodes, None, "{bad}");
        let rem = block(gpu, QuantityKind::Remaining);
        assert!(rem.accelerators.is_empty(), "{bad}: {rem:?}");
        // Kept exactly: 4 nodes × 8 GPUs, 448 cores of which 248 free.
        assert_eq!(rem.cpu_cores, Some(248.0));
        let cap = block(gpu, QuantityKind::Capability);
        assert_eq!(
            cap.accelerators,
            BTreeMap::from([("gpu".to_string(), 32.0)])
        );
        assert_eq!(cap.cpu_cores, Some(448.0));
        assert_eq!(
            (nodes.nodes, nodes.node_cpu_cores),
            (Some(4.0), Some(112.0))
        );
        // The other queues as the fixture has them.
        let (dcu, n) = queue(&q, "xahdnormal");
        assert_eq!(
            block(dcu, QuantityKind::Remaining).accelerators,
            BTreeMap::from([("dcu".to_string(), 20.0)])
        );
        assert_eq!((n.nodes, n.free_nodes), (Some(16.0), Some(5.0)));
        let (_, n) = queue(&q, "kscpu_debug");
        assert_eq!(n.free_nodes, Some(2.0));
        match reason {
            Some(reason) => {
                assert_eq!(log.errors().len(), 1, "{bad}: {log:?}");
                let e = &log.errors()[0];
                assert_eq!(
                    (
                        e.api.as_str(),
                        e.object.as_str(),
                        e.field.as_str(),
                        e.reason
                    ),
                    (
                        "v2/queuenames",
                        "HPC queue ksgpu_a800 (region 11112)",
                        "queFreeNodes",
                        reason
                    ),
                    "{bad}"
                );
            }
            // Empty and null are "not reported": no error.
            None => assert!(log.is_empty(), "{bad}: {log:?}"),
        }
        assert_eq!(fired.count(Rule::FreeCardsFromFreeNodes), 1, "{bad}");
    }
}

#[test]
fn derived_cards_that_overflow_are_left_out() {
    let entries = json!([{"queueName": "big", "queNodes": 1e300, "queFreeNodes": 1,
                          "queMaxGpuPN": 1e300}]);
    let mut fired = Fired::default();
    let (q, log) = map("1", &entries, &mut fired);
    let (big, _) = queue(&q, "big");
    assert!(!big.quantities.contains_key(&QuantityKind::Capability));
    assert_eq!(
        block(big, QuantityKind::Remaining).accelerators["gpu"],
        1e300
    );
    assert_eq!(log.errors().len(), 1);
    assert_eq!(log.errors()[0].reason, DecodeReason::NotFinite);
    assert_eq!(log.errors()[0].field, "queNodes");
}

#[test]
fn job_manager_entries_that_cannot_be_read_are_recorded() {
    let mut log = DecodeLog::default();
    let jm = parse_job_manager(&json!([{"id": [1]}, {"text": "x"}, {"id": 3}]), &mut log).unwrap();
    assert_eq!(jm.id, "3");
    let objects: Vec<&str> = log.errors().iter().map(|e| e.object.as_str()).collect();
    assert_eq!(objects, ["job manager #0", "job manager #1"]);
    assert!(log.errors().iter().all(|e| e.api == "v2/cluster"));
}

fn centers(v: Value) -> Vec<CenterDto> {
    parse_centers(&v, &mut DecodeLog::default()).unwrap()
}

#[test]
fn hpc_access_from_the_center_answer() {
    // As scnet-cli sees it: one object with hpcUrls and clusterUserInfo.
    let one = centers(json!({
        "aiUrls": [{"url": "https://ai.example", "enable": "true"}],
        "hpcUrls": [
            {"url": "https://down.example/hpc", "enable": "false"},
            {"url": "https://hpc.example/hpc", "enable": "true"},
            "not an entry",
            {"url": "https://hpc2.example", "enable": true}
        ],
        "clusterUserInfo": {"userName": "acdemo01", "homePath": "/public/home/acdemo01"}
    }));
    assert_eq!(
        hpc_access(&one, "11112").unwrap(),
        HpcAccess {
            urls: vec![
                "https://hpc.example/hpc".into(),
                "https://hpc2.example".into()
            ],
            user: "acdemo01".into()
        }
    );
    // Several region entries: the region's own.
    let list = centers(json!([
        {"id": "11112", "hpcUrls": [{"url": "https://a.example", "enable": "true"}],
         "clusterUserInfo": {"userName": "ua"}},
        {"id": "11250", "hpcUrls": [{"url": "https://b.example", "enable": "true"}],
         "clusterUserInfo": {"userName": "ub"}}
    ]));
    assert_eq!(hpc_access(&list, "11250").unwrap().user, "ub");
    assert_eq!(
        hpc_access(&list, "11250").unwrap().urls,
        ["https://b.example"]
    );

    // No HPC service, in every shape it is seen in.
    for no_urls in [
        json!({"aiUrls": [{"url": "https://ai.example", "enable": "true"}]}),
        json!({"hpcUrls": [], "clusterUserInfo": {"userName": "u"}}),
        json!({"hpcUrls": null, "clusterUserInfo": {"userName": "u"}}),
        json!({"hpcUrls": "https://h.example", "clusterUserInfo": {"userName": "u"}}),
        json!({"hpcUrls": [{"url": "https://h.example", "enable": "false"}]}),
    ] {
        assert_eq!(
            hpc_access(&centers(no_urls.clone()), "1"),
            Err(NoHpc::NoHpcUrls),
            "{no_urls}"
        );
    }
    for no_user in [
        json!({"hpcUrls": [{"url": "https://h.example"}]}),
        json!({"hpcUrls": [{"url": "https://h.example"}], "clusterUserInfo": {"userName": " "}}),
        json!({"hpcUrls": [{"url": "https://h.example"}], "clusterUserInfo": "u"}),
    ] {
        assert_eq!(
            hpc_access(&centers(no_user.clone()), "1"),
            Err(NoHpc::NoClusterUser),
            "{no_user}"
        );
    }
}

#[test]
fn a_malformed_hpc_part_does_not_cost_the_ai_urls() {
    let c = centers(
        json!({"aiUrls": [{"url": "https://ai.example", "enable": "true"}],
                            "hpcUrls": {"x": 1}, "clusterUserInfo": [1, 2]}),
    );
    assert_eq!(
        crate::providers::sugon::map::enabled_ai_urls(&c, "1"),
        ["https://ai.example"]
    );
    assert_eq!(hpc_access(&c, "1"), Err(NoHpc::NoHpcUrls));
}

/// Whole free nodes are the queue's free blocks: 10 nodes of 8 GPUs, 2 free,
/// fit 16 one-card jobs, 8 two-card, 4 four-card and 2 eight-card jobs; a
/// full queue fits none; a CPU queue has no slot series.
#[test]
fn free_slots_come_in_whole_free_nodes() {
    let entries = json!([
        {"queueName": "gpu10", "queNodes": "10", "queFreeNodes": "2", "queMaxGpuPN": "8"},
        {"queueName": "full", "queNodes": 4, "queFreeNodes": 0, "queMaxDcuPN": 4},
        {"queueName": "cpu", "queNodes": 2, "queFreeNodes": 2, "queMaxGpuPN": 0},
        {"queueName": "nofree", "queNodes": 2, "queMaxGpuPN": 8},
    ]);
    let (q, log) = map("11112", &entries, &mut Fired::default());
    assert!(log.is_empty(), "{log:?}");
    let gpu = &queue(&q, "gpu10").0.free_blocks["gpu"];
    assert_eq!(gpu.largest, 8.0);
    let slots: Vec<f64> = [1, 2, 4, 8].iter().map(|n| gpu.slots(*n)).collect();
    assert_eq!(slots, vec![16.0, 8.0, 4.0, 2.0]);
    let dcu = &queue(&q, "full").0.free_blocks["dcu"];
    assert_eq!((dcu.largest, dcu.slots(1)), (0.0, 0.0));
    assert!(queue(&q, "cpu").0.free_blocks.is_empty());
    // No free-node figure: no slot series rather than 0.
    assert!(queue(&q, "nofree").0.free_blocks.is_empty());
}

#[test]
fn a_failing_hpc_side_keeps_the_pool_it_exported_else_is_partial() {
    use crate::providers::upstream::Reason;
    let error = || PollError {
        api: API_HPC_QUEUES.into(),
        url: "http://hpc/".into(),
        reason: Reason::Timeout,
        message: "operation timed out".into(),
    };
    let exported = BTreeMap::from([("11112".to_string(), "1637".to_string())]);
    let mut out = PollOutput::default();
    report_failure("11112", &exported, error(), &mut out);
    report_failure("11250", &exported, error(), &mut out);
    // 11112 exported pool 1637 before: that pool is the failed unit.
    assert_eq!(out.failed.len(), 1);
    assert_eq!(
        out.failed[0].unit,
        Unit::Pool {
            cloud_region: Some("11112".into()),
            pool_id: "1637".into()
        }
    );
    assert_eq!(
        out.failed[0].error.message,
        "region 11112: HPC queues not refreshed: operation timed out"
    );
    // 11250 never exported one: nothing to keep, a partial error.
    assert_eq!(out.partial.len(), 1);
    assert_eq!(
        out.partial[0].message,
        "region 11250: HPC queues not exported: operation timed out"
    );
}
