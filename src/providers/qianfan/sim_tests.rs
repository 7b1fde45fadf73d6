//! The simulator's Qianfan tests that drive it with the exporter's own request
//! code (its signer), so that what the simulator accepts is what the exporter
//! sends. They live on the exporter's side because the simulator crate does not
//! depend on the exporter.

use super::client::{authorization, request_headers};
use aipool_sim::qianfan::{
    Qianfan, FORBIDDEN_SERVICE, MALFORMED_SERVICE, PROTOCOL_2_SERVICE, ROUTE_COMPUTE_UNIT,
    ROUTE_SERVICE, ROUTE_SERVICE_RESOURCES, SEED_SERVICE,
};
use aipool_sim::{credentials, Options, Platform, SimRequest};
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{json, Value};

/// A request signed as the exporter signs it, with `sk`.
fn signed(route: &str, action: &str, body: Value, sk: &str) -> SimRequest {
    let body = serde_json::to_vec(&body).unwrap();
    let now = aipool_sim::now_secs();
    let headers = request_headers("127.0.0.1:1", body.len(), now, None);
    let auth = authorization(
        credentials::BCE_ACCESS_KEY_ID,
        sk,
        route,
        action,
        &headers,
        now,
    );
    let mut h = HeaderMap::new();
    for (k, v) in headers.iter().chain([&("authorization".to_string(), auth)]) {
        h.insert(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    SimRequest {
        method: "POST".into(),
        path: route.into(),
        query: vec![("Action".into(), action.into())],
        headers: h,
        body: body.into(),
        clock_skew_ms: 0,
    }
}

fn call(sim: &Qianfan, route: &str, action: &str, body: Value) -> (u16, Value) {
    let r = sim
        .handle(&signed(
            route,
            action,
            body,
            credentials::BCE_SECRET_ACCESS_KEY,
        ))
        .expect("claimed");
    (r.status, serde_json::from_slice(&r.body).unwrap())
}

fn sim(cap: u64) -> Qianfan {
    Qianfan::new(Options::fixed(cap))
}

#[test]
fn services_page_by_marker_within_the_cap() {
    let s = sim(2);
    let (st, v) = call(
        &s,
        ROUTE_SERVICE,
        "DescribeServices",
        json!({"maxKeys": 100}),
    );
    assert_eq!(st, 200);
    let r = &v["result"];
    assert_eq!(r["serviceList"].as_array().unwrap().len(), 2);
    assert_eq!(r["pageInfo"]["maxKeys"], 2);
    assert_eq!(r["pageInfo"]["isTruncated"], true);
    assert_eq!(r["pageInfo"]["nextMarker"], "svco-9q4embed03");
    let (_, v) = call(
        &s,
        ROUTE_SERVICE,
        "DescribeServices",
        json!({"maxKeys": 100, "marker": "svco-9q4embed03"}),
    );
    let r = &v["result"];
    assert_eq!(r["serviceList"][0]["serviceId"], "svco-9q4embed03");
    assert_eq!(r["pageInfo"]["isTruncated"], false);
    assert_eq!(r["pageInfo"]["nextMarker"], "");
    let (st, v) = call(
        &s,
        ROUTE_SERVICE,
        "DescribeServices",
        json!({"marker": "nope"}),
    );
    assert_eq!((st, v["code"].as_str()), (400, Some("InvalidMarker")));
}

/// The doc page "获取定制服务列表" (DescribeServices): `protocolVersion` is 1
/// by default, and a service made under protocol 2 is listed only when the
/// body asks for 2.
#[test]
fn protocol_2_services_are_listed_only_when_asked_for() {
    let s = sim(100);
    let ids = |body: Value| -> Vec<String> {
        let (st, v) = call(&s, ROUTE_SERVICE, "DescribeServices", body);
        assert_eq!(st, 200, "{v}");
        v["result"]["serviceList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["serviceId"].as_str().unwrap().to_string())
            .collect()
    };
    let default = ids(json!({"maxKeys": 100}));
    assert_eq!(ids(json!({"maxKeys": 100, "protocolVersion": 1})), default);
    assert_eq!(default.len(), 3);
    assert!(!default.contains(&PROTOCOL_2_SERVICE.to_string()));
    assert_eq!(
        ids(json!({"maxKeys": 100, "protocolVersion": 2})),
        [PROTOCOL_2_SERVICE]
    );
    let (st, v) = call(
        &s,
        ROUTE_SERVICE,
        "DescribeServices",
        json!({"protocolVersion": 3}),
    );
    assert_eq!((st, v["code"].as_str()), (400, Some("InvalidParameter")));
    // Its compute units answer like any service's.
    let (_, v) = call(
        &s,
        ROUTE_SERVICE_RESOURCES,
        "DescribeComputeUnits",
        json!({"serviceId": PROTOCOL_2_SERVICE}),
    );
    assert_eq!(v["result"]["instances"][0]["replicasCount"], 5);
}

#[test]
fn preset_services_all_or_by_id() {
    let s = sim(1);
    let (_, v) = call(&s, ROUTE_SERVICE, "DescribePresetServices", json!({}));
    assert_eq!(v["result"]["serviceList"].as_array().unwrap().len(), 2);
    let (_, v) = call(
        &s,
        ROUTE_SERVICE,
        "DescribePresetServices",
        json!({"serviceIds": ["svcp-speeddemo"]}),
    );
    let list = v["result"]["serviceList"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["name"], "ERNIE-Speed-8K");
}

#[test]
fn compute_units_filtered_by_payment_timing() {
    let s = sim(100);
    let (_, v) = call(
        &s,
        ROUTE_SERVICE_RESOURCES,
        "DescribeComputeUnits",
        json!({"serviceId": "svco-7k2mchat01"}),
    );
    assert_eq!(v["result"]["instances"].as_array().unwrap().len(), 2);
    let (_, v) = call(
        &s,
        ROUTE_SERVICE_RESOURCES,
        "DescribeComputeUnits",
        json!({"serviceId": "svco-7k2mchat01", "paymentTiming": "Postpaid"}),
    );
    let list = v["result"]["instances"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["instanceId"], "cu-support-01");
    let (_, v) = call(
        &s,
        ROUTE_SERVICE_RESOURCES,
        "DescribeComputeUnits",
        json!({"serviceId": SEED_SERVICE}),
    );
    assert_eq!(v["result"]["instances"][0]["replicasCount"], 5);
}

#[test]
fn the_malformed_service_is_served_but_never_listed() {
    let s = sim(100);
    let (_, v) = call(
        &s,
        ROUTE_SERVICE_RESOURCES,
        "DescribeComputeUnits",
        json!({"serviceId": MALFORMED_SERVICE}),
    );
    let list = v["result"]["instances"].as_array().unwrap();
    assert_eq!(list.len(), 6);
    assert_eq!(list[1]["replicasCount"], "abc");
    assert_eq!(list[5], "not an instance");
    let (_, custom) = call(&s, ROUTE_SERVICE, "DescribeServices", json!({}));
    let (_, preset) = call(&s, ROUTE_SERVICE, "DescribePresetServices", json!({}));
    for v in [custom, preset] {
        let ids = v["result"]["serviceList"].as_array().unwrap();
        assert!(!ids.iter().any(|s| s["serviceId"] == MALFORMED_SERVICE));
    }
}

#[test]
fn errors_in_both_shapes_inside_a_200() {
    let s = sim(100);
    let (st, v) = call(
        &s,
        ROUTE_SERVICE_RESOURCES,
        "DescribeComputeUnits",
        json!({"serviceId": FORBIDDEN_SERVICE}),
    );
    assert_eq!((st, v["error_code"].as_u64()), (200, Some(6)));
    let (st, v) = call(
        &s,
        ROUTE_SERVICE_RESOURCES,
        "DescribeComputeUnits",
        json!({"serviceId": "svco-unknown"}),
    );
    assert_eq!((st, v["code"].as_str()), (200, Some("ServiceNotFound")));
}

#[test]
fn a_bad_signature_or_tampered_body_is_refused() {
    let s = sim(100);
    let r = s
        .handle(&signed(
            ROUTE_SERVICE,
            "DescribeServices",
            json!({}),
            "wrong-secret",
        ))
        .unwrap();
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        (r.status, v["code"].as_str()),
        (400, Some("SignatureDoesNotMatch"))
    );
    // content-length is signed: a body of another length does not verify.
    let mut req = signed(
        ROUTE_SERVICE_RESOURCES,
        "DescribeComputeUnits",
        json!({"serviceId": "x"}),
        credentials::BCE_SECRET_ACCESS_KEY,
    );
    req.headers
        .insert("content-length", HeaderValue::from_static("99"));
    let r = s.handle(&req).unwrap();
    assert_eq!(r.status, 400);
}

#[test]
fn paths_of_other_platforms_are_not_claimed() {
    let s = sim(100);
    let mut req = signed(ROUTE_SERVICE, "DescribeServices", json!({}), "x");
    for path in [
        "/",
        "/api/aihc/aihc-service/v3/queues",
        "/v2/services",
        "/v2",
    ] {
        req.path = path.into();
        assert!(s.handle(&req).is_none(), "{path}");
    }
    req.path = ROUTE_COMPUTE_UNIT.into();
    assert!(s.handle(&req).is_some());
}
