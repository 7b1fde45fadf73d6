//! Logging in: password and AK/SK logins end to end, bad credentials, and
//! tokens renewed, expired early or rejected.

use super::*;

#[test]
fn password_login_end_to_end() {
    let (_sim, sim) = simulator_with(&[]);
    let (exp, addr) = exporter(
        &password_account(&sim, "sg", credentials::SUGON_PASSWORD, "1h"),
        &["--log.level=debug"],
    );
    let m = scrape(&addr);
    let acc = ("account", "sg");
    assert_eq!(m.value("aipool_up", &[("provider", "sugon"), acc]), 1.0);

    // Two regions with tokens; the suspended one (null token) and the platform
    // token "0" are not regions.
    assert_eq!(
        m.value(
            "aipool_region_info",
            &[
                acc,
                ("cloud_region", "11112"),
                ("region_name", "华东一区【昆山】")
            ]
        ),
        1.0
    );
    assert_eq!(
        m.value(
            "aipool_region_info",
            &[
                acc,
                ("cloud_region", "11250"),
                ("region_name", "西北一区【西安】")
            ]
        ),
        1.0
    );
    assert_eq!(m.find("aipool_region_info", &[acc]).len(), 2);

    // The seed group: 40 cores, 2 GPUs, 31888 MiB per node, 1 node.
    let m40 = [acc, ("cloud_region", "11112"), ("pool_id", "TeslaM40")];
    assert_eq!(
        m.value(
            "aipool_pool_info",
            &[
                m40[0],
                m40[1],
                m40[2],
                ("pool_name", "TeslaM40"),
                ("pool_type", "gpu"),
                ("max_time", "unlimited")
            ]
        ),
        1.0
    );
    assert_eq!(m.value("aipool_pool_nodes", &m40), 1.0);
    assert_eq!(m.value("aipool_pool_node_capability_cpu_cores", &m40), 40.0);
    assert_eq!(
        m.value("aipool_pool_node_capability_memory_bytes", &m40),
        31888.0 * MIB
    );
    assert_eq!(
        m.value(
            "aipool_pool_node_capability_accelerators",
            &[m40[0], m40[1], m40[2], ("accelerator", "gpu")]
        ),
        2.0
    );
    // The seed's nvLimits 0 beside gpuNumber 2 (and its dcu/mlu 0) is "no
    // per-node quota set": no limit series, not a limit of 0 cards.
    assert!(
        !m.has("aipool_pool_node_limit_accelerators", &m40),
        "{:?}",
        m.find("aipool_pool_node_limit_accelerators", &m40)
    );

    let a800 = [acc, ("cloud_region", "11112"), ("pool_id", "A800")];
    assert_eq!(
        m.value(
            "aipool_pool_node_limit_accelerators",
            &[a800[0], a800[1], a800[2], ("accelerator", "nvidia")]
        ),
        8.0
    );
    assert_eq!(
        m.value(
            "aipool_pool_info",
            &[a800[0], a800[2], ("max_time", "168:00:00")]
        ),
        1.0
    );

    // The DCU region, reached after its first (dead) aiUrls entry failed.
    let k100 = [acc, ("cloud_region", "11250"), ("pool_id", "K100-AI")];
    assert_eq!(
        m.value(
            "aipool_pool_info",
            &[k100[0], k100[1], k100[2], ("pool_type", "dcu")]
        ),
        1.0
    );
    assert_eq!(
        m.value(
            "aipool_pool_node_limit_accelerators",
            &[k100[0], k100[1], k100[2], ("accelerator", "dcu")]
        ),
        8.0
    );

    // A CPU group: cores and memory, no accelerator series.
    let cpu = [acc, ("cloud_region", "11250"), ("pool_id", "cpu-general")];
    assert_eq!(
        m.value(
            "aipool_pool_info",
            &[cpu[0], cpu[1], cpu[2], ("pool_type", "cpu")]
        ),
        1.0
    );
    assert!(m.has("aipool_pool_node_capability_cpu_cores", &cpu));
    assert!(!m.has("aipool_pool_node_capability_accelerators", &cpu));
    // Four resource groups and the two regions' HPC clusters.
    assert_eq!(m.find("aipool_pool_info", &[acc]).len(), 6);
    // Per-node quotas: only the ones set (A800 nvidia 8, K100-AI dcu 8).
    assert_eq!(
        m.find("aipool_pool_node_limit_accelerators", &[acc]).len(),
        2
    );
    // 10 quotas of 0 across the four groups, each read as "none set".
    assert_eq!(
        m.value(
            "aipool_normalizations_total",
            &[acc, ("rule", "zero_node_limit_is_unset")]
        ),
        10.0
    );

    // One login; one center call per region; the disabled entry of 11112 is never
    // tried, the dead enabled one of 11250 once with its two default retries
    // before falling over; one resources call per group.
    assert_eq!(requests(&m, "sg", "v2/tokens"), 1.0);
    assert_eq!(requests(&m, "sg", "v2/center"), 2.0);
    assert_eq!(
        requests(&m, "sg", "v2/instance-service/resource-group"),
        5.0
    );
    assert_eq!(
        failures(&m, "sg", "v2/instance-service/resource-group", "connect"),
        3.0
    );
    assert_eq!(requests(&m, "sg", "v2/instance-service/resources"), 4.0);
    assert_eq!(failures(&m, "sg", "v2/center", "auth"), 0.0);
    // The HPC side: one cluster and one queue call per region (11112's
    // disabled hpcUrls entry is never tried), nothing partial.
    assert_eq!(requests(&m, "sg", "v2/cluster"), 2.0);
    assert_eq!(requests(&m, "sg", "v2/queuenames"), 2.0);
    assert_eq!(m.value("aipool_poll_partial_errors", &[acc]), 0.0);
    assert_eq!(
        m.value("aipool_polls_total", &[acc, ("result", "success")]),
        1.0
    );

    let log = exp.stderr();
    assert!(
        log.contains("no token for this compute region") && log.contains("region=11113"),
        "{log}"
    );
    assert_no_secrets(&log);
}

