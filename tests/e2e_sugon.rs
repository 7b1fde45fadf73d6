//! End to end: the real binary polls the simulated Sugon AC / SCNet platform
//! (a separate `simulate` process) and the test reads `/metrics` as a scraper
//! would. Token expiry is exercised with the simulator's short token lifetimes
//! and its skewed platform clock; the HPC queues with the simulator's fixture
//! queues (no drift) and its user without HPC access.
//!
//! Values the simulator serves are pinned by `tests/fixtures/expected/sugon.prom`
//! (the golden exposition, `tests/golden.rs`). This file asserts behaviour:
//! the seed group, the card rules, regions and fallbacks, tokens, faults,
//! partial errors and auth; made-up simulator figures appear only where they
//! show a rule.

mod common;

use std::time::{Duration, Instant};

use aipool_sim::sugon::{MALFORMED_USER, NO_HPC_USER};
use common::*;

const MIB: f64 = 1_048_576.0;

fn password_account(sim: &str, name: &str, password: &str, interval: &str) -> String {
    format!(
        r#"
[[accounts]]
name = "{name}"
provider = "sugon"
endpoint = "http://{sim}"
interval = "{interval}"
timeout = "5s"
# Polls of a few hundred ms on a loaded machine must not make the data stale
# (the default is 3 intervals): these tests are about tokens, not staleness.
stale_after = "2h"
user = "{user}"
password = "{password}"
org_id = "{org}"
"#,
        user = credentials::SUGON_USER,
        org = credentials::SUGON_ORG_ID,
    )
}

fn aksk_account(sim: &str, name: &str, sk: &str, filters: &str) -> String {
    format!(
        r#"
[[accounts]]
name = "{name}"
provider = "sugon"
endpoint = "http://{sim}"
login_endpoint = "http://{sim}"
interval = "1h"
timeout = "5s"
user = "{user}"
access_key_id = "{ak}"
secret_access_key = "{sk}"
{filters}
"#,
        user = credentials::SUGON_USER,
        ak = credentials::SCNET_ACCESS_KEY_ID,
    )
}

fn requests(m: &Metrics, account: &str, api: &str) -> f64 {
    m.value(
        "aipool_api_requests_total",
        &[("account", account), ("api", api)],
    )
}

fn failures(m: &Metrics, account: &str, api: &str, reason: &str) -> f64 {
    m.value(
        "aipool_api_request_failures_total",
        &[("account", account), ("api", api), ("reason", reason)],
    )
}

/// Asserts the log carries none of the account's secrets, nor any token.
fn assert_no_secrets(log: &str) {
    for secret in [
        credentials::SUGON_PASSWORD,
        credentials::SUGON_ORG_ID,
        credentials::SCNET_SECRET_ACCESS_KEY,
        // Every simulated token starts with this JWT header.
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
    ] {
        assert!(!log.contains(secret), "{secret:?} reached the log:\n{log}");
    }
}

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

/// One queue's identity labels.
fn queue<'a>(
    account: &'a str,
    region: &'a str,
    pool: &'a str,
    q: &'a str,
) -> [(&'a str, &'a str); 5] {
    [
        ("provider", "sugon"),
        ("account", account),
        ("cloud_region", region),
        ("pool_id", pool),
        ("queue_id", q),
    ]
}

fn with<'a>(ids: &[(&'a str, &'a str)], extra: (&'a str, &'a str)) -> Vec<(&'a str, &'a str)> {
    let mut v = ids.to_vec();
    v.push(extra);
    v
}

