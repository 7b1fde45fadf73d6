//! Sugon payloads → the provider-neutral model.
//!
//! Pure functions over DTOs and JSON: no I/O, tested on the seed response in
//! `map/tests.rs`. A resource group is a pool; its `resources` answer describes
//! one node of the group (per-node capability and limits) plus the node count.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Url;
use serde_json::Value;

use serde::Deserialize;

use crate::model::{Pool, Resources};
use crate::providers::upstream::decode::DecodeLog;
use crate::quantity::{self, RawQuantity};

pub use crate::providers::mapping::MapError;

use super::dto::{lenient_list, CenterDto, ResourcesDto, UrlEntryDto};
use super::dto::{API_CENTER, API_GROUPS, API_RESOURCES};

/// The `accelerator` label for a group's cards: the accelerator type as the API
/// names it (`gpu`, `dcu`, `mlu`), lowercased. The resources payload carries no
/// card model (`gpuNumber` counts whatever cards the group's type has), so the type
/// is the most precise name available. CPU-only groups have no accelerator.
pub fn accelerator_label(accelerator_type: &str) -> Option<String> {
    let t = accelerator_type.trim().to_ascii_lowercase();
    (t != "cpu" && !t.is_empty()).then_some(t)
}

/// The `accelerator` label of each per-node limit field: `nvLimits` caps NVIDIA
/// GPUs, `dcuLimits` Hygon DCUs, `mluLimits` Cambricon MLUs.
const LIMIT_LABELS: [&str; 3] = ["nvidia", "dcu", "mlu"];

/// A per-node card quota (`nvLimits`, `dcuLimits`, `mluLimits`) as a limit:
/// `None` for 0, which means no quota is set ([`quantity::Rule::ZeroNodeLimitIsUnset`]).
///
/// The seed has `nvLimits` 0 beside `gpuNumber` 2 in a group users run GPU jobs
/// in, so 0 cannot be a limit of no cards; exporting it as one would read as
/// "no card allowed" on every dashboard.
pub fn node_limit(value: f64, fired: &mut quantity::Fired) -> Option<f64> {
    if value == 0.0 {
        fired.fire(quantity::Rule::ZeroNodeLimitIsUnset);
        None
    } else {
        Some(value)
    }
}

/// How a resource group is named in decode errors: the group, its accelerator
/// type and its region (a group name may repeat across regions).
pub fn group_object(cluster_id: &str, accelerator_type: &str, group: &str) -> String {
    format!("resource group {group} ({accelerator_type}, region {cluster_id})")
}

/// `v` when finite; an infinite result of arithmetic on finite upstream figures
/// (a product or a unit conversion that overflows) is recorded as a
/// `not_finite` error of `field` and left out, so no ±Inf reaches the model.
pub fn finite(log: &mut DecodeLog, api: &str, object: &str, field: &str, v: f64) -> Option<f64> {
    if v.is_finite() {
        return Some(v);
    }
    // `number` records a non-finite number as `not_finite` and gives None.
    log.number(api, object, field, Some(&RawQuantity::Number(v)))
}

/// One resource group of one compute region → a pool.
///
/// `pool_id` and `pool_name` are the group name (groups have no separate id),
/// `pool_type` the accelerator type it was listed under, `cloud_region` the
/// region's clusterId. Every number is per node except `nodeNumber`; fields the
/// payload leaves out give no series, and neither does a card quota of 0 (see
/// [`node_limit`]). A field that is not a usable count (`"abc"`, `"-1"`,
/// `"1e400"`, an object) is recorded in `log` and gives no series; the group's
/// other fields are kept.
pub fn map_group(
    cluster_id: &str,
    accelerator_type: &str,
    group: &str,
    dto: &ResourcesDto,
    fired: &mut quantity::Fired,
    log: &mut DecodeLog,
) -> Pool {
    let object = group_object(cluster_id, accelerator_type, group);
    let mut count = |raw: &Option<RawQuantity>, field: &str| {
        log.amount(API_RESOURCES, &object, field, raw.as_ref())
    };
    let cpu = count(&dto.cpu_number, "cpuNumber");
    let cards = count(&dto.gpu_number, "gpuNumber");
    let memory_mib = count(&dto.memory_size, "memorySize");
    let nodes = count(&dto.node_number, "nodeNumber");
    let limits: Vec<(&str, Option<f64>)> = LIMIT_LABELS
        .iter()
        .zip([
            (&dto.nv_limits, "nvLimits"),
            (&dto.dcu_limits, "dcuLimits"),
            (&dto.mlu_limits, "mluLimits"),
        ])
        .map(|(label, (raw, field))| (*label, count(raw, field)))
        .collect();

    let mut accelerators = BTreeMap::new();
    if let (Some(label), Some(n)) = (accelerator_label(accelerator_type), cards) {
        accelerators.insert(label, n);
    }
    let memory_bytes = memory_mib.and_then(|m| {
        finite(
            log,
            API_RESOURCES,
            &object,
            "memorySize",
            quantity::mib_to_bytes(m),
        )
    });
    let capability = Resources {
        cpu_cores: cpu,
        memory_bytes,
        accelerators,
    };

    let mut node_limits = BTreeMap::new();
    for (label, v) in limits {
        if let Some(v) = v.and_then(|v| node_limit(v, fired)) {
            node_limits.insert(label.to_string(), v);
        }
    }

    let mut extra_info = BTreeMap::new();
    if let Some(t) = max_time(dto.max_time.as_ref(), &object, log) {
        extra_info.insert("max_time".to_string(), t);
    }

    Pool {
        id: group.to_string(),
        name: group.to_string(),
        pool_type: accelerator_type.to_string(),
        phase: String::new(),
        cloud_region: Some(cluster_id.to_string()),
        extra_info,
        nodes,
        node_capability: (!capability.is_empty()).then_some(capability),
        node_limits,
        ..Pool::default()
    }
}