#[test]
fn aksk_login_end_to_end_with_filters() {
    let (_sim, sim) = simulator_with(&[]);
    let filters = r#"
cluster_ids = ["11250"]
accelerator_types = ["dcu"]
resource_groups = ["K100-AI", "no-such-group"]
"#;
    let (exp, addr) = exporter(
        &aksk_account(&sim, "scnet", credentials::SCNET_SECRET_ACCESS_KEY, filters),
        &[],
    );
    let m = scrape(&addr);
    let acc = ("account", "scnet");
    assert_eq!(m.value("aipool_up", &[acc]), 1.0);
    assert_eq!(requests(&m, "scnet", "v3/tokens"), 1.0);
    assert!(!m.has("aipool_api_requests_total", &[acc, ("api", "v2/tokens")]));

    // Only the selected region, and in it only the DCU group.
    assert_eq!(m.find("aipool_region_info", &[acc]).len(), 1);
    assert_eq!(
        m.value("aipool_region_info", &[acc, ("cloud_region", "11250")]),
        1.0
    );
    // The filters choose resource groups; the region's HPC cluster is there
    // beside them (`hpc_queues` decides about it).
    let pools = m.find("aipool_pool_info", &[acc]);
    assert_eq!(pools.len(), 2, "{pools:?}");
    assert_eq!(
        m.find("aipool_pool_info", &[acc, ("pool_type", "dcu")])
            .len(),
        1
    );
    assert_eq!(
        m.value(
            "aipool_pool_info",
            &[acc, ("pool_type", "hpc"), ("pool_id", "2215")]
        ),
        1.0
    );
    let k100 = [acc, ("cloud_region", "11250"), ("pool_id", "K100-AI")];
    assert_eq!(
        m.value(
            "aipool_pool_node_capability_accelerators",
            &[k100[0], k100[1], k100[2], ("accelerator", "dcu")]
        ),
        8.0
    );
    assert_eq!(requests(&m, "scnet", "v2/center"), 1.0);
    assert_eq!(requests(&m, "scnet", "v2/instance-service/resources"), 1.0);

    let log = exp.stderr();
    assert!(
        log.contains("configured resource group is not listed")
            && log.contains("resource_group=no-such-group"),
        "{log}"
    );
    assert_no_secrets(&log);
}

