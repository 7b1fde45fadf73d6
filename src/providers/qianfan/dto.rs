//! Qianfan upstream payloads (docs/providers.md §2, seed `002_…`).
//!
//! These types never leave the `qianfan` module: `map.rs` turns them into the
//! provider-neutral model. Every field a real response may leave out is optional.
//!
//! Lists hold their elements as [`Lenient`] so one malformed service or compute
//! unit is dropped alone, and the fields an element carries accept any JSON
//! ([`RawQuantity`], [`Text`], [`StatusDto::Other`]) so a malformed field loses
//! only itself when `map.rs` reads it. The identity (`instanceId`,
//! `serviceId`) stays typed: an element whose id is unreadable is dropped.

use serde::{Deserialize, Serialize};

use crate::providers::upstream::decode::Lenient;
use crate::quantity::RawQuantity;

/// Body of `POST /v2/serviceresources?Action=DescribeComputeUnits`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComputeUnitsRequest<'a> {
    pub service_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_timing: Option<&'a str>,
}

/// Body of `POST /v2/service?Action=DescribeServices` (doc page
/// "获取定制服务列表": `marker`, `maxKeys` ≤ 100, `protocolVersion` 1 or 2).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicesRequest<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<&'a str>,
    pub max_keys: u64,
    /// 1 (the default when absent) or 2: the services made under that
    /// protocol version are the ones listed.
    pub protocol_version: u8,
}

/// `{"requestId", "result": {...}}`, the envelope of every Qianfan v2 answer.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<T> {
    /// Absent (or `null`) means the upstream reported nothing, not an error.
    pub result: Option<T>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComputeUnitsResult {
    #[serde(default)]
    pub instances: Option<Vec<Lenient<InstanceDto>>>,
}

/// One compute unit instance of a service.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceDto {
    #[serde(default)]
    pub instance_id: Option<String>,
    #[serde(default)]
    pub payment_timing: Option<Text>,
    #[serde(default)]
    pub replicas_count: Option<RawQuantity>,
    #[serde(default)]
    pub status: Option<StatusDto>,
    /// RFC 3339; empty while the instance is `Creating`.
    #[serde(default)]
    pub start_time: Option<Text>,
    /// RFC 3339; empty while the instance is `Creating`.
    #[serde(default)]
    pub expired_time: Option<Text>,
}

/// A string field (a label or a time) as sent: anything but a string is kept
/// so that field alone is refused when mapped.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Text {
    Str(String),
    Other(serde_json::Value),
}

/// The documentation lists the states as `1:Creating 2:Running 3:Deleted` while its
/// example sends the name; accept either. Anything else is kept so only the
/// status is refused.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum StatusDto {
    Name(String),
    Code(u64),
    Other(serde_json::Value),
}

/// `result` of `DescribeServices` (custom services) and `DescribePresetServices`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicesResult {
    #[serde(default)]
    pub service_list: Option<Vec<Lenient<ServiceDto>>>,
    /// Marker paging, as Baidu's v2 list APIs report it.
    #[serde(default)]
    pub page_info: Option<PageInfo>,
    /// Some list APIs put the paging fields directly in `result`; accept both.
    #[serde(default)]
    pub is_truncated: Option<bool>,
    #[serde(default)]
    pub next_marker: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    #[serde(default)]
    pub is_truncated: Option<bool>,
    #[serde(default)]
    pub next_marker: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceDto {
    #[serde(default)]
    pub service_id: Option<String>,
    #[serde(default)]
    pub name: Option<Text>,
}

impl ServicesResult {
    /// Whether another page follows, and the marker that starts it.
    pub fn next(&self) -> (bool, Option<&str>) {
        let page = self.page_info.as_ref();
        let truncated = page
            .and_then(|p| p.is_truncated)
            .or(self.is_truncated)
            .unwrap_or(false);
        let marker = page
            .and_then(|p| p.next_marker.as_deref())
            .or(self.next_marker.as_deref())
            .filter(|m| !m.is_empty());
        (truncated, marker)
    }
}

/// The `api` label of each call (what `aipool_api_requests_total` and the
/// decode errors name). Here, beside the wire types, so the client and the
/// mapping both name them without importing each other.
pub const API_COMPUTE_UNITS: &str = "DescribeComputeUnits";
pub const API_SERVICES: &str = "DescribeServices";
pub const API_PRESET_SERVICES: &str = "DescribePresetServices";
