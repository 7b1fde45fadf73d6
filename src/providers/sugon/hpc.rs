//! Sugon HPC queues → the provider-neutral model (docs/providers.md §4).
//!
//! The AI resource-group API reports what a node has but nothing about use; the
//! region's HPC service does, per queue: nodes, free nodes, cores, free cores,
//! and cards per node. Each region's HPC cluster (its job manager) becomes a
//! pool of type `hpc`, and each of its queues a [`Queue`] with the same
//! quantity blocks as every other platform's queues, so one headroom expression
//! (`remaining / capability`) covers Sugon too.
//!
//! Pure functions over JSON: no I/O, tested in `hpc/tests.rs`. There is no seed
//! response for this side; the shapes are the official doc page's (scnet.cn
//! jobmanager "查询用户可访问队列": a queue named by `id` and `text`) and the
//! `scnet-cli` package's (`queueName or id or text`), see
//! docs/providers/sugon.md, and every shape they allow (numbers as strings,
//! ids as numbers, a single object for a list) is accepted.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::Value;

use crate::model::{FreeBlocks, Pool, QuantityKind, Queue, QueueNodes, Resources, Unit};
use crate::providers::mapping::MapError;
use crate::providers::upstream::decode::{DecodeLog, Lenient};
use crate::providers::upstream::PollError;
use crate::providers::{FailedUnit, PollOutput};
use crate::quantity::{Fired, RawQuantity, Rule};

use super::dto::{lenient_list, CenterDto, HpcQueueDto, JobManagerDto, UrlEntryDto};
use super::dto::{API_HPC_CLUSTER, API_HPC_QUEUES};
use super::map::{accelerator_label, enabled_urls, finite, region_centers, short, url_entries};

/// `pool_type` of a region's HPC cluster, and `queue_type` of its queues.
pub const HPC: &str = "hpc";

/// Where a region's HPC queues are and whose they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HpcAccess {
    /// The enabled `hpcUrls` entries, in the order listed.
    pub urls: Vec<String>,
    /// The user's account on the region's cluster (`clusterUserInfo.userName`).
    pub user: String,
}

/// Why a `center` answer gives no way to the region's HPC queues.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoHpc {
    #[error("the center answer lists no enabled hpcUrls entry: the region offers this user no HPC service")]
    NoHpcUrls,
    #[error("the center answer has no clusterUserInfo.userName: the user has no account on the region's HPC cluster")]
    NoClusterUser,
}

/// The HPC side of region `cluster_id` from its `center` answer: the enabled
/// `hpcUrls` (an entry that is not `{url, enable}` is skipped, like a disabled
/// one) and the cluster user name.
pub fn hpc_access(centers: &[CenterDto], cluster_id: &str) -> Result<HpcAccess, NoHpc> {
    let region = region_centers(centers, cluster_id);
    let entries: Vec<UrlEntryDto> = region
        .iter()
        .flat_map(|c| url_entries(&c.hpc_urls))
        .collect();
    let urls = enabled_urls(&entries);
    if urls.is_empty() {
        return Err(NoHpc::NoHpcUrls);
    }
    let user = region
        .iter()
        .find_map(|c| {
            let name = c.cluster_user_info.get("userName")?;
            let name = match name {
                Value::String(s) => s.trim().to_string(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            (!name.is_empty()).then_some(name)
        })
        .ok_or(NoHpc::NoClusterUser)?;
    Ok(HpcAccess { urls, user })
}

/// A region's job manager: the pool its queues belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobManager {
    /// `id`: what the queue API takes as `strJobManagerID`, and the `pool_id`.
    pub id: String,
    /// `text` (e.g. "slurm"); the id when absent.
    pub name: String,
    /// `JobManagerType` (e.g. "SLURM"); may be empty.
    pub kind: String,
}

/// The job manager of a `cluster` answer: its first entry (a single object is
/// a list of one), as the platform's own client takes it. Entries before it
/// that are not a job manager, or have no `id`, are passed over and recorded in
/// `log`; no usable entry at all is an error (the region has no queue series).
pub fn parse_job_manager(data: &Value, log: &mut DecodeLog) -> Result<JobManager, MapError> {
    let err = |reason: String| MapError {
        context: "HPC cluster data".into(),
        reason,
    };
    let entries: &[Value] = match data {
        Value::Array(items) => items,
        Value::Object(_) => std::slice::from_ref(data),
        Value::Null => &[],
        other => return Err(err(format!("expected a list, found {}", short(other)))),
    };
    for (i, entry) in entries.iter().enumerate() {
        let dto = match JobManagerDto::deserialize(entry) {
            Ok(dto) => dto,
            Err(e) => {
                log.drop_object(
                    API_HPC_CLUSTER,
                    format!("job manager #{i}"),
                    format!("{e}: {}", short(entry)),
                );
                continue;
            }
        };
        let Some(id) = dto
            .id
            .map(|i| i.trim().to_string())
            .filter(|i| !i.is_empty())
        else {
            log.drop_object(
                API_HPC_CLUSTER,
                format!("job manager #{i}"),
                format!("no id: {}", short(entry)),
            );
            continue;
        };
        let text = |v: Option<String>| v.map(|t| t.trim().to_string()).unwrap_or_default();
        let name = text(dto.text);
        return Ok(JobManager {
            name: if name.is_empty() { id.clone() } else { name },
            kind: text(dto.job_manager_type),
            id,
        });
    }
    Err(err("no job manager with an id is listed".into()))
}

/// What one region's queue list maps to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HpcQueues {
    /// The region's HPC cluster.
    pub pool: Pool,
    pub queues: Vec<Queue>,
    /// One per queue of `queues`, same order.
    pub nodes: Vec<QueueNodes>,
}

