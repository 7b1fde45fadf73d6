//! The console API and the OpenAPI end to end: the seeds' figures and the
//! normalisation rules.

use super::*;

#[test]
fn console_api_end_to_end() {
    let (_sim, sim) = simulator(1);
    let (_exp, addr) = exporter(&console_config(&sim, credentials::AIHC_CONSOLE_COOKIE), &[]);
    let m = scrape(&addr);
    let acc = ("account", "console");
    assert_eq!(m.value("aipool_up", &[("provider", "aihc"), acc]), 1.0);

    // The seed queue, quirks normalised: capability "444" milliCPUcores is cores,
    // "2220198166528" memoryGi is bytes; remaining "415140" milli and "2041" Gi.
    let q = [
        acc,
        ("cloud_region", "bj"),
        ("pool_id", "cce-6b41lf00"),
        ("queue_id", Q),
    ];
    let acc_q = [
        q[0],
        q[1],
        q[2],
        q[3],
        ("accelerator", "baidu.com/rtx_4090_cgpu"),
    ];
    assert_eq!(
        m.value("aipool_queue_capability_accelerators", &acc_q),
        16.0
    );
    assert_eq!(m.value("aipool_queue_capability_cpu_cores", &q), 444.0);
    assert_eq!(
        m.value("aipool_queue_capability_memory_bytes", &q),
        2220198166528.0
    );
    assert_eq!(m.value("aipool_queue_remaining_cpu_cores", &q), 415.14);
    assert_eq!(
        m.value("aipool_queue_remaining_memory_bytes", &q),
        2041.0 * GIB
    );
    assert_eq!(
        m.value("aipool_queue_workload_available_accelerators", &acc_q),
        16.0
    );
    assert_eq!(m.value("aipool_queue_allocated_cpu_cores", &q), 0.0);
    // The seed's remaining lists no cards: free cards = workloadAvailable 16 −
    // allocated (no entry) 0.
    assert_eq!(m.value("aipool_queue_remaining_accelerators", &acc_q), 16.0);
    assert!(!m.has("aipool_queue_allocated_accelerators", &q));
    // `{}` blocks give no series at all.
    assert!(!m.has("aipool_queue_deserved_cpu_cores", &q));
    assert!(!m.has("aipool_queue_guarantee_accelerators", &q));
    // The root is named after the pseudo-root and is its own parent: top-level.
    assert_eq!(
        m.value(
            "aipool_queue_info",
            &[
                acc,
                ("queue_id", Q),
                ("queue_name", "63a9f0ea7bb98050796b649e85481845"),
                ("queue_type", "Elastic"),
                ("parent_queue", "")
            ]
        ),
        1.0
    );
    // `default` names "63a9f0ea…" by queueName: that is the root's id.
    let default = [acc, ("queue_id", "queue-2gq4pm986duy")];
    assert_eq!(
        m.value(
            "aipool_queue_info",
            &[
                default[0],
                default[1],
                ("queue_name", "default"),
                ("parent_queue", Q)
            ]
        ),
        1.0
    );
    // Nothing says what `default` has free: no series.
    assert!(!m.has("aipool_queue_remaining_cpu_cores", &default));
    // The pool's totals are its one top-level queue's.
    let p = [acc, ("pool_id", "cce-6b41lf00")];
    let p_rtx = [p[0], p[1], ("accelerator", "baidu.com/rtx_4090_cgpu")];
    assert_eq!(m.value("aipool_pool_capability_cpu_cores", &p), 444.0);
    assert_eq!(
        m.value("aipool_pool_capability_memory_bytes", &p),
        2220198166528.0
    );
    assert_eq!(m.value("aipool_pool_capability_accelerators", &p_rtx), 16.0);
    assert_eq!(m.value("aipool_pool_allocated_cpu_cores", &p), 0.0);
    assert_eq!(m.value("aipool_pool_allocated_memory_bytes", &p), 0.0);
    assert!(!m.has("aipool_pool_allocated_accelerators", &p));
    assert_eq!(m.value("aipool_pool_remaining_cpu_cores", &p), 415.14);
    assert_eq!(
        m.value("aipool_pool_remaining_memory_bytes", &p),
        2041.0 * GIB
    );
    assert_eq!(m.value("aipool_pool_remaining_accelerators", &p_rtx), 16.0);
    assert!(!m.has("aipool_pool_workload_available_cpu_cores", &p));
    assert_eq!(
        m.value(
            "aipool_accelerator_info",
            &[
                acc,
                ("accelerator", "baidu.com/rtx_4090_cgpu"),
                ("model", "NVIDIA GeForce RTX 4090")
            ]
        ),
        1.0
    );

    // Pools of both kinds; all four pages of the capped lists were followed,
    // and the two pools only serverless queues name are created from them.
    assert_eq!(m.find("aipool_pool_info", &[acc]).len(), 6);
    assert_eq!(
        m.value(
            "aipool_pool_info",
            &[
                acc,
                ("pool_id", "cce-6b41lf00"),
                ("pool_name", "aihc-new-spec-test"),
                ("pool_type", "common"),
                ("phase", "running")
            ]
        ),
        1.0
    );
    assert_eq!(
        m.value("aipool_pool_nodes", &[acc, ("pool_id", "cce-6b41lf00")]),
        6.0
    );
    assert_eq!(
        m.value(
            "aipool_pool_nodes",
            &[acc, ("pool_id", "aihc-18ocpls8ts6b")]
        ),
        1.0
    );
    assert_eq!(
        m.value("aipool_pool_info", &[acc, ("pool_id", "aihc-18ocpls8ts6b")]),
        1.0
    );
    assert_eq!(
        m.value(
            "aipool_api_requests_total",
            &[acc, ("api", "v3/resourcepools")]
        ),
        2.0
    );
    assert_eq!(
        m.value("aipool_api_requests_total", &[acc, ("api", "v3/queues")]),
        2.0
    );
    assert_eq!(
        m.value(
            "aipool_api_requests_total",
            &[acc, ("api", "v2/serverless/resourceQueue")]
        ),
        2.0
    );

    // Serverless trees are flattened, children keep their parent; the pool is
    // the queue's first resourcePoolIds entry.
    let child = [
        acc,
        ("pool_id", "aihc-mv940z1b57zu"),
        ("queue_id", "aihcq-2fbh72rxz1s0"),
    ];
    assert_eq!(
        m.value(
            "aipool_queue_info",
            &[
                child[0],
                child[1],
                child[2],
                ("parent_queue", "aihcq-1jpvdatpi23i")
            ]
        ),
        1.0
    );
    // The root names the pseudo-root "63a9f0ea…", no listed queue: top-level.
    assert_eq!(
        m.value(
            "aipool_queue_info",
            &[
                acc,
                ("queue_id", "aihcq-1jpvdatpi23i"),
                ("queue_name", "aihc-test-pd-as"),
                ("parent_queue", "")
            ]
        ),
        1.0
    );
    // aihc-test-pd-as, root and child: 8 of 8 H20-141G cards allocated, 0 free;
    // cpu 72 = 172 − 100 and memory 849 Gi = 1874 − 1025, as reported.
    let h20 = ("accelerator", "baidu.com/h20_141g_cgpu");
    for id in ["aihcq-1jpvdatpi23i", "aihcq-2fbh72rxz1s0"] {
        let q = [acc, ("queue_id", id)];
        let cards = [acc, ("queue_id", id), h20];
        assert_eq!(m.value("aipool_queue_remaining_accelerators", &cards), 0.0);
        assert_eq!(
            m.value("aipool_queue_workload_available_accelerators", &cards),
            8.0
        );
        assert_eq!(m.value("aipool_queue_remaining_cpu_cores", &q), 72.0);
        assert_eq!(
            m.value("aipool_queue_remaining_memory_bytes", &q),
            849.0 * GIB
        );
    }
    // wanlei-test: 8 H20-96G, none allocated: 8 free.
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
    // The serverless pool no pool list has, named by its queues, with totals
    // from its top-level queue.
    let sp = [acc, ("pool_id", "aihc-mv940z1b57zu")];
    assert_eq!(
        m.value(
            "aipool_pool_info",
            &[
                sp[0],
                sp[1],
                ("pool_name", "aihc-reg-pool-bhdyd"),
                ("pool_type", "serverless")
            ]
        ),
        1.0
    );
    for (kind, cards, cpu) in [
        ("capability", 8.0, 176.0),
        ("allocated", 8.0, 100.0),
        ("remaining", 0.0, 72.0),
    ] {
        assert_eq!(
            m.value(
                &format!("aipool_pool_{kind}_accelerators"),
                &[sp[0], sp[1], h20]
            ),
            cards,
            "{kind}"
        );
        assert_eq!(
            m.value(&format!("aipool_pool_{kind}_cpu_cores"), &sp),
            cpu,
            "{kind}"
        );
    }
    assert_eq!(
        m.value("aipool_pool_remaining_memory_bytes", &sp),
        849.0 * GIB
    );
    assert_eq!(m.value("aipool_queue_capability_cpu_cores", &child), 176.0);
    assert_eq!(
        m.value("aipool_queue_capability_memory_bytes", &child),
        1952.0 * GIB
    );
    assert_eq!(
        m.value(
            "aipool_queue_allocated_accelerators",
            &[
                child[0],
                child[1],
                child[2],
                ("accelerator", "baidu.com/h20_141g_cgpu")
            ]
        ),
        8.0
    );
    assert_eq!(
        m.value(
            "aipool_queue_workloads",
            &[child[0], child[1], child[2], ("state", "running")]
        ),
        1.0
    );
    assert_eq!(
        m.value(
            "aipool_queue_workloads",
            &[child[0], child[1], child[2], ("state", "pending")]
        ),
        1.0
    );
    assert_eq!(
        m.value(
            "aipool_queue_workloads",
            &[child[0], child[1], child[2], ("state", "inqueue")]
        ),
        0.0
    );
    assert_eq!(m.find("aipool_queue_info", &[acc]).len(), 6);

    // The rules of the one poll.
    for (rule, n) in [
        ("memory_gi_is_bytes", 1.0),
        // "444" beside memory in bytes, not against how full the queue is.
        ("milli_cpu_is_cores_beside_bytes", 1.0),
        ("milli_cpu_is_cores", 0.0),
        // Cards: the console root and the four serverless queues.
        ("remaining_from_workload_available", 5.0),
        ("remaining_from_capability", 0.0),
        ("remaining_clamped_at_zero", 0.0),
        ("parent_queue_is_self", 1.0),
        ("parent_queue_by_name", 1.0),
        ("parent_queue_not_listed", 2.0),
        ("duplicate_queue_name", 2.0),
        ("pool_named_by_queue", 2.0),
        ("pool_totals_from_top_level_queues", 3.0),
        ("pool_total_incomplete", 0.0),
    ] {
        assert_eq!(
            m.value("aipool_normalizations_total", &[acc, ("rule", rule)]),
            n,
            "{rule}"
        );
    }
    assert_eq!(
        m.value("aipool_polls_total", &[acc, ("result", "success")]),
        1.0
    );
    assert!(m.value("aipool_last_success_timestamp_seconds", &[acc]) > 1.7e9);

    // The status page: the full queue shows 0 free, 0 % headroom, first (after
    // its pool's total row, which is as full).
    let (status, _, page) = get(&addr, "/", &[]).unwrap();
    assert_eq!(status, 200);
    let rows: Vec<&str> = page
        .split(r#"<table class="capacity">"#)
        .nth(1)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("<tr"))
        .collect();
    let head: Vec<bool> = [
        r#"data-kind="pool" data-provider="aihc" data-account="console" data-cloud-region="bj" data-pool-id="aihc-mv940z1b57zu""#,
        r#"data-queue-id="aihcq-1jpvdatpi23i""#,
        r#"data-queue-id="aihcq-2fbh72rxz1s0""#,
    ]
    .iter()
    .zip(&rows)
    .map(|(want, row)| {
        row.contains(want)
            && row.contains(r#"data-free="0""#)
            && row.contains(r#"data-free-source="remaining""#)
            && row.contains(r#"<span class="h-low">0 %</span>"#)
    })
    .collect();
    assert_eq!(head, [true, true, true], "{rows:#?}");
    assert!(rows[1].contains("aihc-test-pd-as"), "{}", rows[1]);
}

#[test]
fn openapi_end_to_end() {
    let (_sim, sim) = simulator(1);
    let (_exp, addr) = exporter(
        &openapi_config(&sim, "open", credentials::BCE_SECRET_ACCESS_KEY),
        &[],
    );
    let m = scrape(&addr);
    let acc = ("account", "open");
    assert_eq!(m.value("aipool_up", &[acc]), 1.0);

    // remaining = capability − allocated, per resource.
    let a = [
        acc,
        ("pool_id", "cce-k8yq20rt"),
        ("queue_id", "queue-team-a"),
    ];
    let gpu = ("accelerator", "baidu.com/a800_80g_cgpu");
    assert_eq!(
        m.value(
            "aipool_queue_capability_accelerators",
            &[a[0], a[1], a[2], gpu]
        ),
        4.0
    );
    assert_eq!(
        m.value(
            "aipool_queue_allocated_accelerators",
            &[a[0], a[1], a[2], gpu]
        ),
        3.5
    );
    assert_eq!(
        m.value(
            "aipool_queue_remaining_accelerators",
            &[a[0], a[1], a[2], gpu]
        ),
        0.5
    );
    assert_eq!(m.value("aipool_queue_remaining_cpu_cores", &a), 32.0);
    assert_eq!(
        m.value("aipool_queue_remaining_memory_bytes", &a),
        512.0 * GIB
    );
    assert_eq!(
        m.value(
            "aipool_queue_guarantee_accelerators",
            &[a[0], a[1], a[2], gpu]
        ),
        2.0
    );
    // The common pools' answers have no workload-available block.
    assert!(!m.has(
        "aipool_queue_workload_available_cpu_cores",
        &[acc, ("pool_id", "cce-k8yq20rt")]
    ));
    assert!(!m.has(
        "aipool_queue_workload_available_cpu_cores",
        &[acc, ("pool_id", "cce-6b41lf00")]
    ));

    // The tree is flattened; team-a names its parent by queueName ("root"),
    // team-b names none and gets it from the tree: both get the root's id.
    assert_eq!(
        m.value(
            "aipool_queue_info",
            &[
                acc,
                ("queue_id", "queue-team-a"),
                ("parent_queue", "queue-root-k8yq")
            ]
        ),
        1.0
    );
    assert_eq!(
        m.value(
            "aipool_queue_info",
            &[
                acc,
                ("queue_id", "queue-team-b"),
                ("parent_queue", "queue-root-k8yq"),
                ("queue_type", "Elastic")
            ]
        ),
        1.0
    );
    let root = [acc, ("queue_id", "queue-root-k8yq")];
    assert_eq!(m.value("aipool_queue_remaining_cpu_cores", &root), 95.5);
    assert_eq!(
        m.value(
            "aipool_queue_info",
            &[root[0], root[1], ("parent_queue", "")]
        ),
        1.0
    );
    // Free bounded by the pool's hardware (DescribeResourcePoolOverview):
    // the pool has 8 cards and 7 of them allocated, so 1 is free. The root's
    // quota of 8 with 6 allocated reads 2 free by quota, 1 in fact; team-b's
    // 4 with 2.5 allocated reads 1.5, 1 in fact; team-a's 0.5 (quota 4, 3.5
    // allocated) is below the bound and stays.
    let root_gpu = [root[0], root[1], gpu];
    assert_eq!(
        m.value("aipool_queue_allocated_accelerators", &root_gpu),
        6.0
    );
    assert_eq!(
        m.value("aipool_queue_remaining_accelerators", &root_gpu),
        1.0
    );
    let b_gpu = [acc, ("queue_id", "queue-team-b"), gpu];
    assert_eq!(m.value("aipool_queue_remaining_accelerators", &b_gpu), 1.0);
    // The pool's totals are the root's alone (the teams are inside it).
    let p = [acc, ("pool_id", "cce-k8yq20rt")];
    let p_gpu = [p[0], p[1], gpu];
    assert_eq!(m.value("aipool_pool_capability_cpu_cores", &p), 192.0);
    assert_eq!(m.value("aipool_pool_capability_accelerators", &p_gpu), 8.0);
    assert_eq!(m.value("aipool_pool_allocated_accelerators", &p_gpu), 6.0);
    assert_eq!(m.value("aipool_pool_remaining_accelerators", &p_gpu), 1.0);
    assert_eq!(m.value("aipool_pool_remaining_cpu_cores", &p), 95.5);
    // The hardware beside the quota, under the quota's accelerator name.
    for (kind, v) in [("capability", 8.0), ("allocated", 7.0), ("remaining", 1.0)] {
        assert_eq!(
            m.value(&format!("aipool_pool_physical_{kind}_accelerators"), &p_gpu),
            v,
            "{kind}"
        );
    }

    // The seed queue through the OpenAPI: same capability as the console;
    // without remaining or workloadAvailable free is capability − allocated
    // (an upper bound: 444 cores, not the console's 415.14).
    let q = [acc, ("queue_id", Q)];
    assert_eq!(m.value("aipool_queue_capability_cpu_cores", &q), 444.0);
    assert_eq!(m.value("aipool_queue_remaining_cpu_cores", &q), 444.0);
    assert_eq!(
        m.value(
            "aipool_queue_remaining_accelerators",
            &[q[0], q[1], ("accelerator", "baidu.com/rtx_4090_cgpu")]
        ),
        16.0
    );
    assert_eq!(
        m.value(
            "aipool_queue_info",
            &[acc, ("queue_id", "queue-2gq4pm986duy"), ("parent_queue", Q)]
        ),
        1.0
    );

    // Dedicated pools' answers have remaining and workloadAvailable: used as
    // the console's are. aihc-test-pd-as: 0 free cards, 72 free cores.
    let full = [
        acc,
        ("pool_id", "aihc-ktb0jfkvfkwv"),
        ("queue_id", "aihcq-2fbh72rxz1s0"),
    ];
    let h20 = ("accelerator", "baidu.com/h20_141g_cgpu");
    assert_eq!(
        m.value(
            "aipool_queue_remaining_accelerators",
            &[full[0], full[1], full[2], h20]
        ),
        0.0
    );
    assert_eq!(m.value("aipool_queue_remaining_cpu_cores", &full), 72.0);
    let fp = [acc, ("pool_id", "aihc-ktb0jfkvfkwv")];
    assert_eq!(
        m.value("aipool_pool_capability_accelerators", &[fp[0], fp[1], h20]),
        8.0
    );
    assert_eq!(
        m.value("aipool_pool_remaining_accelerators", &[fp[0], fp[1], h20]),
        0.0
    );
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

    // Dedicated pools and their converted trees.
    assert_eq!(
        m.value(
            "aipool_pool_info",
            &[
                acc,
                ("pool_id", "aihc-18ocpls8ts6b"),
                ("pool_type", "dedicatedV2")
            ]
        ),
        1.0
    );
    assert_eq!(
        m.value(
            "aipool_queue_info",
            &[
                acc,
                ("pool_id", "aihc-18ocpls8ts6b"),
                ("queue_id", "aihcq-yvqh14qdtdg0")
            ]
        ),
        1.0
    );
    assert_eq!(m.find("aipool_pool_info", &[acc]).len(), 4);
    // 2 pool types × 2 pages of 1, then DescribeQueues per pool: the flat
    // cce-6b41lf00 has 2 queues → 2 pages of 1; each tree pool answers every
    // page with its whole tree (totalCount counting the nested queues), so
    // page 2 adds nothing new and ends the list → 2 pages each, every queue
    // once. One overview per poll.
    assert_eq!(
        m.value(
            "aipool_api_requests_total",
            &[acc, ("api", "DescribeResourcePools")]
        ),
        4.0
    );
    assert_eq!(
        m.value(
            "aipool_api_requests_total",
            &[acc, ("api", "DescribeQueues")]
        ),
        8.0
    );
    assert_eq!(
        m.value(
            "aipool_api_requests_total",
            &[acc, ("api", "DescribeResourcePoolOverview")]
        ),
        1.0
    );
    assert_eq!(
        m.find("aipool_queue_info", &[acc, ("queue_id", "queue-team-a")])
            .len(),
        1
    );
    for (rule, n) in [
        // queue-nllqttp17gv6 and the team root: capability memory in bytes.
        ("milli_cpu_is_cores_beside_bytes", 2.0),
        ("milli_cpu_is_cores", 0.0),
        // cpu, memory and cards of queue-nllqttp17gv6, the root, team-a, team-b.
        ("remaining_from_capability", 12.0),
        // The cards of the four dedicated-pool queues.
        ("remaining_from_workload_available", 4.0),
        ("remaining_clamped_at_zero", 0.0),
        // `default` and team-a.
        ("parent_queue_by_name", 2.0),
        ("parent_queue_is_self", 1.0),
        ("parent_queue_not_listed", 2.0),
        ("pool_totals_from_top_level_queues", 4.0),
        ("pool_named_by_queue", 0.0),
        // The root's, team-b's and the pool's free cards.
        ("remaining_bounded_by_pool_idle", 3.0),
        ("remaining_not_bounded_mixed_accelerators", 0.0),
        ("pool_missing_from_overview", 0.0),
        ("overview_pool_not_polled", 0.0),
        // The trees repeated on page 2 are identical: dropped silently.
        ("queue_repeated_kept_first", 0.0),
    ] {
        assert_eq!(
            m.value("aipool_normalizations_total", &[acc, ("rule", rule)]),
            n,
            "{rule}"
        );
    }
}
