//! End to end: the real binary polls the simulated ModelArts (separate process,
//! pages capped so every list pages) in both auth modes, and the test reads
//! `/metrics` as a scraper would.

mod common;

use std::time::{Duration, Instant};

use common::*;

const SEED_POOL: &str = "auto-pool-os-86c13962597848eeb29c5861153a391f";
const MIXED_POOL: &str = "pool-train-mixed-5f0c2a7d";
const LOGICAL_POOL: &str = "pool-logical-team-b-9e41";

fn account(sim: &str, name: &str, interval: &str, auth: &str) -> String {
    format!(
        r#"
[[accounts]]
name = "{name}"
provider = "modelarts"
region = "{region}"
endpoint = "http://{sim}"
project_id = "{project}"
interval = "{interval}"
timeout = "5s"
{auth}
"#,
        region = credentials::MODELARTS_REGION,
        project = credentials::MODELARTS_PROJECT_ID,
    )
}

fn aksk(sk: &str) -> String {
    format!(
        "access_key_id = \"{}\"\nsecret_access_key = \"{sk}\"\n",
        credentials::HUAWEI_ACCESS_KEY_ID
    )
}

/// IAM password auth against the simulator; `extra` adds e.g. `project_name`.
fn iam(sim: &str, user: &str, password: &str, extra: &str) -> String {
    format!(
        "iam_endpoint = \"http://{sim}\"\nusername = \"{user}\"\npassword = \"{password}\"\n\
         domain = \"{}\"\n{extra}",
        credentials::HUAWEI_IAM_DOMAIN
    )
}

