//! Bad input never panics: every decoder of untrusted input (quantities, error
//! bodies, each provider's DTO decoding and mapping, the config and web config
//! parsers) gives `Ok` or `Err` for arbitrary bytes, arbitrary JSON values, and
//! valid samples with one part replaced by an arbitrary JSON value.
//!
//! The same decoders are what the cargo-fuzz target in `fuzz/` runs (see
//! `bench/fuzz.sh`); these property tests are the bounded, stable-toolchain
//! version that runs with `cargo test`.

#[path = "common/decoders.rs"]
mod decoders;

use aipool_exporter::providers::{aihc, sugon, ProviderKind};
use aipool_exporter::quantity::{parse, parse_str, RawQuantity};
use decoders::Decoder;
use proptest::prelude::*;
use serde_json::{Map, Number, Value};

fn cases() -> u32 {
    // PROPTEST_CASES raises this for a longer local run.
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// Strings that look like what upstreams send more often than random text
/// would: quantities, numbers with suffixes, times, empty and odd unicode.
fn interesting_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[-+]?[0-9]{0,20}(\\.[0-9]{0,20})?([eE][-+]?[0-9]{1,4})?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,12})?(Z|[+-][0-9]{2}:[0-9]{2})?",
        Just(String::new()),
        Just("true".to_string()),
        Just("NaN".to_string()),
        Just("-0".to_string()),
        Just("1e309".to_string()),
        Just("http://[::1]:8080/ai".to_string()),
        Just("eyJhbGciOiJIUzI1NiJ9.eyJleHBpcmVUaW1lIjoxfQ.x".to_string()),
        "\\PC{0,8}",
    ]
}

fn number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::from),
        any::<u64>().prop_map(Number::from),
        any::<f64>().prop_filter_map("finite", Number::from_f64),
    ]
}

/// An arbitrary JSON value, a few levels deep, with the field names the DTOs
/// use showing up often enough to reach the mapping code.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number().prop_map(Value::Number),
        interesting_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(KEYS).prop_map(str::to_string),
        1 => any::<String>(),
    ]
}

/// Field names of the upstream payloads (from the DTOs).
const KEYS: &[&str] = &[
    "code",
    "msg",
    "message",
    "data",
    "success",
    "result",
    "requestId",
    "items",
    "resourcePools",
    "resourcePoolId",
    "name",
    "phase",
    "nodeNum",
    "type",
    "totalCount",
    "pageSize",
    "queues",
    "queueList",
    "queueId",
    "queueName",
    "queueType",
    "children",
    "capability",
    "allocated",
    "remaining",
    "workloadAvailable",
    "deserved",
    "guarantee",
    "milliCPUcores",
    "cpuCores",
    "memoryGi",
    "acceleratorCardList",
    "acceleratorCount",
    "acceleratorType",
    "acceleratorDescription",
    "cpu",
    "memory",
    "gpuCardType",
    "resourcePoolIds",
    // Parents and pool names feed the tree and pool derivations.
    "parentQueue",
    "resourcePoolNames",
    "id",
    "instanceCount",
    "runningJobs",
    "pendingJobs",
    "instances",
    "instanceId",
    "paymentTiming",
    "replicasCount",
    "status",
    "startTime",
    "expiredTime",
    "serviceList",
    "serviceId",
    "pageInfo",
    "isTruncated",
    "nextMarker",
    "metadata",
    "labels",
    "os.modelarts/name",
    "spec",
    "resources",
    "availableResources",
    "nvidia.com/gpu",
    "continue",
    "token",
    "expires_at",
    "clusterId",
    "clusterName",
    "aiUrls",
    "url",
    "enable",
    "gpu",
    "dcu",
    "resourceGroup",
    "cpuNumber",
    "gpuNumber",
    "memorySize",
    "nodeNumber",
    "nvLimits",
    "maxTime",
    "hpcUrls",
    "clusterUserInfo",
    "userName",
    "text",
    "JobManagerType",
    "queueName",
    "queNodes",
    "queFreeNodes",
    "queNcpus",
    "queFreeNcpus",
    "queMaxPPN",
    "queMaxGpuPN",
    "queMaxDcuPN",
    "driver",
    "flavor",
    "count",
    "available",
    "abnormal",
];

