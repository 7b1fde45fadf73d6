//! Mapping tests on the seed response (`tests/fixtures/seeds/003_…`, extracted into
//! `crates/aipool-sim/fixtures/sugon_resources_seed.json`).

use serde_json::json;

use super::*;
use crate::providers::sugon::dto::Envelope;
use crate::providers::upstream::decode::DecodeReason;
use crate::quantity::{Fired, Rule, MIB};

const SEED: &str = include_str!("../../../../crates/aipool-sim/fixtures/sugon_resources_seed.json");

fn seed_dto() -> ResourcesDto {
    let env: Envelope = serde_json::from_str(SEED).unwrap();
    assert_eq!(env.code.as_deref(), Some("0"));
    serde_json::from_value(env.data).unwrap()
}

/// The group mapped; asserts nothing was left out.
fn group(cluster: &str, t: &str, g: &str, dto: &ResourcesDto) -> Option<Pool> {
    let mut log = DecodeLog::default();
    let pool = map_group(cluster, t, g, dto, &mut Fired::default(), &mut log);
    assert!(log.is_empty(), "{log:?}");
    Some(pool)
}

fn groups(data: &Value) -> Result<Vec<(String, String)>, MapError> {
    let mut log = DecodeLog::default();
    let out = parse_groups(data, &mut log)?;
    assert!(log.is_empty(), "{log:?}");
    Ok(out)
}

#[test]
fn the_seed_group_maps_to_one_pool() {
    let mut fired = Fired::default();
    let mut log = DecodeLog::default();
    let pool = map_group(
        "11112",
        "gpu",
        "TeslaM40",
        &seed_dto(),
        &mut fired,
        &mut log,
    );
    assert!(log.is_empty(), "{log:?}");
    assert_eq!(pool.id, "TeslaM40");
    assert_eq!(pool.name, "TeslaM40");
    assert_eq!(pool.pool_type, "gpu");
    assert_eq!(pool.cloud_region.as_deref(), Some("11112"));
    assert_eq!(pool.nodes, Some(1.0));
    let node = pool.node_capability.as_ref().unwrap();
    assert_eq!(node.cpu_cores, Some(40.0));
    // memorySize is MB (MiB) per node: 31888 MiB = 33 436 991 488 bytes.
    assert_eq!(node.memory_bytes, Some(31888.0 * MIB));
    assert_eq!(node.memory_bytes, Some(33_436_991_488.0));
    assert_eq!(
        node.accelerators,
        BTreeMap::from([("gpu".to_string(), 2.0)])
    );
    // The seed reports all three quotas as 0 beside 2 GPUs per node: 0 is "no
    // quota set", not a limit of 0 cards, so there is no limit at all (one
    // firing per field).
    assert_eq!(
        seed_dto().nv_limits,
        Some(crate::quantity::RawQuantity::Number(0.0))
    );
    assert!(pool.node_limits.is_empty(), "{:?}", pool.node_limits);
    assert_eq!(fired.count(Rule::ZeroNodeLimitIsUnset), 3);
    assert_eq!(
        pool.extra_info,
        BTreeMap::from([("max_time".to_string(), "unlimited".to_string())])
    );
    // Sugon reports per-node figures, not pool totals.
    assert!(pool.quantities.is_empty());
}

#[test]
fn absent_fields_give_no_values() {
    let dto: ResourcesDto = serde_json::from_value(json!({"resourceGroup": "g"})).unwrap();
    let pool = group("1", "dcu", "g", &dto).unwrap();
    assert_eq!(pool.nodes, None);
    assert_eq!(pool.node_capability, None);
    assert!(pool.node_limits.is_empty());
    assert!(pool.extra_info.is_empty());
    // Only the limit that is reported appears.
    let dto: ResourcesDto =
        serde_json::from_value(json!({"dcuLimits": "4", "gpuNumber": "8", "maxTime": ""})).unwrap();
    let pool = group("1", "dcu", "g", &dto).unwrap();
    assert_eq!(pool.node_limits, BTreeMap::from([("dcu".to_string(), 4.0)]));
    assert_eq!(
        pool.node_capability.unwrap().accelerators,
        BTreeMap::from([("dcu".to_string(), 8.0)])
    );
    assert!(pool.extra_info.is_empty());
}

#[test]
fn cpu_groups_have_no_accelerator() {
    let dto: ResourcesDto =
        serde_json::from_value(json!({"cpuNumber": 64, "gpuNumber": 0, "memorySize": 1024}))
            .unwrap();
    let node = group("1", "cpu", "c", &dto)
        .unwrap()
        .node_capability
        .unwrap();
    assert!(node.accelerators.is_empty());
    assert_eq!(node.cpu_cores, Some(64.0));
    assert_eq!(node.memory_bytes, Some(1024.0 * MIB));
    assert_eq!(accelerator_label("GPU").as_deref(), Some("gpu"));
    assert_eq!(accelerator_label("cpu"), None);
}

