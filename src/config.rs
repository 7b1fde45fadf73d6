//! Configuration: raw file (figment, TOML or YAML) + `AIPOOL_` environment
//! overrides → validated [`Settings`].
//!
//! Two phases, as ripgrep does it: the file is parsed into a generic tree, then
//! validated key by key into typed settings. Validation collects every problem with
//! its key path (`accounts[1].interval: "5 parsecs" is not a duration`) so a user
//! fixes a config in one round. Provider-specific keys are parsed by the provider's
//! own module (see [`crate::providers::parse_config`]).
//!
//! The process environment is read through [`Env`], which tests construct by hand:
//! no test mutates the real environment. The key-path reader, [`Env`] and
//! [`Secret`] are in the leaf [`crate::fields`], which the providers' own
//! config modules use while this module dispatches to them.

mod order;
pub mod shard;
mod slot_sizes;
/// What the config and provider tests share.
#[cfg(test)]
pub(crate) mod testing;

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;
use std::time::Duration;

use figment::providers::{Format, Toml, Yaml};
use figment::Figment;
use serde_json::{Map, Value};

pub use crate::fields::{CommonKeys, ConfigError, Env, Fields, Secret};
pub use shard::Shard;

use crate::providers::{self, ProviderConfig, ProviderKind};

/// The default listen address. 9877 is not taken in the Prometheus default port
/// allocations list as far as we could check; change it with
/// `--web.listen-address` or `web.listen_address`.
pub const DEFAULT_LISTEN_ADDRESS: &str = "0.0.0.0:9877";
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(60);
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
/// Upstream bodies larger than this are refused (config `max_response_bytes`).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;
/// Retries of a failed request (connect, 5xx, 429, RequestExpired).
pub const DEFAULT_RETRIES: u64 = 2;
/// Requests per second per account: gentle on the platforms' API rate limits.
pub const DEFAULT_REQUESTS_PER_SECOND: f64 = 20.0;
/// Requests in flight per account.
pub const DEFAULT_MAX_CONCURRENCY: u64 = 4;
/// Without a success for this many intervals, an account's data is dropped.
pub const DEFAULT_STALE_INTERVALS: u32 = 3;

/// Environment variables prefixed `AIPOOL_` override file keys; `__` separates
/// path segments and numbers index lists: `AIPOOL_WEB__LISTEN_ADDRESS`,
/// `AIPOOL_ACCOUNTS__0__INTERVAL`.
pub const ENV_PREFIX: &str = "AIPOOL_";

/// Every problem found in a config.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl ConfigErrors {
    /// One line per problem as `check-config` prints them for the config file
    /// `file`: prefixed by the file, except a value that came from an
    /// environment variable, which is not the file's mistake.
    pub fn lines(&self, file: &Path) -> Vec<String> {
        self.0
            .iter()
            .map(|e| match e.env_var {
                Some(_) => e.to_string(),
                None => format!("{}: {e}", file.display()),
            })
            .collect()
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub web: WebSettings,
    /// Every configured account; see [`Settings::polled_accounts`].
    pub accounts: Vec<AccountSettings>,
    /// `shard = "i/n"` (overridden by `--shard`): poll only this shard's accounts.
    pub shard: Option<Shard>,
}

