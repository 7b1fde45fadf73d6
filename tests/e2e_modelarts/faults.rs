//! Malformed objects and failing node lists cost only themselves.

use super::*;

/// A malformed pool element and malformed fields beside good pools.
/// The good pools are exact, the malformed element is left out, a malformed
/// field loses its own series (and a pool sum it would leave short), each is
/// counted, and the poll succeeds.
#[test]
fn malformed_objects_lose_only_themselves() {
    let (_sim, sim) = simulator(1);
    let config = account(
        &sim,
        "ma",
        "1h",
        &format!(
            "{}workspace_ids = [0, \"{CORRUPT_WORKSPACE}\"]\n",
            aksk(credentials::HUAWEI_SECRET_ACCESS_KEY)
        ),
    );
    let (exp, addr) = exporter(&config, &[]);
    let m = scrape(&addr);
    let acc = ("account", "ma");
    assert_eq!(m.value("aipool_up", &[("provider", "modelarts"), acc]), 1.0);
    assert_eq!(
        m.value("aipool_polls_total", &[acc, ("result", "success")]),
        1.0
    );
    // The default workspace's pools, exactly as without the corrupt one.
    assert_seed_pool(&m, acc);
    assert_mixed_pool(&m, acc);
    // The element that is no pool object: nothing of it.
    assert!(!m.has("aipool_pool_info", &[acc, ("pool_id", MALFORMED_POOL)]));
    assert_eq!(m.find("aipool_pool_info", &[acc]).len(), 3);

    let bad = pool_labels(acc, CORRUPT_POOL);
    assert_eq!(
        m.value(
            "aipool_pool_info",
            &with(
                &bad,
                &[
                    ("pool_name", "corrupt-gpu"),
                    ("workspace_id", CORRUPT_WORKSPACE),
                    ("parent_pool", "")
                ]
            )
        ),
        1.0
    );
    // controlMode "abc": no frozen series; the flavor counts are fine.
    assert!(!m.has("aipool_pool_frozen", &bad));
    assert_eq!(
        m.value(
            "aipool_pool_flavor_nodes",
            &with(&bad, &[("flavor", GPU_FLAVOR), ("state", "available")])
        ),
        2.0
    );
    assert_eq!(m.value("aipool_pool_nodes", &bad), 2.0);
    // Two 8-GPU nodes; one reports "abc" free GPUs. Capability is exact; the
    // pool's free (and allocated) GPUs would be short of that node's: absent,
    // not 3. CPU and memory are exact: 40 + 20 cores, 256 + 128 GiB free.
    assert_eq!(
        m.value("aipool_pool_capability_accelerators", &with(&bad, &[GPU])),
        16.0
    );
    assert!(!m.has("aipool_pool_remaining_accelerators", &bad));
    assert!(!m.has("aipool_pool_allocated_accelerators", &bad));
    assert_eq!(m.value("aipool_pool_capability_cpu_cores", &bad), 184.0);
    assert_eq!(m.value("aipool_pool_remaining_cpu_cores", &bad), 60.0);
    assert_eq!(m.value("aipool_pool_allocated_cpu_cores", &bad), 124.0);
    assert_eq!(
        m.value("aipool_pool_remaining_memory_bytes", &bad),
        384.0 * GIB
    );

    // Counted by API and reason: the element, controlMode and the GPU value.
    let decode = |api: &str, reason: &str| {
        m.value(
            "aipool_decode_errors_total",
            &[acc, ("api", api), ("reason", reason)],
        )
    };
    assert!(decode("ListPools", "malformed_object") >= 1.0, "{}", m.text);
    assert!(decode("ListPools", "not_a_number") >= 1.0, "{}", m.text);
    assert!(decode("ListPoolNodes", "not_a_number") >= 1.0, "{}", m.text);
    // A decode loss is no request failure.
    let failures = m.find("aipool_api_request_failures_total", &[acc]);
    assert!(failures.iter().all(|s| s.2 == 0.0), "{failures:?}");
    // Logged naming the object and field.
    let log = exp.stderr();
    assert!(
        log.contains(&format!("pool {CORRUPT_POOL} node corrupt-gpu-1"))
            && log.contains("availableResources.nvidia.com/gpu"),
        "{log}"
    );
}

/// One pool's node list fails after its retries. The other pools
/// are published exact, the failing pool is left out whole on the first poll,
/// the failure is counted, and the account stays up.
#[test]
fn a_pool_whose_nodes_fail_is_left_out_alone() {
    let (_sim, sim) = simulator_with(&[
        "--page-cap",
        "1",
        "--faults",
        &format!("pools/{MIXED_POOL}/nodes=5xx"),
    ]);
    let config = account(
        &sim,
        "ma",
        "1h",
        &format!(
            "{}retries = 0\n",
            aksk(credentials::HUAWEI_SECRET_ACCESS_KEY)
        ),
    );
    let (_exp, addr) = exporter(&config, &[]);
    let m = scrape(&addr);
    let acc = ("account", "ma");
    assert_eq!(m.value("aipool_up", &[("provider", "modelarts"), acc]), 1.0);
    assert_eq!(
        m.value("aipool_polls_total", &[acc, ("result", "success")]),
        1.0
    );
    assert_eq!(
        m.value(
            "aipool_api_request_failures_total",
            &[acc, ("api", "ListPoolNodes"), ("reason", "http_5xx")]
        ),
        1.0
    );
    assert_seed_pool(&m, acc);
    // The logical sub-pool's own nodes list fine; its parent is still a
    // polled pool (only its node list failed), so the tree is kept.
    assert_logical_pool(&m, acc, MIXED_POOL);
    assert_private_pool(&m, acc);
    // Nothing of the failing pool: no info, no sums, no flavors.
    let mixed = [acc, ("pool_id", MIXED_POOL)];
    for family in [
        "aipool_pool_info",
        "aipool_pool_nodes",
        "aipool_pool_capability_accelerators",
        "aipool_pool_remaining_accelerators",
        "aipool_pool_flavor_nodes",
        "aipool_node_phase_nodes",
    ] {
        assert!(!m.has(family, &mixed), "{family}:\n{}", m.text);
    }
    assert_eq!(m.find("aipool_pool_info", &[acc]).len(), 3);
}
