//! Mapping tests on the seed example (`tests/fixtures/seeds/002_…`, kept verbatim in
//! `crates/aipool-sim/fixtures/qianfan_compute_units.json`).

use super::*;
use crate::providers::qianfan::client::{API_PRESET_SERVICES, API_SERVICES};
use crate::providers::qianfan::dto::{ComputeUnitsResult, Envelope, ServicesResult};
use crate::providers::upstream::decode::DecodeReason;

const SEED: &str =
    include_str!("../../../../crates/aipool-sim/fixtures/qianfan_compute_units.json");

fn instances(json: &str) -> Vec<Lenient<InstanceDto>> {
    let env: Envelope<ComputeUnitsResult> = serde_json::from_str(json).unwrap();
    env.result.unwrap().instances.unwrap()
}

/// Maps every instance of `json` for `service_id`; the log must stay empty.
fn units(service_id: &str, json: &str, timing: Option<&str>) -> Vec<ComputeUnit> {
    let mut log = DecodeLog::default();
    let out = map_instances(service_id, instances(json), timing, &mut log);
    assert!(log.is_empty(), "{:?}", log.errors());
    out
}

/// The seed's one instance, as the seed gives it.
fn seed_unit(service_id: &str) -> ComputeUnit {
    ComputeUnit {
        service_id: service_id.into(),
        instance_id: "a0085162xxx9d19e58e".into(),
        payment_timing: "Prepaid".into(),
        status: "Running".into(),
        replicas: Some(5.0),
        // 2024-04-01T10:00:00Z and 2024-05-01T10:00:00Z.
        start_timestamp: Some(1_711_965_600.0),
        expiry_timestamp: Some(1_714_557_600.0),
    }
}

/// The seed's instance object, as JSON.
fn seed_instance() -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(SEED).unwrap();
    v["result"]["instances"][0].clone()
}

#[test]
fn the_seed_example_maps_to_one_running_unit() {
    let list = units("svco-48exxxa594", SEED, None);
    assert_eq!(list.len(), 1);
    assert_eq!(
        list[0],
        ComputeUnit {
            service_id: "svco-48exxxa594".into(),
            instance_id: "a0085162xxx9d19e58e".into(),
            payment_timing: "Prepaid".into(),
            status: "Running".into(),
            replicas: Some(5.0),
            // 2024-04-01T10:00:00Z and 2024-05-01T10:00:00Z.
            start_timestamp: Some(1_711_965_600.0),
            expiry_timestamp: Some(1_714_557_600.0),
        }
    );
    assert_eq!(list[0], seed_unit("svco-48exxxa594"));
}

#[test]
fn a_creating_instance_has_no_times() {
    let list = units(
        "svco-1",
        r#"{"result":{"instances":[{"instanceId":"cu-new","paymentTiming":"Postpaid",
            "replicasCount":"2","status":"Creating","startTime":"","expiredTime":""}]}}"#,
        None,
    );
    let cu = &list[0];
    assert_eq!(cu.status, "Creating");
    assert_eq!(cu.replicas, Some(2.0));
    assert_eq!(cu.start_timestamp, None);
    assert_eq!(cu.expiry_timestamp, None);
}

#[test]
fn absent_fields_give_no_values_not_zeros() {
    let bare = r#"{"result":{"instances":[{"instanceId":"cu-bare"}]}}"#;
    let cu = &units("svco-1", bare, None)[0];
    assert_eq!(
        (cu.replicas, cu.start_timestamp, cu.expiry_timestamp),
        (None, None, None)
    );
    assert_eq!((cu.payment_timing.as_str(), cu.status.as_str()), ("", ""));
    // The filter the request used names the payment timing when the instance does not.
    let cu = &units("svco-1", bare, Some("Postpaid"))[0];
    assert_eq!(cu.payment_timing, "Postpaid");
}

