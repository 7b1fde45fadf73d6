//! Sugon AC / SCNet upstream payloads (docs/providers.md §4).
//!
//! These types never leave the `sugon` module: `map.rs` turns them into the
//! provider-neutral model. Every response is wrapped in `{code, msg, data}`;
//! [`Envelope`] reads that wrapper and leaves `data` as JSON for the typed
//! structs below. Fields are optional wherever the documentation does not promise
//! them, so one missing field costs a series, not the whole poll.

use serde::de::{self, DeserializeOwned, Deserializer};
use serde::Deserialize;
use serde_json::Value;

use crate::providers::upstream::decode::Lenient;
use crate::quantity::RawQuantity;

/// The elements of a list that arrived inside `data` (already JSON), each
/// decoded on its own like [`Lenient`] does for a body: an element that is not
/// a `T` is kept as its text and the decoder's message, so the rest decodes.
pub fn lenient_list<T: DeserializeOwned>(items: &[Value]) -> Vec<Lenient<T>> {
    items
        .iter()
        .map(|item| match T::deserialize(item) {
            Ok(v) => Lenient::Ok(v),
            Err(e) => Lenient::Bad {
                // A `Value` always serializes; were it ever not to, the
                // element is still dropped and named by its position.
                raw: serde_json::value::to_raw_value(item).unwrap_or_default(),
                error: e.to_string(),
            },
        })
        .collect()
}

/// `{"code": "0", "msg": "success", "data": …}`. `code` is a string in every
/// documented response; a number is accepted too, since the Java services behind
/// the gateway are not consistent about it elsewhere.
#[derive(Debug, Clone, Deserialize)]
pub struct Envelope {
    #[serde(default, deserialize_with = "opt_text")]
    pub code: Option<String>,
    #[serde(default)]
    pub msg: Option<String>,
    #[serde(default)]
    pub data: Value,
}

/// One compute region's token from a login (`data` of both token APIs).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenEntryDto {
    #[serde(default, deserialize_with = "opt_text")]
    pub cluster_id: Option<String>,
    #[serde(default)]
    pub cluster_name: Option<String>,
    /// `null` when the user may use the region but the account is suspended.
    #[serde(default)]
    pub token: Option<String>,
}

/// One region entry of `GET /ac/openapi/v2/center`. The documentation calls
/// `data` a list of region entries; a single object is accepted as a list of one.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CenterDto {
    #[serde(default, deserialize_with = "opt_text")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub cluster_id: Option<String>,
    #[serde(default)]
    // Decoded though unread: a value of another type fails the object as the
    // documented shape says it should.
    #[allow(dead_code)]
    pub name: Option<String>,
    /// The region's AI service entries (`{url, enable}`), kept as JSON: an
    /// entry that is not one is dropped alone when the answer is parsed
    /// (`map::parse_centers`), the other entries still count.
    #[serde(default)]
    pub ai_urls: Value,
    /// The region's HPC service entries, like `aiUrls`. Kept as JSON and read
    /// by the HPC side (`hpc.rs`): a malformed HPC part must not cost the
    /// region its AI series.
    #[serde(default)]
    pub hpc_urls: Value,
    /// `{userName, homePath}`: the user's account on the region's cluster,
    /// whose name the HPC queue API takes. Kept as JSON like `hpc_urls`.
    #[serde(default)]
    pub cluster_user_info: Value,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UrlEntryDto {
    #[serde(default)]
    pub url: Option<String>,
    /// `"true"` / `"false"` as documented; a JSON boolean is accepted too.
    #[serde(default, deserialize_with = "opt_text")]
    pub enable: Option<String>,
}