/// `maxTime` as label text: a string (or a number or boolean, read as text);
/// empty is none. Any other JSON loses only the label and is recorded.
fn max_time(raw: Option<&Value>, object: &str, log: &mut DecodeLog) -> Option<String> {
    let text = match raw? {
        Value::Null => return None,
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => {
            // Not text: recorded as the field's error (`number` refuses any
            // JSON that is not a number as not_a_number).
            log.number(
                API_RESOURCES,
                object,
                "maxTime",
                Some(&RawQuantity::Other(other.clone())),
            );
            return None;
        }
    };
    (!text.is_empty()).then_some(text)
}

/// The (accelerator type, group name) pairs of a `resource-group` answer, in the
/// order listed, without repeats.
///
/// The documented shape is a map from accelerator type to its groups, each group
/// a name or an object with `resourceGroup`; a list of objects carrying both
/// `acceleratorType` and `resourceGroup` is accepted too. `null` is no groups.
/// An entry without a (non-empty) group name or type is dropped alone and
/// recorded in `log`; only an answer of another shape altogether is an error.
pub fn parse_groups(data: &Value, log: &mut DecodeLog) -> Result<Vec<(String, String)>, MapError> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut push = |log: &mut DecodeLog, t: &str, name: Option<String>, item: &Value, i: usize| {
        let t = t.trim();
        let g = name.as_deref().map(str::trim).unwrap_or("");
        if t.is_empty() || g.is_empty() {
            let what = if t.is_empty() {
                "no acceleratorType"
            } else {
                "no group name"
            };
            let kind = if t.is_empty() { "?" } else { t };
            log.drop_object(
                API_GROUPS,
                format!("resource group {kind} #{i}"),
                format!("{what}: {}", short(item)),
            );
            return;
        }
        if seen.insert((t.to_string(), g.to_string())) {
            out.push((t.to_string(), g.to_string()));
        }
    };
    match data {
        Value::Null => {}
        Value::Object(by_type) => {
            for (t, groups) in by_type {
                match groups {
                    Value::Null => {}
                    Value::Array(items) => {
                        for (i, item) in items.iter().enumerate() {
                            push(log, t, group_name(item), item, i);
                        }
                    }
                    // One group given bare instead of in a list.
                    other => push(log, t, group_name(other), other, 0),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let t = item
                    .get("acceleratorType")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                push(log, t, group_name(item), item, i);
            }
        }
        other => {
            return Err(MapError {
                context: "resource-group data".into(),
                reason: format!("expected an object, found {}", short(other)),
            })
        }
    }
    Ok(out)
}

fn group_name(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(m) => ["resourceGroup", "name", "groupName"]
            .iter()
            .find_map(|k| m.get(*k).and_then(Value::as_str))
            .map(str::to_string),
        _ => None,
    }
}

pub(super) fn short(v: &Value) -> String {
    v.to_string().chars().take(120).collect()
}