#[test]
fn bad_credentials_are_auth_failures() {
    let (_sim, sim) = simulator_with(&[]);
    let config = format!(
        "{}{}{}",
        password_account(&sim, "good", credentials::SUGON_PASSWORD, "1h"),
        password_account(&sim, "badpw", "WRONG-PASSWORD-42", "1h"),
        aksk_account(&sim, "badsk", "WRONG-SECRET-KEY-42", ""),
    );
    let (exp, addr) = exporter(&config, &[]);
    let m = scrape(&addr);
    assert_eq!(m.value("aipool_up", &[("account", "good")]), 1.0);
    for (account, api) in [("badpw", "v2/tokens"), ("badsk", "v3/tokens")] {
        let acc = ("account", account);
        assert_eq!(m.value("aipool_up", &[acc]), 0.0, "{account}");
        assert_eq!(failures(&m, account, api, "auth"), 1.0, "{account}");
        assert_eq!(
            m.value("aipool_polls_total", &[acc, ("result", "failure")]),
            1.0
        );
        assert!(!m.has("aipool_pool_info", &[acc]));
        assert!(!m.has("aipool_region_info", &[acc]));
        // Nothing was called with a token.
        assert!(!m.has("aipool_api_requests_total", &[acc, ("api", "v2/center")]));
    }
    let log = exp.stderr();
    assert!(log.contains("login refused: code 10004"), "{log}");
    assert!(
        !log.contains("WRONG-PASSWORD") && !log.contains("WRONG-SECRET"),
        "a secret reached the log:\n{log}"
    );
    assert_no_secrets(&log);
    let (_, _, page) = get(&addr, "/", &[]).unwrap();
    assert!(
        page.contains("login refused") && !page.contains("WRONG-PASSWORD"),
        "{page}"
    );
}

/// Scrapes every `every` for `span`, asserting on each scrape that the account
/// is up and its pools are there; returns the last scrape.
fn scrape_across(addr: &str, account: &str, span: Duration, every: Duration) -> Metrics {
    let acc = ("account", account);
    let end = Instant::now() + span;
    let mut n = 0;
    loop {
        let m = scrape(addr);
        n += 1;
        assert_eq!(m.value("aipool_up", &[acc]), 1.0, "scrape {n}:\n{}", m.text);
        assert_eq!(
            m.value(
                "aipool_pool_node_capability_cpu_cores",
                &[acc, ("cloud_region", "11112"), ("pool_id", "TeslaM40")]
            ),
            40.0,
            "scrape {n}"
        );
        assert_eq!(
            m.value(
                "aipool_pool_nodes",
                &[acc, ("cloud_region", "11250"), ("pool_id", "K100-AI")]
            ),
            16.0,
            "scrape {n}"
        );
        if Instant::now() >= end {
            return m;
        }
        std::thread::sleep(every);
    }
}