#[test]
fn hpc_queues_give_free_cards_from_free_nodes() {
    let (_sim, sim) = simulator_with(&[]);
    let (exp, addr) = exporter(
        &password_account(&sim, "sg", credentials::SUGON_PASSWORD, "1h"),
        &[],
    );
    let m = scrape(&addr);
    let acc = ("account", "sg");
    assert_eq!(m.value("aipool_up", &[acc]), 1.0);
    assert_eq!(m.value("aipool_poll_partial_errors", &[acc]), 0.0);

    // Each region's HPC cluster is a pool of type hpc, named by the cluster
    // answer; the job manager ids come as a number (1637) and a string (2215).
    for (region, id) in [("11112", "1637"), ("11250", "2215")] {
        assert_eq!(
            m.value(
                "aipool_pool_info",
                &[
                    acc,
                    ("cloud_region", region),
                    ("pool_id", id),
                    ("pool_name", "slurm"),
                    ("pool_type", "hpc"),
                    ("phase", ""),
                    ("job_manager_type", "SLURM"),
                ]
            ),
            1.0,
            "{region}"
        );
        // Queues may share nodes: no pool totals.
        assert!(!m.has(
            "aipool_pool_capability_accelerators",
            &[acc, ("pool_id", id)]
        ));
    }

    // The GPU queue: 4 nodes of 8 GPUs and 112 cores, 2 nodes free.
    let gpu = queue("sg", "11112", "1637", "ksgpu_a800");
    assert_eq!(
        m.value(
            "aipool_queue_info",
            &[
                gpu[0],
                gpu[1],
                gpu[2],
                gpu[3],
                gpu[4],
                ("queue_name", "ksgpu_a800"),
                ("queue_type", "hpc"),
                ("parent_queue", ""),
            ]
        ),
        1.0
    );
    let card = ("accelerator", "gpu");
    assert_eq!(m.value("aipool_queue_nodes", &gpu), 4.0);
    assert_eq!(m.value("aipool_queue_free_nodes", &gpu), 2.0);
    assert_eq!(
        m.value(
            "aipool_queue_node_capability_accelerators",
            &with(&gpu, card)
        ),
        8.0
    );
    assert_eq!(
        m.value("aipool_queue_node_capability_cpu_cores", &gpu),
        112.0
    );
    assert_eq!(
        m.value("aipool_queue_capability_accelerators", &with(&gpu, card)),
        32.0
    );
    assert_eq!(
        m.value("aipool_queue_remaining_accelerators", &with(&gpu, card)),
        16.0
    );
    assert_eq!(m.value("aipool_queue_capability_cpu_cores", &gpu), 448.0);
    assert_eq!(m.value("aipool_queue_remaining_cpu_cores", &gpu), 248.0);
    // No memory figure in the queue list, no allocation block.
    assert!(!m.has("aipool_queue_capability_memory_bytes", &gpu));
    assert!(!m.has("aipool_queue_allocated_accelerators", &gpu));

    // The DCU queue (16 nodes of 4 DCUs, 5 free) is checked by the rule
    // below and by its headroom.
    let dcu = queue("sg", "11250", "2215", "xahdnormal");

    // The CPU queue: cores and nodes, no card series.
    let cpu = queue("sg", "11112", "1637", "kscpu_debug");
    assert_eq!(m.value("aipool_queue_free_nodes", &cpu), 2.0);
    assert_eq!(m.value("aipool_queue_remaining_cpu_cores", &cpu), 64.0);
    assert!(!m.has("aipool_queue_capability_accelerators", &cpu));
    assert!(!m.has("aipool_queue_node_capability_accelerators", &cpu));

    // Free cards = free nodes × cards per node for every card queue, and the
    // one headroom expression works on Sugon: remaining / capability.
    let remaining = m.find("aipool_queue_remaining_accelerators", &[acc]);
    assert_eq!(remaining.len(), 2, "{remaining:?}");
    for (_, labels, free_cards) in &remaining {
        let l = |k: &str| labels[k].as_str();
        let ids = queue("sg", l("cloud_region"), l("pool_id"), l("queue_id"));
        let card = ("accelerator", l("accelerator"));
        let per_node = m.value(
            "aipool_queue_node_capability_accelerators",
            &with(&ids, card),
        );
        assert_eq!(
            *free_cards,
            m.value("aipool_queue_free_nodes", &ids) * per_node
        );
        assert_eq!(
            m.value("aipool_queue_capability_accelerators", &with(&ids, card)),
            m.value("aipool_queue_nodes", &ids) * per_node
        );
    }
    let headroom = |ids: &[(&str, &str)], card| {
        m.value("aipool_queue_remaining_accelerators", &with(ids, card))
            / m.value("aipool_queue_capability_accelerators", &with(ids, card))
    };
    assert_eq!(headroom(&gpu, ("accelerator", "gpu")), 0.5);
    assert_eq!(headroom(&dcu, ("accelerator", "dcu")), 20.0 / 64.0);

    // Each derived card figure is a counted rule.
    for rule in ["cards_from_nodes", "free_cards_from_free_nodes"] {
        assert_eq!(
            m.value("aipool_normalizations_total", &[acc, ("rule", rule)]),
            2.0,
            "{rule}"
        );
    }
    assert_no_secrets(&exp.stderr());
}

