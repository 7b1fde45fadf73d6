//! Qianfan's account keys: AK/SK (optionally STS), the services to poll (or
//! discovery) and the payment timing; endpoint and region defaults.

use crate::fields::Secret;
use crate::fields::{CommonKeys, Fields};
use reqwest::Url;
use std::collections::HashSet;

pub const DEFAULT_ENDPOINT: &str = "https://qianfan.baidubce.com";
/// The management API is global (one endpoint for every region), so the
/// `cloud_region` label defaults to where it is served from.
pub const DEFAULT_REGION: &str = "bj";
pub const PAYMENT_TIMINGS: [&str; 2] = ["Prepaid", "Postpaid"];

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub endpoint: Url,
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub security_token: Option<Secret>,
    /// `None`: discover every service each poll.
    pub service_ids: Option<Vec<String>>,
    /// Ask only for units of this payment timing (`Prepaid` | `Postpaid`).
    pub payment_timing: Option<String>,
}

/// Parses the Qianfan keys of an account; defaults `endpoint` and `region`.
pub fn parse_config(f: &mut Fields<'_>, common: &mut CommonKeys) -> Option<Config> {
    // No early return: the keys after a bad region are still checked.
    let region = match common.region.as_deref().map(str::trim) {
        None => Some(DEFAULT_REGION.to_string()),
        Some("") => {
            f.error(
                "region",
                format!("must not be empty (leave it out for {DEFAULT_REGION:?})"),
            );
            None
        }
        Some(r) => Some(r.to_string()),
    };
    let endpoint = match &common.endpoint {
        Some(e) => e.clone(),
        None => Url::parse(DEFAULT_ENDPOINT).ok()?,
    };
    let service_ids = f.string_list("service_ids");
    if let Some(ids) = &service_ids {
        if ids.is_empty() {
            f.error(
                "service_ids",
                "must list at least one service id (leave it out to discover all services)",
            );
        }
        let mut seen = HashSet::new();
        for (i, id) in ids.iter().enumerate() {
            if id.trim().is_empty() {
                f.error(&format!("service_ids[{i}]"), "must not be empty");
            } else if !seen.insert(id.trim()) {
                f.error(
                    &format!("service_ids[{i}]"),
                    format!("{id:?} is listed twice"),
                );
            }
        }
    }
    let payment_timing = f
        .has("payment_timing")
        .then(|| f.choice("payment_timing", &PAYMENT_TIMINGS, PAYMENT_TIMINGS[0]));
    let access_key_id = f.required_string("access_key_id");
    let secret_access_key = f.required_secret("secret_access_key", "for provider qianfan");
    let security_token = f.secret("security_token");
    common.region = Some(region?);
    Some(Config {
        endpoint,
        access_key_id: access_key_id?.trim().to_string(),
        secret_access_key: secret_access_key?,
        security_token,
        service_ids: service_ids.map(|ids| ids.iter().map(|id| id.trim().to_string()).collect()),
        payment_timing,
    })
}