/// The `center` answer's region entries: a list, or one object. A list entry
/// that is not a region entry, and an `aiUrls` entry that is not `{url,
/// enable}`, is dropped alone and recorded in `log`; one object that is not a
/// region entry is an answer of the wrong shape (an error).
pub fn parse_centers(data: &Value, log: &mut DecodeLog) -> Result<Vec<CenterDto>, MapError> {
    let centers = match data {
        Value::Null => Vec::new(),
        Value::Array(items) => {
            log.keep_decoded(API_CENTER, "center entry", "id", lenient_list(items))
        }
        _ => vec![CenterDto::deserialize(data).map_err(|e| MapError {
            context: "center data".into(),
            reason: e.to_string(),
        })?],
    };
    for c in &centers {
        if let Value::Array(entries) = &c.ai_urls {
            let region = c.id.as_deref().or(c.cluster_id.as_deref()).unwrap_or("?");
            let kind = format!("aiUrls entry of region {region}");
            log.keep_decoded::<UrlEntryDto>(API_CENTER, &kind, "url", lenient_list(entries));
        }
    }
    Ok(centers)
}

/// The `{url, enable}` entries of an `aiUrls`/`hpcUrls` value; anything else
/// in it is passed over (`parse_centers` records it).
pub fn url_entries(v: &Value) -> Vec<UrlEntryDto> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| UrlEntryDto::deserialize(e).ok())
        .collect()
}

/// The entries of a `center` answer that describe region `cluster_id`: the
/// ones whose `id` (or `clusterId`) is the region's; if none says, all of them.
pub fn region_centers<'c>(centers: &'c [CenterDto], cluster_id: &str) -> Vec<&'c CenterDto> {
    let matching: Vec<&CenterDto> = centers
        .iter()
        .filter(|c| {
            c.id.as_deref() == Some(cluster_id) || c.cluster_id.as_deref() == Some(cluster_id)
        })
        .collect();
    if matching.is_empty() {
        centers.iter().collect()
    } else {
        matching
    }
}

/// The enabled `aiUrls` of region `cluster_id`, in the order listed.
///
/// When the answer has several region entries, the one whose `id` (or
/// `clusterId`) is the region's is used; if none says, all entries are. An entry
/// without `enable` counts as enabled: the flag only marks unavailable ones.
pub fn enabled_ai_urls(centers: &[CenterDto], cluster_id: &str) -> Vec<String> {
    let entries: Vec<UrlEntryDto> = region_centers(centers, cluster_id)
        .into_iter()
        .flat_map(|c| url_entries(&c.ai_urls))
        .collect();
    enabled_urls(&entries)
}

/// The URLs of the enabled entries, in order, without repeats (see
/// [`enabled_ai_urls`] for what counts as enabled).
pub fn enabled_urls<'e>(entries: impl IntoIterator<Item = &'e UrlEntryDto>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for entry in entries {
        let enabled = entry
            .enable
            .as_deref()
            .map(|e| e.trim().eq_ignore_ascii_case("true"))
            .unwrap_or(true);
        if let Some(url) = entry
            .url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        {
            if enabled && !out.iter().any(|u| u == url) {
                out.push(url.to_string());
            }
        }
    }
    out
}

/// The base URL that `/ai/openapi/v2/…` paths are appended to: the `aiUrls`
/// entry without a trailing slash and without the `/ai` suffix some deployments
/// already put on it. A path prefix in front of the suffix (a gateway) is kept.
pub fn ai_base(url: &str) -> Result<Url, MapError> {
    service_base(url, "ai")
}

/// [`ai_base`] for any service: the entry without a trailing slash and without
/// a `/{service}` suffix (`hpcUrls` entries come as `https://…/hpc` or bare).
pub fn service_base(url: &str, service: &str) -> Result<Url, MapError> {
    let err = |reason: String| MapError {
        context: format!("{service}Urls entry {}", short(&Value::from(url))),
        reason,
    };
    let mut u = Url::parse(url.trim()).map_err(|e| err(e.to_string()))?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return Err(err("not an http(s) URL with a host".into()));
    }
    let path = u.path().trim_end_matches('/');
    let suffix = format!("/{service}");
    let path = path.strip_suffix(&suffix).unwrap_or(path).to_string();
    u.set_path(&path);
    u.set_query(None);
    u.set_fragment(None);
    Ok(u)
}

/// `base` with `path` (starting with `/`) appended to its path.
pub fn join(base: &Url, path: &str) -> Url {
    let mut u = base.clone();
    let joined = format!("{}{}", u.path().trim_end_matches('/'), path);
    u.set_path(&joined);
    u.set_query(None);
    u
}

#[cfg(test)]
mod tests;
