//! The console seed (tests/fixtures/seeds/000_…, as extracted into
//! crates/aipool-sim/fixtures/) as one console account with both pool types
//! publishes it, for tests outside this module (capacity, status page).

use crate::model::Snapshot;
use crate::quantity::Fired;

use super::dto::{ConsoleQueueList, ItemsPage, PoolPage, ServerlessPoolDto, ServerlessQueueDto};
use super::map;
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
        "../../../crates/aipool-sim/fixtures/aihc_console_resourcepools.json"
    )))
    .expect("seed pools");
    let queues: ConsoleQueueList = serde_json::from_value(inner(include_str!(
        "../../../crates/aipool-sim/fixtures/aihc_console_queues.json"
    )))
    .expect("seed queues");
    let sl_pools: ItemsPage<ServerlessPoolDto> = serde_json::from_value(inner(include_str!(
        "../../../crates/aipool-sim/fixtures/aihc_console_serverless_pools.json"
    )))
    .expect("seed serverless pools");
    let sl_queues: ItemsPage<ServerlessQueueDto> = serde_json::from_value(inner(include_str!(
        "../../../crates/aipool-sim/fixtures/aihc_console_serverless_queues.json"
    )))
    .expect("seed serverless queues");
    let mut m = map::Mapping::default();
    let mut s = Snapshot {
        pools: map::map_pools(pools.resource_pools, "common", "seed", &mut m.log),
        ..Snapshot::default()
    };
    // The seed's queues are those of its first pool.
    map::map_queues(
        queues.queue_list,
        "cce-6b41lf00",
        "seed",
        &mut m,
        &mut s.queues,
    );
    let sl = map::map_serverless_pools(sl_pools.items, "seed", &mut m.log);
    s.pools.extend(sl);
    map::map_serverless_queues(sl_queues.items, "seed", &mut m, &mut s.queues);
    assert!(m.log.is_empty(), "the seed decodes: {:?}", m.log);
    let from = remaining_from(Api::Console);
    finish_snapshot(&mut s, &m.pool_names, from, &mut m.fired, &m.unread);
    s.accelerators = m.models;
    s.sort();
    (s, m.fired)
}
