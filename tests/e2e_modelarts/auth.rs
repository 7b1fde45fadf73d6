//! IAM tokens (fetched once, refreshed when revoked) and wrong credentials.

use super::*;

#[test]
fn iam_token_end_to_end_is_fetched_once_and_cached() {
    let (_sim, sim) = simulator(1);
    let config = account(
        &sim,
        "ma-iam",
        "1s",
        &format!(
            "{}workspace_id = \"0\"\n",
            iam(
                &sim,
                credentials::HUAWEI_IAM_USER,
                credentials::HUAWEI_IAM_PASSWORD,
                &format!(
                    "project_name = \"{}\"\n",
                    credentials::MODELARTS_PROJECT_NAME
                )
            )
        ),
    );
    let (exp, addr) = exporter(&config, &[]);
    let acc = ("account", "ma-iam");
    let m = scrape_until(&addr, "three successful polls", |m| {
        successes(m, "ma-iam") >= 3.0
    });
    assert_eq!(m.value("aipool_up", &[acc]), 1.0);
    // Only workspace 0 (the older single-workspace key): the other
    // workspaces' pools are not listed.
    assert_seed_pool(&m, acc);
    assert_mixed_pool(&m, acc);
    assert_eq!(m.find("aipool_pool_info", &[acc]).len(), 2);
    assert!(!m.has(
        "aipool_api_requests_total",
        &[acc, ("api", "ListWorkspace")]
    ));
    // Three polls, one token.
    assert_eq!(
        m.value("aipool_api_requests_total", &[acc, ("api", "iam:tokens")]),
        1.0
    );
    assert!(m.value("aipool_api_requests_total", &[acc, ("api", "ListPools")]) >= 6.0);
    let log = exp.stderr();
    assert!(
        !log.contains(credentials::HUAWEI_IAM_PASSWORD) && !log.contains("MIIsim"),
        "a secret reached the log:\n{log}"
    );
}

#[test]
fn a_revoked_iam_token_is_refreshed_once_and_the_poll_succeeds() {
    let (_sim, sim) = simulator(100);
    // Scoped by project id (no project_name). The simulator revokes this user's
    // tokens when the next poll starts, though expires_at says 24 h.
    let config = account(
        &sim,
        "ma-revoked",
        "2s",
        &iam(
            &sim,
            credentials::HUAWEI_IAM_ONE_POLL_USER,
            credentials::HUAWEI_IAM_PASSWORD,
            "",
        ),
    );
    let (exp, addr) = exporter(&config, &[]);
    let acc = ("account", "ma-revoked");
    let m = scrape_until(&addr, "two successful polls", |m| {
        successes(m, "ma-revoked") >= 2.0
    });
    assert_eq!(successes(&m, "ma-revoked"), 2.0, "overshot:\n{}", m.text);
    assert_eq!(m.value("aipool_up", &[acc]), 1.0);
    // Poll 1 fetched a token; poll 2's first call (the workspace list) was
    // refused and one refresh followed, after which the poll completed.
    assert_eq!(
        m.value("aipool_api_requests_total", &[acc, ("api", "iam:tokens")]),
        2.0
    );
    assert_eq!(
        m.value(
            "aipool_api_request_failures_total",
            &[acc, ("api", "ListWorkspace"), ("reason", "auth")]
        ),
        1.0
    );
    assert_eq!(
        m.value(
            "aipool_api_requests_total",
            &[acc, ("api", "ListWorkspace")]
        ),
        3.0
    );
    // Three workspaces a poll, none refused.
    assert_eq!(
        m.value("aipool_api_requests_total", &[acc, ("api", "ListPools")]),
        6.0
    );
    assert_eq!(m.value("aipool_poll_partial_errors", &[acc]), 0.0);
    assert_eq!(
        m.value("aipool_polls_total", &[acc, ("result", "failure")]),
        0.0
    );
    assert_seed_pool(&m, acc);
    assert_mixed_pool(&m, acc);
    assert_logical_pool(&m, acc, MIXED_POOL);
    assert_private_pool(&m, acc);
    let log = exp.stderr();
    assert!(log.contains("fetching a new one"), "{log}");
    assert!(
        !log.contains(credentials::HUAWEI_IAM_PASSWORD) && !log.contains("MIIsim"),
        "a secret reached the log:\n{log}"
    );
}

#[test]
fn a_wrong_secret_key_is_an_auth_failure() {
    let (_sim, sim) = simulator(100);
    let config = format!(
        "{}{}",
        account(
            &sim,
            "good",
            "1h",
            &aksk(credentials::HUAWEI_SECRET_ACCESS_KEY)
        ),
        account(&sim, "bad", "1h", &aksk("WRONG-HUAWEI-SECRET-0123"))
    );
    let (exp, addr) = exporter(&config, &[]);
    let m = scrape(&addr);
    let bad = ("account", "bad");
    assert_eq!(m.value("aipool_up", &[("account", "good")]), 1.0);
    assert_eq!(m.value("aipool_up", &[bad]), 0.0);
    // Refused at the first call, the workspace list: fatal, as the account's
    // own list call.
    assert_eq!(
        m.value(
            "aipool_api_request_failures_total",
            &[bad, ("api", "ListWorkspace"), ("reason", "auth")]
        ),
        1.0
    );
    assert_eq!(
        m.value("aipool_polls_total", &[bad, ("result", "failure")]),
        1.0
    );
    assert!(!m.has("aipool_pool_info", &[bad]));
    assert!(!m.has("aipool_api_requests_total", &[bad, ("api", "ListPools")]));
    let log = exp.stderr();
    assert!(
        log.contains("APIGW.0301") && log.contains("account=bad"),
        "{log}"
    );
    assert!(
        !log.contains("WRONG-HUAWEI-SECRET")
            && !log.contains(credentials::HUAWEI_SECRET_ACCESS_KEY),
        "the secret reached the log:\n{log}"
    );
}

#[test]
fn a_wrong_iam_password_is_an_auth_failure_of_the_token_call() {
    let (_sim, sim) = simulator(100);
    let config = account(
        &sim,
        "ma-pw",
        "1h",
        &iam(&sim, credentials::HUAWEI_IAM_USER, "WRONG-PASSWORD-42", ""),
    );
    let (exp, addr) = exporter(&config, &[]);
    let m = scrape(&addr);
    let acc = ("account", "ma-pw");
    assert_eq!(m.value("aipool_up", &[acc]), 0.0);
    assert_eq!(
        m.value(
            "aipool_api_request_failures_total",
            &[acc, ("api", "iam:tokens"), ("reason", "auth")]
        ),
        1.0
    );
    // Refused at IAM: ModelArts was never called.
    assert!(!m.has(
        "aipool_api_requests_total",
        &[acc, ("api", "ListWorkspace")]
    ));
    assert!(!m.has("aipool_api_requests_total", &[acc, ("api", "ListPools")]));
    assert!(
        !exp.stderr().contains("WRONG-PASSWORD-42"),
        "{}",
        exp.stderr()
    );
}