/// Replaces the `pick`-th node (pre-order) of `v` with `with`.
fn replace_nth(v: &mut Value, pick: &mut usize, with: &Value) -> bool {
    if *pick == 0 {
        *v = with.clone();
        return true;
    }
    *pick -= 1;
    match v {
        Value::Array(items) => items.iter_mut().any(|i| replace_nth(i, pick, with)),
        Value::Object(map) => map.values_mut().any(|i| replace_nth(i, pick, with)),
        _ => false,
    }
}

fn count_nodes(v: &Value) -> usize {
    1 + match v {
        Value::Array(items) => items.iter().map(count_nodes).sum(),
        Value::Object(map) => map.values().map(count_nodes).sum(),
        _ => 0,
    }
}

/// The AIHC list decoders and where their list is in the sample.
const AIHC_LISTS: [(&str, &[&str]); 6] = [
    ("aihc_openapi_pools", &["resourcePools"]),
    ("aihc_openapi_queues", &["queues"]),
    ("aihc_console_pools", &["result", "resourcePools"]),
    ("aihc_console_queues", &["result", "result", "queueList"]),
    ("aihc_serverless_pools", &["result", "result", "items"]),
    ("aihc_serverless_queues", &["result", "result", "items"]),
];

fn list_at<'v>(v: &'v mut Value, path: &[&str]) -> &'v mut Vec<Value> {
    let mut at = v;
    for k in path {
        at = &mut at[*k];
    }
    at.as_array_mut().expect("the sample has its list there")
}

/// What `d` maps the sample to with its list set to `items`: pools and queues.
fn aihc_objects(
    d: Decoder,
    path: &[&str],
    items: &[Value],
) -> (
    Vec<aipool_exporter::model::Pool>,
    Vec<aipool_exporter::model::Queue>,
) {
    let mut v: Value = serde_json::from_str(d.sample()).unwrap();
    *list_at(&mut v, path) = items.to_vec();
    let body = serde_json::to_vec(&v).unwrap();
    let s = aihc::decoders::mapped(d.name(), &body)
        .expect("an AIHC decoder")
        .expect("a valid list is a valid document")
        .snapshot;
    if matches!(d.name(), "aihc_openapi_queues" | "aihc_console_queues") {
        // The one pool the queue decoders put the queues on is no list element.
        return (Vec::new(), s.queues);
    }
    (s.pools, s.queues)
}

