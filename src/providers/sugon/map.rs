//! Sugon payloads → the provider-neutral model.
//!
//! Pure functions over DTOs and JSON: no I/O, tested on the seed response in
//! `map/tests.rs`. A resource group is a pool; its `resources` answer describes
//! one node of the group (per-node capability and limits) plus the node count.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Url;
use serde_json::Value;

use crate::model::{Pool, Resources};
use crate::quantity;

use crate::providers::mapping::num_opt;
pub use crate::providers::mapping::MapError;

use super::dto::{CenterDto, ResourcesDto, UrlEntryDto};

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

/// One resource group of one compute region → a pool.
///
/// `pool_id` and `pool_name` are the group name (groups have no separate id),
/// `pool_type` the accelerator type it was listed under, `cloud_region` the
/// region's clusterId. Every number is per node except `nodeNumber`; fields the
/// payload leaves out give no series, and neither does a card quota of 0 (see
/// [`node_limit`]).
pub fn map_group(
    cluster_id: &str,
    accelerator_type: &str,
    group: &str,
    dto: &ResourcesDto,
    fired: &mut quantity::Fired,
) -> Result<Pool, MapError> {
    let ctx = |field: &str| format!("resource group {group:?} ({accelerator_type}) {field}");
    let cpu = num_opt(&dto.cpu_number, || ctx("cpuNumber"))?;
    let cards = num_opt(&dto.gpu_number, || ctx("gpuNumber"))?;
    let memory_mib = num_opt(&dto.memory_size, || ctx("memorySize"))?;
    let nodes = num_opt(&dto.node_number, || ctx("nodeNumber"))?;

    let mut accelerators = BTreeMap::new();
    if let (Some(label), Some(n)) = (accelerator_label(accelerator_type), cards) {
        accelerators.insert(label, n);
    }
    let capability = Resources {
        cpu_cores: cpu,
        memory_bytes: memory_mib.map(quantity::mib_to_bytes),
        accelerators,
    };

    let mut node_limits = BTreeMap::new();
    for (label, (raw, field)) in LIMIT_LABELS.iter().zip([
        (&dto.nv_limits, "nvLimits"),
        (&dto.dcu_limits, "dcuLimits"),
        (&dto.mlu_limits, "mluLimits"),
    ]) {
        if let Some(v) = num_opt(raw, || ctx(field))?.and_then(|v| node_limit(v, fired)) {
            node_limits.insert((*label).to_string(), v);
        }
    }

    let mut extra_info = BTreeMap::new();
    if let Some(t) = dto
        .max_time
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        extra_info.insert("max_time".to_string(), t.to_string());
    }

    Ok(Pool {
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
    })
}

/// The (accelerator type, group name) pairs of a `resource-group` answer, in the
/// order listed, without repeats.
///
/// The documented shape is a map from accelerator type to its groups, each group
/// a name or an object with `resourceGroup`; a list of objects carrying both
/// `acceleratorType` and `resourceGroup` is accepted too. `null` is no groups.
pub fn parse_groups(data: &Value) -> Result<Vec<(String, String)>, MapError> {
    let err = |reason: String| MapError {
        context: "resource-group data".into(),
        reason,
    };
    let mut out: Vec<(String, String)> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut push = |t: &str, g: &str| {
        let (t, g) = (t.trim(), g.trim());
        if !t.is_empty() && !g.is_empty() && seen.insert((t.to_string(), g.to_string())) {
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
                        for item in items {
                            let name = group_name(item).ok_or_else(|| {
                                err(format!("{t}: an entry has no group name: {}", short(item)))
                            })?;
                            push(t, &name);
                        }
                    }
                    // One group given bare instead of in a list.
                    other => match group_name(other) {
                        Some(name) => push(t, &name),
                        None => return Err(err(format!("{t}: unexpected {}", short(other)))),
                    },
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                let t = item
                    .get("acceleratorType")
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        err(format!("an entry has no acceleratorType: {}", short(item)))
                    })?;
                let name = group_name(item)
                    .ok_or_else(|| err(format!("an entry has no group name: {}", short(item))))?;
                push(t, &name);
            }
        }
        other => return Err(err(format!("expected an object, found {}", short(other)))),
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

/// The `center` answer's region entries: a list, or one object.
pub fn parse_centers(data: &Value) -> Result<Vec<CenterDto>, MapError> {
    let err = |e: serde_json::Error| MapError {
        context: "center data".into(),
        reason: e.to_string(),
    };
    match data {
        Value::Null => Ok(Vec::new()),
        Value::Array(_) => serde_json::from_value(data.clone()).map_err(err),
        _ => Ok(vec![serde_json::from_value(data.clone()).map_err(err)?]),
    }
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
    enabled_urls(
        region_centers(centers, cluster_id)
            .into_iter()
            .flat_map(|c| c.ai_urls.iter().flatten()),
    )
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
