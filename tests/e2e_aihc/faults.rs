//! Malformed fields and failing calls cost only the part they touch.

use super::*;

fn decode_errors(m: &Metrics, acc: (&str, &str), api: &str, reason: &str) -> f64 {
    m.find(
        "aipool_decode_errors_total",
        &[acc, ("api", api), ("reason", reason)],
    )
    .iter()
    .map(|s| s.2)
    .sum()
}

/// One bad field costs only itself: one console queue whose
/// `remaining.memoryGi` is "abc", beside several pools. Only that figure (and
/// the pool total it is part of) is missing; every other value is the seed's
/// and the account is up.
#[test]
fn console_one_malformed_field_loses_only_its_series() {
    let (_sim, sim) = simulator_with(&[
        "--page-cap",
        "1",
        "--faults",
        r#"resourcePoolId=cce-6b41lf00=corrupt:remaining.memoryGi="abc""#,
    ]);
    let (_exp, addr) = exporter(&console_config(&sim, credentials::AIHC_CONSOLE_COOKIE), &[]);
    let m = scrape(&addr);
    let acc = ("account", "console");
    assert_eq!(m.value("aipool_up", &[acc]), 1.0);
    assert!(decode_errors(&m, acc, "v3/queues", "not_a_number") >= 1.0);
    let q = [acc, ("pool_id", "cce-6b41lf00"), ("queue_id", Q)];
    let rtx = [q[0], q[1], q[2], ("accelerator", "baidu.com/rtx_4090_cgpu")];
    // Absent, not 2041 Gi derived from workloadAvailable − allocated.
    assert!(!m.has("aipool_queue_remaining_memory_bytes", &q));
    assert_eq!(m.value("aipool_queue_remaining_cpu_cores", &q), 415.14);
    assert_eq!(m.value("aipool_queue_remaining_accelerators", &rtx), 16.0);
    assert_eq!(m.value("aipool_queue_capability_cpu_cores", &q), 444.0);
    assert_eq!(
        m.value("aipool_queue_capability_memory_bytes", &q),
        2220198166528.0
    );
    assert_eq!(
        m.value("aipool_queue_workload_available_memory_bytes", &q),
        2041.0 * GIB
    );
    assert_eq!(m.value("aipool_queue_allocated_memory_bytes", &q), 0.0);
    // The pool's free memory would be a sum short of that queue: none.
    let p = [acc, ("pool_id", "cce-6b41lf00")];
    assert!(!m.has("aipool_pool_remaining_memory_bytes", &p));
    assert_eq!(m.value("aipool_pool_remaining_cpu_cores", &p), 415.14);
    assert_eq!(
        m.value("aipool_pool_capability_memory_bytes", &p),
        2220198166528.0
    );
    assert_eq!(m.value("aipool_pool_nodes", &p), 6.0);
    // The other queue and the other pools as seeded.
    assert_eq!(
        m.value(
            "aipool_queue_info",
            &[acc, ("queue_id", "queue-2gq4pm986duy"), ("parent_queue", Q)]
        ),
        1.0
    );
    assert_eq!(
        m.value("aipool_pool_nodes", &[acc, ("pool_id", "cce-k8yq20rt")]),
        5.0
    );
    assert_serverless_seed(&m, acc);
    assert_eq!(m.find("aipool_pool_info", &[acc]).len(), 6);
    assert_eq!(m.find("aipool_queue_info", &[acc]).len(), 6);
}

/// The serverless seed's figures (aihc-test-pd-as and wanlei-test).
fn assert_serverless_seed(m: &Metrics, acc: (&str, &str)) {
    for id in ["aihcq-1jpvdatpi23i", "aihcq-2fbh72rxz1s0"] {
        let q = [acc, ("queue_id", id)];
        assert_eq!(m.value("aipool_queue_remaining_cpu_cores", &q), 72.0);
        assert_eq!(
            m.value("aipool_queue_remaining_memory_bytes", &q),
            849.0 * GIB
        );
        assert_eq!(
            m.value(
                "aipool_queue_remaining_accelerators",
                &[q[0], q[1], ("accelerator", "baidu.com/h20_141g_cgpu")]
            ),
            0.0
        );
    }
    assert_eq!(
        m.value(
            "aipool_queue_remaining_accelerators",
            &[
                acc,
                ("queue_id", "aihcq-vn5bx255v2s3"),
                ("accelerator", "baidu.com/h20_96g_cgpu")
            ]
        ),
        8.0
    );
    let sp = [acc, ("pool_id", "aihc-mv940z1b57zu")];
    assert_eq!(m.value("aipool_pool_capability_cpu_cores", &sp), 176.0);
    assert_eq!(m.value("aipool_pool_remaining_cpu_cores", &sp), 72.0);
}

/// One pool's `v3/queues` answers 503 after its retries: that pool is left
/// out, the other pools are fresh and exact, the account is up.
#[test]
fn console_one_failing_pool_leaves_the_others() {
    let (_sim, sim) = simulator_with(&[
        "--page-cap",
        "1",
        "--faults",
        "resourcePoolId=cce-6b41lf00=5xx",
    ]);
    let (_exp, addr) = exporter(&console_config(&sim, credentials::AIHC_CONSOLE_COOKIE), &[]);
    let m = scrape(&addr);
    let acc = ("account", "console");
    assert_eq!(m.value("aipool_up", &[acc]), 1.0);
    assert!(
        m.value(
            "aipool_api_request_failures_total",
            &[acc, ("api", "v3/queues"), ("reason", "http_5xx")]
        ) >= 1.0
    );
    // Nothing of the failing pool: not its entry, not its queues.
    let p = [acc, ("pool_id", "cce-6b41lf00")];
    assert!(!m.has("aipool_pool_info", &p));
    assert!(!m.has("aipool_pool_nodes", &p));
    assert!(!m.has("aipool_queue_info", &p));
    assert!(!m.has("aipool_pool_capability_cpu_cores", &p));
    // The other common pool and the serverless ones, exact.
    assert_eq!(
        m.value(
            "aipool_pool_info",
            &[acc, ("pool_id", "cce-k8yq20rt"), ("pool_type", "common")]
        ),
        1.0
    );
    assert_eq!(
        m.value("aipool_pool_nodes", &[acc, ("pool_id", "cce-k8yq20rt")]),
        5.0
    );
    assert_serverless_seed(&m, acc);
    assert_eq!(m.find("aipool_pool_info", &[acc]).len(), 5);
    assert_eq!(m.find("aipool_queue_info", &[acc]).len(), 4);
}

