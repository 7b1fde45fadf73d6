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
#[derive(Debug, Clone, Default, Deserialize)]
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

#[derive(Debug, Clone, Deserialize)]
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