fn each_decoder(input: &[u8]) {
    for d in decoders::all() {
        // The result does not matter; returning at all does.
        let _ = d.run(input);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn quantity_parser_never_panics(s in interesting_string()) {
        let _ = parse_str(&s);
        let _ = parse(&RawQuantity::Text(s));
    }

    #[test]
    fn quantity_results_are_finite(s in interesting_string(), n in any::<f64>()) {
        if let Ok(Some(v)) = parse_str(&s) {
            prop_assert!(v.is_finite(), "{s:?} gave {v}");
        }
        match parse(&RawQuantity::Number(n)) {
            Ok(Some(v)) => prop_assert!(v.is_finite()),
            Ok(None) => prop_assert!(false, "a number is never absent"),
            Err(_) => prop_assert!(!n.is_finite()),
        }
    }

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        each_decoder(&bytes);
    }

    #[test]
    fn arbitrary_json(v in json_value()) {
        each_decoder(&serde_json::to_vec(&v).unwrap());
    }

    /// Each decoder's valid sample with one node replaced: reaches the mapping
    /// code with wrong types, missing fields and odd numbers in every place.
    #[test]
    fn samples_with_one_part_replaced(which in 0..decoders::all().len(), pick in any::<usize>(), with in json_value()) {
        let d = decoders::all()[which];
        let Ok(mut v) = serde_json::from_str::<Value>(d.sample()) else {
            // Not a JSON sample (quantity, config, web config): mutate the text.
            let mut text = d.sample().to_string();
            let cut = pick % (text.len() + 1);
            if text.is_char_boundary(cut) {
                text.insert_str(cut, &with.to_string());
            }
            let _ = d.run(text.as_bytes());
            return Ok(());
        };
        let mut n = pick % count_nodes(&v);
        replace_nth(&mut v, &mut n, &with);
        let _ = d.run(&serde_json::to_vec(&v).unwrap());
    }

    /// Arbitrary JSON in one element of a valid AIHC list never
    /// fails the document nor changes the other elements' objects.
    #[test]
    fn aihc_one_bad_element_never_costs_the_others(which in 0..AIHC_LISTS.len(), at in any::<usize>(), with in json_value()) {
        let (name, path) = AIHC_LISTS[which];
        let d = decoders::named(name);
        let mut v: Value = serde_json::from_str(d.sample()).unwrap();
        // At least two elements: the sample's, twice.
        let mut items = list_at(&mut v, path).clone();
        items.extend(items.clone());
        let k = at % items.len();
        let (before_pools, before_queues) = aihc_objects(d, path, &items[..k]);
        let (after_pools, after_queues) = aihc_objects(d, path, &items[k + 1..]);
        let mut mutated = items.clone();
        mutated[k] = with;
        let (pools, queues) = aihc_objects(d, path, &mutated);
        prop_assert!(pools.len() >= before_pools.len() + after_pools.len());
        prop_assert_eq!(&pools[..before_pools.len()], &before_pools[..]);
        prop_assert_eq!(&pools[pools.len() - after_pools.len()..], &after_pools[..]);
        prop_assert!(queues.len() >= before_queues.len() + after_queues.len());
        prop_assert_eq!(&queues[..before_queues.len()], &before_queues[..]);
        prop_assert_eq!(&queues[queues.len() - after_queues.len()..], &after_queues[..]);
    }

    /// Valid samples cut anywhere or with a byte flipped (truncated bodies).
    #[test]
    fn samples_truncated_or_flipped(which in 0..decoders::all().len(), at in any::<usize>(), byte in any::<u8>()) {
        let d = decoders::all()[which];
        let bytes = d.sample().as_bytes();
        let at = at % (bytes.len() + 1);
        let _ = d.run(&bytes[..at]);
        let mut flipped = bytes.to_vec();
        if at < flipped.len() {
            flipped[at] = byte;
        }
        let _ = d.run(&flipped);
    }
}

/// Qianfan, decoded per object: valid compute units and services, each a list
/// element the property tests below garble one at a time.
const QIANFAN_INSTANCES: &str = r#"[
    {"instanceId":"a0085162xxx9d19e58e","paymentTiming":"Prepaid","replicasCount":5,"status":"Running","startTime":"2024-04-01T10:00:00Z","expiredTime":"2024-05-01T10:00:00Z"},
    {"instanceId":"cu-support-01","paymentTiming":"Postpaid","replicasCount":"2","status":2,"startTime":"2025-03-01T18:00:00+08:00","expiredTime":""},
    {"instanceId":"cu-support-02","paymentTiming":"Prepaid","replicasCount":3,"status":"Creating","startTime":"","expiredTime":""}
]"#;
const QIANFAN_SERVICES: &str = r#"[
    {"serviceId":"svco-48exxxa594","name":"ernie-speed-sft","runStatus":"Serving"},
    {"serviceId":"svco-7k2mchat01","name":"support-bot"},
    {"serviceId":"svcp-ernie40demo","name":"ERNIE-4.0-8K"}
]"#;