/// `GET …/instance-service/resources` → `data`: per-node limits of one resource
/// group and its node count (the seed, `seeds/003_…`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourcesDto {
    #[serde(default)]
    pub cpu_number: Option<RawQuantity>,
    #[serde(default)]
    pub gpu_number: Option<RawQuantity>,
    #[serde(default)]
    pub nv_limits: Option<RawQuantity>,
    #[serde(default)]
    pub dcu_limits: Option<RawQuantity>,
    #[serde(default)]
    pub mlu_limits: Option<RawQuantity>,
    /// MB per node (MiB: 31888 is a 32 GB node).
    #[serde(default)]
    pub memory_size: Option<RawQuantity>,
    #[serde(default)]
    pub node_number: Option<RawQuantity>,
    /// `"unlimited"` or a duration; kept as JSON so a value of another shape
    /// loses only the `max_time` label (`map::map_group` records it).
    #[serde(default)]
    pub max_time: Option<Value>,
    /// The group's name again; not used (the group is the one asked for), kept
    /// as JSON so no shape of it can fail the answer.
    #[serde(default)]
    #[allow(dead_code)]
    pub resource_group: Option<Value>,
}

/// One job manager (scheduler) of a region's HPC cluster: an entry of `GET
/// {hpc}/hpc/openapi/v2/cluster` (providers.md §4, from the scnet-cli package:
/// `{"id": 123, "text": "slurm", "JobManagerType": "SLURM"}`; the id may be a
/// number or a string).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct JobManagerDto {
    #[serde(default, deserialize_with = "opt_text")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub text: Option<String>,
    #[serde(default, rename = "JobManagerType", deserialize_with = "opt_text")]
    pub job_manager_type: Option<String>,
}

/// One queue of `GET {hpc}/hpc/openapi/v2/queuenames/users/{user}`. The
/// official doc page (scnet.cn jobmanager "查询用户可访问队列") names a queue
/// by `id` and `text` (both "队列名称", e.g. `debug`, typed string) and shows
/// no `queueName`; the scnet-cli package reads `queueName or id or text`. All
/// three are read here (docs/providers/sugon.md). Numbers come as JSON
/// numbers or as strings (the doc types every field as a string).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HpcQueueDto {
    #[serde(default, deserialize_with = "opt_text")]
    pub queue_name: Option<String>,
    /// The queue's name as the official doc gives it; a number is read as
    /// its text.
    #[serde(default, deserialize_with = "opt_text")]
    pub id: Option<String>,
    /// The queue's display name (the same as `id` in the doc's example).
    #[serde(default, deserialize_with = "opt_text")]
    pub text: Option<String>,
    /// Nodes in the queue.
    #[serde(default)]
    pub que_nodes: Option<RawQuantity>,
    /// Nodes with nothing running on them.
    #[serde(default)]
    pub que_free_nodes: Option<RawQuantity>,
    /// Cores of the queue.
    #[serde(default)]
    pub que_ncpus: Option<RawQuantity>,
    /// Cores not in use.
    #[serde(default)]
    pub que_free_ncpus: Option<RawQuantity>,
    /// Cores per node (the most processes per node a job may ask for).
    #[serde(default, rename = "queMaxPPN")]
    pub que_max_ppn: Option<RawQuantity>,
    /// GPUs per node (the most a job may ask for on one node).
    #[serde(default, rename = "queMaxGpuPN")]
    pub que_max_gpu_pn: Option<RawQuantity>,
    /// DCUs per node.
    #[serde(default, rename = "queMaxDcuPN")]
    pub que_max_dcu_pn: Option<RawQuantity>,
}

/// A string, or a number or boolean read as its text; `null` is `None`.
fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        other => Err(de::Error::custom(format!(
            "expected a string or number, found {}",
            match other {
                Value::Array(_) => "a list",
                _ => "an object",
            }
        ))),
    }
}

/// The `api` label of each call (what `aipool_api_requests_total` and the
/// decode errors name). Here, beside the wire types, so the client and the
/// mapping both name them without importing each other.
/// `api` label values (`aipool_api_requests_total{api}`).
pub const API_LOGIN_PASSWORD: &str = "v2/tokens";
pub const API_LOGIN_AKSK: &str = "v3/tokens";
pub const API_CENTER: &str = "v2/center";
pub const API_GROUPS: &str = "v2/instance-service/resource-group";
pub const API_RESOURCES: &str = "v2/instance-service/resources";
pub const API_HPC_CLUSTER: &str = "v2/cluster";
pub const API_HPC_QUEUES: &str = "v2/queuenames";
