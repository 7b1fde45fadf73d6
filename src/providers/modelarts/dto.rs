//! ModelArts and IAM upstream payloads (docs/providers.md §3).
//!
//! These types never leave the `modelarts` module: `map.rs` turns them into the
//! provider-neutral model. Every field a real response has been documented or seen
//! without is optional, and unknown fields are ignored.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::providers::upstream::decode::Lenient;
use crate::quantity::RawQuantity;

/// `metadata` of a list response: the continuation token of Kubernetes-style
/// paging. Absent or empty means "this was the last page".
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListMeta {
    #[serde(default, rename = "continue")]
    pub continue_token: Option<String>,
    #[serde(default)]
    // Decoded though unread: a value of another type fails the object as the
    // documented shape says it should.
    #[allow(dead_code)]
    pub remaining_item_count: Option<RawQuantity>,
}

/// `GET /v2/{project_id}/pools`. Each pool decodes on its own: one that is
/// not the expected object is dropped alone, so it cannot cost the others.
#[derive(Debug, Clone, Deserialize)]
pub struct PoolList {
    #[serde(default)]
    pub items: Vec<Lenient<PoolDto>>,
    #[serde(default)]
    pub metadata: Option<ListMeta>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PoolDto {
    pub metadata: PoolMeta,
    #[serde(default)]
    pub spec: Option<PoolSpec>,
    #[serde(default)]
    pub status: Option<PoolStatus>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PoolMeta {
    /// The pool id (`pool-…`), used in node URLs. A pool without one (absent
    /// or empty) is dropped by the mapping.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub labels: Option<PoolLabels>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PoolLabels {
    /// The display name.
    #[serde(default, rename = "os.modelarts/name")]
    pub name: Option<String>,
    /// The workspace the pool belongs to (`"0"`: the default one). Kept as raw
    /// JSON: workspace ids come as the number `0` in places (see
    /// [`WorkspaceDto::id`]), and an odd value must not fail the pool list.
    #[serde(default, rename = "os.modelarts/workspace.id")]
    pub workspace_id: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolSpec {
    /// `Dedicate` (physical) or `Logical`.
    #[serde(default, rename = "type")]
    pub pool_type: Option<String>,
    /// Restriction flags, added up (seed 004: 0 none, 2 spec changes
    /// restricted, 4 service restricted, 8 frozen; seed 001: "9 = conversion to
    /// a subscription restricted and frozen").
    #[serde(default)]
    pub control_mode: Option<RawQuantity>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PoolStatus {
    #[serde(default)]
    pub phase: Option<String>,
    #[serde(default)]
    pub resources: Option<StatusResources>,
    #[serde(default)]
    pub driver: Option<StatusDriver>,
    /// The pool a logical sub-pool is carved from; empty or absent for a
    /// physical pool (seeds 001, 004).
    #[serde(default)]
    pub parent: Option<String>,
    /// The physical pool at the top of the tree; a physical pool names itself.
    #[serde(default)]
    // Decoded though unread: a value of another type fails the object as the
    // documented shape says it should.
    #[allow(dead_code)]
    pub root: Option<String>,
}

/// Node counts per flavor in each state. The API reference types each state as an
/// array of flavor counts; one SDK types it as a single object. Both are accepted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StatusResources {
    #[serde(default)]
    pub available: Option<OneOrMany<FlavorCount>>,
    #[serde(default)]
    pub creating: Option<OneOrMany<FlavorCount>>,
    #[serde(default)]
    pub abnormal: Option<OneOrMany<FlavorCount>>,
    #[serde(default)]
    pub deleting: Option<OneOrMany<FlavorCount>>,
}

impl StatusResources {
    /// `(state label, entries)` in a fixed order.
    pub fn states(&self) -> [(&'static str, &[FlavorCount]); 4] {
        [
            ("available", slice(&self.available)),
            ("creating", slice(&self.creating)),
            ("abnormal", slice(&self.abnormal)),
            ("deleting", slice(&self.deleting)),
        ]
    }
}

fn slice<T>(v: &Option<OneOrMany<T>>) -> &[T] {
    match v {
        None => &[],
        Some(OneOrMany::Many(items)) => items,
        Some(OneOrMany::One(item)) => std::slice::from_ref(item),
    }
}

/// A JSON array of `T`, or a single `T`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    Many(Vec<T>),
    One(T),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlavorCount {
    #[serde(default)]
    pub flavor: Option<String>,
    #[serde(default)]
    pub count: Option<RawQuantity>,
    /// The elastic ceiling: equal to `count` in a physical pool, at least
    /// `count` in a logical one (seed 004, PoolResourceFlavorCount).
    #[serde(default)]
    pub max_count: Option<RawQuantity>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct StatusDriver {
    #[serde(default)]
    pub gpu: Option<DriverStatus>,
    #[serde(default)]
    pub npu: Option<DriverStatus>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DriverStatus {
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
}

/// `GET /v1/{project_id}/workspaces` (ListWorkspace), paged by `offset` and
/// `limit`.
#[derive(Debug, Clone, Deserialize)]
pub struct WorkspaceList {
    /// Workspaces in the project, over all pages.
    #[serde(default)]
    pub total_count: Option<RawQuantity>,
    /// Workspaces on this page.
    #[serde(default)]
    // Decoded though unread: a value of another type fails the object as the
    // documented shape says it should.
    #[allow(dead_code)]
    pub count: Option<RawQuantity>,
    #[serde(default)]
    pub workspaces: Vec<Lenient<WorkspaceDto>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WorkspaceDto {
    /// A 32-character UUID, or `0` for the default workspace — a string in one
    /// doc example and the number `0` in another. Raw JSON so that both (and
    /// garbage, reported per workspace) decode.
    #[serde(default)]
    pub id: Option<serde_json::Value>,
    #[serde(default)]
    pub name: Option<String>,
    /// `NORMAL`, `CREATE_FAILED`, `DELETING` or `DELETE_FAILED`.
    #[serde(default)]
    pub status: Option<String>,
}

/// `GET /v2/{project_id}/pools/{pool}/nodes`. Each node decodes on its own.
#[derive(Debug, Clone, Deserialize)]
pub struct NodeList {
    #[serde(default)]
    pub items: Vec<Lenient<NodeDto>>,
    #[serde(default)]
    pub metadata: Option<ListMeta>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NodeDto {
    #[serde(default)]
    pub metadata: Option<NodeMeta>,
    #[serde(default)]
    pub status: Option<NodeStatus>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NodeMeta {
    #[serde(default)]
    pub name: Option<String>,
}

/// A node's phase and resources: `resources` is what the node has, and
/// `availableResources` what is still free on it, both maps of Kubernetes
/// quantities (`"3920m"`, `"6270Mi"`, `"8"`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeStatus {
    #[serde(default)]
    pub phase: Option<String>,
    #[serde(default)]
    pub resources: Option<BTreeMap<String, RawQuantity>>,
    #[serde(default)]
    pub available_resources: Option<BTreeMap<String, RawQuantity>>,
}

/// The body of an IAM `POST /v3/auth/tokens` answer; the token itself is in the
/// `X-Subject-Token` header.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenBody {
    pub token: TokenInfo,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TokenInfo {
    /// RFC 3339 UTC, e.g. `2020-01-04T09:05:22.701000Z`.
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// The `api` label of each call (what `aipool_api_requests_total` and the
/// decode errors name). Here, beside the wire types, so the client and the
/// mapping both name them without importing each other.
pub const API_WORKSPACES: &str = "ListWorkspace";
pub const API_POOLS: &str = "ListPools";
pub const API_NODES: &str = "ListPoolNodes";