/// Scrapes until `done` holds (polls run on their own schedule).
fn scrape_until(addr: &str, what: &str, done: impl Fn(&Metrics) -> bool) -> Metrics {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let m = scrape(addr);
        if done(&m) {
            return m;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}:\n{}",
            m.text
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn successes(m: &Metrics, account: &str) -> f64 {
    m.find(
        "aipool_polls_total",
        &[("account", account), ("result", "success")],
    )
    .first()
    .map(|s| s.2)
    .unwrap_or(0.0)
}

/// Every value the simulator's three pools produce, exactly.
fn assert_pools(m: &Metrics, acc: (&'static str, &'static str), with_logical: bool) {
    let seed = [acc, ("cloud_region", "cn-north-4"), ("pool_id", SEED_POOL)];
    let mixed = [acc, ("cloud_region", "cn-north-4"), ("pool_id", MIXED_POOL)];
    let with = |base: &[(&'static str, &'static str)], extra: &[(&'static str, &'static str)]| {
        let mut v = base.to_vec();
        v.extend_from_slice(extra);
        v
    };

    // The seed's ListPools example, as aipool_pool_info.
    assert_eq!(
        m.value(
            "aipool_pool_info",
            &with(
                &seed,
                &[
                    ("provider", "modelarts"),
                    ("pool_name", "auto-pool-os"),
                    ("pool_type", "Dedicate"),
                    ("phase", "Running")
                ]
            )
        ),
        1.0
    );
    assert_eq!(m.value("aipool_pool_nodes", &seed), 2.0);
    assert_eq!(
        m.value(
            "aipool_pool_flavor_nodes",
            &with(
                &seed,
                &[("flavor", "modelarts.vm.cpu.4ud"), ("state", "available")]
            )
        ),
        1.0 + 1.0
    );
    assert_eq!(m.find("aipool_pool_flavor_nodes", &seed).len(), 1);
    // Two nodes of 3500m / 14336Mi; free 1500m + 3500m, 10240Mi + 14336Mi.
    assert_eq!(m.value("aipool_pool_capability_cpu_cores", &seed), 7.0);
    assert_eq!(m.value("aipool_pool_remaining_cpu_cores", &seed), 5.0);
    assert_eq!(m.value("aipool_pool_allocated_cpu_cores", &seed), 2.0);
    assert_eq!(
        m.value("aipool_pool_capability_memory_bytes", &seed),
        28.0 * GIB
    );
    assert_eq!(
        m.value("aipool_pool_remaining_memory_bytes", &seed),
        24.0 * GIB
    );
    assert_eq!(
        m.value("aipool_pool_allocated_memory_bytes", &seed),
        4.0 * GIB
    );
    // pods and ephemeral-storage are not accelerators; a CPU pool has none.
    assert!(!m.has("aipool_pool_capability_accelerators", &seed));
    assert_eq!(
        m.value(
            "aipool_node_phase_nodes",
            &with(&seed, &[("phase", "Available")])
        ),
        2.0
    );
    assert!(!m.has("aipool_pool_driver_info", &seed));

    // The pool mixing GPU and NPU nodes.
    assert_eq!(
        m.value(
            "aipool_pool_info",
            &with(
                &mixed,
                &[
                    ("pool_name", "train-mixed"),
                    ("pool_type", "Dedicate"),
                    ("phase", "Running")
                ]
            )
        ),
        1.0
    );
    assert_eq!(m.value("aipool_pool_nodes", &mixed), 5.0);
    let gpu = ("accelerator", "nvidia.com/gpu");
    let npu = ("accelerator", "huawei.com/ascend-snt9");
    for (name, want_gpu, want_npu) in [
        ("aipool_pool_capability_accelerators", 24.0, 16.0),
        ("aipool_pool_remaining_accelerators", 12.0, 2.0),
        ("aipool_pool_allocated_accelerators", 12.0, 14.0),
    ] {
        assert_eq!(m.value(name, &with(&mixed, &[gpu])), want_gpu, "{name}");
        assert_eq!(m.value(name, &with(&mixed, &[npu])), want_npu, "{name}");
        assert_eq!(m.find(name, &mixed).len(), 2, "{name}");
    }
    assert_eq!(m.value("aipool_pool_capability_cpu_cores", &mixed), 660.0);
    assert_eq!(m.value("aipool_pool_remaining_cpu_cores", &mixed), 302.5);
    assert_eq!(m.value("aipool_pool_allocated_cpu_cores", &mixed), 357.5);
    assert_eq!(
        m.value("aipool_pool_capability_memory_bytes", &mixed),
        5376.0 * GIB
    );
    assert_eq!(
        m.value("aipool_pool_remaining_memory_bytes", &mixed),
        2304.0 * GIB
    );
    assert_eq!(
        m.value("aipool_pool_allocated_memory_bytes", &mixed),
        3072.0 * GIB
    );
    for (phase, n) in [("Available", 3.0), ("Abnormal", 1.0), ("Creating", 1.0)] {
        assert_eq!(
            m.value(
                "aipool_node_phase_nodes",
                &with(&mixed, &[("phase", phase)])
            ),
            n,
            "{phase}"
        );
    }
    assert_eq!(m.find("aipool_node_phase_nodes", &mixed).len(), 3);
    for (flavor, state, n) in [
        ("modelarts.bm.gpu.8v100", "available", 2.0),
        ("modelarts.bm.gpu.8v100", "abnormal", 1.0),
        ("modelarts.bm.npu.arm.8snt9b3.d", "available", 1.0),
        // Served as a single object, not an array.
        ("modelarts.bm.npu.arm.8snt9b3.d", "creating", 1.0),
    ] {
        assert_eq!(
            m.value(
                "aipool_pool_flavor_nodes",
                &with(&mixed, &[("flavor", flavor), ("state", state)])
            ),
            n,
            "{flavor} {state}"
        );
    }
    assert_eq!(m.find("aipool_pool_flavor_nodes", &mixed).len(), 4);
    assert_eq!(
        m.value(
            "aipool_pool_driver_info",
            &with(
                &mixed,
                &[
                    ("kind", "gpu"),
                    ("version", "535.54.03"),
                    ("state", "Running")
                ]
            )
        ),
        1.0
    );
    assert_eq!(
        m.value(
            "aipool_pool_driver_info",
            &with(
                &mixed,
                &[
                    ("kind", "npu"),
                    ("version", "23.0.6"),
                    ("state", "Upgrading")
                ]
            )
        ),
        1.0
    );

    // The logical pool of the other workspace: listed, no nodes, so no sums.
    let logical = [acc, ("pool_id", LOGICAL_POOL)];
    if with_logical {
        assert_eq!(
            m.value(
                "aipool_pool_info",
                &with(
                    &logical,
                    &[
                        ("pool_name", "team-b-logical"),
                        ("pool_type", "Logical"),
                        ("phase", "Waiting")
                    ]
                )
            ),
            1.0
        );
        assert_eq!(m.value("aipool_pool_nodes", &logical), 0.0);
        assert!(!m.has("aipool_pool_capability_cpu_cores", &logical));
        assert!(!m.has("aipool_node_phase_nodes", &logical));
        assert_eq!(m.find("aipool_pool_info", &[acc]).len(), 3);
    } else {
        assert!(!m.has("aipool_pool_info", &logical));
        assert_eq!(m.find("aipool_pool_info", &[acc]).len(), 2);
    }
}

#[test]
fn aksk_end_to_end() {
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
    assert_pools(&m, acc, true);
    // Three pools one per page; nodes one per page: 2 + 5 + 1 (an empty page).
    assert_eq!(
        m.value("aipool_api_requests_total", &[acc, ("api", "ListPools")]),
        3.0
    );
    assert_eq!(
        m.value(
            "aipool_api_requests_total",
            &[acc, ("api", "ListPoolNodes")]
        ),
        8.0
    );
    assert!(!m.has("aipool_api_requests_total", &[acc, ("api", "iam:tokens")]));
    // Every reason of every API in use starts at 0; none moved.
    let failures = m.find("aipool_api_request_failures_total", &[acc]);
    assert_eq!(failures.len(), 2 * 8);
    assert!(failures.iter().all(|s| s.2 == 0.0), "{failures:?}");
}

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
    // Only workspace 0: the logical pool of the other workspace is not listed.
    assert_pools(&m, acc, false);
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
    // Poll 1 fetched a token; poll 2's first call was refused and one refresh
    // followed, after which the poll completed.
    assert_eq!(
        m.value("aipool_api_requests_total", &[acc, ("api", "iam:tokens")]),
        2.0
    );
    assert_eq!(
        m.value(
            "aipool_api_request_failures_total",
            &[acc, ("api", "ListPools"), ("reason", "auth")]
        ),
        1.0
    );
    assert_eq!(
        m.value("aipool_api_requests_total", &[acc, ("api", "ListPools")]),
        3.0
    );
    assert_eq!(
        m.value("aipool_polls_total", &[acc, ("result", "failure")]),
        0.0
    );
    assert_pools(&m, acc, true);
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
    assert_eq!(
        m.value(
            "aipool_api_request_failures_total",
            &[bad, ("api", "ListPools"), ("reason", "auth")]
        ),
        1.0
    );
    assert_eq!(
        m.value("aipool_polls_total", &[bad, ("result", "failure")]),
        1.0
    );
    assert!(!m.has("aipool_pool_info", &[bad]));
    assert!(!m.has(
        "aipool_api_requests_total",
        &[bad, ("api", "ListPoolNodes")]
    ));
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
    assert!(!m.has("aipool_api_requests_total", &[acc, ("api", "ListPools")]));
    assert!(
        !exp.stderr().contains("WRONG-PASSWORD-42"),
        "{}",
        exp.stderr()
    );
}
