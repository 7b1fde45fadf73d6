//! Errors in 200 bodies, malformed compute units and failing calls cost
//! only the part they touch.

use super::*;

/// Errors inside an HTTP 200 body are failures of their call. A
/// service's compute units fail alone, so the readable service beside a
/// forbidden one is published and the account stays up; an account none of
/// whose configured services answers fails its poll.
#[test]
fn errors_inside_a_200_body_fail_their_call() {
    let (_sim, sim) = simulator(100);
    let text = format!(
        "{}{}{}",
        // `{error_code: 6, error_msg}`: no permission, so auth.
        config(
            &sim,
            "forbidden",
            credentials::BCE_SECRET_ACCESS_KEY,
            r#"service_ids = ["svco-48exxxa594", "svco-forbidden"]"#
        ),
        // The same, as the account's only service: the poll fails (and its
        // error is logged by the poller).
        config(
            &sim,
            "forbidden-only",
            credentials::BCE_SECRET_ACCESS_KEY,
            r#"service_ids = ["svco-forbidden"]"#
        ),
        // `{requestId, code: "ServiceNotFound", message}`: an upstream error.
        config(
            &sim,
            "unknown",
            credentials::BCE_SECRET_ACCESS_KEY,
            r#"service_ids = ["svco-nope"]"#
        )
    );
    let (exp, addr) = exporter(&text, &[]);
    let m = scrape(&addr);
    let forbidden = ("account", "forbidden");
    assert_eq!(m.value("aipool_up", &[forbidden]), 1.0);
    assert_eq!(
        m.value(
            "aipool_api_request_failures_total",
            &[
                forbidden,
                ("api", "DescribeComputeUnits"),
                ("reason", "auth")
            ]
        ),
        1.0
    );
    // The readable service's unit is published, exactly; nothing of the
    // forbidden one.
    let seed = [forbidden, ("instance_id", SEED_INSTANCE)];
    assert_eq!(m.value("aipool_compute_unit_replicas", &seed), 5.0);
    assert_eq!(m.find("aipool_compute_unit_info", &[forbidden]).len(), 1);
    assert!(!m.has(
        "aipool_compute_unit_info",
        &[forbidden, ("service_id", "svco-forbidden")]
    ));
    let unknown = ("account", "unknown");
    assert_eq!(m.value("aipool_up", &[unknown]), 0.0);
    assert_eq!(
        m.value(
            "aipool_api_request_failures_total",
            &[
                unknown,
                ("api", "DescribeComputeUnits"),
                ("reason", "upstream_error")
            ]
        ),
        1.0
    );
    assert_eq!(
        m.value("aipool_polls_total", &[unknown, ("result", "failure")]),
        1.0
    );
    let only = ("account", "forbidden-only");
    assert_eq!(m.value("aipool_up", &[only]), 0.0);
    assert_eq!(
        m.value(
            "aipool_api_request_failures_total",
            &[only, ("api", "DescribeComputeUnits"), ("reason", "auth")]
        ),
        1.0
    );
    let log = exp.stderr();
    assert!(log.contains("No permission to access data"), "{log}");
    assert!(log.contains("ServiceNotFound"), "{log}");
}

