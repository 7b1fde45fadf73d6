//! Malformed input and failing calls cost only the part they touch.

use super::*;

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