#[test]
fn china_time_offsets_are_honoured() {
    let list = units(
        "svco-1",
        r#"{"result":{"instances":[{"instanceId":"cu-cst","status":"Running","replicasCount":1,
            "startTime":"2024-04-01T18:00:00+08:00","expiredTime":"2024-05-01T18:00:00+08:00"}]}}"#,
        None,
    );
    let cu = &list[0];
    assert_eq!(cu.start_timestamp, Some(1_711_965_600.0));
    assert_eq!(cu.expiry_timestamp, Some(1_714_557_600.0));
}

#[test]
fn numeric_states_get_their_documented_names() {
    for (code, name) in [(1, "Creating"), (2, "Running"), (3, "Deleted"), (9, "9")] {
        let json =
            format!(r#"{{"result":{{"instances":[{{"instanceId":"i","status":{code}}}]}}}}"#);
        let cu = &units("s", &json, None)[0];
        assert_eq!(cu.status, name);
    }
}

/// A bad value no longer fails the mapping; it loses only its own
/// field (recorded, naming the object and field), and an instance without an
/// id is dropped alone.
#[test]
fn bad_values_name_the_field() {
    let mut log = DecodeLog::default();
    let list = instances(
        r#"{"result":{"instances":[{"instanceId":"cu-1","expiredTime":"next Tuesday"}]}}"#,
    );
    let cu = map_instances("svco-9", list, None, &mut log);
    assert_eq!(cu.len(), 1);
    assert_eq!(cu[0].expiry_timestamp, None);
    let e = &log.errors()[0];
    assert_eq!(
        (e.object.as_str(), e.field.as_str()),
        ("service svco-9 instance cu-1", "expiredTime")
    );
    assert_eq!(e.reason, DecodeReason::NotANumber);
    assert!(e.detail.contains("next Tuesday"), "{e}");

    let mut log = DecodeLog::default();
    let list =
        instances(r#"{"result":{"instances":[{"instanceId":"cu-1","replicasCount":"many"}]}}"#);
    let cu = map_instances("svco-9", list, None, &mut log);
    assert_eq!(cu[0].replicas, None);
    let e = &log.errors()[0];
    assert_eq!(
        (e.object.as_str(), e.field.as_str()),
        ("service svco-9 instance cu-1", "replicasCount")
    );

    let mut log = DecodeLog::default();
    let list = instances(r#"{"result":{"instances":[{"instanceId":" ","replicasCount":1}]}}"#);
    assert!(map_instances("svco-9", list, None, &mut log).is_empty());
    let e = &log.errors()[0];
    assert_eq!(e.reason, DecodeReason::MalformedObject);
    assert_eq!(e.object, "service svco-9 instance #0");
    assert!(e.to_string().contains("no instanceId"), "{e}");
}

/// One malformed field of one instance, beside the seed's instance and a
/// second good one: only that field is absent, its reason is recorded, and
/// every other field and object is exactly what the seed says.
#[test]
fn each_malformed_field_loses_only_itself() {
    use serde_json::json;
    // (value, the reason recorded; None: "not reported", no error).
    let cases: [(serde_json::Value, Option<DecodeReason>); 7] = [
        (json!("abc"), Some(DecodeReason::NotANumber)),
        (json!(""), None),
        (json!(null), None),
        (json!("NaN"), Some(DecodeReason::NotANumber)),
        (json!("-1"), Some(DecodeReason::Negative)),
        (json!("1e400"), Some(DecodeReason::NotFinite)),
        (json!({"count": 2}), Some(DecodeReason::NotANumber)),
    ];
    let good = json!({"instanceId": "cu-good", "paymentTiming": "Postpaid", "replicasCount": 2,
        "status": "Running", "startTime": "2025-03-01T18:00:00+08:00", "expiredTime": ""});
    let good_unit = ComputeUnit {
        service_id: "svco-1".into(),
        instance_id: "cu-good".into(),
        payment_timing: "Postpaid".into(),
        status: "Running".into(),
        replicas: Some(2.0),
        start_timestamp: Some(1_740_823_200.0), // 2025-03-01T10:00:00Z
        expiry_timestamp: None,
    };
    // A time is no number: every malformed one is not_a_number; "" and null
    // are "not given", as for an instance still Creating.
    let time_reason = |r: Option<DecodeReason>| r.map(|_| DecodeReason::NotANumber);
    for field in ["replicasCount", "startTime", "expiredTime"] {
        for (value, reason) in &cases {
            let mut bad = seed_instance();
            bad["instanceId"] = json!("cu-bad");
            bad[field] = value.clone();
            let body = json!({"result": {"instances": [seed_instance(), bad, good.clone()]}});
            let mut log = DecodeLog::default();
            let got = map_instances("svco-1", instances(&body.to_string()), None, &mut log);
            let what = format!("{field} = {value}");
            assert_eq!(got.len(), 3, "{what}");
            assert_eq!(got[0], seed_unit("svco-1"), "{what}");
            assert_eq!(got[2], good_unit, "{what}");
            // The bad one is the seed's instance but for that one field.
            let mut want = seed_unit("svco-1");
            want.instance_id = "cu-bad".into();
            match field {
                "replicasCount" => want.replicas = None,
                "startTime" => want.start_timestamp = None,
                _ => want.expiry_timestamp = None,
            }
            assert_eq!(got[1], want, "{what}");
            let want_reason = if field == "replicasCount" {
                *reason
            } else {
                time_reason(*reason)
            };
            let recorded: Vec<(&str, &str, DecodeReason)> = log
                .errors()
                .iter()
                .map(|e| (e.object.as_str(), e.field.as_str(), e.reason))
                .collect();
            match want_reason {
                Some(r) => assert_eq!(
                    recorded,
                    [("service svco-1 instance cu-bad", field, r)],
                    "{what}"
                ),
                None => assert!(recorded.is_empty(), "{what}: {recorded:?}"),
            }
            assert!(log.errors().iter().all(|e| e.api == API_COMPUTE_UNITS));
        }
    }
}

#[test]
fn malformed_elements_and_labels_lose_only_themselves() {
    let body = format!(
        r#"{{"result":{{"instances":[{seed},"not an object",{{"instanceId":7,"replicasCount":1}},
            {{"replicasCount":3}},{{"instanceId":"cu-labels","paymentTiming":{{"x":1}},
            "status":[1],"replicasCount":"4","startTime":12345}},{seed}]}}}}"#,
        seed = seed_instance()
    );
    let mut log = DecodeLog::default();
    let got = map_instances("svco-1", instances(&body), Some("Prepaid"), &mut log);
    assert_eq!(got.len(), 3);
    assert_eq!(got[0], seed_unit("svco-1"));
    assert_eq!(got[2], seed_unit("svco-1"));
    // Unreadable labels are empty (the filter still names the timing), the
    // count is kept, the time given as a number is refused.
    assert_eq!(
        got[1],
        ComputeUnit {
            service_id: "svco-1".into(),
            instance_id: "cu-labels".into(),
            payment_timing: "Prepaid".into(),
            status: String::new(),
            replicas: Some(4.0),
            start_timestamp: None,
            expiry_timestamp: None,
        }
    );
    let recorded: Vec<(&str, &str, DecodeReason)> = log
        .errors()
        .iter()
        .map(|e| (e.object.as_str(), e.field.as_str(), e.reason))
        .collect();
    assert_eq!(
        recorded,
        [
            (
                "service svco-1 instance #1",
                "",
                DecodeReason::MalformedObject
            ),
            (
                "service svco-1 instance 7 (#2)",
                "",
                DecodeReason::MalformedObject
            ),
            (
                "service svco-1 instance #3",
                "",
                DecodeReason::MalformedObject
            ),
            (
                "service svco-1 instance cu-labels",
                "paymentTiming",
                DecodeReason::NotANumber
            ),
            (
                "service svco-1 instance cu-labels",
                "status",
                DecodeReason::NotANumber
            ),
            (
                "service svco-1 instance cu-labels",
                "startTime",
                DecodeReason::NotANumber
            ),
        ]
    );
}

