//! Reading the parsed config: a reader over one table that knows its key path
//! ([`Fields`]), the keys every account has ([`CommonKeys`]), the environment
//! that `*_env` secret keys name ([`Env`]), [`ConfigError`] and [`Secret`]. A
//! leaf: the providers' config modules parse their keys with it, and `config`
//! assembles the settings from them.
//!
//! Each consumer (the common account keys, then the provider's own keys) takes the
//! keys it understands; whatever is left at [`Fields::finish`] is an unknown key.
//! Every problem is collected with its full key path instead of stopping at the
//! first, so `check-config` can print them all at once.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde_json::{Map, Value};

mod closest;

pub use aipool_model::redact::Secret;
pub use closest::{closest_match, edit_distance};

/// A snapshot of environment variables, injectable for tests.
#[derive(Debug, Clone, Default)]
pub struct Env(BTreeMap<String, String>);

impl Env {
    pub fn from_process() -> Self {
        Env(std::env::vars().collect())
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Env(pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect())
    }

    pub fn get(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }

    /// Every variable, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter()
    }
}

/// One configuration problem, with the key path it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfigError {
    pub path: String,
    pub reason: String,
    /// The `AIPOOL_*` environment variable the bad value came from, when it
    /// did not come from the file: the error then names the variable, since
    /// the file may not have the key at all.
    pub env_var: Option<String>,
}

impl ConfigError {
    pub fn new(path: impl Into<String>, reason: impl Into<String>) -> Self {
        ConfigError {
            path: path.into(),
            reason: reason.into(),
            env_var: None,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.env_var, self.path.is_empty()) {
            (Some(var), _) => write!(f, "environment variable {var}: {}", self.reason),
            (None, true) => f.write_str(&self.reason),
            (None, false) => write!(f, "{}: {}", self.path, self.reason),
        }
    }
}

pub struct Fields<'a> {
    path: String,
    map: Map<String, Value>,
    errors: &'a mut Vec<ConfigError>,
    env: &'a Env,
    /// Every key a consumer asked for: the keys valid here, which an unknown
    /// key is compared with for a "did you mean".
    asked: Vec<String>,
    /// "Is required" errors held back because a key left in the table looks like
    /// a misspelling of the required one: (the misspelt key, the error).
    held: Vec<(String, ConfigError)>,
}

impl<'a> Fields<'a> {
    pub fn new(
        path: impl Into<String>,
        map: Map<String, Value>,
        errors: &'a mut Vec<ConfigError>,
        env: &'a Env,
    ) -> Self {
        Fields {
            path: path.into(),
            map,
            errors,
            env,
            asked: Vec::new(),
            held: Vec::new(),
        }
    }

    /// Removes `key` from the table, noting it as a key valid here.
    fn take(&mut self, key: &str) -> Option<Value> {
        self.ask(key);
        self.map.remove(key)
    }

    fn ask(&mut self, key: &str) {
        if !self.asked.iter().any(|k| k == key) {
            self.asked.push(key.to_string());
        }
    }

    /// Reports that `key` (given as any of `spellings`) is missing, unless a key
    /// left in the table looks like a misspelling of it: then the unknown-key
    /// error [`Fields::finish`] gives for that one says what was meant, and a
    /// second error for the same mistake would only confuse.
    fn missing(&mut self, key: &str, spellings: &[&str], reason: String) {
        let error = ConfigError::new(self.key_path(key), reason);
        let misspelt = self
            .map
            .keys()
            .find(|left| closest_match(left, spellings.iter().copied()).is_some())
            .cloned();
        match misspelt {
            Some(left) => self.held.push((left, error)),
            None => self.errors.push(error),
        }
    }