/// Compute units that do not decode are left out alone, beside
/// good ones whose values are exact; each is counted by API and reason.
#[test]
fn malformed_compute_units_lose_only_themselves() {
    let (_sim, sim) = simulator(100);
    let (exp, addr) = exporter(
        &config(
            &sim,
            "qf",
            credentials::BCE_SECRET_ACCESS_KEY,
            r#"service_ids = ["svco-malformed", "svco-48exxxa594"]"#,
        ),
        &[],
    );
    let m = scrape(&addr);
    let acc = ("account", "qf");
    assert_eq!(m.value("aipool_up", &[acc]), 1.0, "{}", exp.stderr());

    // The seed's unit and the malformed service's good one, exactly.
    let seed = [acc, ("instance_id", SEED_INSTANCE)];
    assert_eq!(m.value("aipool_compute_unit_replicas", &seed), 5.0);
    assert_eq!(
        m.value("aipool_compute_unit_start_timestamp_seconds", &seed),
        1_711_965_600.0
    );
    assert_eq!(
        m.value("aipool_compute_unit_expiry_timestamp_seconds", &seed),
        1_714_557_600.0
    );
    let good = [
        acc,
        ("service_id", "svco-malformed"),
        ("instance_id", "cu-mal-good"),
    ];
    assert_eq!(m.value("aipool_compute_unit_replicas", &good), 6.0);
    assert_eq!(
        m.value("aipool_compute_unit_start_timestamp_seconds", &good),
        1_735_689_600.0 // 2025-01-01T00:00:00Z
    );
    assert_eq!(
        m.value("aipool_compute_unit_expiry_timestamp_seconds", &good),
        1_767_225_600.0 // 2026-01-01T00:00:00Z
    );

    // replicasCount "abc": the unit and its times stay, the replicas go.
    let abc = [acc, ("instance_id", "cu-mal-replicas")];
    assert_eq!(
        m.value(
            "aipool_compute_unit_info",
            &[
                abc[0],
                abc[1],
                ("service_id", "svco-malformed"),
                ("payment_timing", "Prepaid"),
                ("status", "Running")
            ]
        ),
        1.0
    );
    assert!(!m.has("aipool_compute_unit_replicas", &abc));
    assert_eq!(
        m.value("aipool_compute_unit_start_timestamp_seconds", &abc),
        1_738_368_000.0 // 2025-02-01T08:00:00+08:00 = 00:00Z
    );
    assert_eq!(
        m.value("aipool_compute_unit_expiry_timestamp_seconds", &abc),
        1_769_904_000.0 // 2026-02-01T00:00:00Z
    );
    // replicasCount "-1": no count at all.
    let negative = [acc, ("instance_id", "cu-mal-negative")];
    assert!(m.has("aipool_compute_unit_info", &negative));
    assert!(!m.has("aipool_compute_unit_replicas", &negative));
    // expiredTime "next Tuesday": only that time goes.
    let time = [acc, ("instance_id", "cu-mal-time")];
    assert_eq!(m.value("aipool_compute_unit_replicas", &time), 1.0);
    assert_eq!(
        m.value("aipool_compute_unit_start_timestamp_seconds", &time),
        1_735_689_600.0
    );
    assert!(!m.has("aipool_compute_unit_expiry_timestamp_seconds", &time));
    // The instance without an id and the element that is no object are
    // dropped: five units in all.
    assert_eq!(m.find("aipool_compute_unit_info", &[acc]).len(), 5);
    // No value exported is NaN or infinite.
    for (name, _, v) in &m.samples {
        assert!(v.is_finite(), "{name} = {v}");
    }

    let api = ("api", "DescribeComputeUnits");
    let decode = |reason: &str| {
        m.value(
            "aipool_decode_errors_total",
            &[("provider", "qianfan"), acc, api, ("reason", reason)],
        )
    };
    // "abc" and "next Tuesday"; "-1"; the id-less instance and the non-object.
    assert_eq!(decode("not_a_number"), 2.0);
    assert_eq!(decode("negative"), 1.0);
    assert_eq!(decode("malformed_object"), 2.0);
    // Nothing failed as a request.
    let failures = m.find("aipool_api_request_failures_total", &[acc]);
    assert!(failures.iter().all(|(_, _, v)| *v == 0.0), "{failures:#?}");
}

/// One service's DescribeComputeUnits answering 5xx after its
/// retries leaves that service and its units out; the other services are
/// published exactly and the account stays up.
#[test]
fn one_failing_service_leaves_the_others_published() {
    let (_sim, sim) = simulator_with(&[
        "--page-cap",
        "1",
        r#"--faults="serviceId":"svco-7k2mchat01"=5xx"#,
    ]);
    let (exp, addr) = exporter(
        &config(
            &sim,
            "qf",
            credentials::BCE_SECRET_ACCESS_KEY,
            "retries = 1
",
        ),
        &[],
    );
    let m = scrape(&addr);
    let acc = ("account", "qf");
    assert_eq!(m.value("aipool_up", &[acc]), 1.0, "{}", exp.stderr());
    assert_eq!(
        m.value("aipool_polls_total", &[acc, ("result", "success")]),
        1.0
    );
    // The failing service: neither its info nor its units.
    let support = ("service_id", "svco-7k2mchat01");
    assert!(!m.has("aipool_service_info", &[acc, support]));
    assert!(!m.has("aipool_compute_unit_info", &[acc, support]));
    assert!(!m.has("aipool_compute_unit_replicas", &[acc, support]));
    // Every other service, and their units exactly.
    let services: Vec<String> = m
        .find("aipool_service_info", &[acc])
        .iter()
        .map(|(_, l, _)| l["service_id"].clone())
        .collect();
    assert_eq!(
        services,
        [
            "svco-48exxxa594",
            "svco-9q4embed03",
            "svco-v2chat05",
            "svcp-ernie40demo",
            "svcp-speeddemo"
        ]
    );
    let seed = [acc, ("instance_id", SEED_INSTANCE)];
    assert_eq!(m.value("aipool_compute_unit_replicas", &seed), 5.0);
    assert_eq!(
        m.value("aipool_compute_unit_expiry_timestamp_seconds", &seed),
        1_714_557_600.0
    );
    let ernie = [acc, ("instance_id", "cu-ernie40-01")];
    assert_eq!(m.value("aipool_compute_unit_replicas", &ernie), 4.0);
    assert_eq!(m.find("aipool_compute_unit_info", &[acc]).len(), 3);
    // The failure is counted: the call and its one retry.
    assert_eq!(
        m.value(
            "aipool_api_request_failures_total",
            &[acc, ("api", "DescribeComputeUnits"), ("reason", "http_5xx")]
        ),
        2.0
    );
    assert_eq!(
        m.value(
            "aipool_api_requests_total",
            &[acc, ("api", "DescribeComputeUnits")]
        ),
        7.0 // six services, one of them tried twice
    );
}

