//! End to end: the real binary polls the simulated ModelArts (separate process,
//! pages capped so every list pages) in both auth modes, and the test reads
//! `/metrics` as a scraper would.
//!
//! Values the simulator serves are pinned by
//! `tests/fixtures/expected/modelarts.prom` (the golden exposition,
//! `tests/golden.rs`). This file asserts behaviour: the seed's arithmetic,
//! node sums, account totals, paging, workspaces, faults, partial errors,
//! decode errors and auth; the pool helpers keep their figures because the
//! fault tests use them to show the other pools stay exact.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::*;

use aipool_sim::modelarts::{
    CORRUPT_POOL, CORRUPT_WORKSPACE, LOGICAL_POOL, MALFORMED_POOL, MIXED_POOL, OTHER_WORKSPACE,
    PRIVATE_POOL, PRIVATE_WORKSPACE, SEED_POOL, TEAM_ACCESS_KEY_ID, TEAM_IAM_USER,
    TEAM_SECRET_ACCESS_KEY,
};

const GPU: (&str, &str) = ("accelerator", "nvidia.com/gpu");
const SNT9: (&str, &str) = ("accelerator", "huawei.com/ascend-snt9");
const SNT3: (&str, &str) = ("accelerator", "huawei.com/ascend-snt3");
const GPU_FLAVOR: &str = "modelarts.bm.gpu.8v100";
const NPU_FLAVOR: &str = "modelarts.bm.npu.arm.8snt9b3.d";

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
    aksk_of(credentials::HUAWEI_ACCESS_KEY_ID, sk)
}

fn aksk_of(ak: &str, sk: &str) -> String {
    format!("access_key_id = \"{ak}\"\nsecret_access_key = \"{sk}\"\n")
}