#[test]
fn a_set_quota_is_a_limit_and_zero_is_none() {
    let dto: ResourcesDto = serde_json::from_value(
        json!({"nvLimits": 8, "dcuLimits": "0", "mluLimits": "2", "gpuNumber": 8}),
    )
    .unwrap();
    let mut fired = Fired::default();
    let pool = map_group(
        "1",
        "gpu",
        "A800",
        &dto,
        &mut fired,
        &mut DecodeLog::default(),
    );
    assert_eq!(
        pool.node_limits,
        BTreeMap::from([("mlu".to_string(), 2.0), ("nvidia".to_string(), 8.0)])
    );
    assert_eq!(fired.count(Rule::ZeroNodeLimitIsUnset), 1);
    assert_eq!(node_limit(0.5, &mut fired), Some(0.5));
    assert_eq!(node_limit(0.0, &mut fired), None);
    assert_eq!(fired.count(Rule::ZeroNodeLimitIsUnset), 2);
}

#[test]
fn malformed_numbers_name_the_group_and_field() {
    // Was a failure of the whole poll; now the field alone is left out and
    // recorded with the group and field, so the rest of the group is kept.
    let dto: ResourcesDto =
        serde_json::from_value(json!({"cpuNumber": "lots", "nodeNumber": 2})).unwrap();
    let mut log = DecodeLog::default();
    let pool = map_group("1", "gpu", "A800", &dto, &mut Fired::default(), &mut log);
    assert_eq!(pool.nodes, Some(2.0));
    assert_eq!(pool.node_capability, None);
    let e = &log.errors()[0];
    assert_eq!(log.errors().len(), 1);
    assert!(e.object.contains("A800") && e.field == "cpuNumber", "{e}");
    assert_eq!(e.reason, DecodeReason::NotANumber);
    assert_eq!(e.api, "v2/instance-service/resources");
}

/// The seed with one field malformed: that field's series is gone and the
/// reason recorded; every other field is the seed's exactly.
#[test]
fn one_malformed_field_of_the_seed_loses_only_itself() {
    let cases: [(Value, Option<DecodeReason>); 7] = [
        (json!("abc"), Some(DecodeReason::NotANumber)),
        (json!(""), None),
        (Value::Null, None),
        (json!("NaN"), Some(DecodeReason::NotANumber)),
        (json!("-1"), Some(DecodeReason::Negative)),
        (json!("1e400"), Some(DecodeReason::NotFinite)),
        (json!({"x": 1}), Some(DecodeReason::NotANumber)),
    ];
    let seed: Value = serde_json::from_str::<Value>(SEED).unwrap()["data"].clone();
    for field in [
        "cpuNumber",
        "gpuNumber",
        "memorySize",
        "nodeNumber",
        "nvLimits",
    ] {
        for (bad, reason) in &cases {
            let mut data = seed.clone();
            data[field] = bad.clone();
            let dto: ResourcesDto = serde_json::from_value(data).unwrap();
            let mut log = DecodeLog::default();
            let mut fired = Fired::default();
            let pool = map_group("11112", "gpu", "TeslaM40", &dto, &mut fired, &mut log);
            let node = pool.node_capability.clone().unwrap_or_default();
            // The seed: 40 cores, 2 GPUs, 31888 MiB per node, 1 node.
            let want_cpu = (field != "cpuNumber").then_some(40.0);
            let want_mem = (field != "memorySize").then_some(31888.0 * MIB);
            let want_nodes = (field != "nodeNumber").then_some(1.0);
            assert_eq!(node.cpu_cores, want_cpu, "{field}={bad}");
            assert_eq!(node.memory_bytes, want_mem, "{field}={bad}");
            assert_eq!(pool.nodes, want_nodes, "{field}={bad}");
            let want_cards = if field == "gpuNumber" {
                BTreeMap::new()
            } else {
                BTreeMap::from([("gpu".to_string(), 2.0)])
            };
            assert_eq!(node.accelerators, want_cards, "{field}={bad}");
            assert!(pool.node_limits.is_empty(), "{field}={bad}");
            assert_eq!(pool.extra_info["max_time"], "unlimited");
            // A quota that is gone is not "unset": only the seed's other 0s fire.
            let zeros = if field == "nvLimits" { 2 } else { 3 };
            assert_eq!(
                fired.count(Rule::ZeroNodeLimitIsUnset),
                zeros,
                "{field}={bad}"
            );
            match reason {
                Some(reason) => {
                    assert_eq!(log.errors().len(), 1, "{field}={bad}: {log:?}");
                    let e = &log.errors()[0];
                    assert_eq!(
                        (
                            e.api.as_str(),
                            e.object.as_str(),
                            e.field.as_str(),
                            e.reason
                        ),
                        (
                            "v2/instance-service/resources",
                            "resource group TeslaM40 (gpu, region 11112)",
                            field,
                            *reason
                        ),
                        "{bad}"
                    );
                }
                None => assert!(log.is_empty(), "{field}={bad}: {log:?}"),
            }
        }
    }
}

