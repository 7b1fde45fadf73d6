//! AK/SK end to end across workspaces: forbidden, restricted and failing
//! workspace lists.

use super::*;

#[test]
fn aksk_end_to_end_every_workspace() {
    let (_sim, sim) = simulator(1);
    let config = account(
        &sim,
        "ma",
        "1h",
        &aksk(credentials::HUAWEI_SECRET_ACCESS_KEY),
    );
    let (_exp, addr) = exporter(&config, &[]);
    let m = scrape(&addr);
    let acc = ("account", "ma");
    assert_eq!(m.value("aipool_up", &[("provider", "modelarts"), acc]), 1.0);
    assert_eq!(m.value("aipool_poll_partial_errors", &[acc]), 0.0);
    // Pools of all three workspaces: the default one ("0", listed as the
    // number 0), team-b's and the private one.
    assert_seed_pool(&m, acc);
    assert_mixed_pool(&m, acc);
    assert_logical_pool(&m, acc, MIXED_POOL);
    assert_private_pool(&m, acc);
    assert_eq!(m.find("aipool_pool_info", &[acc]).len(), 4);
    // One poll read 13 bare (GiB) node memory values: the mixed pool's five
    // nodes' resources and the four with availableResources, the logical
    // pool's shared node twice, the private pool's node twice; the seed
    // pool's "14336Mi" quantities are not bare.
    assert_eq!(
        m.value(
            "aipool_normalizations_total",
            &[acc, ("rule", "node_memory_bare_is_gi")]
        ),
        13.0
    );

    // Account totals count root pools only: the logical pool's 8 GPUs are
    // the mixed pool's, and are not counted twice.
    assert_eq!(
        root_totals(&m, "ma", "aipool_pool_capability_accelerators"),
        totals(&[
            ("huawei.com/ascend-snt3", 4.0),
            ("huawei.com/ascend-snt9", 16.0),
            ("nvidia.com/gpu", 24.0)
        ])
    );
    assert_eq!(
        root_totals(&m, "ma", "aipool_pool_remaining_accelerators"),
        totals(&[
            ("huawei.com/ascend-snt3", 3.0),
            ("huawei.com/ascend-snt9", 2.0),
            ("nvidia.com/gpu", 12.0)
        ])
    );
    let naive: f64 = m
        .find("aipool_pool_capability_accelerators", &[acc, GPU])
        .iter()
        .map(|s| s.2)
        .sum();
    assert_eq!(
        naive,
        24.0 + 8.0,
        "the plain sum counts the shared node twice"
    );

    // One entry a page: workspaces at offsets 0, 1, 2; pools 2 + 1 + 1; nodes
    // 2 + 5 + 1 + 1.
    for (api, n) in [
        ("ListWorkspace", 3.0),
        ("ListPools", 4.0),
        ("ListPoolNodes", 9.0),
    ] {
        assert_eq!(
            m.value("aipool_api_requests_total", &[acc, ("api", api)]),
            n,
            "{api}"
        );
    }
    assert!(!m.has("aipool_api_requests_total", &[acc, ("api", "iam:tokens")]));
    // Every reason of every API in use starts at 0; none moved.
    let failures = m.find("aipool_api_request_failures_total", &[acc]);
    assert_eq!(failures.len(), 3 * 8);
    assert!(failures.iter().all(|s| s.2 == 0.0), "{failures:?}");
}