/// The credentials of a team member who may not read the private workspace.
fn team_aksk() -> String {
    aksk_of(TEAM_ACCESS_KEY_ID, TEAM_SECRET_ACCESS_KEY)
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

type Labels = Vec<(&'static str, &'static str)>;

fn pool_labels(acc: (&'static str, &'static str), pool: &'static str) -> Labels {
    vec![acc, ("cloud_region", "cn-north-4"), ("pool_id", pool)]
}

fn with(base: &[(&'static str, &'static str)], extra: &[(&'static str, &'static str)]) -> Labels {
    let mut v = base.to_vec();
    v.extend_from_slice(extra);
    v
}

/// The seed's ListPools example in the default workspace, a physical pool.
fn assert_seed_pool(m: &Metrics, acc: (&'static str, &'static str)) {
    let seed = pool_labels(acc, SEED_POOL);
    assert_eq!(
        m.value(
            "aipool_pool_info",
            &with(
                &seed,
                &[
                    ("provider", "modelarts"),
                    ("pool_name", "auto-pool-os"),
                    ("pool_type", "Dedicate"),
                    ("phase", "Running"),
                    ("workspace_id", "0"),
                    ("parent_pool", "")
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
    // The example reports neither maxCount nor controlMode: no series.
    assert!(!m.has("aipool_pool_flavor_max_nodes", &seed));
    assert!(!m.has("aipool_pool_frozen", &seed));
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
}

/// The physical pool mixing GPU and NPU nodes, in the default workspace.
fn assert_mixed_pool(m: &Metrics, acc: (&'static str, &'static str)) {
    let mixed = pool_labels(acc, MIXED_POOL);
    assert_eq!(
        m.value(
            "aipool_pool_info",
            &with(
                &mixed,
                &[
                    ("pool_name", "train-mixed"),
                    ("pool_type", "Dedicate"),
                    ("phase", "Running"),
                    ("workspace_id", "0"),
                    ("parent_pool", "")
                ]
            )
        ),
        1.0
    );
    assert_eq!(m.value("aipool_pool_nodes", &mixed), 5.0);
    // Free counts the available nodes only: 4 + 8 GPUs; the abnormal node
    // reports its 8 GPUs free but takes no workload, the creating NPU node
    // reports nothing.
    for (name, want_gpu, want_npu) in [
        ("aipool_pool_capability_accelerators", 24.0, 16.0),
        ("aipool_pool_remaining_accelerators", 12.0, 2.0),
        ("aipool_pool_allocated_accelerators", 12.0, 14.0),
    ] {
        assert_eq!(m.value(name, &with(&mixed, &[GPU])), want_gpu, "{name}");
        assert_eq!(m.value(name, &with(&mixed, &[SNT9])), want_npu, "{name}");
        assert_eq!(m.find(name, &mixed).len(), 2, "{name}");
    }
    assert_eq!(m.value("aipool_pool_capability_cpu_cores", &mixed), 660.0);
    assert_eq!(m.value("aipool_pool_remaining_cpu_cores", &mixed), 302.5);
    assert_eq!(m.value("aipool_pool_allocated_cpu_cores", &mixed), 357.5);
    // The nodes send bare memory numbers, GiB as the SDK's NodeResource.memory
    // says ("以Gi为单位"): 3 × "768" + 2 × "1536" GiB, not 5376 bytes.
    assert_eq!(
        m.value("aipool_pool_capability_memory_bytes", &mixed),
        5_772_436_045_824.0
    );
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
    // Node sums are the pool's hardware: the same numbers again in the
    // hardware families, which AIHC fills from its pool overview.
    for (kind, gpu, npu, cpu, mem_gib) in [
        ("capability", 24.0, 16.0, 660.0, 5376.0),
        ("allocated", 12.0, 14.0, 357.5, 3072.0),
        ("remaining", 12.0, 2.0, 302.5, 2304.0),
    ] {
        let name = format!("aipool_pool_physical_{kind}_accelerators");
        assert_eq!(m.value(&name, &with(&mixed, &[GPU])), gpu, "{name}");
        assert_eq!(m.value(&name, &with(&mixed, &[SNT9])), npu, "{name}");
        assert_eq!(m.find(&name, &mixed).len(), 2, "{name}");
        let name = format!("aipool_pool_physical_{kind}_cpu_cores");
        assert_eq!(m.value(&name, &mixed), cpu, "{name}");
        let name = format!("aipool_pool_physical_{kind}_memory_bytes");
        assert_eq!(m.value(&name, &mixed), mem_gib * GIB, "{name}");
    }
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
    // A physical pool's maxCount equals its count (seed 001/004).
    for (flavor, state, n) in [
        (GPU_FLAVOR, "available", 2.0),
        (GPU_FLAVOR, "abnormal", 1.0),
        (NPU_FLAVOR, "available", 1.0),
        // Served as a single object, not an array.
        (NPU_FLAVOR, "creating", 1.0),
    ] {
        for name in ["aipool_pool_flavor_nodes", "aipool_pool_flavor_max_nodes"] {
            assert_eq!(
                m.value(name, &with(&mixed, &[("flavor", flavor), ("state", state)])),
                n,
                "{name} {flavor} {state}"
            );
        }
    }
    assert_eq!(m.find("aipool_pool_flavor_nodes", &mixed).len(), 4);
    assert_eq!(m.find("aipool_pool_flavor_max_nodes", &mixed).len(), 4);
    assert_eq!(m.value("aipool_pool_frozen", &mixed), 0.0);
    for (kind, version, state) in [
        ("gpu", "535.54.03", "Running"),
        ("npu", "23.0.6", "Upgrading"),
    ] {
        assert_eq!(
            m.value(
                "aipool_pool_driver_info",
                &with(
                    &mixed,
                    &[("kind", kind), ("version", version), ("state", state)]
                )
            ),
            1.0
        );
    }
}

/// The frozen logical sub-pool of the mixed pool in the other workspace, one
/// node shared with its parent. `parent` is its `parent_pool`: the mixed pool,
/// or "" when that pool is not polled.
fn assert_logical_pool(m: &Metrics, acc: (&'static str, &'static str), parent: &'static str) {
    let logical = pool_labels(acc, LOGICAL_POOL);
    assert_eq!(
        m.value(
            "aipool_pool_info",
            &with(
                &logical,
                &[
                    ("pool_name", "team-b-logical"),
                    ("pool_type", "Logical"),
                    ("phase", "Running"),
                    ("workspace_id", OTHER_WORKSPACE),
                    ("parent_pool", parent)
                ]
            )
        ),
        1.0
    );
    assert_eq!(m.value("aipool_pool_nodes", &logical), 1.0);
    for name in [
        "aipool_pool_capability_accelerators",
        "aipool_pool_remaining_accelerators",
    ] {
        assert_eq!(m.value(name, &with(&logical, &[GPU])), 8.0, "{name}");
    }
    assert_eq!(
        m.value(
            "aipool_pool_allocated_accelerators",
            &with(&logical, &[GPU])
        ),
        0.0
    );
    assert_eq!(m.value("aipool_pool_capability_cpu_cores", &logical), 92.0);
    assert_eq!(m.value("aipool_pool_remaining_cpu_cores", &logical), 92.0);
    assert_eq!(
        m.value("aipool_pool_capability_memory_bytes", &logical),
        768.0 * GIB
    );
    let gpu_available = [("flavor", GPU_FLAVOR), ("state", "available")];
    assert_eq!(
        m.value("aipool_pool_flavor_nodes", &with(&logical, &gpu_available)),
        1.0
    );
    // The elastic ceiling of a logical pool is above its count.
    assert_eq!(
        m.value(
            "aipool_pool_flavor_max_nodes",
            &with(&logical, &gpu_available)
        ),
        2.0
    );
    // controlMode 9 = 1 + 8: frozen (seed 001's own example).
    assert_eq!(m.value("aipool_pool_frozen", &logical), 1.0);
}

/// The Ascend pool of the private workspace.
fn assert_private_pool(m: &Metrics, acc: (&'static str, &'static str)) {
    let private = pool_labels(acc, PRIVATE_POOL);
    assert_eq!(
        m.value(
            "aipool_pool_info",
            &with(
                &private,
                &[
                    ("pool_name", "team-private-npu"),
                    ("pool_type", "Dedicate"),
                    ("phase", "Running"),
                    ("workspace_id", PRIVATE_WORKSPACE),
                    ("parent_pool", "")
                ]
            )
        ),
        1.0
    );
    assert_eq!(m.value("aipool_pool_nodes", &private), 1.0);
    for (name, want) in [
        ("aipool_pool_capability_accelerators", 4.0),
        ("aipool_pool_remaining_accelerators", 3.0),
        ("aipool_pool_allocated_accelerators", 1.0),
    ] {
        assert_eq!(m.value(name, &with(&private, &[SNT3])), want, "{name}");
    }
    assert_eq!(m.value("aipool_pool_remaining_cpu_cores", &private), 20.0);
    assert_eq!(
        m.value("aipool_pool_remaining_memory_bytes", &private),
        160.0 * GIB
    );
    assert_eq!(m.value("aipool_pool_frozen", &private), 0.0);
}

/// `sum by (account, accelerator) (metric * on(provider, account, cloud_region,
/// pool_id) group_left aipool_pool_info{parent_pool=""})`, the README's
/// account total, evaluated on the scrape the way Prometheus would: every
/// left-hand series must match exactly one `aipool_pool_info` (else
/// group_left fails), and `parent_pool=""` also matches an absent label.
fn root_totals(m: &Metrics, account: &str, metric: &str) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for (_, labels, v) in m.find(metric, &[("account", account)]) {
        let key: Vec<(&str, &str)> = ["provider", "account", "cloud_region", "pool_id"]
            .iter()
            .map(|k| (*k, labels.get(*k).map(String::as_str).unwrap_or("")))
            .collect();
        let info = m.find("aipool_pool_info", &key);
        assert_eq!(info.len(), 1, "{metric} {labels:?} joins {info:?}");
        if info[0].1.get("parent_pool").is_none_or(|p| p.is_empty()) {
            let acc = labels.get("accelerator").cloned().unwrap_or_default();
            *out.entry(acc).or_insert(0.0) += v;
        }
    }
    out
}

fn totals(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

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
    // Only workspace 0 (the older single-workspace key): the other
    // workspaces' pools are not listed.
    assert_seed_pool(&m, acc);
    assert_mixed_pool(&m, acc);
    assert_eq!(m.find("aipool_pool_info", &[acc]).len(), 2);
    assert!(!m.has(
        "aipool_api_requests_total",
        &[acc, ("api", "ListWorkspace")]
    ));
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
    // Poll 1 fetched a token; poll 2's first call (the workspace list) was
    // refused and one refresh followed, after which the poll completed.
    assert_eq!(
        m.value("aipool_api_requests_total", &[acc, ("api", "iam:tokens")]),
        2.0
    );
    assert_eq!(
        m.value(
            "aipool_api_request_failures_total",
            &[acc, ("api", "ListWorkspace"), ("reason", "auth")]
        ),
        1.0
    );
    assert_eq!(
        m.value(
            "aipool_api_requests_total",
            &[acc, ("api", "ListWorkspace")]
        ),
        3.0
    );
    // Three workspaces a poll, none refused.
    assert_eq!(
        m.value("aipool_api_requests_total", &[acc, ("api", "ListPools")]),
        6.0
    );
    assert_eq!(m.value("aipool_poll_partial_errors", &[acc]), 0.0);
    assert_eq!(
        m.value("aipool_polls_total", &[acc, ("result", "failure")]),
        0.0
    );
    assert_seed_pool(&m, acc);
    assert_mixed_pool(&m, acc);
    assert_logical_pool(&m, acc, MIXED_POOL);
    assert_private_pool(&m, acc);
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
    // Refused at the first call, the workspace list: fatal, as the account's
    // own list call.
    assert_eq!(
        m.value(
            "aipool_api_request_failures_total",
            &[bad, ("api", "ListWorkspace"), ("reason", "auth")]
        ),
        1.0
    );
    assert_eq!(
        m.value("aipool_polls_total", &[bad, ("result", "failure")]),
        1.0
    );
    assert!(!m.has("aipool_pool_info", &[bad]));
    assert!(!m.has("aipool_api_requests_total", &[bad, ("api", "ListPools")]));
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
    assert!(!m.has(
        "aipool_api_requests_total",
        &[acc, ("api", "ListWorkspace")]
    ));
    assert!(!m.has("aipool_api_requests_total", &[acc, ("api", "ListPools")]));
    assert!(
        !exp.stderr().contains("WRONG-PASSWORD-42"),
        "{}",
        exp.stderr()
    );
}

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
