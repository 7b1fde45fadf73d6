//! AIHC's account keys: which API (`console` or `openapi`), its credentials,
//! the pool types to list, and the endpoint defaulted from the region.

use crate::fields::Secret;
use crate::fields::{CommonKeys, Fields};
use reqwest::Url;

/// bce-sdk-go `services/aihc/v2/api/resourcepool.go` `ResourcePoolType`:
/// `common`, `dedicatedV2` and `bhcmp` (bce-sdk-python documents the first two).
pub const OPENAPI_POOL_TYPES: [&str; 3] = ["common", "dedicatedV2", "bhcmp"];
pub const CONSOLE_POOL_TYPES: [&str; 2] = ["common", "serverless"];
/// Regions with an OpenAPI endpoint as of docs/providers.md; others need `endpoint`.
pub const KNOWN_REGIONS: [&str; 6] = ["bj", "gz", "su", "bd", "fwh", "yq"];
pub const CONSOLE_ENDPOINT: &str = "https://console.bce.baidu.com/api/aihc/aihc-service";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Console,
    OpenApi,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Auth {
    Cookie(Secret),
    AkSk {
        access_key_id: String,
        secret_access_key: Secret,
        security_token: Option<Secret>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub api: Api,
    pub region: String,
    pub endpoint: Url,
    pub pool_types: Vec<String>,
    pub auth: Auth,
}

/// Parses the AIHC keys of an account: `api`, `pool_types`, and the credentials of
/// the chosen API; defaults `endpoint` from `region`.
pub fn parse_config(f: &mut Fields<'_>, common: &mut CommonKeys) -> Option<Config> {
    let api = match f.choice("api", &["openapi", "console"], "openapi").as_str() {
        "console" => Api::Console,
        _ => Api::OpenApi,
    };
    // No early return: a bad region must not hide the problems of the keys
    // after it (they would also be left over and reported as unknown).
    let region = match common.region.clone() {
        Some(r) if !r.trim().is_empty() => Some(r),
        _ => {
            f.error("region", "is required for provider aihc (e.g. \"bj\")");
            None
        }
    };
    let allowed: &[&str] = match api {
        Api::Console => &CONSOLE_POOL_TYPES,
        Api::OpenApi => &OPENAPI_POOL_TYPES,
    };
    let pool_types = f
        .string_list("pool_types")
        .unwrap_or_else(|| vec!["common".to_string()]);
    if pool_types.is_empty() {
        f.error("pool_types", "must list at least one pool type");
    }
    for (i, t) in pool_types.iter().enumerate() {
        if !allowed.contains(&t.as_str()) {
            f.error(
                &format!("pool_types[{i}]"),
                format!(
                    "{t:?} is not one of {} for api = {:?}",
                    allowed.join(" | "),
                    api_name(api)
                ),
            );
        }
    }
    let endpoint = match (&common.endpoint, api, &region) {
        (Some(e), _, _) => Some(e.clone()),
        (None, Api::Console, _) => Url::parse(CONSOLE_ENDPOINT).ok(),
        (None, Api::OpenApi, None) => None,
        (None, Api::OpenApi, Some(region)) => {
            if KNOWN_REGIONS.contains(&region.as_str()) {
                Url::parse(&format!("https://aihc.{region}.baidubce.com")).ok()
            } else {
                let hint = crate::fields::closest_match(region, KNOWN_REGIONS)
                    .map(|r| format!("did you mean {r:?}, or "))
                    .unwrap_or_default();
                f.error(
                    "region",
                    format!(
                        "{region:?} has no known AIHC endpoint ({}); {hint}set endpoint",
                        KNOWN_REGIONS.join(", ")
                    ),
                );
                None
            }
        }
    };
    let auth = match api {
        Api::Console => {
            for k in ["access_key_id", "secret_access_key", "security_token"] {
                if f.has(k) || f.has(&format!("{k}_file")) || f.has(&format!("{k}_env")) {
                    f.error(k, "is only used with api = \"openapi\"");
                }
            }
            let _ = f.string("access_key_id");
            let _ = f.secret("secret_access_key");
            let _ = f.secret("security_token");
            let cookie = f.required_secret("cookie", "for api = \"console\"")?;
            Auth::Cookie(cookie)
        }
        Api::OpenApi => {
            if f.has("cookie") || f.has("cookie_file") || f.has("cookie_env") {
                f.error("cookie", "is only used with api = \"console\"");
                let _ = f.secret("cookie");
            }
            let access_key_id = f.required_string("access_key_id");
            let secret_access_key = f.required_secret("secret_access_key", "for api = \"openapi\"");
            let security_token = f.secret("security_token");
            Auth::AkSk {
                access_key_id: access_key_id?,
                secret_access_key: secret_access_key?,
                security_token,
            }
        }
    };
    let (region, endpoint) = (region?, endpoint?);
    common.region = Some(region.clone());
    Some(Config {
        api,
        region,
        endpoint,
        pool_types,
        auth,
    })
}

fn api_name(api: Api) -> &'static str {
    match api {
        Api::Console => "console",
        Api::OpenApi => "openapi",
    }
}
