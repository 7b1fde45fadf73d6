//! AIHC upstream payloads, as the console API and the OpenAPI send them.
//!
//! These types never leave the `aihc` module: `map.rs` turns them into the
//! provider-neutral model. Fields are optional wherever a real response has been
//! seen without them (docs/providers.md §1). Every list holds its elements as
//! [`Lenient`]: one element that is not the expected object is dropped alone
//! (and counted) while the rest of the list decodes.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::providers::upstream::decode::Lenient;
use crate::providers::upstream::paging::Page;
use crate::quantity::RawQuantity;

/// A resource pool (console `v3/resourcepools`, OpenAPI `DescribeResourcePools`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolDto {
    pub resource_pool_id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub phase: Option<String>,
    #[serde(default)]
    pub node_num: Option<RawQuantity>,
    #[serde(default, rename = "type")]
    pub pool_type: Option<String>,
}

/// A page of pools. The console nests it under `result`; the OpenAPI sends it bare.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolPage {
    #[serde(default)]
    pub resource_pools: Vec<Lenient<PoolDto>>,
    #[serde(default)]
    pub total_count: Option<u64>,
    #[serde(default)]
    pub page_size: Option<u64>,
}

/// One quantity block of a common-pool queue.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockDto {
    #[serde(default, rename = "milliCPUcores")]
    pub milli_cpu_cores: Option<RawQuantity>,
    #[serde(default)]
    pub cpu_cores: Option<RawQuantity>,
    #[serde(default)]
    pub memory_gi: Option<RawQuantity>,
    #[serde(default)]
    pub accelerator_card_list: Option<Vec<Lenient<CardDto>>>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CardDto {
    #[serde(default)]
    pub accelerator_count: Option<RawQuantity>,
    #[serde(default)]
    pub accelerator_description: Option<String>,
    #[serde(default)]
    pub accelerator_type: Option<String>,
}

/// A common-pool queue (console `v3/queues`, OpenAPI `DescribeQueues`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueDto {
    pub queue_id: String,
    #[serde(default)]
    pub queue_name: Option<String>,
    #[serde(default)]
    pub queue_type: Option<String>,
    #[serde(default)]
    pub parent_queue: Option<String>,
    #[serde(default)]
    pub capability: Option<BlockDto>,
    #[serde(default)]
    pub allocated: Option<BlockDto>,
    #[serde(default)]
    pub remaining: Option<BlockDto>,
    #[serde(default)]
    pub workload_available: Option<BlockDto>,
    #[serde(default)]
    pub deserved: Option<BlockDto>,
    #[serde(default)]
    pub guarantee: Option<BlockDto>,
    #[serde(default)]
    pub running_jobs: Option<RawQuantity>,
    #[serde(default)]
    pub pending_jobs: Option<RawQuantity>,
    #[serde(default)]
    pub inqueue_jobs: Option<RawQuantity>,
    /// The child queues, decoded only as deep as the mapping goes
    /// ([`super::map`]): a hostile tree must not recurse the decoder.
    #[serde(default)]
    pub children: Option<Box<RawValue>>,
}

/// Console `v3/queues` → `result.result`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsoleQueueList {
    #[serde(default)]
    pub queue_list: Vec<Lenient<QueueDto>>,
}

/// OpenAPI `DescribeQueues`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueuePage {
    #[serde(default)]
    pub queues: Vec<Lenient<QueueDto>>,
    #[serde(default)]
    pub total_count: Option<u64>,
    #[serde(default)]
    pub page_size: Option<u64>,
}

/// A fully-managed (serverless) pool, console `v2/serverless/resourcePool`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerlessPoolDto {
    pub resource_pool_id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub phase: Option<String>,
    #[serde(default)]
    pub instance_count: Option<RawQuantity>,
}

