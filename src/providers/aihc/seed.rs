//! The console seed (tests/fixtures/seeds/000_…, as extracted into
//! src/simulator/fixtures/) as one console account with both pool types
//! publishes it, for tests outside this module (capacity, status page).

use crate::model::Snapshot;
use crate::quantity::Fired;

use super::dto::{ConsoleQueueList, ItemsPage, PoolPage, ServerlessPoolDto, ServerlessQueueDto};
use super::map::{self, Models, PoolNames};
use super::{finish_snapshot, remaining_from, Api};

fn inner(fixture: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(fixture).unwrap_or_default();
    let r = &v["result"];
    if r.get("result").is_some() {
        r["result"].clone()
    } else {
        r.clone()
    }
}

/// Pools and queues of `pool_types = ["common", "serverless"]`, mapped and derived.
pub fn console_account() -> (Snapshot, Fired) {
    let pools: PoolPage = serde_json::from_value(inner(include_str!(
        "../../simulator/fixtures/aihc_console_resourcepools.json"
    )))
    .expect("seed pools");
    let queues: ConsoleQueueList = serde_json::from_value(inner(include_str!(
        "../../simulator/fixtures/aihc_console_queues.json"
    )))
    .expect("seed queues");
    let sl_pools: ItemsPage<ServerlessPoolDto> = serde_json::from_value(inner(include_str!(
        "../../simulator/fixtures/aihc_console_serverless_pools.json"
    )))
    .expect("seed serverless pools");
    let sl_queues: ItemsPage<ServerlessQueueDto> = serde_json::from_value(inner(include_str!(
        "../../simulator/fixtures/aihc_console_serverless_queues.json"
    )))
    .expect("seed serverless queues");
    let (mut fired, mut models, mut names) = (Fired::default(), Models::new(), PoolNames::new());
    let mut s = Snapshot::default();
    for p in &pools.resource_pools {
        s.pools
            .push(map::map_pool(p, "common").expect("seed pool maps"));
    }
    // The seed's queues are those of its first pool.
    for q in &queues.queue_list {
        map::map_queue_tree(q, "cce-6b41lf00", &mut fired, &mut models, &mut s.queues)
            .expect("seed queue maps");
    }
    for p in &sl_pools.items {
        s.pools
            .push(map::map_serverless_pool(p).expect("seed serverless pool maps"));
    }
    for q in &sl_queues.items {
        map::map_serverless_queue_tree(q, &mut fired, &mut models, &mut names, &mut s.queues)
            .expect("seed serverless queue maps");
    }
    finish_snapshot(&mut s, &names, remaining_from(Api::Console), &mut fired);
    s.accelerators = models;
    s.sort();
    (s, fired)
}