/// The OpenAPI: one pool's DescribeQueues fails, another pool's root queue
/// has a negative allocated memory. The failing pool is left out; the bad
/// figure, and the free and total figures derived from it, are absent; the
/// rest is exact.
#[test]
fn openapi_one_failing_pool_and_one_bad_field() {
    let (_sim, sim) = simulator_with(&[
        "--page-cap",
        "1",
        "--faults",
        r#"resourcePoolId=cce-6b41lf00=5xx,resourcePoolId=cce-k8yq20rt=corrupt:allocated.memoryGi="-1""#,
    ]);
    let (_exp, addr) = exporter(
        &openapi_config(&sim, "open", credentials::BCE_SECRET_ACCESS_KEY),
        &[],
    );
    let m = scrape(&addr);
    let acc = ("account", "open");
    assert_eq!(m.value("aipool_up", &[acc]), 1.0);
    assert!(
        m.value(
            "aipool_api_request_failures_total",
            &[acc, ("api", "DescribeQueues"), ("reason", "http_5xx")]
        ) >= 1.0
    );
    assert!(decode_errors(&m, acc, "DescribeQueues", "negative") >= 1.0);
    assert!(!m.has("aipool_pool_info", &[acc, ("pool_id", "cce-6b41lf00")]));
    assert!(!m.has("aipool_queue_info", &[acc, ("pool_id", "cce-6b41lf00")]));
    let root = [acc, ("queue_id", "queue-root-k8yq")];
    assert!(!m.has("aipool_queue_allocated_memory_bytes", &root));
    // capability − allocated: CPU 192 − 96.5 stands, memory has no allocated.
    assert!(!m.has("aipool_queue_remaining_memory_bytes", &root));
    assert_eq!(m.value("aipool_queue_remaining_cpu_cores", &root), 95.5);
    assert_eq!(
        m.value("aipool_queue_capability_memory_bytes", &root),
        9449599258624.0
    );
    let a = [acc, ("queue_id", "queue-team-a")];
    assert_eq!(m.value("aipool_queue_remaining_cpu_cores", &a), 32.0);
    assert_eq!(
        m.value("aipool_queue_remaining_memory_bytes", &a),
        512.0 * GIB
    );
    let p = [acc, ("pool_id", "cce-k8yq20rt")];
    let p_gpu = [p[0], p[1], ("accelerator", "baidu.com/a800_80g_cgpu")];
    assert!(!m.has("aipool_pool_allocated_memory_bytes", &p));
    assert!(!m.has("aipool_pool_remaining_memory_bytes", &p));
    assert_eq!(m.value("aipool_pool_remaining_cpu_cores", &p), 95.5);
    // Quota 8 − 6 allocated = 2, bounded by the hardware's 1 free card.
    assert_eq!(m.value("aipool_pool_remaining_accelerators", &p_gpu), 1.0);
    assert_eq!(m.value("aipool_pool_allocated_accelerators", &p_gpu), 6.0);
}

/// The hardware overview fails (a 5xx past its retries): a counted partial
/// error; the account stays up and every quota figure stays, unbounded
/// (the team root reads its quota's 2 free cards, not the hardware's 1).
#[test]
fn openapi_a_failing_overview_leaves_the_quotas_unbounded() {
    let (_sim, sim) = simulator_with(&["--faults", "DescribeResourcePoolOverview=5xx"]);
    let (_exp, addr) = exporter(
        &openapi_config(&sim, "open", credentials::BCE_SECRET_ACCESS_KEY),
        &[],
    );
    let m = scrape(&addr);
    let acc = ("account", "open");
    assert_eq!(m.value("aipool_up", &[acc]), 1.0);
    assert_eq!(m.value("aipool_poll_partial_errors", &[acc]), 1.0);
    assert!(
        m.value(
            "aipool_api_request_failures_total",
            &[
                acc,
                ("api", "DescribeResourcePoolOverview"),
                ("reason", "http_5xx")
            ]
        ) >= 1.0
    );
    let gpu = ("accelerator", "baidu.com/a800_80g_cgpu");
    let root = [acc, ("queue_id", "queue-root-k8yq"), gpu];
    assert_eq!(m.value("aipool_queue_remaining_accelerators", &root), 2.0);
    let b = [acc, ("queue_id", "queue-team-b"), gpu];
    assert_eq!(m.value("aipool_queue_remaining_accelerators", &b), 1.5);
    let p = [acc, ("pool_id", "cce-k8yq20rt"), gpu];
    assert_eq!(m.value("aipool_pool_remaining_accelerators", &p), 2.0);
    assert!(m
        .find("aipool_pool_physical_capability_accelerators", &[acc])
        .is_empty());
    assert_eq!(
        m.value(
            "aipool_normalizations_total",
            &[acc, ("rule", "remaining_bounded_by_pool_idle")]
        ),
        0.0
    );
}
