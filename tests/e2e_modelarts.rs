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

#[path = "e2e_modelarts/auth.rs"]
mod auth;
#[path = "e2e_modelarts/faults.rs"]
mod faults;
#[path = "e2e_modelarts/workspaces.rs"]
mod workspaces;

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