    /// The key path of `key` in this table, e.g. `accounts[0].interval`.
    pub fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{}", self.path, key)
        }
    }

    /// Records a problem with `key`.
    pub fn error(&mut self, key: &str, reason: impl Into<String>) {
        let path = self.key_path(key);
        self.errors.push(ConfigError::new(path, reason));
    }

    /// Takes a key's raw value (for nested tables and lists).
    pub fn take_value(&mut self, key: &str) -> Option<Value> {
        self.take(key)
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// An optional string. Numbers and booleans are accepted as their text, because
    /// environment overrides arrive as text and YAML turns `bj: 1` into a number.
    pub fn string(&mut self, key: &str) -> Option<String> {
        match self.take(key)? {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            other => {
                self.error(key, format!("expected a string, found {}", kind(&other)));
                None
            }
        }
    }

    /// A required non-empty string.
    pub fn required_string(&mut self, key: &str) -> Option<String> {
        match self.string(key) {
            Some(s) if !s.trim().is_empty() => Some(s),
            Some(_) => {
                self.error(key, "must not be empty");
                None
            }
            None => {
                if !self.errors.iter().any(|e| e.path == self.key_path(key)) {
                    self.missing(key, &[key], "is required".into());
                }
                None
            }
        }
    }

    /// One of `allowed`, or `default` when absent.
    pub fn choice(&mut self, key: &str, allowed: &[&str], default: &str) -> String {
        match self.string(key) {
            None => default.to_string(),
            Some(s) if allowed.contains(&s.as_str()) => s,
            Some(s) => {
                self.error(key, format!("{s:?} is not one of {}", allowed.join(" | ")));
                default.to_string()
            }
        }
    }

    /// A humantime duration (`60s`, `1m 30s`), strictly positive.
    pub fn duration(&mut self, key: &str, default: Duration) -> Duration {
        let Some(s) = self.string(key) else {
            return default;
        };
        match humantime::parse_duration(s.trim()) {
            Ok(d) if !d.is_zero() => d,
            Ok(_) => {
                self.error(key, "must be greater than zero");
                default
            }
            Err(e) => {
                self.error(
                    key,
                    format!("{s:?} is not a duration ({e}); use e.g. \"60s\""),
                );
                default
            }
        }
    }

    pub fn boolean(&mut self, key: &str, default: bool) -> bool {
        match self.take(key) {
            None => default,
            Some(Value::Bool(b)) => b,
            Some(Value::String(s)) if s == "true" || s == "false" => s == "true",
            Some(other) => {
                self.error(
                    key,
                    format!("expected true or false, found {}", kind(&other)),
                );
                default
            }
        }
    }

    /// A non-negative integer.
    pub fn unsigned(&mut self, key: &str, default: u64) -> u64 {
        match self.take(key) {
            None => default,
            Some(Value::Number(n)) if n.as_u64().is_some() => n.as_u64().unwrap_or(default),
            Some(Value::String(s)) if s.trim().parse::<u64>().is_ok() => {
                s.trim().parse().unwrap_or(default)
            }
            Some(other) => {
                self.error(
                    key,
                    format!("expected a whole number ≥ 0, found {}", kind(&other)),
                );
                default
            }
        }
    }

    /// A non-negative number.
    pub fn number(&mut self, key: &str, default: f64) -> f64 {
        let v = match self.take(key) {
            None => return default,
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
            Some(_) => None,
        };
        match v {
            Some(v) if v.is_finite() && v >= 0.0 => v,
            _ => {
                self.error(key, "expected a number ≥ 0");
                default
            }
        }
    }

    /// A list of strings; a single string is accepted as a one-element list.
    pub fn string_list(&mut self, key: &str) -> Option<Vec<String>> {
        match self.take(key)? {
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    match item {
                        Value::String(s) => out.push(s),
                        other => self.error(
                            &format!("{key}[{i}]"),
                            format!("expected a string, found {}", kind(&other)),
                        ),
                    }
                }
                Some(out)
            }
            Value::String(s) => Some(vec![s]),
            other => {
                self.error(
                    key,
                    format!("expected a list of strings, found {}", kind(&other)),
                );
                None
            }
        }
    }

    /// A URL given as `key`; must be http or https and carry no credentials.
    pub fn url(&mut self, key: &str) -> Option<reqwest::Url> {
        let s = self.string(key)?;
        match reqwest::Url::parse(s.trim()) {
            Ok(u) if !matches!(u.scheme(), "http" | "https") => {
                self.error(key, format!("scheme {:?} is not http or https", u.scheme()));
                None
            }
            Ok(u) if !u.username().is_empty() || u.password().is_some() => {
                // Never echo the URL here: it carries credentials.
                self.error(key, "must not contain a user name or password");
                None
            }
            Ok(u) if u.host_str().is_none() => {
                self.error(key, "has no host");
                None
            }
            Ok(u) => Some(u),
            Err(e) => {
                self.error(key, format!("is not a URL ({e})"));
                None
            }
        }
    }

    /// A secret given as exactly one of `key` (inline), `key_file` (a path; trailing
    /// newlines trimmed) or `key_env` (the name of an environment variable).
    /// Returns `None` when none of the three is present; errors never show a value.
    pub fn secret(&mut self, key: &str) -> Option<Secret> {
        let file_key = format!("{key}_file");
        let env_key = format!("{key}_env");
        for k in [key, file_key.as_str(), env_key.as_str()] {
            self.ask(k);
        }
        let given: Vec<&str> = [key, file_key.as_str(), env_key.as_str()]
            .into_iter()
            .filter(|k| self.map.contains_key(*k))
            .collect();
        if given.len() > 1 {
            let list = given.join(", ");
            for k in [key, file_key.as_str(), env_key.as_str()] {
                self.map.remove(k);
            }
            self.error(key, format!("give only one of {list}"));
            return None;
        }
        if self.map.contains_key(key) {
            // Not via `string()`: its error messages may describe the value.
            return match self.map.remove(key) {
                Some(Value::String(s)) if !s.is_empty() => Some(Secret::new(s)),
                Some(Value::String(_)) => {
                    self.error(key, "must not be empty");
                    None
                }
                _ => {
                    self.error(key, "expected a string");
                    None
                }
            };
        }
        if let Some(path) = self.string(&file_key) {
            return match std::fs::read_to_string(&path) {
                Ok(content) => {
                    let value = content.trim_end_matches(['\n', '\r']);
                    if value.is_empty() {
                        self.error(&file_key, format!("file {path:?} is empty"));
                        None
                    } else {
                        warn_if_world_readable(&path);
                        Some(Secret::new(value))
                    }
                }
                Err(e) => {
                    self.error(&file_key, format!("cannot read {path:?}: {e}"));
                    None
                }
            };
        }
        if let Some(var) = self.string(&env_key) {
            return match self.env.get(&var) {
                Some(v) if !v.is_empty() => Some(Secret::new(v)),
                Some(_) => {
                    self.error(&env_key, format!("environment variable {var} is empty"));
                    None
                }
                None => {
                    self.error(&env_key, format!("environment variable {var} is not set"));
                    None
                }
            };
        }
        None
    }

    /// A secret that must be present; the error names all three spellings.
    pub fn required_secret(&mut self, key: &str, why: &str) -> Option<Secret> {
        let spellings = [key.to_string(), format!("{key}_file"), format!("{key}_env")];
        let had_any = spellings.iter().any(|k| self.map.contains_key(k));
        let s = self.secret(key);
        if s.is_none() && !had_any {
            let spellings: Vec<&str> = spellings.iter().map(String::as_str).collect();
            self.missing(
                key,
                &spellings,
                format!("is required {why} (give {key}, {key}_file or {key}_env)"),
            );
        }
        s
    }

    /// Stops reading a table whose other keys cannot be judged (an account whose
    /// provider is unknown): the keys left are not reported, but a missing key
    /// held back for a look-alike is, naming the look-alike.
    pub fn abandon(mut self) {
        for (misspelt, mut error) in std::mem::take(&mut self.held) {
            error.reason = format!("{} (is `{misspelt}` a misspelling?)", error.reason);
            self.errors.push(error);
        }
    }

    /// Reports every key nobody took as unknown, with the valid key it is
    /// closest to, if any is close.
    pub fn finish(mut self) {
        let left: Vec<String> = self.map.keys().cloned().collect();
        for (misspelt, error) in std::mem::take(&mut self.held) {
            if !left.contains(&misspelt) {
                self.errors.push(error);
            }
        }
        for key in left {
            let reason = match closest_match(&key, self.asked.iter().map(String::as_str)) {
                Some(meant) => format!("unknown key `{key}`, did you mean `{meant}`?"),
                None => "unknown key".to_string(),
            };
            self.error(&key, reason);
        }
        self.map.clear();
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a table",
    }
}

#[cfg(unix)]
fn warn_if_world_readable(path: &str) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o004 != 0 {
            tracing::warn!(
                path,
                "secret file is readable by every user; chmod o-r it (0600 or 0640)"
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_world_readable(_path: &str) {}

/// The keys every account has, handed to the provider's parser, which resolves
/// `region` and `endpoint` defaults its own way.
#[derive(Debug, Clone, Default)]
pub struct CommonKeys {
    pub region: Option<String>,
    pub endpoint: Option<reqwest::Url>,
}