impl Settings {
    /// The accounts this instance polls: all of them, or its shard's.
    pub fn polled_accounts(&self) -> impl Iterator<Item = &AccountSettings> {
        self.accounts
            .iter()
            .filter(move |a| self.shard.is_none_or(|s| s.owns(&a.name)))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct WebSettings {
    pub listen_address: String,
    pub telemetry_path: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AccountSettings {
    /// Unique; the `account` label.
    pub name: String,
    pub provider: ProviderKind,
    /// The `cloud_region` label (resolved by the provider's config parser).
    pub region: String,
    pub interval: Duration,
    pub timeout: Duration,
    pub max_response_bytes: u64,
    /// After this long without a successful poll the account's data series are
    /// dropped (self metrics stay); also the longest a single poll may run.
    pub stale_after: Duration,
    pub retries: u32,
    pub requests_per_second: f64,
    pub max_concurrency: usize,
    /// Job sizes (cards) of the free-slot series, as listed.
    pub slot_sizes: Vec<u32>,
    pub provider_config: ProviderConfig,
}

/// Reads and validates the config file at `path`.
pub fn load(path: &Path, env: &Env) -> Result<Settings, ConfigErrors> {
    let tree = read_tree(path).map_err(|e| ConfigErrors(vec![e]))?;
    let format = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    from_tree(tree, env).map_err(|mut e| {
        if let Ok(text) = std::fs::read_to_string(path) {
            sort_in_file_order(&mut e, &text, &format);
        }
        e
    })
}

/// Puts `errors` in the order of their keys in `text`, a config in `format`.
fn sort_in_file_order(errors: &mut ConfigErrors, text: &str, format: &str) {
    match format {
        "toml" => order::sort_by_position_in_toml(&mut errors.0, text),
        "yaml" | "yml" => order::sort_by_position_in_yaml(&mut errors.0, text),
        _ => {}
    }
}

/// Parses config text in the given format ("toml" or "yaml"); used by tests and
/// the demo.
pub fn from_str(text: &str, format: &str, env: &Env) -> Result<Settings, ConfigErrors> {
    let figment = match format {
        "toml" => Figment::from(Toml::string(text)),
        "yaml" | "yml" => Figment::from(Yaml::string(text)),
        other => {
            return Err(ConfigErrors(vec![ConfigError::new(
                "",
                format!("unknown config format {other:?}"),
            )]))
        }
    };
    let tree = extract(figment).map_err(|e| ConfigErrors(vec![e]))?;
    from_tree(tree, env).map_err(|mut e| {
        sort_in_file_order(&mut e, text, format);
        e
    })
}

fn read_tree(path: &Path) -> Result<Value, ConfigError> {
    let shown = path.display().to_string();
    let err = |reason: String| ConfigError::new("", reason);
    // figment treats a missing file as empty; a missing config is a mistake.
    if let Err(e) = std::fs::metadata(path) {
        return Err(err(format!("cannot read config file {shown:?}: {e}")));
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let figment = match ext.as_str() {
        "toml" => Figment::from(Toml::file(path)),
        "yaml" | "yml" => Figment::from(Yaml::file(path)),
        _ => {
            return Err(err(format!(
                "config file {shown:?} must end in .toml, .yaml or .yml"
            )))
        }
    };
    extract(figment)
}

fn extract(figment: Figment) -> Result<Value, ConfigError> {
    // figment's message names the file and line; it never includes values of
    // keys it did not fail on.
    figment
        .extract::<Value>()
        .map_err(|e| ConfigError::new(e.path.join("."), e.to_string()))
}

/// Validates a parsed tree (after applying environment overrides).
pub fn from_tree(mut tree: Value, env: &Env) -> Result<Settings, ConfigErrors> {
    let mut errors = Vec::new();
    let from_env = apply_env_overrides(&mut tree, env, &mut errors);
    let root = match tree {
        Value::Object(m) => m,
        Value::Null => Map::new(),
        _ => {
            errors.push(ConfigError::new(
                "",
                "the config must be a table at the top level",
            ));
            Map::new()
        }
    };
    let mut top = Fields::new("", root, &mut errors, env);
    let web_value = take_table(&mut top, "web");
    let accounts_value = take_list(&mut top, "accounts");
    let shard = top.string("shard").and_then(|s| match s.parse::<Shard>() {
        Ok(shard) => Some(shard),
        Err(e) => {
            top.error("shard", e);
            None
        }
    });
    top.finish();

    let web = parse_web(web_value, &mut errors, env);
    let mut accounts = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, value) in accounts_value.into_iter().enumerate() {
        let path = format!("accounts[{i}]");
        let Value::Object(map) = value else {
            errors.push(ConfigError::new(path, "expected a table"));
            continue;
        };
        // Duplicates are checked on the raw name so they are reported even when
        // the first account has problems of its own.
        if let Some(Value::String(name)) = map.get("name") {
            if !seen.insert(name.clone()) {
                errors.push(ConfigError::new(
                    format!("{path}.name"),
                    format!("duplicate account name {name:?}"),
                ));
            }
        }
        if let Some(account) = parse_account(&path, map, &mut errors, env) {
            accounts.push(account);
        }
    }
    blame_environment(&mut errors, &from_env);
    if errors.is_empty() {
        Ok(Settings {
            web,
            accounts,
            shard,
        })
    } else {
        Err(ConfigErrors(errors))
    }
}

fn take_table(f: &mut Fields<'_>, key: &str) -> Map<String, Value> {
    match take_raw(f, key) {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m,
        Some(_) => {
            f.error(key, "expected a table");
            Map::new()
        }
    }
}

fn take_list(f: &mut Fields<'_>, key: &str) -> Vec<Value> {
    match take_raw(f, key) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a,
        Some(_) => {
            f.error(key, "expected a list of tables ([[accounts]] in TOML)");
            Vec::new()
        }
    }
}

fn take_raw(f: &mut Fields<'_>, key: &str) -> Option<Value> {
    f.take_value(key)
}

fn parse_web(map: Map<String, Value>, errors: &mut Vec<ConfigError>, env: &Env) -> WebSettings {
    let mut f = Fields::new("web", map, errors, env);
    let listen_address = f
        .string("listen_address")
        .unwrap_or_else(|| DEFAULT_LISTEN_ADDRESS.to_string());
    let telemetry_path = f
        .string("telemetry_path")
        .unwrap_or_else(|| "/metrics".to_string());
    if !telemetry_path.starts_with('/') || telemetry_path.len() < 2 {
        f.error("telemetry_path", "must start with / and not be / itself");
    } else if ["/healthz", "/ready", "/-/reload"].contains(&telemetry_path.as_str()) {
        f.error("telemetry_path", "collides with a built-in endpoint");
    }
    f.finish();
    WebSettings {
        listen_address,
        telemetry_path,
    }
}

fn parse_account(
    path: &str,
    map: Map<String, Value>,
    errors: &mut Vec<ConfigError>,
    env: &Env,
) -> Option<AccountSettings> {
    let before = errors.len();
    let mut f = Fields::new(path, map, errors, env);
    let name = f.required_string("name");
    if let Some(n) = &name {
        if n.chars().any(|c| c.is_control()) {
            f.error("name", "must not contain control characters");
        }
    }
    let provider_name = f.required_string("provider");
    let provider = match provider_name.as_deref().map(ProviderKind::parse) {
        Some(Some(p)) => Some(p),
        Some(None) => {
            let given = provider_name.unwrap_or_default();
            let hint = crate::fields::closest_match(&given, ProviderKind::NAMES)
                .map(|p| format!("; did you mean {p:?}?"))
                .unwrap_or_default();
            f.error(
                "provider",
                format!(
                    "{given:?} is not one of {}{hint}",
                    ProviderKind::NAMES.join(" | ")
                ),
            );
            None
        }
        None => None,
    };
    let mut common = CommonKeys {
        region: f.string("region"),
        endpoint: f.url("endpoint"),
    };
    let interval = f.duration("interval", DEFAULT_INTERVAL);
    let timeout = f.duration("timeout", DEFAULT_TIMEOUT);
    let max_response_bytes = f.unsigned("max_response_bytes", DEFAULT_MAX_RESPONSE_BYTES);
    if max_response_bytes < 1024 {
        f.error("max_response_bytes", "must be at least 1024");
    }
    let stale_after = f.duration("stale_after", interval * DEFAULT_STALE_INTERVALS);
    if stale_after < interval {
        f.error("stale_after", "must be at least the interval");
    }
    let retries = f.unsigned("retries", DEFAULT_RETRIES);
    if retries > 10 {
        f.error("retries", "must be at most 10");
    }
    let requests_per_second = f.number("requests_per_second", DEFAULT_REQUESTS_PER_SECOND);
    let max_concurrency = f.unsigned("max_concurrency", DEFAULT_MAX_CONCURRENCY);
    if !(1..=256).contains(&max_concurrency) {
        f.error("max_concurrency", "must be between 1 and 256");
    }
    let slot_sizes = slot_sizes::parse(&mut f);
    let Some(provider) = provider else {
        // Without a provider the remaining keys cannot be judged; do not report them
        // as unknown on top of the real problem.
        f.abandon();
        return None;
    };
    let provider_config = providers::parse_config(provider, &mut f, &mut common);
    f.finish();
    let region = common.region.filter(|r| !r.is_empty());
    if errors.len() > before {
        return None;
    }
    Some(AccountSettings {
        name: name?,
        provider,
        region: region?,
        interval,
        timeout,
        max_response_bytes,
        stale_after,
        retries: retries.min(10) as u32,
        requests_per_second,
        max_concurrency: max_concurrency.clamp(1, 256) as usize,
        slot_sizes,
        provider_config: provider_config?,
    })
}

/// Applies `AIPOOL_*` variables to the tree. Only variables under the known
/// sections (`web`, `accounts`) are applied, so a secret kept in e.g.
/// `AIPOOL_BCE_SK` and referenced by `secret_access_key_env` is not mistaken for a
/// config key. Returns the key paths set, each with its variable's name.
fn apply_env_overrides(
    tree: &mut Value,
    env: &Env,
    errors: &mut Vec<ConfigError>,
) -> Vec<(String, String)> {
    let mut set = Vec::new();
    for (name, value) in env.iter() {
        let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        let segments: Vec<String> = rest.split("__").map(|s| s.to_ascii_lowercase()).collect();
        if !matches!(
            segments.first().map(String::as_str),
            Some("web" | "accounts")
        ) {
            continue;
        }
        match set_path(tree, &segments, value) {
            Ok(path) => set.push((path, name.clone())),
            Err(reason) => errors.push(ConfigError {
                env_var: Some(name.clone()),
                ..ConfigError::new("", reason)
            }),
        }
    }
    set
}

/// Makes errors about values that came from the environment name the variable
/// rather than a key path the file may not have.
fn blame_environment(errors: &mut [ConfigError], from_env: &[(String, String)]) {
    for e in errors.iter_mut().filter(|e| e.env_var.is_none()) {
        let origin = from_env.iter().find(|(path, _)| {
            e.path == *path
                || e.path
                    .strip_prefix(path.as_str())
                    .is_some_and(|rest| rest.starts_with('['))
        });
        if let Some((_, var)) = origin {
            e.env_var = Some(var.clone());
        }
    }
}

/// Sets the value at `segments`, returning its key path as errors spell it
/// (`accounts[0].interval`).
fn set_path(tree: &mut Value, segments: &[String], value: &str) -> Result<String, String> {
    let mut node = tree;
    let mut path = String::new();
    for (i, seg) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        if node.is_null() {
            *node = Value::Object(Map::new());
        }
        node = match node {
            Value::Object(map) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(seg);
                let entry = map.entry(seg.clone()).or_insert(Value::Null);
                if last {
                    *entry = Value::String(value.to_string());
                    return Ok(path);
                }
                entry
            }
            Value::Array(items) => {
                let idx: usize = seg
                    .parse()
                    .map_err(|_| format!("{seg:?} is not a list index"))?;
                let len = items.len();
                let item = items
                    .get_mut(idx)
                    .ok_or_else(|| format!("index {idx} is past the end of a list of {len}"))?;
                path.push_str(&format!("[{idx}]"));
                if last {
                    *item = Value::String(value.to_string());
                    return Ok(path);
                }
                item
            }
            _ => return Err(format!("cannot set {seg:?} inside a plain value")),
        };
    }
    Ok(path)
}

#[cfg(test)]
mod tests;