/// The HPC cluster pool of region `cluster_id`.
pub fn map_pool(cluster_id: &str, jm: &JobManager) -> Pool {
    let mut extra_info = BTreeMap::new();
    if !jm.kind.is_empty() {
        extra_info.insert("job_manager_type".to_string(), jm.kind.clone());
    }
    Pool {
        id: jm.id.clone(),
        name: jm.name.clone(),
        pool_type: HPC.to_string(),
        cloud_region: Some(cluster_id.to_string()),
        extra_info,
        ..Pool::default()
    }
}

/// Reports in `out` why region `cluster_id` has no fresh queue series.
///
/// `exported` holds, per region, the HPC pool (job manager id) an earlier poll
/// exported. The region's pool there is a failed unit, like a resource group
/// whose call fails: its last good queue series are kept until `stale_after`,
/// so an HPC gateway that is slow for one poll does not make the queues
/// vanish and return. A region with nothing exported has nothing to keep, and the failure
/// is a partial error of the poll. Either way `aipool_poll_partial_errors`
/// counts it once.
pub fn report_failure(
    cluster_id: &str,
    exported: &BTreeMap<String, String>,
    mut error: PollError,
    out: &mut PollOutput,
) {
    match exported.get(cluster_id) {
        Some(pool_id) => {
            error.message = format!(
                "region {cluster_id}: HPC queues not refreshed: {}",
                error.message
            );
            out.failed.push(FailedUnit {
                unit: Unit::Pool {
                    cloud_region: Some(cluster_id.to_string()),
                    pool_id: pool_id.to_string(),
                },
                error,
            });
        }
        None => {
            error.message = format!(
                "region {cluster_id}: HPC queues not exported: {}",
                error.message
            );
            out.partial.push(error);
        }
    }
}

/// How an HPC queue is named in decode errors.
fn queue_object(cluster_id: &str, name: &str) -> String {
    format!("HPC queue {name} (region {cluster_id})")
}

/// A `queuenames` answer of region `cluster_id` → its pool, queues and node
/// figures. `null` is no queues; anything but a list (or one object) is an
/// error for the whole answer. Each queue entry decodes on its own (recorded
/// in `log` when it does not): an entry that is not a queue, has no name
/// ([`HpcQueueDto::names`]), repeats an earlier name or whose free figures exceed its totals
/// is left out (no series for it rather than a wrong one); a field that is not
/// a usable count loses only its own series.
pub fn map_queues(
    cluster_id: &str,
    jm: &JobManager,
    data: &Value,
    fired: &mut Fired,
    log: &mut DecodeLog,
) -> Result<HpcQueues, MapError> {
    let entries: &[Value] = match data {
        Value::Null => &[],
        Value::Array(items) => items,
        Value::Object(_) => std::slice::from_ref(data),
        other => {
            return Err(MapError {
                context: "HPC queue list".into(),
                reason: format!("expected a list, found {}", short(other)),
            })
        }
    };
    let mut out = HpcQueues {
        pool: map_pool(cluster_id, jm),
        ..HpcQueues::default()
    };
    let items = lenient_list::<HpcQueueDto>(entries);
    // Each decoded entry's position in the answer, to name it.
    let positions: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, item)| matches!(item, Lenient::Ok(_)))
        .map(|(i, _)| i)
        .collect();
    let dtos = log.keep_decoded(API_HPC_QUEUES, "HPC queue", "id", items);
    let mut seen = BTreeSet::new();
    for (dto, i) in dtos.iter().zip(positions) {
        let Some((name, display)) = dto.names() else {
            log.drop_object(
                API_HPC_QUEUES,
                format!("HPC queue #{i}"),
                "no queueName, id or text",
            );
            continue;
        };
        if seen.contains(name) {
            // Two entries with one name would be two series with one label
            // set; the first is kept.
            log.drop_object(
                API_HPC_QUEUES,
                queue_object(cluster_id, name),
                "listed twice; the first entry is kept",
            );
            continue;
        }
        if let Some((queue, nodes)) =
            map_queue(cluster_id, &jm.id, (name, display), dto, fired, log)
        {
            seen.insert(name.to_string());
            out.queues.push(queue);
            out.nodes.push(nodes);
        }
    }
    Ok(out)
}