/// A flat quantity map: `cpu` in cores, `memory` in Gi, any other key an
/// accelerator resource name with a card count.
pub type FlatBlock = BTreeMap<String, Option<RawQuantity>>;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerlessQueueDto {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub queue_type: Option<String>,
    #[serde(default)]
    pub parent_queue: Option<String>,
    #[serde(default)]
    pub capability: Option<FlatBlock>,
    #[serde(default)]
    pub allocated: Option<FlatBlock>,
    #[serde(default)]
    pub remaining: Option<FlatBlock>,
    #[serde(default)]
    pub workload_available: Option<FlatBlock>,
    #[serde(default)]
    pub deserved: Option<FlatBlock>,
    #[serde(default)]
    pub guarantee: Option<FlatBlock>,
    #[serde(default)]
    pub running: Option<RawQuantity>,
    #[serde(default)]
    pub pending: Option<RawQuantity>,
    #[serde(default)]
    pub inqueue: Option<RawQuantity>,
    #[serde(default)]
    pub resource_pool_ids: Option<Vec<String>>,
    #[serde(default)]
    pub resource_pool_names: Option<Vec<String>>,
    #[serde(default)]
    pub nodes: Option<Vec<Lenient<ServerlessNodeDto>>>,
    /// As [`QueueDto::children`].
    #[serde(default)]
    pub children: Option<Box<RawValue>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerlessNodeDto {
    #[serde(default)]
    pub gpu_card_type: Option<String>,
    #[serde(default)]
    pub gpu_descriptor: Option<String>,
}

/// Console serverless lists → `result.result`.
#[derive(Debug, Clone, Deserialize)]
#[serde(
    rename_all = "camelCase",
    bound(deserialize = "T: serde::de::DeserializeOwned")
)]
pub struct ItemsPage<T> {
    #[serde(default = "Vec::new")]
    pub items: Vec<Lenient<T>>,
    #[serde(default)]
    pub total_count: Option<u64>,
    #[serde(default)]
    pub page_size: Option<u64>,
}

/// Trees deeper than this are not searched for keys (the mapping cuts them
/// at the same depth).
const MAX_KEY_DEPTH: usize = 32;

/// Only what names a queue and its children, to tell pages apart.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Node {
    #[serde(default)]
    queue_id: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    children: Option<Box<RawValue>>,
}

/// The keys of a paged queue-list item for [`paging::collect_distinct`]: its
/// own id, then every id nested in its `children`; an item that did not
/// decode is named by its text, so an identical repeat is one item.
///
/// [`paging::collect_distinct`]: crate::providers::upstream::paging::collect_distinct
pub fn queue_keys<T: QueueItem>(item: &Lenient<T>) -> Vec<String> {
    let q = match item {
        Lenient::Ok(q) => q,
        Lenient::Bad { raw, .. } => return vec![format!("raw:{}", raw.get())],
    };
    let mut out = vec![format!("id:{}", q.own_id().trim())];
    let mut stack: Vec<(String, usize)> = q
        .children_raw()
        .map(|c| vec![(c.get().to_string(), 0)])
        .unwrap_or_default();
    while let Some((text, depth)) = stack.pop() {
        if depth >= MAX_KEY_DEPTH {
            continue;
        }
        let Ok(Some(list)) = serde_json::from_str::<Option<Vec<Box<RawValue>>>>(&text) else {
            continue;
        };
        for raw in list {
            let Ok(node) = serde_json::from_str::<Node>(raw.get()) else {
                out.push(format!("raw:{}", raw.get()));
                continue;
            };
            let id = if T::SERVERLESS {
                node.id
            } else {
                node.queue_id
            };
            if let Some(id) = id.filter(|i| !i.trim().is_empty()) {
                out.push(format!("id:{}", id.trim()));
            }
            if let Some(c) = node.children {
                stack.push((c.get().to_string(), depth + 1));
            }
        }
    }
    out
}

/// A queue-list item as [`queue_keys`] reads it.
pub trait QueueItem {
    /// Serverless queues are named by `id`, others by `queueId`.
    const SERVERLESS: bool;
    fn own_id(&self) -> &str;
    fn children_raw(&self) -> Option<&RawValue>;
}

impl QueueItem for QueueDto {
    const SERVERLESS: bool = false;
    fn own_id(&self) -> &str {
        &self.queue_id
    }
    fn children_raw(&self) -> Option<&RawValue> {
        self.children.as_deref()
    }
}

impl QueueItem for ServerlessQueueDto {
    const SERVERLESS: bool = true;
    fn own_id(&self) -> &str {
        &self.id
    }
    fn children_raw(&self) -> Option<&RawValue> {
        self.children.as_deref()
    }
}

