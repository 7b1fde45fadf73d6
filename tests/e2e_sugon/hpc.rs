//! The HPC queues: free cards from free nodes, queue names, regions without
//! HPC access, and HPC calls that fail or are refused.

use super::*;

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