#[test]
fn tokens_are_renewed_before_they_expire() {
    // 3 s tokens: renewed 1.5 s before expiry (half the lifetime), so no call
    // ever carries an expired token.
    let (_sim, sim) = simulator_with(&["--sugon-token-lifetime", "3s"]);
    let (exp, addr) = exporter(
        &password_account(&sim, "renew", credentials::SUGON_PASSWORD, "300ms"),
        &[],
    );
    let m = scrape_across(
        &addr,
        "renew",
        Duration::from_secs(7),
        Duration::from_millis(200),
    );
    let logins = requests(&m, "renew", "v2/tokens");
    assert!(logins >= 3.0, "only {logins} logins in 7 s of 3 s tokens");
    for api in [
        "v2/center",
        "v2/instance-service/resource-group",
        "v2/instance-service/resources",
    ] {
        assert_eq!(failures(&m, "renew", api, "auth"), 0.0, "{api}");
    }
    assert_eq!(
        m.value(
            "aipool_polls_total",
            &[("account", "renew"), ("result", "failure")]
        ),
        0.0
    );
    assert_no_secrets(&exp.stderr());
}

#[test]
fn a_token_the_platform_expires_early_is_replaced_mid_poll_without_a_gap() {
    // The platform's clock runs 3 s ahead: its 2 s tokens claim to expire 5 s
    // after the exporter receives them, so the exporter plans to renew after
    // 2.5 s, but the platform rejects them with 10008 after 2 s. Polls in that
    // window must log in again and retry instead of failing.
    let (_sim, sim) = simulator_with(&["--sugon-token-lifetime", "2s", "--sugon-clock-skew", "3s"]);
    let (exp, addr) = exporter(
        &password_account(&sim, "skew", credentials::SUGON_PASSWORD, "200ms"),
        &["--log.level=debug"],
    );
    let m = scrape_across(
        &addr,
        "skew",
        Duration::from_secs(7),
        Duration::from_millis(150),
    );
    // At least two tokens were rejected and replaced (one per ~2 s). Polls are
    // in step with the logins, so the rejection usually lands on a later call of
    // a poll whose first calls the same token still passed: mid-poll.
    let rejected: f64 = m
        .find(
            "aipool_api_request_failures_total",
            &[("account", "skew"), ("reason", "auth")],
        )
        .iter()
        .map(|s| s.2)
        .sum();
    assert!(
        rejected >= 2.0,
        "{rejected} rejected tokens\n{}",
        exp.stderr()
    );
    assert!(requests(&m, "skew", "v2/tokens") >= 3.0);
    assert_eq!(
        m.value(
            "aipool_polls_total",
            &[("account", "skew"), ("result", "failure")]
        ),
        0.0
    );
    let log = exp.stderr();
    assert!(log.contains("token rejected; logging in again"), "{log}");
    assert_no_secrets(&log);
}

#[test]
fn a_token_rejected_after_a_fresh_login_fails_the_poll_as_auth() {
    // Tokens that are expired on arrival: the exporter logs in again exactly
    // once, retries, and then gives up with reason auth instead of looping.
    // Each region is a unit of its own (one region's outage must not hide
    // the others), so the second region is
    // asked too (once: the poll has already logged in again); with every
    // region failed, nothing is fresh and the poll fails.
    let (_sim, sim) = simulator_with(&["--sugon-token-lifetime", "0s"]);
    let (exp, addr) = exporter(
        &password_account(&sim, "dead", credentials::SUGON_PASSWORD, "1h"),
        &[],
    );
    let m = scrape(&addr);
    let acc = ("account", "dead");
    assert_eq!(m.value("aipool_up", &[acc]), 0.0);
    assert_eq!(requests(&m, "dead", "v2/tokens"), 2.0);
    assert_eq!(requests(&m, "dead", "v2/center"), 3.0);
    assert_eq!(failures(&m, "dead", "v2/center", "auth"), 3.0);
    assert!(!m.has(
        "aipool_api_requests_total",
        &[acc, ("api", "v2/instance-service/resource-group")]
    ));
    assert!(!m.has("aipool_api_requests_total", &[acc, ("api", "v2/cluster")]));
    assert!(!m.has("aipool_pool_info", &[acc]));
    let log = exp.stderr();
    assert!(log.contains("code 10008"), "{log}");
    assert_no_secrets(&log);
}