#[test]
fn malformed_services_are_dropped_alone() {
    let page: Envelope<ServicesResult> = serde_json::from_str(
        r#"{"result":{"serviceList":[{"serviceId":"svco-a","name":"chat-a"},{"serviceId":""},
            {"serviceId":{"id":1},"name":"x"},42,{"name":"orphan"},{"serviceId":"svco-b","name":7},
            {"serviceId":" svco-c ","name":"chat-c"}]}}"#,
    )
    .unwrap();
    let mut log = DecodeLog::default();
    let list = page.result.unwrap().service_list.unwrap();
    let got = map_services(API_PRESET_SERVICES, list, &mut log);
    let svc = |id: &str, name: &str| Service {
        id: id.into(),
        name: name.into(),
    };
    assert_eq!(
        got,
        [
            svc("svco-a", "chat-a"),
            svc("svco-b", ""),
            svc("svco-c", "chat-c")
        ]
    );
    let recorded: Vec<(&str, &str, DecodeReason)> = log
        .errors()
        .iter()
        .map(|e| (e.object.as_str(), e.field.as_str(), e.reason))
        .collect();
    assert_eq!(
        recorded,
        [
            ("service #2", "", DecodeReason::MalformedObject),
            ("service #3", "", DecodeReason::MalformedObject),
            ("service #1", "", DecodeReason::MalformedObject),
            ("service #4 \"orphan\"", "", DecodeReason::MalformedObject),
            ("service svco-b", "name", DecodeReason::NotANumber),
        ]
    );
    assert!(log.errors().iter().all(|e| e.api == API_PRESET_SERVICES));
}