#[test]
fn a_workspace_the_credentials_may_not_read_is_a_counted_partial_error() {
    let (_sim, sim) = simulator(1);
    let config = account(&sim, "team", "1h", &team_aksk());
    let (exp, addr) = exporter(&config, &[]);
    let m = scrape(&addr);
    let acc = ("account", "team");
    // The poll succeeds with the readable workspaces' pools.
    assert_eq!(m.value("aipool_up", &[acc]), 1.0);
    assert_eq!(m.value("aipool_poll_partial_errors", &[acc]), 1.0);
    assert_eq!(
        m.value(
            "aipool_api_request_failures_total",
            &[acc, ("api", "ListPools"), ("reason", "auth")]
        ),
        1.0
    );
    assert_eq!(
        m.value("aipool_polls_total", &[acc, ("result", "success")]),
        1.0
    );
    assert_seed_pool(&m, acc);
    assert_mixed_pool(&m, acc);
    assert_logical_pool(&m, acc, MIXED_POOL);
    assert!(!m.has("aipool_pool_info", &[acc, ("pool_id", PRIVATE_POOL)]));
    assert!(!m.has(
        "aipool_pool_info",
        &[acc, ("workspace_id", PRIVATE_WORKSPACE)]
    ));
    assert_eq!(m.find("aipool_pool_info", &[acc]).len(), 3);
    // The refused ListPools is a request; the private pool's nodes are never
    // asked for.
    assert_eq!(
        m.value("aipool_api_requests_total", &[acc, ("api", "ListPools")]),
        4.0
    );
    assert_eq!(
        m.value(
            "aipool_api_requests_total",
            &[acc, ("api", "ListPoolNodes")]
        ),
        8.0
    );
    let log = exp.stderr();
    let line = log
        .lines()
        .find(|l| l.contains("part of the account could not be read"))
        .unwrap_or_else(|| panic!("no partial-error warning:\n{log}"));
    assert!(
        line.contains("level=warn")
            && line.contains("account=team")
            && line.contains(&format!("workspace {PRIVATE_WORKSPACE} (team-private)"))
            && line.contains("403")
            && line.contains("ModelArts.0203"),
        "{line}"
    );
    assert!(!log.contains(TEAM_SECRET_ACCESS_KEY), "{log}");
}

#[test]
fn a_forbidden_workspace_does_not_make_iam_fetch_tokens_every_poll() {
    let (_sim, sim) = simulator(100);
    let config = account(
        &sim,
        "team-iam",
        "1s",
        &iam(&sim, TEAM_IAM_USER, credentials::HUAWEI_IAM_PASSWORD, ""),
    );
    let (_exp, addr) = exporter(&config, &[]);
    let acc = ("account", "team-iam");
    let m = scrape_until(&addr, "three successful polls", |m| {
        successes(m, "team-iam") >= 3.0
    });
    let polls = successes(&m, "team-iam");
    assert_eq!(m.value("aipool_up", &[acc]), 1.0);
    assert_eq!(m.value("aipool_poll_partial_errors", &[acc]), 1.0);
    // A 403 is a refusal of this workspace, not of the token: no new token.
    assert_eq!(
        m.value("aipool_api_requests_total", &[acc, ("api", "iam:tokens")]),
        1.0
    );
    assert_eq!(
        m.value(
            "aipool_api_request_failures_total",
            &[acc, ("api", "ListPools"), ("reason", "auth")]
        ),
        polls
    );
    assert_eq!(
        m.value("aipool_polls_total", &[acc, ("result", "failure")]),
        0.0
    );
    assert_logical_pool(&m, acc, MIXED_POOL);
    assert!(!m.has("aipool_pool_info", &[acc, ("pool_id", PRIVATE_POOL)]));
}