/// Whether a repeated listing of a queue says what its first listing said
/// (children compared as sent).
pub fn same_listing(a: &Lenient<QueueDto>, b: &Lenient<QueueDto>) -> bool {
    match (a, b) {
        (Lenient::Ok(a), Lenient::Ok(b)) => {
            let children = |q: &QueueDto| q.children.as_ref().map(|c| c.get().to_string());
            a.queue_id == b.queue_id
                && a.queue_name == b.queue_name
                && a.queue_type == b.queue_type
                && a.parent_queue == b.parent_queue
                && a.capability == b.capability
                && a.allocated == b.allocated
                && a.remaining == b.remaining
                && a.workload_available == b.workload_available
                && a.deserved == b.deserved
                && a.guarantee == b.guarantee
                && a.running_jobs == b.running_jobs
                && a.pending_jobs == b.pending_jobs
                && a.inqueue_jobs == b.inqueue_jobs
                && children(a) == children(b)
        }
        (Lenient::Bad { raw: a, .. }, Lenient::Bad { raw: b, .. }) => a.get() == b.get(),
        _ => false,
    }
}

// Each paged list as the pager reads it: its items, the total and the page
// size the server says it used.

impl From<PoolPage> for Page<Lenient<PoolDto>> {
    fn from(p: PoolPage) -> Self {
        Page {
            items: p.resource_pools,
            total: p.total_count,
            page_size: p.page_size,
        }
    }
}

impl From<QueuePage> for Page<Lenient<QueueDto>> {
    fn from(p: QueuePage) -> Self {
        Page {
            items: p.queues,
            total: p.total_count,
            page_size: p.page_size,
        }
    }
}

impl<T> From<ItemsPage<T>> for Page<Lenient<T>> {
    fn from(p: ItemsPage<T>) -> Self {
        Page {
            items: p.items,
            total: p.total_count,
            page_size: p.page_size,
        }
    }
}

/// OpenAPI `DescribeResourcePoolOverview` (bce-sdk-go
/// `services/aihc/v2/api/resourcepool.go`, `DescribeResourcePoolOverviewResponse`;
/// AIHC doc "查询资源池概览"): per pool type, and within it per pool, the
/// hardware's statistics.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OverviewDto {
    #[serde(default)]
    pub resource_pools_statistic_with_type: Vec<Lenient<TypeStatisticDto>>,
}

/// One pool type's statistics (`ResourcePoolsStatisticWithType`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeStatisticDto {
    #[serde(default, rename = "type")]
    pub pool_type: Option<String>,
    /// The type's totals: not exported (pools are), but the doc's example
    /// numbers are these, which the fixture tests read.
    #[cfg_attr(not(test), allow(dead_code))]
    #[serde(default)]
    pub accelerators_statistic: Option<AcceleratorsStatisticDto>,
    #[cfg_attr(not(test), allow(dead_code))]
    #[serde(default)]
    pub resources_statistic: Option<Vec<Lenient<ResourceStatisticDto>>>,
    #[serde(default)]
    pub resource_pool_statistics: Option<Vec<Lenient<PoolStatisticDto>>>,
}

/// One pool's statistics (`ResourcePoolStatistic`). Its
/// `nodeResourceStatistic` (per node, keys misspelled upstream:
/// `isAcclerator`, `accleratorType`) is not read.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolStatisticDto {
    pub resource_pool_id: String,
    #[serde(default, rename = "type")]
    pub pool_type: Option<String>,
    #[serde(default)]
    pub accelerators_statistic: Option<AcceleratorsStatisticDto>,
    #[serde(default)]
    pub resources_statistic: Option<Vec<Lenient<ResourceStatisticDto>>>,
}

/// `AcceleratorsStatistic`: every card of the pool (or type), and the same per
/// accelerator type where the platform breaks them down.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AcceleratorsStatisticDto {
    #[serde(default)]
    pub capacity: Option<RawQuantity>,
    #[serde(default)]
    pub allocated: Option<RawQuantity>,
    #[serde(default)]
    pub accelerator_statistics: Option<Vec<Lenient<ResourceStatisticDto>>>,
}

/// `ResourceStatistic` (`resourceType` CPU in milli-cores, Memory in bytes)
/// and `AcceleratorStatistic` (`acceleratorType` and the same figures).
/// `idle` is not read: the doc's example has idle 0 beside capacity 44 and
/// allocated 2, so it is not what is free.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceStatisticDto {
    #[serde(default)]
    pub resource_type: Option<String>,
    #[serde(default)]
    pub accelerator_type: Option<String>,
    #[serde(default)]
    pub capacity: Option<RawQuantity>,
    #[serde(default)]
    pub allocated: Option<RawQuantity>,
}