/// The compute units `list` maps to, through the real document decoder.
fn qianfan_units(list: &[Value]) -> Vec<aipool_exporter::model::ComputeUnit> {
    use aipool_exporter::providers::qianfan;
    let body = serde_json::json!({"requestId": "r", "result": {"instances": list}});
    let kind = qianfan::Body::ComputeUnits {
        service_id: "svco-1",
        payment_timing: None,
    };
    qianfan::decode(kind, &serde_json::to_vec(&body).unwrap())
        .expect("a list of any JSON values is a valid document")
        .snapshot
        .compute_units
}

fn qianfan_services(list: &[Value]) -> Vec<aipool_exporter::model::Service> {
    use aipool_exporter::providers::qianfan;
    let body = serde_json::json!({"result": {"serviceList": list}});
    qianfan::decode(qianfan::Body::Services, &serde_json::to_vec(&body).unwrap())
        .expect("a list of any JSON values is a valid document")
        .snapshot
        .services
}

/// `good` with one node (pre-order, `pick`) of element `which` replaced by
/// `with`: (the whole list, that element alone).
fn garble_one(good: &[Value], which: usize, pick: usize, with: &Value) -> (Vec<Value>, Value) {
    let mut list = good.to_vec();
    let which = which % list.len();
    let mut n = pick % count_nodes(&list[which]);
    replace_nth(&mut list[which], &mut n, with);
    let bad = list[which].clone();
    (list, bad)
}

/// The Sugon lists each element of which decodes on its own: the decoder and
/// the JSON pointer of the list in its sample.
const SUGON_LISTS: [(&str, &str); 4] = [
    ("sugon_login", "/data"),
    ("sugon_center", "/data/0/aiUrls"),
    ("sugon_groups", "/data/gpu"),
    ("sugon_hpc_queues", "/data"),
];