#[test]
fn an_empty_or_absent_result_has_no_instances() {
    for json in [
        r#"{"requestId":"r"}"#,
        r#"{"requestId":"r","result":null}"#,
        r#"{"requestId":"r","result":{}}"#,
        r#"{"requestId":"r","result":{"instances":[]}}"#,
    ] {
        let env: Envelope<ComputeUnitsResult> = serde_json::from_str(json).unwrap();
        let n = env.result.and_then(|r| r.instances).map_or(0, |l| l.len());
        assert_eq!(n, 0, "{json}");
    }
}

#[test]
fn services_and_their_paging() {
    let page: Envelope<ServicesResult> = serde_json::from_str(
        r#"{"requestId":"r","result":{"pageInfo":{"marker":"","maxKeys":1,"isTruncated":true,
            "nextMarker":"svco-b"},"serviceList":[{"serviceId":"svco-a","name":"chat-a","runStatus":"Serving"}]}}"#,
    )
    .unwrap();
    let r = page.result.unwrap();
    assert_eq!(r.next(), (true, Some("svco-b")));
    let mut log = DecodeLog::default();
    let s = &map_services(API_SERVICES, r.service_list.unwrap(), &mut log)[0];
    assert!(log.is_empty());
    assert_eq!(
        *s,
        Service {
            id: "svco-a".into(),
            name: "chat-a".into()
        }
    );

    // Paging fields directly in `result`, and the last page.
    let flat: Envelope<ServicesResult> = serde_json::from_str(
        r#"{"result":{"isTruncated":true,"nextMarker":"m2","serviceList":[]}}"#,
    )
    .unwrap();
    assert_eq!(flat.result.unwrap().next(), (true, Some("m2")));
    let last: Envelope<ServicesResult> = serde_json::from_str(
        r#"{"result":{"pageInfo":{"isTruncated":false,"nextMarker":""},"serviceList":[]}}"#,
    )
    .unwrap();
    assert_eq!(last.result.unwrap().next(), (false, None));
    // Preset services: no paging at all.
    let preset: Envelope<ServicesResult> = serde_json::from_str(
        r#"{"result":{"serviceList":[{"serviceId":"svco-p","name":"ERNIE"}]}}"#,
    )
    .unwrap();
    assert_eq!(preset.result.unwrap().next(), (false, None));

    let mut log = DecodeLog::default();
    let dto = ServiceDto {
        service_id: None,
        name: Some(Text::Str("orphan".into())),
    };
    assert_eq!(map_service(API_SERVICES, 0, &dto, &mut log), None);
    let e = log.errors()[0].to_string();
    assert!(e.contains("orphan") && e.contains("no serviceId"), "{e}");
}
