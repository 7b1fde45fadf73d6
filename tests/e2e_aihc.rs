//! End to end: the real binary polls the simulated AIHC (separate process, page
//! size capped at 1 so every list pages) and the test reads `/metrics` as a
//! scraper would.
//!
//! Values the simulator serves are pinned by `tests/fixtures/expected/aihc.prom`
//! (the golden exposition, `tests/golden.rs`). This file asserts behaviour:
//! the seeds' arithmetic, the normalisation rules, paging, faults, partial
//! errors, decode errors and auth; made-up simulator figures appear only
//! where they show a rule.

mod common;

use common::*;

fn console_config(sim: &str, cookie: &str) -> String {
    format!(
        r#"
[[accounts]]
name = "console"
provider = "aihc"
api = "console"
region = "bj"
endpoint = "http://{sim}/api/aihc/aihc-service"
interval = "1h"
timeout = "5s"
pool_types = ["common", "serverless"]
cookie = "{cookie}"
"#
    )
}

fn openapi_config(sim: &str, name: &str, sk: &str) -> String {
    let keys = "interval = \"1h\"\ntimeout = \"5s\"\npool_types = [\"common\", \"dedicatedV2\"]";
    aihc_openapi_account(sim, name, sk, keys)
}

const Q: &str = "queue-nllqttp17gv6";

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

#[test]
fn a_bad_signature_takes_only_that_account_down() {
    let (_sim, sim) = simulator(100);
    let config = format!(
        "{}{}",
        openapi_config(&sim, "good", credentials::BCE_SECRET_ACCESS_KEY),
        openapi_config(&sim, "bad", "WRONG-SECRET-0123456789")
    );
    let (exp, addr) = exporter(&config, &["--log.level=debug"]);
    let m = scrape(&addr);
    assert_eq!(m.value("aipool_up", &[("account", "good")]), 1.0);
    assert_eq!(m.value("aipool_up", &[("account", "bad")]), 0.0);
    assert_eq!(
        m.value(
            "aipool_api_request_failures_total",
            &[
                ("account", "bad"),
                ("api", "DescribeResourcePools"),
                ("reason", "auth")
            ]
        ),
        1.0
    );
    assert_eq!(
        m.value(
            "aipool_polls_total",
            &[("account", "bad"), ("result", "failure")]
        ),
        1.0
    );
    assert!(!m.has("aipool_pool_info", &[("account", "bad")]));
    assert!(m.has("aipool_pool_info", &[("account", "good")]));
    // The failed account never published a success.
    assert!(!m.has(
        "aipool_last_success_timestamp_seconds",
        &[("account", "bad")]
    ));
    let log = exp.stderr();
    assert!(log.contains("SignatureDoesNotMatch"), "{log}");
    assert!(log.contains("account=bad"), "{log}");
    assert!(
        !log.contains("WRONG-SECRET"),
        "the secret reached the log:\n{log}"
    );
    assert!(
        !log.contains(credentials::BCE_SECRET_ACCESS_KEY),
        "the secret reached the log:\n{log}"
    );
    // The landing page says why, without secrets.
    let (status, _, page) = get(&addr, "/", &[]).unwrap();
    assert_eq!(status, 200);
    assert!(
        page.contains("SignatureDoesNotMatch") && !page.contains("WRONG-SECRET"),
        "{page}"
    );
}

#[test]
fn an_expired_console_session_is_an_auth_failure() {
    let (_sim, sim) = simulator(100);
    let (exp, addr) = exporter(&console_config(&sim, "bce-sessionid=expired"), &[]);
    let m = scrape(&addr);
    assert_eq!(m.value("aipool_up", &[("account", "console")]), 0.0);
    assert_eq!(
        m.value(
            "aipool_api_request_failures_total",
            &[("api", "v3/resourcepools"), ("reason", "auth")]
        ),
        1.0
    );
    assert!(
        exp.stderr().contains("cookie has likely expired"),
        "{}",
        exp.stderr()
    );
}

#[test]
fn an_unreachable_upstream_is_a_connect_failure() {
    let port = free_port();
    let config = openapi_config(&format!("127.0.0.1:{port}"), "gone", "x");
    let (_exp, addr) = exporter(&config, &[]);
    let m = scrape(&addr);
    assert_eq!(m.value("aipool_up", &[("account", "gone")]), 0.0);
    assert_eq!(
        m.value(
            "aipool_api_request_failures_total",
            &[("api", "DescribeResourcePools"), ("reason", "connect")]
        ),
        // The first attempt and the two default retries.
        3.0
    );
}

#[test]
fn openmetrics_when_asked_classic_text_otherwise() {
    let (_sim, sim) = simulator(100);
    let (_exp, addr) = exporter(
        &openapi_config(&sim, "open", credentials::BCE_SECRET_ACCESS_KEY),
        &[],
    );
    let (_, h, body) = get(&addr, "/metrics", &[]).unwrap();
    assert_eq!(
        h["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    assert!(body.contains("# TYPE aipool_pool_info gauge\n"));
    assert!(!body.contains("# EOF"));
    let (_, h, om) = get(
        &addr,
        "/metrics",
        &[(
            "Accept",
            "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
        )],
    )
    .unwrap();
    assert!(h["content-type"].starts_with("application/openmetrics-text; version=1.0.0"));
    assert!(om.ends_with("# EOF\n"));
    assert!(om.contains("# TYPE aipool_pool info\n"));
    assert!(om.contains("# TYPE aipool_api_requests counter\n"));
    // The same samples in both formats.
    let samples = |t: &str| {
        t.lines()
            .filter(|l| !l.starts_with('#'))
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(samples(&body), samples(&om));
    // Two scrapes of one snapshot are byte-identical.
    let (_, _, again) = get(&addr, "/metrics", &[]).unwrap();
    assert_eq!(body, again);
}

#[test]
fn health_ready_landing_and_unknown_paths() {
    let (_sim, sim) = simulator(100);
    let (_exp, addr) = exporter(
        &openapi_config(&sim, "open", credentials::BCE_SECRET_ACCESS_KEY),
        &[],
    );
    assert_eq!(get(&addr, "/healthz", &[]).unwrap().0, 200);
    assert_eq!(get(&addr, "/ready", &[]).unwrap().0, 200);
    let (status, h, page) = get(&addr, "/", &[]).unwrap();
    assert_eq!(status, 200);
    assert!(h["content-type"].starts_with("text/html"));
    assert!(
        page.contains("href=\"/metrics\"") && page.contains("open"),
        "{page}"
    );
    assert_eq!(get(&addr, "/nope", &[]).unwrap().0, 404);
}

#[test]
fn an_sts_token_is_sent_and_signed() {
    let (_sim, sim) = simulator(100);
    let config = format!(
        "{}security_token = \"sts-session-token-0001\"\n",
        openapi_config(&sim, "sts", credentials::BCE_SECRET_ACCESS_KEY)
    );
    let (_exp, addr) = exporter(&config, &[]);
    let m = scrape(&addr);
    // The simulator verifies the signature over every header the client says it
    // signed, so a token header that was sent but signed wrong would fail here.
    assert_eq!(m.value("aipool_up", &[("account", "sts")]), 1.0);
}

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