/// The protocol-2 pass of DescribeServices refused (HTTP 400, as an account or
/// region without protocol 2 might answer): one counted partial error, the
/// account up, every protocol-1 and preset service and its units published,
/// only the protocol-2 service missing.
#[test]
fn a_refused_protocol_2_pass_costs_only_its_services() {
    let (_sim, sim) = simulator_with(&["--page-cap", "1", r#"--faults="protocolVersion":2=4xx"#]);
    let (exp, addr) = exporter(
        &config(&sim, "qf", credentials::BCE_SECRET_ACCESS_KEY, ""),
        &[],
    );
    let m = scrape(&addr);
    let acc = ("account", "qf");
    let log = exp.stderr();
    assert_eq!(m.value("aipool_up", &[acc]), 1.0, "{log}");
    assert_eq!(m.value("aipool_poll_partial_errors", &[acc]), 1.0, "{log}");
    assert_eq!(
        m.value("aipool_polls_total", &[acc, ("result", "success")]),
        1.0
    );
    let services: Vec<String> = m
        .find("aipool_service_info", &[acc])
        .iter()
        .map(|(_, l, _)| l["service_id"].clone())
        .collect();
    assert_eq!(
        services,
        [
            "svco-48exxxa594",
            "svco-7k2mchat01",
            "svco-9q4embed03",
            "svcp-ernie40demo",
            "svcp-speeddemo"
        ]
    );
    assert!(!m.has(
        "aipool_compute_unit_info",
        &[acc, ("service_id", "svco-v2chat05")]
    ));
    assert_eq!(m.find("aipool_compute_unit_info", &[acc]).len(), 4);
    assert_eq!(
        m.value(
            "aipool_compute_unit_replicas",
            &[acc, ("instance_id", SEED_INSTANCE)]
        ),
        5.0
    );
    // The refusal is counted once, not retried, and the log says which pass.
    let refused: f64 = m
        .find(
            "aipool_api_request_failures_total",
            &[acc, ("api", "DescribeServices")],
        )
        .iter()
        .map(|(_, _, v)| v)
        .sum();
    assert_eq!(refused, 1.0);
    assert!(log.contains("protocolVersion 2 pass failed"), "{log}");
}

/// A protocol-2 pass that fails after it has answered once stands on its last
/// list: the service stays, its compute units are still asked for live, and
/// the failure is one partial error.
#[test]
fn a_protocol_2_pass_that_fails_later_keeps_its_services_polled() {
    let (_sim, sim) = simulator_with(&["--page-cap", "100"]);
    let cfg = config(&sim, "qf", credentials::BCE_SECRET_ACCESS_KEY, "")
        .replace("interval = \"1h\"", "interval = \"1s\"");
    let (exp, addr) = exporter(&cfg, &[]);
    let acc = ("account", "qf");
    let v2 = [acc, ("service_id", "svco-v2chat05")];
    let units_asked = |m: &Metrics| {
        m.value(
            "aipool_api_requests_total",
            &[acc, ("api", "DescribeComputeUnits")],
        )
    };
    let first = scrape_until(&addr, 20, "the protocol-2 service listed", |m| {
        m.has("aipool_service_info", &v2)
    });
    assert_eq!(
        post(&sim, "/-/faults", r#""protocolVersion":2=4xx"#).unwrap(),
        200
    );
    let m = scrape_until(&addr, 20, "the protocol-2 pass refused", |m| {
        m.value("aipool_poll_partial_errors", &[acc]) == 1.0
    });
    // A later poll, still under the fault.
    let polls = m.value("aipool_polls_total", &[acc, ("result", "success")]);
    let m = scrape_until(&addr, 20, "another poll under the fault", |m| {
        m.value("aipool_polls_total", &[acc, ("result", "success")]) > polls
    });
    let log = exp.stderr();
    assert_eq!(m.value("aipool_up", &[acc]), 1.0, "{log}");
    assert_eq!(m.value("aipool_poll_partial_errors", &[acc]), 1.0, "{log}");
    assert!(m.has("aipool_service_info", &v2));
    assert_eq!(
        m.value(
            "aipool_compute_unit_replicas",
            &[acc, ("instance_id", "cu-v2chat-01")]
        ),
        5.0
    );
    // Its compute units were asked for again, not just kept.
    assert!(units_asked(&m) > units_asked(&first) + 6.0, "{log}");
    assert!(log.contains("listed last time are still polled"), "{log}");
}
