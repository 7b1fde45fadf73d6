//! HPC queue mapping on fixtures that follow the documented shapes. There is no
//! seed response for the HPC side: `src/simulator/fixtures/sugon_hpc_*.json`
//! follow docs/providers.md §4 (from the `scnet-cli` package), with numbers as
//! strings in one queue and as JSON numbers in another.

use serde_json::json;

use super::*;
use crate::providers::sugon::dto::Envelope;
use crate::providers::sugon::map::parse_centers;

const CLUSTER: &str = include_str!("../../../simulator/fixtures/sugon_hpc_cluster.json");
const QUEUES: &str = include_str!("../../../simulator/fixtures/sugon_hpc_queues.json");

fn data(body: &str) -> Value {
    let env: Envelope = serde_json::from_str(body).unwrap();
    assert_eq!(env.code.as_deref(), Some("0"));
    env.data
}

fn job_manager() -> JobManager {
    parse_job_manager(&data(CLUSTER)).unwrap()
}

fn mapped() -> (HpcQueues, Fired) {
    let mut fired = Fired::default();
    let q = map_queues("11112", &job_manager(), &data(QUEUES), &mut fired).unwrap();
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
    let jm = parse_job_manager(&two).unwrap();
    assert_eq!(
        (jm.id.as_str(), jm.name.as_str(), jm.kind.as_str()),
        ("2215", "西安Slurm", "")
    );
    // One object instead of a list; no name: the id is the name.
    let jm = parse_job_manager(&json!({"id": 7})).unwrap();
    assert_eq!((jm.id.as_str(), jm.name.as_str()), ("7", "7"));
    // An entry without an id is passed over.
    assert_eq!(
        parse_job_manager(&json!([{"text": "x"}, {"id": 3}]))
            .unwrap()
            .id,
        "3"
    );
    for bad in [
        json!([]),
        Value::Null,
        json!([{"text": "x"}]),
        json!("1637"),
        json!([{"id": [1]}]),
    ] {
        assert!(parse_job_manager(&bad).is_err(), "{bad}");
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
    assert!(q.errors.is_empty(), "{:?}", q.errors);
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
    let q = map_queues("1", &job_manager(), &entry, &mut fired).unwrap();
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
    let q = map_queues("1", &job_manager(), &entries, &mut fired).unwrap();
    assert!(q.errors.is_empty(), "{:?}", q.errors);
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
        let q = map_queues("1", &job_manager(), &empty, &mut fired).unwrap();
        assert!(q.queues.is_empty() && q.errors.is_empty());
        assert_eq!(q.pool.id, "1637");
    }
}

#[test]
fn bad_entries_are_left_out_with_a_reason_and_the_rest_is_kept() {
    let entries = json!([
        {"queueName": "good", "queNodes": 2, "queFreeNodes": 1, "queMaxDcuPN": 4},
        {"queueName": "oversold", "queNodes": 2, "queFreeNodes": 3, "queMaxDcuPN": 4},
        {"queueName": "cores", "queNcpus": "64", "queFreeNcpus": "65"},
        {"queueName": "negative", "queNodes": -1},
        {"queueName": "garbage", "queNodes": "lots"},
        {"queueName": "shape", "queNodes": {"n": 1}},
        {"queNodes": 2},
        {"queueName": "  "},
        "not an object",
        {"queueName": "good", "queNodes": 9}
    ]);
    let mut fired = Fired::default();
    let q = map_queues("1", &job_manager(), &entries, &mut fired).unwrap();
    let names: Vec<&str> = q.queues.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(names, ["good"]);
    assert_eq!(q.nodes.len(), 1);
    // The first "good" is kept, the duplicate reported.
    assert_eq!(q.nodes[0].nodes, Some(2.0));
    let reasons: Vec<String> = q.errors.iter().map(ToString::to_string).collect();
    assert_eq!(reasons.len(), 9, "{reasons:#?}");
    for (i, want) in [
        "HPC queue \"oversold\" queFreeNodes > queNodes: 3 free of 2",
        "HPC queue \"cores\" queFreeNcpus > queNcpus: 65 free of 64",
        "HPC queue \"negative\" queNodes: -1 is negative",
        "HPC queue \"garbage\" queNodes: \"lots\" is not a number",
        // A number field holding an object is that field's error, not the entry's.
        "HPC queue \"shape\" queNodes: ",
        "HPC queue entry {\"queNodes\":2}: no queueName",
        "HPC queue entry {\"queueName\":\"  \"}: no queueName",
        "HPC queue entry \"not an object\"",
        "HPC queue \"good\": listed twice; the first entry is kept",
    ]
    .iter()
    .enumerate()
    {
        assert!(
            reasons[i].starts_with(want),
            "{i}: {:?} does not start with {want:?}",
            reasons[i]
        );
    }
    // Rules fired only for the exported queue.
    assert_eq!(fired.count(Rule::CardsFromNodes), 1);
    assert_eq!(fired.count(Rule::FreeCardsFromFreeNodes), 1);
    // A list that is no list fails the whole answer.
    assert!(map_queues("1", &job_manager(), &json!("x"), &mut fired).is_err());
}

fn centers(v: Value) -> Vec<CenterDto> {
    parse_centers(&v).unwrap()
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