#[test]
fn memory_that_overflows_in_bytes_and_an_odd_max_time_are_left_out() {
    let dto: ResourcesDto = serde_json::from_value(
        json!({"memorySize": 1e303, "cpuNumber": 4, "maxTime": {"h": 1}, "resourceGroup": 7}),
    )
    .unwrap();
    let mut log = DecodeLog::default();
    let pool = map_group("1", "cpu", "c", &dto, &mut Fired::default(), &mut log);
    let node = pool.node_capability.unwrap();
    assert_eq!((node.cpu_cores, node.memory_bytes), (Some(4.0), None));
    assert!(pool.extra_info.is_empty());
    let got: Vec<(&str, DecodeReason)> = log
        .errors()
        .iter()
        .map(|e| (e.field.as_str(), e.reason))
        .collect();
    assert_eq!(
        got,
        [
            ("memorySize", DecodeReason::NotFinite),
            ("maxTime", DecodeReason::NotANumber)
        ]
    );
}

#[test]
fn group_entries_without_a_name_are_dropped_alone() {
    let data = json!({"gpu": ["TeslaM40", 42, {"resourceGroup": ""}, {"resourceGroup": "A800"}],
                      "dcu": {"x": 1}});
    let mut log = DecodeLog::default();
    let got = parse_groups(&data, &mut log).unwrap();
    assert_eq!(
        got,
        vec![
            ("gpu".to_string(), "TeslaM40".to_string()),
            ("gpu".to_string(), "A800".to_string())
        ]
    );
    let objects: Vec<&str> = log.errors().iter().map(|e| e.object.as_str()).collect();
    assert_eq!(
        objects,
        [
            "resource group dcu #0",
            "resource group gpu #1",
            "resource group gpu #2"
        ]
    );
    assert!(log
        .errors()
        .iter()
        .all(|e| e.reason == DecodeReason::MalformedObject
            && e.api == "v2/instance-service/resource-group"));
    // A list entry without its type.
    let mut log = DecodeLog::default();
    let got = parse_groups(
        &json!([{"resourceGroup": "x"}, {"acceleratorType": "mlu", "resourceGroup": "M"}]),
        &mut log,
    )
    .unwrap();
    assert_eq!(got, vec![("mlu".to_string(), "M".to_string())]);
    assert_eq!(log.errors().len(), 1);
    assert!(log.errors()[0].detail.starts_with("no acceleratorType"));
}

#[test]
fn a_bad_center_entry_or_ai_url_entry_costs_only_itself() {
    let mut log = DecodeLog::default();
    let list = parse_centers(
        &json!([
            {"id": "11112", "aiUrls": [
                {"url": "https://a.example", "enable": "true"},
                {"url": ["x"]},
                "https://bare.example",
                {"url": "https://b.example"}
            ]},
            {"id": {"x": 1}, "aiUrls": [{"url": "https://other.example"}]}
        ]),
        &mut log,
    )
    .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        enabled_ai_urls(&list, "11112"),
        ["https://a.example", "https://b.example"]
    );
    let objects: Vec<&str> = log.errors().iter().map(|e| e.object.as_str()).collect();
    assert_eq!(
        objects,
        [
            "center entry #1",
            "aiUrls entry of region 11112 #1",
            "aiUrls entry of region 11112 #2"
        ]
    );
    assert!(log.errors().iter().all(|e| e.api == "v2/center"));
    // One object that is no center entry is the wrong answer.
    assert!(parse_centers(&json!({"id": [1]}), &mut DecodeLog::default()).is_err());
}