/// The simulator names 11112's queues as the official doc page "查询用户可访问
/// 队列" does (`id` and `text`, no `queueName`) and 11250's by `queueName`:
/// both kinds reach /metrics, the status page and `top` under their names,
/// and no entry is counted as undecodable.
#[test]
fn hpc_queues_named_by_id_reach_metrics_the_status_page_and_top() {
    let (_sim, sim) = simulator_with(&[]);
    let config = password_account(&sim, "sg", credentials::SUGON_PASSWORD, "1h");
    let (_exp, addr) = exporter(&config, &[]);
    let m = scrape(&addr);
    let acc = ("account", "sg");
    for (q, name) in [("ksgpu_a800", "ksgpu_a800"), ("kscpu_debug", "kscpu_debug")] {
        let ids = queue("sg", "11112", "1637", q);
        assert_eq!(
            m.find("aipool_queue_info", &with(&ids, ("queue_name", name)))
                .len(),
            1,
            "{q}"
        );
    }
    let gpu = queue("sg", "11112", "1637", "ksgpu_a800");
    let card = ("accelerator", "gpu");
    assert_eq!(
        m.value("aipool_queue_remaining_accelerators", &with(&gpu, card)),
        16.0
    );
    assert!(m
        .find(
            "aipool_decode_errors_total",
            &[acc, ("api", "v2/queuenames")]
        )
        .iter()
        .all(|(_, _, v)| *v == 0.0));

    // The status page's capacity table lists the card queues by their ids
    // (a CPU queue has no card row).
    let (status, _, page) = get(&addr, "/", &[]).unwrap();
    assert_eq!(status, 200);
    for q in ["ksgpu_a800", "xahdnormal"] {
        assert!(
            page.contains(&format!("data-queue-id=\"{q}\"")),
            "{q} not on the status page"
        );
    }

    // `top` shows the GPU queue with the exporter's figures.
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("sg.toml");
    std::fs::write(&cfg, &config).unwrap();
    let out = std::process::Command::new(BIN)
        .args(["top", "--once", "--output=json"])
        .arg(format!("--config.file={}", cfg.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["queue_id"] == "ksgpu_a800" && r["accelerator"] == "gpu")
        .unwrap_or_else(|| panic!("no ksgpu_a800 row: {doc:#}"));
    assert_eq!(row["queue_name"], "ksgpu_a800");
    assert_eq!(row["pool_id"], "1637");
    assert_eq!(row["free"], 16);
    assert_eq!(row["capability"], 32);
}

fn no_hpc_account(sim: &str, name: &str, extra: &str) -> String {
    format!(
        r#"
[[accounts]]
name = "{name}"
provider = "sugon"
endpoint = "http://{sim}"
interval = "1h"
timeout = "5s"
user = "{user}"
password = "{password}"
org_id = "{org}"
{extra}
"#,
        user = NO_HPC_USER,
        password = credentials::SUGON_PASSWORD,
        org = credentials::SUGON_ORG_ID,
    )
}

#[test]
fn a_region_without_hpc_access_keeps_its_ai_series_and_says_why() {
    let (_sim, sim) = simulator_with(&[]);
    let config = format!(
        "{}{}{}",
        no_hpc_account(&sim, "nohpc", ""),
        no_hpc_account(&sim, "nohpc-xa", "cluster_ids = [\"11250\"]"),
        no_hpc_account(&sim, "ai-only", "hpc_queues = false"),
    );
    let (exp, addr) = exporter(&config, &[]);
    let m = scrape(&addr);

    // 11112 lists no hpcUrls; 11250's HPC service answers 10009. The poll
    // succeeds with both regions' AI series, and one counted partial error
    // per region says why its queues are missing.
    let acc = ("account", "nohpc");
    assert_eq!(m.value("aipool_up", &[acc]), 1.0);
    assert_eq!(m.value("aipool_poll_partial_errors", &[acc]), 2.0);
    assert_eq!(failures(&m, "nohpc", "v2/center", "upstream_error"), 1.0);
    assert_eq!(failures(&m, "nohpc", "v2/cluster", "upstream_error"), 1.0);
    assert_eq!(requests(&m, "nohpc", "v2/cluster"), 1.0);
    assert!(!m.has(
        "aipool_api_requests_total",
        &[acc, ("api", "v2/queuenames")]
    ));
    assert_eq!(m.find("aipool_pool_info", &[acc]).len(), 4);
    assert!(!m.has("aipool_pool_info", &[acc, ("pool_type", "hpc")]));
    assert!(!m.has("aipool_queue_info", &[acc]));
    assert!(!m.has("aipool_queue_nodes", &[acc]));
    let m40 = [acc, ("cloud_region", "11112"), ("pool_id", "TeslaM40")];
    assert_eq!(m.value("aipool_pool_node_capability_cpu_cores", &m40), 40.0);
    assert_eq!(
        m.value(
            "aipool_pool_node_capability_accelerators",
            &[m40[0], m40[1], m40[2], ("accelerator", "gpu")]
        ),
        2.0
    );
    assert!(!m.has("aipool_pool_node_limit_accelerators", &m40));
    let k100 = [acc, ("cloud_region", "11250"), ("pool_id", "K100-AI")];
    assert_eq!(m.value("aipool_pool_nodes", &k100), 16.0);

    // One region selected: one partial error.
    let acc = ("account", "nohpc-xa");
    assert_eq!(m.value("aipool_up", &[acc]), 1.0);
    assert_eq!(m.value("aipool_poll_partial_errors", &[acc]), 1.0);
    assert_eq!(m.find("aipool_pool_info", &[acc]).len(), 2);

    // HPC queues switched off: not asked for, nothing partial.
    let acc = ("account", "ai-only");
    assert_eq!(m.value("aipool_up", &[acc]), 1.0);
    assert_eq!(m.value("aipool_poll_partial_errors", &[acc]), 0.0);
    assert!(!m.has("aipool_api_requests_total", &[acc, ("api", "v2/cluster")]));
    assert_eq!(m.find("aipool_pool_info", &[acc]).len(), 4);

    let log = exp.stderr();
    for why in [
        "region 11112: HPC queues not exported: the center answer lists no enabled hpcUrls entry",
        "region 11250: HPC queues not exported: code 10009",
        "part of the account could not be read",
    ] {
        assert!(
            log.contains(why),
            "{why:?} not in the log:
{log}"
        );
    }
    assert_no_secrets(&log);
}

#[test]
fn an_hpc_service_that_rejects_fresh_tokens_costs_one_login_not_one_per_poll() {
    // Every HPC cluster call answers 10008. The first one could be a token the
    // platform expired early, so the exporter logs in again once and retries;
    // rejected with a fresh token too, it means no HPC permission: from then on
    // the region's HPC rejections are partial errors without a login.
    let (_sim, sim) = simulator_with(&["--faults", "/hpc/openapi/v2/cluster=expire"]);
    let (exp, addr) = exporter(
        &password_account(&sim, "denied", credentials::SUGON_PASSWORD, "300ms"),
        &[],
    );
    let acc = ("account", "denied");
    let m = scrape_until(&addr, 20, "four successful polls", |m| {
        m.value("aipool_polls_total", &[acc, ("result", "success")]) >= 4.0
    });
    let polls = m.value("aipool_polls_total", &[acc, ("result", "success")]);
    assert_eq!(m.value("aipool_up", &[acc]), 1.0);
    assert_eq!(
        m.value("aipool_polls_total", &[acc, ("result", "failure")]),
        0.0
    );
    assert_eq!(m.value("aipool_poll_partial_errors", &[acc]), 2.0);
    assert_eq!(requests(&m, "denied", "v2/tokens"), 2.0);
    // Poll 1: 11112 rejected, retried after the login and rejected again;
    // 11250 rejected with the fresh token. Later polls: one call per region.
    let calls = 3.0 + 2.0 * (polls - 1.0);
    assert_eq!(requests(&m, "denied", "v2/cluster"), calls);
    assert_eq!(failures(&m, "denied", "v2/cluster", "auth"), calls);
    assert!(!m.has(
        "aipool_api_requests_total",
        &[acc, ("api", "v2/queuenames")]
    ));
    assert!(!m.has("aipool_queue_info", &[acc]));
    assert_eq!(m.find("aipool_pool_info", &[acc]).len(), 4);
    let log = exp.stderr();
    assert!(
        log.contains("region 11250: HPC queues not exported: code 10008"),
        "{log}"
    );
    assert_no_secrets(&log);
}

#[test]
fn an_unreadable_or_failing_hpc_answer_costs_the_queues_only() {
    // A queue list that is not JSON (decode), and an HPC cluster call that
    // keeps failing with 503 after its retries: neither fails the poll.
    let (_sim, sim) = simulator_with(&["--faults", "v2/queuenames=malformed"]);
    let (_sim5, sim5) = simulator_with(&["--faults", "/hpc/openapi/v2/cluster=5xx"]);
    let config = format!(
        "{}{}",
        password_account(&sim, "bad-queues", credentials::SUGON_PASSWORD, "1h"),
        password_account(&sim5, "hpc-down", credentials::SUGON_PASSWORD, "1h"),
    );
    let (exp, addr) = exporter(&config, &[]);
    let m = scrape(&addr);
    for (account, api, reason, per_region) in [
        ("bad-queues", "v2/queuenames", "decode", 1.0),
        // The first attempt and two retries, per region.
        ("hpc-down", "v2/cluster", "http_5xx", 3.0),
    ] {
        let acc = ("account", account);
        assert_eq!(m.value("aipool_up", &[acc]), 1.0, "{account}");
        assert_eq!(
            m.value("aipool_poll_partial_errors", &[acc]),
            2.0,
            "{account}"
        );
        assert_eq!(
            failures(&m, account, api, reason),
            2.0 * per_region,
            "{account}"
        );
        assert!(!m.has("aipool_queue_info", &[acc]), "{account}");
        assert!(
            !m.has("aipool_pool_info", &[acc, ("pool_type", "hpc")]),
            "{account}"
        );
        assert_eq!(
            m.find("aipool_pool_info", &[acc, ("pool_type", "gpu")])
                .len(),
            2
        );
        assert_eq!(
            m.find("aipool_pool_info", &[acc, ("pool_type", "dcu")])
                .len(),
            1
        );
    }
    let log = exp.stderr();
    assert!(
        log.contains("region 11112: HPC queues not exported"),
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

/// The simulator's [`MALFORMED_USER`] gets one malformed object or
/// field in each list (TeslaM40 `cpuNumber: "abc"`, an unnamed group `42` in
/// 11250's list, `queFreeNodes: "-1"` on the ksgpu_a800 queue). Each costs only
/// itself: the rest is published exactly, each is counted by API and reason,
/// and the poll succeeds.
#[test]
fn one_malformed_object_or_field_costs_only_itself() {
    let (_sim, sim) = simulator_with(&[]);
    let (exp, addr) = exporter(
        &no_hpc_account(&sim, "odd", "").replace(NO_HPC_USER, MALFORMED_USER),
        &[],
    );
    let m = scrape(&addr);
    let acc = ("account", "odd");
    assert_eq!(m.value("aipool_up", &[acc]), 1.0);
    assert_eq!(m.value("aipool_poll_partial_errors", &[acc]), 0.0);
    assert_eq!(
        m.value("aipool_polls_total", &[acc, ("result", "success")]),
        1.0
    );

    // TeslaM40 without its cores; the seed's other figures exact.
    let m40 = [acc, ("cloud_region", "11112"), ("pool_id", "TeslaM40")];
    assert!(!m.has("aipool_pool_node_capability_cpu_cores", &m40));
    assert_eq!(m.value("aipool_pool_nodes", &m40), 1.0);
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
    // The other groups exact, the unnamed entry nowhere.
    let a800 = [acc, ("cloud_region", "11112"), ("pool_id", "A800")];
    assert_eq!(
        m.value("aipool_pool_node_capability_cpu_cores", &a800),
        112.0
    );
    assert_eq!(m.value("aipool_pool_nodes", &a800), 4.0);
    let k100 = [acc, ("cloud_region", "11250"), ("pool_id", "K100-AI")];
    assert_eq!(m.value("aipool_pool_nodes", &k100), 16.0);
    assert_eq!(
        m.value("aipool_pool_node_capability_cpu_cores", &k100),
        64.0
    );
    let cpu = [acc, ("cloud_region", "11250"), ("pool_id", "cpu-general")];
    assert_eq!(m.value("aipool_pool_nodes", &cpu), 32.0);
    // Four groups and two HPC clusters, as for the well-formed user.
    assert_eq!(m.find("aipool_pool_info", &[acc]).len(), 6);

    // The GPU queue without its free nodes and the free cards derived from
    // them; its other figures and the other queues exact.
    let gpu = queue("odd", "11112", "1637", "ksgpu_a800");
    assert!(!m.has("aipool_queue_free_nodes", &gpu));
    assert!(!m.has("aipool_queue_remaining_accelerators", &gpu));
    assert_eq!(m.value("aipool_queue_nodes", &gpu), 4.0);
    assert_eq!(m.value("aipool_queue_remaining_cpu_cores", &gpu), 248.0);
    assert_eq!(
        m.value(
            "aipool_queue_capability_accelerators",
            &with(&gpu, ("accelerator", "gpu"))
        ),
        32.0
    );
    let dcu = queue("odd", "11250", "2215", "xahdnormal");
    assert_eq!(
        m.value(
            "aipool_queue_remaining_accelerators",
            &with(&dcu, ("accelerator", "dcu"))
        ),
        20.0
    );
    let cpu_q = queue("odd", "11112", "1637", "kscpu_debug");
    assert_eq!(m.value("aipool_queue_free_nodes", &cpu_q), 2.0);

    // Each counted once by API and reason.
    for (api, reason) in [
        ("v2/instance-service/resources", "not_a_number"),
        ("v2/instance-service/resource-group", "malformed_object"),
        ("v2/queuenames", "negative"),
    ] {
        assert_eq!(
            m.value(
                "aipool_decode_errors_total",
                &[("provider", "sugon"), acc, ("api", api), ("reason", reason)]
            ),
            1.0,
            "{api} {reason}"
        );
    }
    // Nothing failed as a request.
    assert!(m
        .find("aipool_api_request_failures_total", &[acc])
        .iter()
        .all(|(_, l, v)| *v == 0.0 || l["reason"] == "connect"));
    let log = exp.stderr();
    assert!(log.contains("cpuNumber"), "{log}");
    assert_no_secrets(&log);
}

/// One resource group's `resources` call keeps failing (503 after
/// its retries): that pool alone is left out of the poll, every other group,
/// region and queue is published fresh, and the account stays up.
#[test]
fn one_failing_resource_group_costs_only_that_pool() {
    let (_sim, sim) = simulator_with(&["--faults", "resourceGroup=TeslaM40=5xx"]);
    let (exp, addr) = exporter(
        &password_account(&sim, "grp", credentials::SUGON_PASSWORD, "1h"),
        &[],
    );
    let m = scrape(&addr);
    let acc = ("account", "grp");
    assert_eq!(m.value("aipool_up", &[acc]), 1.0);
    assert_eq!(
        m.value("aipool_polls_total", &[acc, ("result", "success")]),
        1.0
    );
    // The first attempt and two retries.
    assert_eq!(
        failures(&m, "grp", "v2/instance-service/resources", "http_5xx"),
        3.0
    );
    let m40 = [acc, ("cloud_region", "11112"), ("pool_id", "TeslaM40")];
    assert!(!m.has("aipool_pool_info", &m40));
    assert!(!m.has("aipool_pool_nodes", &m40));
    assert!(!m.has("aipool_pool_node_capability_cpu_cores", &m40));
    let a800 = [acc, ("cloud_region", "11112"), ("pool_id", "A800")];
    assert_eq!(m.value("aipool_pool_nodes", &a800), 4.0);
    assert_eq!(
        m.value(
            "aipool_pool_node_limit_accelerators",
            &[a800[0], a800[1], a800[2], ("accelerator", "nvidia")]
        ),
        8.0
    );
    let k100 = [acc, ("cloud_region", "11250"), ("pool_id", "K100-AI")];
    assert_eq!(m.value("aipool_pool_nodes", &k100), 16.0);
    assert_eq!(
        m.value("aipool_pool_node_capability_memory_bytes", &k100),
        515_072.0 * MIB
    );
    // Three groups and the two HPC clusters; the queues of both regions.
    assert_eq!(m.find("aipool_pool_info", &[acc]).len(), 5);
    let gpu = queue("grp", "11112", "1637", "ksgpu_a800");
    assert_eq!(m.value("aipool_queue_free_nodes", &gpu), 2.0);
    // The failed group is the poll's one partial error (failed units count there).
    assert_eq!(m.value("aipool_poll_partial_errors", &[acc]), 1.0);
    assert_no_secrets(&exp.stderr());
}

/// One compute region's own calls keep failing (its `center` call
/// answers 503 three times: the first attempt and both retries, for the first
/// region polled, 11112). That region has no pools in the poll; the other
/// region is published fresh and the account stays up.
#[test]
fn one_failing_region_costs_only_its_pools() {
    let (_sim, sim) = simulator_with(&["--faults", "v2/center=5xx*3"]);
    let (exp, addr) = exporter(
        &password_account(&sim, "reg", credentials::SUGON_PASSWORD, "1h"),
        &[],
    );
    let m = scrape(&addr);
    let acc = ("account", "reg");
    assert_eq!(m.value("aipool_up", &[acc]), 1.0);
    assert_eq!(failures(&m, "reg", "v2/center", "http_5xx"), 3.0);
    assert_eq!(requests(&m, "reg", "v2/center"), 4.0);
    // Nothing of 11112: no group, no HPC cluster, no queue, no further call
    // with its token (one resource-group list, dead entry and retries aside,
    // and one HPC call of each kind: 11250's).
    for family in [
        "aipool_pool_info",
        "aipool_queue_info",
        "aipool_queue_nodes",
    ] {
        assert!(
            !m.has(family, &[acc, ("cloud_region", "11112")]),
            "{family}"
        );
    }
    assert_eq!(requests(&m, "reg", "v2/cluster"), 1.0);
    assert_eq!(requests(&m, "reg", "v2/instance-service/resources"), 2.0);
    // 11250 exact.
    let k100 = [acc, ("cloud_region", "11250"), ("pool_id", "K100-AI")];
    assert_eq!(m.value("aipool_pool_nodes", &k100), 16.0);
    assert_eq!(
        m.value(
            "aipool_pool_node_capability_accelerators",
            &[k100[0], k100[1], k100[2], ("accelerator", "dcu")]
        ),
        8.0
    );
    let dcu = queue("reg", "11250", "2215", "xahdnormal");
    assert_eq!(
        m.value(
            "aipool_queue_remaining_accelerators",
            &with(&dcu, ("accelerator", "dcu"))
        ),
        20.0
    );
    assert_eq!(m.find("aipool_pool_info", &[acc]).len(), 3);
    // The region itself comes from the login, which worked.
    assert_eq!(
        m.value("aipool_region_info", &[acc, ("cloud_region", "11112")]),
        1.0
    );
    assert_no_secrets(&exp.stderr());
}