/// The sample of `d` with the list at `pointer` changed by `edit`.
fn sample_with_list(d: Decoder, pointer: &str, edit: impl FnOnce(&mut Vec<Value>)) -> Vec<u8> {
    let mut v: Value = serde_json::from_str(d.sample()).unwrap();
    let list = v
        .pointer_mut(pointer)
        .and_then(Value::as_array_mut)
        .unwrap();
    edit(list);
    serde_json::to_vec(&v).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Arbitrary JSON in one compute unit never costs the others: the list
    /// maps to the good units, unchanged, around whatever the garbled element
    /// maps to alone (at most one unit), and no value is NaN or infinite.
    #[test]
    fn qianfan_one_bad_compute_unit_never_fails_the_others(which in 0..3usize, pick in any::<usize>(), with in json_value()) {
        let good: Vec<Value> = serde_json::from_str(QIANFAN_INSTANCES).unwrap();
        let baseline = qianfan_units(&good);
        prop_assert_eq!(baseline.len(), good.len());
        let (list, bad) = garble_one(&good, which, pick, &with);
        let got = qianfan_units(&list);
        let alone = qianfan_units(std::slice::from_ref(&bad));
        prop_assert!(alone.len() <= 1);
        let mut want = baseline[..which].to_vec();
        want.extend(alone);
        want.extend_from_slice(&baseline[which + 1..]);
        prop_assert_eq!(&got, &want);
        for u in &got {
            prop_assert!(u.replicas.is_none_or(|r| r.is_finite() && r >= 0.0), "{:?}", u);
            for v in [u.start_timestamp, u.expiry_timestamp].into_iter().flatten() {
                prop_assert!(v.is_finite(), "{:?}", u);
            }
        }
    }

    /// Arbitrary JSON in one service never costs the others.
    #[test]
    fn qianfan_one_bad_service_never_fails_the_others(which in 0..3usize, pick in any::<usize>(), with in json_value()) {
        let good: Vec<Value> = serde_json::from_str(QIANFAN_SERVICES).unwrap();
        let baseline = qianfan_services(&good);
        prop_assert_eq!(baseline.len(), good.len());
        let (list, bad) = garble_one(&good, which, pick, &with);
        let got = qianfan_services(&list);
        let alone = qianfan_services(std::slice::from_ref(&bad));
        prop_assert!(alone.len() <= 1);
        let mut want = baseline[..which].to_vec();
        want.extend(alone);
        want.extend_from_slice(&baseline[which + 1..]);
        prop_assert_eq!(&got, &want);
    }

    /// Arbitrary JSON in one element of a valid Sugon list never
    /// fails the answer, and the other elements map to exactly what they map
    /// to without it. (Objects that share an id with what the arbitrary
    /// element maps to on its own are left out of the comparison: a repeat
    /// keeps the first.)
    #[test]
    fn sugon_one_bad_element_never_costs_the_others(which in 0..SUGON_LISTS.len(), pick in any::<usize>(), with in json_value()) {
        let (name, pointer) = SUGON_LISTS[which];
        let d = decoders::named(name);
        let n = serde_json::from_str::<Value>(d.sample()).unwrap().pointer(pointer).and_then(Value::as_array).map_or(0, Vec::len);
        prop_assert!(n > 1, "{:?}: the list needs an element besides the bad one", d);
        let k = pick % n;
        let got = sugon::decoders::objects(
            name,
            &sample_with_list(d, pointer, |l| l[k] = with.clone()),
        );
        prop_assert!(got.is_ok(), "{d:?}: {got:?}");
        let others = sugon::decoders::objects(
            name,
            &sample_with_list(d, pointer, |l| {
                l.remove(k);
            }),
        )
        .unwrap();
        let alone = sugon::decoders::objects(
            name,
            &sample_with_list(d, pointer, |l| *l = vec![with.clone()]),
        )
        .unwrap();
        let keep = |objects: Vec<(String, String)>| -> Vec<(String, String)> {
            objects
                .into_iter()
                .filter(|(id, _)| !alone.iter().any(|(a, _)| a == id))
                .collect()
        };
        prop_assert_eq!(keep(got.unwrap()), keep(others), "{:?} element {} = {}", d, k, with);
    }

    /// Arbitrary JSON in one field of a resource group's `resources` answer
    /// costs at most that field: the answer maps, and nothing non-finite.
    #[test]
    fn sugon_one_bad_resources_field_never_fails_the_group(field in prop::sample::select(&[
        "cpuNumber", "gpuNumber", "memorySize", "nodeNumber", "nvLimits", "dcuLimits",
        "mluLimits", "maxTime", "resourceGroup", "id", "userName",
    ][..]), with in json_value()) {
        let resources = decoders::named("sugon_resources");
        let mut v: Value = serde_json::from_str(resources.sample()).unwrap();
        v["data"][field] = with;
        let r = resources.run(&serde_json::to_vec(&v).unwrap());
        prop_assert!(r.is_ok(), "{r:?}");
    }
}

