//! Auth and connection failures, and STS tokens.

use super::*;

#[test]
fn a_bad_signature_takes_only_that_account_down() {
    let (_sim, sim) = simulator(100);
    let config = format!(
        "{}{}",
        openapi_config(&sim, "good", credentials::BCE_SECRET_ACCESS_KEY),
        openapi_config(&sim, "bad", "WRONG-SECRET-0123456789")
    );
    let (exp, addr) = exporter(&config, &["--log.level=debug"]);
    let m = scrape(&addr);
    assert_eq!(m.value("aipool_up", &[("account", "good")]), 1.0);
    assert_eq!(m.value("aipool_up", &[("account", "bad")]), 0.0);
    assert_eq!(
        m.value(
            "aipool_api_request_failures_total",
            &[
                ("account", "bad"),
                ("api", "DescribeResourcePools"),
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
    assert!(!m.has("aipool_pool_info", &[("account", "bad")]));
    assert!(m.has("aipool_pool_info", &[("account", "good")]));
    // The failed account never published a success.
    assert!(!m.has(
        "aipool_last_success_timestamp_seconds",
        &[("account", "bad")]
    ));
    let log = exp.stderr();
    assert!(log.contains("SignatureDoesNotMatch"), "{log}");
    assert!(log.contains("account=bad"), "{log}");
    assert!(
        !log.contains("WRONG-SECRET"),
        "the secret reached the log:\n{log}"
    );
    assert!(
        !log.contains(credentials::BCE_SECRET_ACCESS_KEY),
        "the secret reached the log:\n{log}"
    );
    // The landing page says why, without secrets.
    let (status, _, page) = get(&addr, "/", &[]).unwrap();
    assert_eq!(status, 200);
    assert!(
        page.contains("SignatureDoesNotMatch") && !page.contains("WRONG-SECRET"),
        "{page}"
    );
}

#[test]
fn an_expired_console_session_is_an_auth_failure() {
    let (_sim, sim) = simulator(100);
    let (exp, addr) = exporter(&console_config(&sim, "bce-sessionid=expired"), &[]);
    let m = scrape(&addr);
    assert_eq!(m.value("aipool_up", &[("account", "console")]), 0.0);
    assert_eq!(
        m.value(
            "aipool_api_request_failures_total",
            &[("api", "v3/resourcepools"), ("reason", "auth")]
        ),
        1.0
    );
    assert!(
        exp.stderr().contains("cookie has likely expired"),
        "{}",
        exp.stderr()
    );
}

#[test]
fn an_unreachable_upstream_is_a_connect_failure() {
    let port = free_port();
    let config = openapi_config(&format!("127.0.0.1:{port}"), "gone", "x");
    let (_exp, addr) = exporter(&config, &[]);
    let m = scrape(&addr);
    assert_eq!(m.value("aipool_up", &[("account", "gone")]), 0.0);
    assert_eq!(
        m.value(
            "aipool_api_request_failures_total",
            &[("api", "DescribeResourcePools"), ("reason", "connect")]
        ),
        // The first attempt and the two default retries.
        3.0
    );
}

#[test]
fn an_sts_token_is_sent_and_signed() {
    let (_sim, sim) = simulator(100);
    let config = format!(
        "{}security_token = \"sts-session-token-0001\"\n",
        openapi_config(&sim, "sts", credentials::BCE_SECRET_ACCESS_KEY)
    );
    let (_exp, addr) = exporter(&config, &[]);
    let m = scrape(&addr);
    // The simulator verifies the signature over every header the client says it
    // signed, so a token header that was sent but signed wrong would fail here.
    assert_eq!(m.value("aipool_up", &[("account", "sts")]), 1.0);
}