#[test]
fn workspace_ids_restrict_the_poll_without_listing_workspaces() {
    let (_sim, sim) = simulator(1);
    let config = [
        account(
            &sim,
            "two",
            "1h",
            &format!(
                "{}workspace_ids = [0, \"{OTHER_WORKSPACE}\"]\n",
                aksk(credentials::HUAWEI_SECRET_ACCESS_KEY)
            ),
        ),
        account(
            &sim,
            "only-b",
            "1h",
            &format!(
                "{}workspace_ids = [\"{OTHER_WORKSPACE}\"]\n",
                aksk(credentials::HUAWEI_SECRET_ACCESS_KEY)
            ),
        ),
        // Nothing readable: the credentials are refused for every workspace
        // polled, which fails the poll.
        account(
            &sim,
            "team-private",
            "1h",
            &format!(
                "{}workspace_ids = [\"{PRIVATE_WORKSPACE}\"]\nretries = 0\n",
                team_aksk()
            ),
        ),
    ]
    .concat();
    let (_exp, addr) = exporter(&config, &[]);
    let m = scrape_until(&addr, "every account polled", |m| {
        ["two", "only-b", "team-private"].iter().all(|a| {
            m.find("aipool_polls_total", &[("account", a)])
                .iter()
                .map(|s| s.2)
                .sum::<f64>()
                >= 1.0
        })
    });

    let two = ("account", "two");
    assert_eq!(m.value("aipool_up", &[two]), 1.0);
    assert!(!m.has(
        "aipool_api_requests_total",
        &[two, ("api", "ListWorkspace")]
    ));
    assert_seed_pool(&m, two);
    assert_mixed_pool(&m, two);
    assert_logical_pool(&m, two, MIXED_POOL);
    assert_eq!(m.find("aipool_pool_info", &[two]).len(), 3);
    assert_eq!(
        m.value("aipool_api_requests_total", &[two, ("api", "ListPools")]),
        3.0
    );

    // The sub-pool's parent is not polled: it is a root of what is exported,
    // and the account total still has its GPUs.
    let b = ("account", "only-b");
    assert_eq!(m.value("aipool_up", &[b]), 1.0);
    assert_logical_pool(&m, b, "");
    assert_eq!(m.find("aipool_pool_info", &[b]).len(), 1);
    assert_eq!(
        root_totals(&m, "only-b", "aipool_pool_capability_accelerators"),
        totals(&[("nvidia.com/gpu", 8.0)])
    );

    let private = ("account", "team-private");
    assert_eq!(m.value("aipool_up", &[private]), 0.0);
    assert_eq!(
        m.value("aipool_polls_total", &[private, ("result", "failure")]),
        1.0
    );
    assert_eq!(
        m.value(
            "aipool_api_request_failures_total",
            &[private, ("api", "ListPools"), ("reason", "auth")]
        ),
        1.0
    );
    assert!(!m.has("aipool_pool_info", &[private]));
}

/// A workspace list that fails for another reason than refused credentials
/// (here a 503) leaves the default workspace, which ListPools answers for
/// without the list: its pools keep flowing, the other workspaces' pools are
/// missing, and the failure is a counted partial error.
#[test]
fn a_failing_workspace_list_falls_back_to_the_default_workspace() {
    use aipool_sim::modelarts::{LOGICAL_POOL, SEED_POOL};
    let (_sim, sim) = simulator_with(&["--page-cap", "100", "--faults", "/workspaces=5xx"]);
    let config = account(
        &sim,
        "ma",
        "1h",
        &format!(
            "{}retries = 0\n",
            aksk(credentials::HUAWEI_SECRET_ACCESS_KEY)
        ),
    );
    let (exp, addr) = exporter(&config, &[]);
    let m = scrape(&addr);
    let acc = ("account", "ma");
    assert_eq!(m.value("aipool_up", &[acc]), 1.0, "{}", exp.stderr());
    assert_eq!(
        m.value(
            "aipool_api_request_failures_total",
            &[acc, ("api", "ListWorkspace"), ("reason", "http_5xx")]
        ),
        1.0
    );
    assert_eq!(m.value("aipool_poll_partial_errors", &[acc]), 1.0);
    assert!(m.has(
        "aipool_pool_info",
        &[acc, ("pool_id", SEED_POOL), ("workspace_id", "0")]
    ));
    // The logical sub-pool lives in another workspace: not listed this time.
    assert!(!m.has("aipool_pool_info", &[acc, ("pool_id", LOGICAL_POOL)]));
    assert!(
        exp.stderr().contains("polling only the default workspace"),
        "{}",
        exp.stderr()
    );
}
