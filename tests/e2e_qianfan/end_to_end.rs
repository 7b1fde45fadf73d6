//! Discovery, configured services and the status page end to end.

use super::*;

#[test]
fn discovery_end_to_end() {
    let (_sim, sim) = simulator(1);
    let (_exp, addr) = exporter(
        &config(&sim, "qf", credentials::BCE_SECRET_ACCESS_KEY, ""),
        &[],
    );
    let m = scrape(&addr);
    let acc = ("account", "qf");
    let prov = ("provider", "qianfan");
    assert_eq!(m.value("aipool_up", &[prov, acc]), 1.0);

    // Every service, custom (three pages of one) and preset, by name.
    let services: Vec<(String, String)> = m
        .find("aipool_service_info", &[prov, acc, ("cloud_region", "bj")])
        .iter()
        .map(|(_, l, v)| {
            assert_eq!(*v, 1.0);
            (l["service_id"].clone(), l["service_name"].clone())
        })
        .collect();
    assert_eq!(
        services,
        [
            ("svco-48exxxa594", "ernie-speed-sft"),
            ("svco-7k2mchat01", "support-bot"),
            ("svco-9q4embed03", "embedding-idle"),
            // Made under protocol version 2: listed only when asked for 2.
            ("svco-v2chat05", "support-bot-v2"),
            ("svcp-ernie40demo", "ERNIE-4.0-8K"),
            ("svcp-speeddemo", "ERNIE-Speed-8K"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );

    // The seed instance, exactly.
    let seed = [
        prov,
        acc,
        ("cloud_region", "bj"),
        ("service_id", SEED_SERVICE),
        ("instance_id", SEED_INSTANCE),
    ];
    assert_eq!(
        m.value(
            "aipool_compute_unit_info",
            &[
                seed[0],
                seed[1],
                seed[2],
                seed[3],
                seed[4],
                ("payment_timing", "Prepaid"),
                ("status", "Running")
            ]
        ),
        1.0
    );
    assert_eq!(m.value("aipool_compute_unit_replicas", &seed), 5.0);
    assert_eq!(
        m.value("aipool_compute_unit_start_timestamp_seconds", &seed),
        1_711_965_600.0
    );
    assert_eq!(
        m.value("aipool_compute_unit_expiry_timestamp_seconds", &seed),
        1_714_557_600.0
    );

    // Times given in China time (+08:00) are the right instants.
    let support = [acc, ("instance_id", "cu-support-01")];
    assert_eq!(
        m.value("aipool_compute_unit_start_timestamp_seconds", &support),
        1_740_823_200.0 // 2025-03-01T18:00:00+08:00 = 10:00Z
    );
    // A Postpaid unit without an expiry has no expiry series.
    assert!(!m.has("aipool_compute_unit_expiry_timestamp_seconds", &support));
    let ernie = [
        acc,
        ("service_id", "svcp-ernie40demo"),
        ("instance_id", "cu-ernie40-01"),
    ];
    assert_eq!(
        m.value("aipool_compute_unit_expiry_timestamp_seconds", &ernie),
        1_906_473_600.0 // 2030-06-01T00:00:00+08:00
    );
    assert_eq!(m.value("aipool_compute_unit_replicas", &ernie), 4.0);

    // An instance still Creating: info and replicas, no times.
    let creating = [acc, ("instance_id", "cu-support-02")];
    assert_eq!(
        m.value(
            "aipool_compute_unit_info",
            &[
                creating[0],
                creating[1],
                ("service_id", "svco-7k2mchat01"),
                ("payment_timing", "Prepaid"),
                ("status", "Creating")
            ]
        ),
        1.0
    );
    assert_eq!(m.value("aipool_compute_unit_replicas", &creating), 3.0);
    assert!(!m.has("aipool_compute_unit_start_timestamp_seconds", &creating));
    assert!(!m.has("aipool_compute_unit_expiry_timestamp_seconds", &creating));

    // The protocol-2 service's compute unit, exactly.
    let v2 = [
        acc,
        ("service_id", "svco-v2chat05"),
        ("instance_id", "cu-v2chat-01"),
    ];
    assert_eq!(
        m.value(
            "aipool_compute_unit_info",
            &[
                v2[0],
                v2[1],
                v2[2],
                ("payment_timing", "Prepaid"),
                ("status", "Running")
            ]
        ),
        1.0
    );
    assert_eq!(m.value("aipool_compute_unit_replicas", &v2), 5.0);
    assert_eq!(
        m.value("aipool_compute_unit_start_timestamp_seconds", &v2),
        1_756_656_000.0 // 2025-09-01T00:00:00+08:00
    );
    assert_eq!(
        m.value("aipool_compute_unit_expiry_timestamp_seconds", &v2),
        1_945_958_400.0 // 2031-09-01T00:00:00+08:00
    );

    // Five instances in all; services without units add none.
    assert_eq!(m.find("aipool_compute_unit_info", &[acc]).len(), 5);
    assert!(!m.has(
        "aipool_compute_unit_info",
        &[acc, ("service_id", "svco-9q4embed03")]
    ));

    // 3 protocol-1 and 1 protocol-2 custom services at 1 per page, 1 preset
    // call, 1 call per service.
    for (api, n) in [
        ("DescribeServices", 4.0),
        ("DescribePresetServices", 1.0),
        ("DescribeComputeUnits", 6.0),
    ] {
        assert_eq!(
            m.value("aipool_api_requests_total", &[acc, ("api", api)]),
            n,
            "{api}"
        );
    }
    // Every failure counter of the three APIs is there, at 0.
    let failures = m.find("aipool_api_request_failures_total", &[acc]);
    assert_eq!(failures.len(), 3 * 8);
    assert!(failures.iter().all(|(_, _, v)| *v == 0.0), "{failures:#?}");
    assert_eq!(
        m.value("aipool_polls_total", &[acc, ("result", "success")]),
        1.0
    );
}

#[test]
fn configured_services_region_payment_timing_and_sts() {
    let (_sim, sim) = simulator(100);
    let extra = r#"region = "gz"
service_ids = ["svco-7k2mchat01", "svco-48exxxa594"]
payment_timing = "Postpaid"
security_token = "demo-sts-token""#;
    let (_exp, addr) = exporter(
        &config(&sim, "pinned", credentials::BCE_SECRET_ACCESS_KEY, extra),
        &[],
    );
    let m = scrape(&addr);
    let acc = ("account", "pinned");
    // The STS token is sent and signed, and the simulator accepted the signature.
    assert_eq!(m.value("aipool_up", &[acc]), 1.0);
    // Only the Postpaid unit of the two services; no discovery, so no service info.
    let units = m.find("aipool_compute_unit_info", &[acc]);
    assert_eq!(units.len(), 1, "{units:#?}");
    assert_eq!(
        m.value(
            "aipool_compute_unit_info",
            &[
                acc,
                ("cloud_region", "gz"),
                ("service_id", "svco-7k2mchat01"),
                ("instance_id", "cu-support-01"),
                ("payment_timing", "Postpaid"),
                ("status", "Running")
            ]
        ),
        1.0
    );
    assert_eq!(
        m.value(
            "aipool_compute_unit_replicas",
            &[acc, ("instance_id", "cu-support-01")]
        ),
        2.0
    );
    assert!(!m.has("aipool_service_info", &[acc]));
    assert_eq!(
        m.value(
            "aipool_api_requests_total",
            &[acc, ("api", "DescribeComputeUnits")]
        ),
        2.0
    );
    assert!(!m.has(
        "aipool_api_requests_total",
        &[acc, ("api", "DescribeServices")]
    ));
}

#[test]
fn the_status_page_lists_the_compute_units_and_filters_by_account() {
    let (_sim, sim) = simulator(1);
    let (_exp, addr) = exporter(
        &config(&sim, "qf", credentials::BCE_SECRET_ACCESS_KEY, ""),
        &[],
    );
    let m = scrape(&addr);
    let (status, _, html) = get(&addr, "/", &[]).unwrap();
    assert_eq!(status, 200);
    // One row per compute unit on /metrics, with its replicas and expiry.
    let rows: Vec<&str> = html
        .lines()
        .filter(|l| l.starts_with("<tr") && l.contains("data-instance-id="))
        .collect();
    let units = m.find("aipool_compute_unit_info", &[("account", "qf")]);
    assert!(!units.is_empty());
    assert_eq!(rows.len(), units.len(), "{html}");
    let seed = rows
        .iter()
        .find(|r| r.contains(&format!(r#"data-instance-id="{SEED_INSTANCE}""#)))
        .expect("the seed's compute unit has a row");
    let labels = [
        ("account", "qf"),
        ("service_id", SEED_SERVICE),
        ("instance_id", SEED_INSTANCE),
    ];
    let replicas = m.value("aipool_compute_unit_replicas", &labels);
    let expiry = m.value("aipool_compute_unit_expiry_timestamp_seconds", &labels);
    assert!(
        seed.contains(&format!(r#"data-replicas="{replicas}""#)),
        "{seed}"
    );
    assert!(
        seed.contains(&format!(r#"data-expiry="{expiry}""#)),
        "{seed}"
    );
    // The seed's unit expired in 2024: it sorts first and reads expired.
    assert_eq!(rows[0], *seed);
    assert!(seed.contains(r#"data-expiry-level="expired""#), "{seed}");

    let (status, _, one) = get(&addr, "/?account=qf", &[]).unwrap();
    assert_eq!(status, 200);
    assert_eq!(one.matches(r#"<section class="account""#).count(), 1);
    // A name no account has: 404, with the accounts there are.
    let (status, _, none) = get(&addr, "/?account=nope", &[]).unwrap();
    assert_eq!(status, 404);
    assert!(none.contains("No account is named <b>nope</b>."), "{none}");
    assert!(none.contains(r#"<a href="/?account=qf">qf</a>"#), "{none}");
}
