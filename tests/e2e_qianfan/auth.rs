//! Signatures: a bad one is an auth failure, an expired one is re-signed.

use super::*;

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
