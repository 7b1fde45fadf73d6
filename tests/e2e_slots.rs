//! End to end: the free-slot series (`aipool_{pool,queue}_free_slots{cards}`
//! and the largest free block) as a scraper reads them, from the simulator's
//! fragmented ModelArts pool and its Sugon HPC queues (whole free nodes), with
//! fixed data (no drift).

mod common;

use std::collections::BTreeMap;

use aipool_sim::modelarts::{FRAGMENTED_POOL, FRAGMENTED_WORKSPACE};
use common::*;

/// `cards` label → value of `aipool_{kind}_free_slots` matching `want`.
fn slots(m: &Metrics, kind: &str, want: &[(&str, &str)]) -> BTreeMap<u32, f64> {
    m.find(&format!("aipool_{kind}_free_slots"), want)
        .into_iter()
        .map(|(_, labels, v)| {
            let cards = labels["cards"].parse().expect("cards is a number");
            (cards, *v)
        })
        .collect()
}

fn modelarts_account(sim: &str, name: &str, extra: &str) -> String {
    format!(
        r#"
[[accounts]]
name = "{name}"
provider = "modelarts"
region = "{region}"
endpoint = "http://{sim}"
project_id = "{project}"
interval = "1h"
timeout = "5s"
access_key_id = "{ak}"
secret_access_key = "{sk}"
workspace_ids = ["{FRAGMENTED_WORKSPACE}"]
{extra}
"#,
        region = credentials::MODELARTS_REGION,
        project = credentials::MODELARTS_PROJECT_ID,
        ak = credentials::HUAWEI_ACCESS_KEY_ID,
        sk = credentials::HUAWEI_SECRET_ACCESS_KEY,
    )
}

/// 4 available nodes of 8 GPUs with 2 free each, and an abnormal node whose
/// 8 GPUs read available: 8 free cards, largest block 2, no 4-card slot.
#[test]
fn a_fragmented_modelarts_pool_fits_no_four_card_job() {
    let (_sim, sim) = simulator(100);
    let config = format!(
        "{}{}",
        modelarts_account(&sim, "ma", ""),
        modelarts_account(&sim, "ma-sizes", "slot_sizes = [2, 16]")
    );
    let (_exp, addr) = exporter(&config, &[]);
    let m = scrape(&addr);
    let gpu = ("accelerator", "nvidia.com/gpu");
    let pool = [
        ("provider", "modelarts"),
        ("account", "ma"),
        ("cloud_region", credentials::MODELARTS_REGION),
        ("pool_id", FRAGMENTED_POOL),
        gpu,
    ];
    assert_eq!(m.value("aipool_up", &pool[..2]), 1.0);
    assert_eq!(m.value("aipool_pool_remaining_accelerators", &pool), 8.0);
    assert_eq!(
        slots(&m, "pool", &pool),
        [(1, 8.0), (2, 4.0), (4, 0.0), (8, 0.0)].into()
    );
    assert_eq!(
        m.value("aipool_pool_largest_free_block_accelerators", &pool),
        2.0
    );
    // ModelArts has no queues: no queue slot series.
    assert!(!m.has("aipool_queue_free_slots", &pool[..2]));
    assert_eq!(
        m.value(
            "aipool_normalizations_total",
            &[pool[1], ("rule", "node_free_clamped_at_total")]
        ),
        0.0
    );

    // The account's own sizes, and only those.
    let sized = [("account", "ma-sizes"), ("pool_id", FRAGMENTED_POOL), gpu];
    assert_eq!(slots(&m, "pool", &sized), [(2, 4.0), (16, 0.0)].into());
    assert_eq!(
        m.value("aipool_pool_largest_free_block_accelerators", &sized),
        2.0
    );
}

/// Sugon HPC queues: whole free nodes × cards per node. `ksgpu_a800` has 2
/// of 4 nodes free with 8 GPUs each, `xahdnormal` 5 of 16 free with 4 DCUs
/// each; the CPU queue and the HPC cluster pool have no slot series (the
/// cluster's partitions may share nodes, so no pool figure is summed).
#[test]
fn sugon_hpc_queues_fit_jobs_in_whole_free_nodes() {
    let (_sim, sim) = simulator_with(&[]);
    let config = format!(
        r#"
[[accounts]]
name = "sg"
provider = "sugon"
endpoint = "http://{sim}"
interval = "1h"
timeout = "5s"
user = "{user}"
password = "{password}"
org_id = "{org}"
"#,
        user = credentials::SUGON_USER,
        password = credentials::SUGON_PASSWORD,
        org = credentials::SUGON_ORG_ID,
    );
    let (_exp, addr) = exporter(&config, &[]);
    let m = scrape(&addr);
    let acc = ("account", "sg");
    assert_eq!(m.value("aipool_up", &[("provider", "sugon"), acc]), 1.0);

    let a800 = [
        acc,
        ("cloud_region", "11112"),
        ("queue_id", "ksgpu_a800"),
        ("accelerator", "gpu"),
    ];
    assert_eq!(
        slots(&m, "queue", &a800),
        [(1, 16.0), (2, 8.0), (4, 4.0), (8, 2.0)].into()
    );
    assert_eq!(
        m.value("aipool_queue_largest_free_block_accelerators", &a800),
        8.0
    );
    let xa = [
        acc,
        ("cloud_region", "11250"),
        ("queue_id", "xahdnormal"),
        ("accelerator", "dcu"),
    ];
    assert_eq!(
        slots(&m, "queue", &xa),
        [(1, 20.0), (2, 10.0), (4, 5.0), (8, 0.0)].into()
    );
    assert_eq!(
        m.value("aipool_queue_largest_free_block_accelerators", &xa),
        4.0
    );
    assert!(!m.has(
        "aipool_queue_free_slots",
        &[acc, ("queue_id", "kscpu_debug")]
    ));
    assert!(!m.has("aipool_pool_free_slots", &[acc]));
    assert!(!m.has("aipool_pool_largest_free_block_accelerators", &[acc]));
    // Two accelerator queues × 4 sizes, nothing else.
    assert_eq!(m.find("aipool_queue_free_slots", &[acc]).len(), 8);
}