#[test]
fn resource_groups_in_every_shape() {
    let by_name = json!({"gpu": ["TeslaM40", "A800", "TeslaM40"], "dcu": null});
    assert_eq!(
        groups(&by_name).unwrap(),
        vec![
            ("gpu".to_string(), "TeslaM40".to_string()),
            ("gpu".to_string(), "A800".to_string())
        ]
    );
    let by_object = json!({"dcu": [{"resourceGroup": "K100"}, {"name": "Z100"}], "cpu": "c1"});
    assert_eq!(
        groups(&by_object).unwrap(),
        vec![
            ("cpu".to_string(), "c1".to_string()),
            ("dcu".to_string(), "K100".to_string()),
            ("dcu".to_string(), "Z100".to_string())
        ]
    );
    let as_list = json!([{"acceleratorType": "mlu", "resourceGroup": "MLU370"}]);
    assert_eq!(
        groups(&as_list).unwrap(),
        vec![("mlu".to_string(), "MLU370".to_string())]
    );
    assert!(groups(&Value::Null).unwrap().is_empty());
    // An entry without a name or type is dropped alone now, so the others are kept
    // (see group_entries_without_a_name_are_dropped_alone); only an answer of
    // another shape is an error.
    let mut log = DecodeLog::default();
    assert!(parse_groups(&json!({"gpu": [42]}), &mut log)
        .unwrap()
        .is_empty());
    assert!(parse_groups(&json!([{"resourceGroup": "x"}]), &mut log)
        .unwrap()
        .is_empty());
    assert_eq!(log.errors().len(), 2);
    assert!(parse_groups(&json!("gpu"), &mut log).is_err());
}

fn centers(v: Value) -> Vec<CenterDto> {
    parse_centers(&v, &mut DecodeLog::default()).unwrap()
}

#[test]
fn only_enabled_ai_urls_of_the_region_are_used() {
    let list = centers(json!([
        {"id": "11112", "name": "a", "aiUrls": [
            {"url": "https://down.example:65106", "enable": "false"},
            {"url": "https://up.example:65106/ai", "enable": "true"},
            {"url": "https://bool.example", "enable": true},
            {"url": "https://unflagged.example"}
        ]},
        {"id": "11250", "name": "b", "aiUrls": [{"url": "https://other.example", "enable": "true"}]}
    ]));
    assert_eq!(
        enabled_ai_urls(&list, "11112"),
        [
            "https://up.example:65106/ai",
            "https://bool.example",
            "https://unflagged.example"
        ]
    );
    // An answer that does not say which region an entry is: all entries.
    let one = centers(json!({"aiUrls": [{"url": "https://x.example", "enable": "true"}]}));
    assert_eq!(enabled_ai_urls(&one, "11112"), ["https://x.example"]);
    assert!(enabled_ai_urls(&centers(json!([{"id": "1"}])), "1").is_empty());
    assert!(centers(Value::Null).is_empty());
}

#[test]
fn ai_base_drops_the_ai_suffix() {
    for (raw, want) in [
        (
            "https://api01.example.com:65106",
            "https://api01.example.com:65106/",
        ),
        (
            "https://api01.example.com:65106/",
            "https://api01.example.com:65106/",
        ),
        (
            "https://api01.example.com:65106/ai",
            "https://api01.example.com:65106/",
        ),
        (
            "https://api01.example.com:65106/ai/",
            "https://api01.example.com:65106/",
        ),
        ("https://gw.example/sugon/ai", "https://gw.example/sugon"),
        ("http://127.0.0.1:9/aiserver", "http://127.0.0.1:9/aiserver"),
    ] {
        let base = ai_base(raw).unwrap();
        assert_eq!(base.as_str(), want, "{raw}");
    }
    let url = join(
        &ai_base("https://gw.example/sugon/ai").unwrap(),
        "/ai/openapi/v2/x",
    );
    assert_eq!(url.as_str(), "https://gw.example/sugon/ai/openapi/v2/x");
    let url = join(
        &ai_base("https://h.example/ai").unwrap(),
        "/ai/openapi/v2/x",
    );
    assert_eq!(url.as_str(), "https://h.example/ai/openapi/v2/x");
    assert!(ai_base("ftp://h.example").is_err());
    assert!(ai_base("not a url").is_err());
    // hpcUrls entries come with and without their `/hpc` suffix (scnet-cli
    // joins both to one `…/hpc/openapi/v2/…`); only the service's own suffix
    // is dropped.
    for raw in [
        "https://h.example/hpc",
        "https://h.example/hpc/",
        "https://h.example",
    ] {
        let url = join(
            &service_base(raw, "hpc").unwrap(),
            "/hpc/openapi/v2/cluster",
        );
        assert_eq!(
            url.as_str(),
            "https://h.example/hpc/openapi/v2/cluster",
            "{raw}"
        );
    }
    assert_eq!(
        service_base("https://h.example/ai", "hpc")
            .unwrap()
            .as_str(),
        "https://h.example/ai"
    );
}

#[test]
fn envelope_codes_as_text_or_number() {
    let e: Envelope = serde_json::from_str(r#"{"code":10008,"msg":"x","data":null}"#).unwrap();
    assert_eq!(e.code.as_deref(), Some("10008"));
    let e: Envelope = serde_json::from_str(r#"{"msg":"x"}"#).unwrap();
    assert_eq!(e.code, None);
    assert!(e.data.is_null());
}
