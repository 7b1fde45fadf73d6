//! End to end: the real binary polls the simulated Qianfan (separate process; the
//! service list capped at one per page, so discovery follows every marker) and the
//! test reads `/metrics` as a scraper would. The simulator verifies every
//! bce-auth-v1 signature over the headers it actually received, so a header the
//! exporter signs but sends differently (content-length, x-bce-date) fails here.

mod common;

use common::*;

/// An account; `extra` adds keys (service_ids, payment_timing, …).
fn config(sim: &str, name: &str, sk: &str, extra: &str) -> String {
    format!(
        r#"
[[accounts]]
name = "{name}"
provider = "qianfan"
endpoint = "http://{sim}"
interval = "1h"
timeout = "5s"
access_key_id = "{ak}"
secret_access_key = "{sk}"
{extra}
"#,
        ak = credentials::BCE_ACCESS_KEY_ID
    )
}

const SEED_SERVICE: &str = "svco-48exxxa594";
const SEED_INSTANCE: &str = "a0085162xxx9d19e58e";

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

    // Four instances in all; services without units add none.
    assert_eq!(m.find("aipool_compute_unit_info", &[acc]).len(), 4);
    assert!(!m.has(
        "aipool_compute_unit_info",
        &[acc, ("service_id", "svco-9q4embed03")]
    ));

    // 3 custom services at 1 per page, 1 preset call, 1 call per service.
    for (api, n) in [
        ("DescribeServices", 3.0),
        ("DescribePresetServices", 1.0),
        ("DescribeComputeUnits", 5.0),
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
fn a_bad_signature_is_an_auth_failure() {
    let (_sim, sim) = simulator(100);
    let text = format!(
        "{}{}",
        config(&sim, "good", credentials::BCE_SECRET_ACCESS_KEY, ""),
        config(&sim, "bad", "WRONG-SECRET-0123456789", "")
    );
    let (exp, addr) = exporter(&text, &["--log.level=debug"]);
    let m = scrape(&addr);
    assert_eq!(m.value("aipool_up", &[("account", "good")]), 1.0);
    assert_eq!(m.value("aipool_up", &[("account", "bad")]), 0.0);
    assert_eq!(
        m.value(
            "aipool_api_request_failures_total",
            &[
                ("account", "bad"),
                ("api", "DescribeServices"),
                ("reason", "auth")
            ]
        ),
        1.0
    );
    assert_eq!(
        m.value(
            "aipool_polls_total",
            &[("account", "bad"), ("result", "failure")]
        ),
        1.0
    );
    assert!(!m.has("aipool_compute_unit_info", &[("account", "bad")]));
    assert!(!m.has("aipool_service_info", &[("account", "bad")]));
    let log = exp.stderr();
    assert!(log.contains("SignatureDoesNotMatch"), "{log}");
    for secret in ["WRONG-SECRET", credentials::BCE_SECRET_ACCESS_KEY] {
        assert!(!log.contains(secret), "a secret reached the log:\n{log}");
    }
}

#[test]
fn errors_inside_a_200_body_fail_the_poll() {
    let (_sim, sim) = simulator(100);
    let text = format!(
        "{}{}",
        // `{error_code: 6, error_msg}`: no permission, so auth.
        config(
            &sim,
            "forbidden",
            credentials::BCE_SECRET_ACCESS_KEY,
            r#"service_ids = ["svco-48exxxa594", "svco-forbidden"]"#
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
    assert_eq!(m.value("aipool_up", &[forbidden]), 0.0);
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
    // The poll is all or nothing: the readable service's unit is not published.
    assert!(!m.has("aipool_compute_unit_info", &[forbidden]));
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
    let log = exp.stderr();
    assert!(log.contains("No permission to access data"), "{log}");
    assert!(log.contains("ServiceNotFound"), "{log}");
}

/// A `RequestExpired` answer (clock skew) is retried with a fresh signature, as
/// the AIHC OpenAPI does: Qianfan used to sign once and repeat the stale request.
#[test]
fn request_expired_is_retried_with_a_fresh_signature() {
    let (_sim, sim) = simulator_with(&["--faults=DescribeComputeUnits=expire*1"]);
    let (exp, addr) = exporter(
        &config(
            &sim,
            "qf",
            credentials::BCE_SECRET_ACCESS_KEY,
            "retries = 1\n",
        ),
        &[],
    );
    let m = scrape(&addr);
    let acc = [("provider", "qianfan"), ("account", "qf")];
    assert_eq!(m.value("aipool_up", &acc), 1.0, "{}", exp.stderr());
    assert_eq!(
        m.value(
            "aipool_api_request_failures_total",
            &[
                acc[0],
                acc[1],
                ("api", "DescribeComputeUnits"),
                ("reason", "auth")
            ]
        ),
        1.0
    );
    assert!(m.has(
        "aipool_compute_unit_info",
        &[acc[0], acc[1], ("instance_id", SEED_INSTANCE)]
    ));
}