/// Deep nesting is refused by the JSON parser's recursion limit rather than
/// overflowing the stack in a decoder; a deep queue tree is cut by the mapper
/// (children are decoded one level at a time as it goes down). Was: the tree
/// of 120 levels failed the whole document; now the queues down to the
/// mapper's depth limit are kept and the rest is one dropped object.
#[test]
fn deep_nesting_is_an_error() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    each_decoder(deep.as_bytes());
    for levels in [120, 5_000] {
        let mut tree = String::from(r#"{"queueId":"q"}"#);
        for i in 0..levels {
            tree = format!(r#"{{"queueId":"q{i}","children":[{tree}]}}"#);
        }
        let page = format!(r#"{{"queues":[{tree}]}}"#);
        let queues = decoders::named("aihc_openapi_queues");
        assert_eq!(queues.run(page.as_bytes()), Ok(()));
        let m = aihc::decoders::mapped(queues.name(), page.as_bytes())
            .unwrap()
            .unwrap();
        let s = &m.snapshot;
        assert_eq!(s.queues.len(), 33, "{levels}");
        assert_eq!(m.log.errors().len(), 1, "{levels}");
        assert!(m.log.errors()[0].detail.contains("deeper"), "{levels}");
    }
}

fn fuzz_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// Every platform registers decoders, each named for its platform, and every
/// registered decoder is one the tests and the fuzzer run (by name, which is
/// unique: the fuzz corpus and regressions directories are named by it).
#[test]
fn every_registered_decoder_is_exercised() {
    let all = decoders::all();
    for kind in ProviderKind::ALL {
        assert!(!kind.decoders().is_empty(), "{kind} registers no decoder");
        for d in kind.decoders() {
            assert!(all.contains(d), "{d:?}");
            assert!(d.name().starts_with(&format!("{kind}_")), "{d:?}");
        }
    }
    let mut names: Vec<&str> = all.iter().map(|d| d.name()).collect();
    assert!(
        names.iter().all(|n| !n.is_empty()
            && n.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')),
        "{names:?}"
    );
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), all.len(), "two decoders share a name");
}

/// The fuzz crate has one target, which runs the decoder `AIPOOL_FUZZ_DECODER`
/// names, out of the same list: a new decoder needs no target of its own.
#[test]
fn one_fuzz_target_runs_every_decoder() {
    let targets: Vec<String> = std::fs::read_dir(fuzz_dir().join("fuzz_targets"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(targets, ["decoder.rs"]);
    let target = std::fs::read_to_string(fuzz_dir().join("fuzz_targets/decoder.rs")).unwrap();
    assert!(target.contains("selected().run(data)"), "{target}");
    let lib = std::fs::read_to_string(fuzz_dir().join("src/lib.rs")).unwrap();
    assert!(lib.contains("tests/common/decoders.rs") && lib.contains("from_name"));
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    assert_eq!(manifest.matches("[[bin]]").count(), 1, "{manifest}");
    assert!(manifest.contains("name = \"decoder\""));
}

/// Inputs that once crashed a decoder (fuzz/regressions/<target>/*) stay fixed.
#[test]
fn fuzz_regressions_replay() {
    let Ok(dirs) = std::fs::read_dir(fuzz_dir().join("regressions")) else {
        return;
    };
    for dir in dirs.flatten().filter(|d| d.path().is_dir()) {
        let name = dir.file_name().to_string_lossy().into_owned();
        let d = decoders::named(&name);
        for f in std::fs::read_dir(dir.path()).unwrap().flatten() {
            let _ = d.run(&std::fs::read(f.path()).unwrap());
        }
    }
}

/// Seeds fuzz/corpus/<target>/ with each decoder's sample (bench/fuzz.sh).
#[test]
#[ignore = "writes into fuzz/corpus; run by bench/fuzz.sh"]
fn write_fuzz_seeds() {
    let mut names = String::new();
    for d in decoders::all() {
        let dir = fuzz_dir().join("corpus").join(d.name());
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("sample"), d.sample()).unwrap();
        names.push_str(d.name());
        names.push('\n');
    }
    // The decoders bench/fuzz.sh runs when given none.
    std::fs::write(fuzz_dir().join("corpus").join("decoders.txt"), names).unwrap();
}

// One bad element of a ModelArts list never costs the others.
#[path = "decoders_never_panic/modelarts_lists.rs"]
mod modelarts_lists;

// ---- The decoders themselves ----

/// The samples are valid: a decoder wired to the wrong DTO would reject its
/// own sample, and the property tests would mutate nothing meaningful.
#[test]
fn every_sample_decodes() {
    for d in decoders::all() {
        assert_eq!(d.run(d.sample().as_bytes()), Ok(()), "{d:?}");
        assert_eq!(decoders::from_name(d.name()), Some(d));
    }
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    for d in decoders::all() {
        if !matches!(d.name(), "error_body" | "modelarts_token") {
            assert!(d.run(b"{\"x\": [1, 2, oops").is_err(), "{d:?}");
        }
    }
}
