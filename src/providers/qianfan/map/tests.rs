//! Mapping tests on the seed example (`tests/fixtures/seeds/002_…`, kept verbatim in
//! `src/simulator/fixtures/qianfan_compute_units.json`).

use super::*;
use crate::providers::qianfan::dto::{ComputeUnitsResult, Envelope, ServicesResult};

const SEED: &str = include_str!("../../../simulator/fixtures/qianfan_compute_units.json");

fn instances(json: &str) -> Vec<InstanceDto> {
    let env: Envelope<ComputeUnitsResult> = serde_json::from_str(json).unwrap();
    env.result.unwrap().instances.unwrap()
}

#[test]
fn the_seed_example_maps_to_one_running_unit() {
    let list = instances(SEED);
    assert_eq!(list.len(), 1);
    let cu = map_instance("svco-48exxxa594", &list[0], None).unwrap();
    assert_eq!(
        cu,
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
}

#[test]
fn a_creating_instance_has_no_times() {
    let list = instances(
        r#"{"result":{"instances":[{"instanceId":"cu-new","paymentTiming":"Postpaid",
            "replicasCount":"2","status":"Creating","startTime":"","expiredTime":""}]}}"#,
    );
    let cu = map_instance("svco-1", &list[0], None).unwrap();
    assert_eq!(cu.status, "Creating");
    assert_eq!(cu.replicas, Some(2.0));
    assert_eq!(cu.start_timestamp, None);
    assert_eq!(cu.expiry_timestamp, None);
}

#[test]
fn absent_fields_give_no_values_not_zeros() {
    let list = instances(r#"{"result":{"instances":[{"instanceId":"cu-bare"}]}}"#);
    let cu = map_instance("svco-1", &list[0], None).unwrap();
    assert_eq!(
        (cu.replicas, cu.start_timestamp, cu.expiry_timestamp),
        (None, None, None)
    );
    assert_eq!((cu.payment_timing.as_str(), cu.status.as_str()), ("", ""));
    // The filter the request used names the payment timing when the instance does not.
    let cu = map_instance("svco-1", &list[0], Some("Postpaid")).unwrap();
    assert_eq!(cu.payment_timing, "Postpaid");
}

#[test]
fn china_time_offsets_are_honoured() {
    let list = instances(
        r#"{"result":{"instances":[{"instanceId":"cu-cst","status":"Running","replicasCount":1,
            "startTime":"2024-04-01T18:00:00+08:00","expiredTime":"2024-05-01T18:00:00+08:00"}]}}"#,
    );
    let cu = map_instance("svco-1", &list[0], None).unwrap();
    assert_eq!(cu.start_timestamp, Some(1_711_965_600.0));
    assert_eq!(cu.expiry_timestamp, Some(1_714_557_600.0));
}

#[test]
fn numeric_states_get_their_documented_names() {
    for (code, name) in [(1, "Creating"), (2, "Running"), (3, "Deleted"), (9, "9")] {
        let json =
            format!(r#"{{"result":{{"instances":[{{"instanceId":"i","status":{code}}}]}}}}"#);
        let cu = map_instance("s", &instances(&json)[0], None).unwrap();
        assert_eq!(cu.status, name);
    }
}

#[test]
fn bad_values_name_the_field() {
    let list = instances(
        r#"{"result":{"instances":[{"instanceId":"cu-1","expiredTime":"next Tuesday"}]}}"#,
    );
    let e = map_instance("svco-9", &list[0], None).unwrap_err();
    assert_eq!(e.context, "service svco-9 instance cu-1 expiredTime");
    assert!(e.reason.contains("next Tuesday"), "{e}");

    let list =
        instances(r#"{"result":{"instances":[{"instanceId":"cu-1","replicasCount":"many"}]}}"#);
    let e = map_instance("svco-9", &list[0], None).unwrap_err();
    assert_eq!(e.context, "service svco-9 instance cu-1 replicasCount");

    let list = instances(r#"{"result":{"instances":[{"instanceId":" ","replicasCount":1}]}}"#);
    let e = map_instance("svco-9", &list[0], None).unwrap_err();
    assert!(e.to_string().contains("no instanceId"), "{e}");
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
    let s = map_service(&r.service_list.unwrap()[0]).unwrap();
    assert_eq!(
        s,
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

    let e = map_service(&ServiceDto {
        service_id: None,
        name: Some("orphan".into()),
    })
    .unwrap_err();
    assert!(e.to_string().contains("orphan") && e.to_string().contains("no serviceId"));
}