impl HpcQueueDto {
    /// The queue's key and its display name: the key is the first non-blank
    /// of `queueName`, `id`, `text` (the order scnet-cli reads them in); the
    /// display name is `queueName`, else `text`, else the key. `None` when
    /// the entry names no queue at all.
    pub fn names(&self) -> Option<(&str, &str)> {
        fn pick(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|n| !n.is_empty())
        }
        let key = pick(&self.queue_name)
            .or_else(|| pick(&self.id))
            .or_else(|| pick(&self.text))?;
        let display = pick(&self.queue_name)
            .or_else(|| pick(&self.text))
            .unwrap_or(key);
        Some((key, display))
    }
}

/// One queue entry keyed `name` and shown as `display`. Rules fire only for a
/// queue that is exported.
fn map_queue(
    cluster_id: &str,
    pool_id: &str,
    (name, display): (&str, &str),
    dto: &HpcQueueDto,
    fired: &mut Fired,
    log: &mut DecodeLog,
) -> Option<(Queue, QueueNodes)> {
    let object = queue_object(cluster_id, name);
    // Counts of nodes, cores and cards: a negative one is no count.
    let mut count = |raw: &Option<RawQuantity>, field: &str| {
        log.amount(API_HPC_QUEUES, &object, field, raw.as_ref())
    };
    let nodes = count(&dto.que_nodes, "queNodes");
    let free_nodes = count(&dto.que_free_nodes, "queFreeNodes");
    let cpus = count(&dto.que_ncpus, "queNcpus");
    let free_cpus = count(&dto.que_free_ncpus, "queFreeNcpus");
    let ppn = count(&dto.que_max_ppn, "queMaxPPN");
    let gpu_pn = count(&dto.que_max_gpu_pn, "queMaxGpuPN");
    let dcu_pn = count(&dto.que_max_dcu_pn, "queMaxDcuPN");
    for (free, total, what) in [
        (free_nodes, nodes, "queFreeNodes > queNodes"),
        (free_cpus, cpus, "queFreeNcpus > queNcpus"),
    ] {
        if let (Some(f), Some(t)) = (free, total) {
            if f > t {
                // Which of the two is wrong is unknown, and a free figure
                // above the total would read as headroom that is not there.
                log.drop_object(
                    API_HPC_QUEUES,
                    object,
                    format!("{what}: {f} free of {t}: the figures contradict each other"),
                );
                return None;
            }
        }
    }

    // Cards per node by accelerator name, named as the AI side names them (the
    // API's accelerator type). A queue with neither is a CPU queue.
    let per_node: BTreeMap<String, f64> = [("gpu", gpu_pn), ("dcu", dcu_pn)]
        .into_iter()
        .filter_map(|(t, n)| Some((accelerator_label(t)?, n.filter(|n| *n > 0.0)?)))
        .collect();
    let mut capability = Resources {
        cpu_cores: cpus,
        ..Resources::default()
    };
    let mut remaining = Resources {
        cpu_cores: free_cpus,
        ..Resources::default()
    };
    for (label, n) in &per_node {
        // Products of two finite counts can still overflow.
        if let Some(cards) =
            nodes.and_then(|v| finite(log, API_HPC_QUEUES, &object, "queNodes", v * n))
        {
            fired.fire(Rule::CardsFromNodes);
            capability.accelerators.insert(label.clone(), cards);
        }
        if let Some(cards) =
            free_nodes.and_then(|v| finite(log, API_HPC_QUEUES, &object, "queFreeNodes", v * n))
        {
            fired.fire(Rule::FreeCardsFromFreeNodes);
            remaining.accelerators.insert(label.clone(), cards);
        }
    }
    let mut quantities = BTreeMap::new();
    for (kind, block) in [
        (QuantityKind::Capability, capability),
        (QuantityKind::Remaining, remaining),
    ] {
        if !block.is_empty() {
            quantities.insert(kind, block);
        }
    }
    let queue = Queue {
        pool_id: pool_id.to_string(),
        id: name.to_string(),
        name: display.to_string(),
        queue_type: HPC.to_string(),
        parent: String::new(),
        cloud_region: Some(cluster_id.to_string()),
        quantities,
        // Whole free nodes: the only per-node figure the queue list gives.
        free_blocks: per_node
            .iter()
            .filter_map(|(label, n)| {
                Some((label.clone(), FreeBlocks::whole_nodes(free_nodes?, *n)))
            })
            .collect(),
        // HPC queues report no job counts here.
        ..Queue::default()
    };
    let nodes = QueueNodes {
        cloud_region: Some(cluster_id.to_string()),
        pool_id: pool_id.to_string(),
        queue_id: name.to_string(),
        nodes,
        free_nodes,
        node_cpu_cores: ppn,
        node_accelerators: per_node,
    };
    Some((queue, nodes))
}

#[cfg(test)]
mod official_tests;
#[cfg(test)]
mod tests;
