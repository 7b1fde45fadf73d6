//! `top --url`: a running exporter's exposition read back into snapshots, so
//! the view is built by the same code as for a config (`view`, and through it
//! `capacity`): the same rows, in the same order, as the exporter's status page.
//!
//! Only the classic text format is asked for (`Accept: text/plain;
//! version=0.0.4`) and read; lines that do not parse are skipped and counted,
//! never fatal: the text comes from a remote process. Basic auth and TLS follow
//! curl's flags (`--user`, `--cacert`, `--cert`/`--key`, `--insecure`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::Url;

use aipool_model::families::{catalogue, index, lookup, name, Family, Presence, Resource};
use aipool_model::model::{ComputeUnit, Pool, Queue, Resources, Service, Snapshot};
use aipool_model::redact::Secret;
use aipool_model::redact::{error_chain, redact_url};

use super::view::{AccountData, Entry, Failure, Status};

/// One sample: metric name, labels, value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

impl Sample {
    fn label(&self, k: &str) -> &str {
        self.labels.get(k).map(String::as_str).unwrap_or("")
    }
}

/// Parses the classic text format; returns the samples and how many lines were
/// not understood.
pub fn parse(text: &str) -> (Vec<Sample>, usize) {
    let mut samples = Vec::new();
    let mut bad = 0;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_line(line) {
            Some(s) => samples.push(s),
            None => bad += 1,
        }
    }
    (samples, bad)
}

fn parse_line(line: &str) -> Option<Sample> {
    let name_end = line.find(['{', ' ', '\t']).unwrap_or(line.len());
    let name = &line[..name_end];
    if name.is_empty() {
        return None;
    }
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(after) = rest.strip_prefix('{') {
        let (parsed, tail) = parse_labels(after)?;
        labels = parsed;
        rest = tail;
    }
    // `value [timestamp]`
    let value = rest.split_whitespace().next()?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        v => v.parse().ok()?,
    };
    Some(Sample {
        name: name.to_string(),
        labels,
        value,
    })
}

/// Labels up to and including the closing brace; returns them and the rest.
fn parse_labels(s: &str) -> Option<(BTreeMap<String, String>, &str)> {
    let mut labels = BTreeMap::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start_matches([',', ' ']);
        if let Some(tail) = rest.strip_prefix('}') {
            return Some((labels, tail));
        }
        let eq = rest.find('=')?;
        let key = rest[..eq].trim().to_string();
        rest = rest[eq + 1..].strip_prefix('"')?;
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            let (i, c) = chars.next()?;
            match c {
                '\\' => match chars.next()?.1 {
                    'n' => value.push('\n'),
                    o => value.push(o),
                },
                '"' => break i,
                c => value.push(c),
            }
        };
        rest = &rest[end + 1..];
        labels.insert(key, value);
    }
}

/// What one exporter's exposition says, per account in its order.
#[derive(Debug, Clone, Default)]
pub struct Exposition {
    pub accounts: Vec<Entry>,
    /// The shortest poll interval the exporter reports (`top`'s default refresh).
    pub interval: Option<Duration>,
    /// Lines that did not parse.
    pub bad_lines: usize,
}

#[derive(Default)]
struct Building {
    provider: String,
    up: Option<f64>,
    duration: Option<f64>,
    interval: Option<f64>,
    partial: Option<f64>,
    /// `aipool_api_request_failures_total` by (reason, api).
    failures: BTreeMap<(String, String), f64>,
    snapshot: Snapshot,
    has_data: bool,
    region: Option<String>,
    pools: BTreeMap<(String, String), usize>,
    queues: BTreeMap<(String, String, String), usize>,
    units: BTreeMap<(String, String), usize>,
    /// The free-slot families by row, laid onto the capacity rows once they
    /// are built: the exposition has the slots of each size, not the nodes
    /// they were counted from.
    blocks: BTreeMap<RowKey, Blocks>,
}

/// (cloud_region, pool_id, queue_id, accelerator) of a capacity row.
type RowKey = (String, String, Option<String>, String);

/// A row's largest free block and slots by size, as read.
#[derive(Default)]
struct Blocks {
    largest: Option<f64>,
    slots: BTreeMap<u32, f64>,
}

impl Sample {
    fn row_key(&self, queue: bool) -> RowKey {
        (
            self.label("cloud_region").to_string(),
            self.label("pool_id").to_string(),
            queue.then(|| self.label("queue_id").to_string()),
            self.label("accelerator").to_string(),
        )
    }
}

/// Sets the free-slot figures read from the exposition on the rows they
/// belong to; a row without them stays unknown (`None`), as in the exporter.
fn lay_blocks(data: &mut AccountData, blocks: &BTreeMap<RowKey, Blocks>) {
    for row in &mut data.capacity.rows {
        let key = (
            row.cloud_region.clone(),
            row.pool_id.clone(),
            row.queue.as_ref().map(|q| q.0.clone()),
            row.accelerator.clone(),
        );
        if let Some(b) = blocks.get(&key) {
            row.largest_free_block = b.largest;
            row.slots =
                (!b.slots.is_empty()).then(|| b.slots.iter().map(|(n, v)| (*n, *v)).collect());
        }
    }
}

impl Building {
    fn pool(&mut self, region: &str, id: &str) -> &mut Pool {
        let n = self.snapshot.pools.len();
        let i = *self
            .pools
            .entry((region.to_string(), id.to_string()))
            .or_insert(n);
        if i == n {
            self.snapshot.pools.push(Pool {
                id: id.to_string(),
                cloud_region: Some(region.to_string()),
                ..Pool::default()
            });
        }
        &mut self.snapshot.pools[i]
    }

    fn queue(&mut self, region: &str, pool: &str, id: &str) -> &mut Queue {
        let n = self.snapshot.queues.len();
        let key = (region.to_string(), pool.to_string(), id.to_string());
        let i = *self.queues.entry(key).or_insert(n);
        if i == n {
            self.snapshot.queues.push(Queue {
                pool_id: pool.to_string(),
                id: id.to_string(),
                cloud_region: Some(region.to_string()),
                ..Queue::default()
            });
        }
        &mut self.snapshot.queues[i]
    }

    fn unit(&mut self, service: &str, instance: &str) -> &mut ComputeUnit {
        let n = self.snapshot.compute_units.len();
        let key = (service.to_string(), instance.to_string());
        let i = *self.units.entry(key).or_insert(n);
        if i == n {
            self.snapshot.compute_units.push(ComputeUnit {
                service_id: service.to_string(),
                instance_id: instance.to_string(),
                ..ComputeUnit::default()
            });
        }
        &mut self.snapshot.compute_units[i]
    }
}

fn set(r: &mut Resources, res: Resource, accelerator: &str, v: f64) {
    match res {
        Resource::Cpu => r.cpu_cores = Some(v),
        Resource::Memory => r.memory_bytes = Some(v),
        Resource::Accelerators => {
            r.accelerators.insert(accelerator.to_string(), v);
        }
    }
}

/// Whether `label` is one of the labels every `aipool_pool_info` series has
/// (its identity, name, type and phase); the others are the pool's extra facts.
fn pool_info_label(label: &str) -> bool {
    catalogue()[index(Family::PoolInfo)]
        .labels
        .iter()
        .any(|l| l.presence == Presence::Always && l.name == label)
}

/// Builds each account's entry from the samples: its status from `aipool_up`,
/// its data from its series (absent once stale: then it has none).
pub fn accounts(samples: &[Sample]) -> Exposition {
    let mut order: Vec<String> = Vec::new();
    let mut by_name: BTreeMap<String, Building> = BTreeMap::new();
    for s in samples {
        let account = s.label("account");
        if account.is_empty() {
            continue;
        }
        if !by_name.contains_key(account) {
            order.push(account.to_string());
        }
        let b = by_name.entry(account.to_string()).or_default();
        if b.provider.is_empty() {
            b.provider = s.label("provider").to_string();
        }
        let region = s.label("cloud_region");
        if !region.is_empty() && b.region.is_none() {
            b.region = Some(region.to_string());
        }
        let v = s.value;
        let Some(family) = lookup(&s.name) else {
            continue;
        };
        match family {
            Family::Up => b.up = Some(v),
            Family::PollDuration => b.duration = Some(v),
            Family::PollInterval => b.interval = Some(v),
            Family::PollPartialErrors => b.partial = Some(v),
            Family::ApiFailures if v > 0.0 => {
                b.failures.insert(
                    (s.label("reason").to_string(), s.label("api").to_string()),
                    v,
                );
            }
            Family::PoolInfo => {
                b.has_data = true;
                let p = b.pool(region, s.label("pool_id"));
                p.name = s.label("pool_name").to_string();
                p.pool_type = s.label("pool_type").to_string();
                p.phase = s.label("phase").to_string();
                p.extra_info = s
                    .labels
                    .iter()
                    .filter(|(k, _)| !pool_info_label(k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
            }
            Family::PoolNodes => {
                b.has_data = true;
                b.pool(region, s.label("pool_id")).nodes = Some(v);
            }
            Family::PoolNodeCapability(res) => {
                b.has_data = true;
                let acc = s.label("accelerator").to_string();
                let p = b.pool(region, s.label("pool_id"));
                set(
                    p.node_capability.get_or_insert_with(Resources::default),
                    res,
                    &acc,
                    v,
                );
            }
            Family::QueueInfo => {
                b.has_data = true;
                let q = b.queue(region, s.label("pool_id"), s.label("queue_id"));
                q.name = s.label("queue_name").to_string();
                q.queue_type = s.label("queue_type").to_string();
                q.parent = s.label("parent_queue").to_string();
            }
            Family::ServiceInfo => {
                b.has_data = true;
                b.snapshot.services.push(Service {
                    id: s.label("service_id").to_string(),
                    name: s.label("service_name").to_string(),
                });
            }
            Family::ComputeUnitInfo => {
                b.has_data = true;
                let u = b.unit(s.label("service_id"), s.label("instance_id"));
                u.payment_timing = s.label("payment_timing").to_string();
                u.status = s.label("status").to_string();
            }
            Family::ComputeUnitReplicas => {
                b.unit(s.label("service_id"), s.label("instance_id"))
                    .replicas = Some(v);
            }
            Family::ComputeUnitStart => {
                b.unit(s.label("service_id"), s.label("instance_id"))
                    .start_timestamp = Some(v);
            }
            Family::ComputeUnitExpiry => {
                b.unit(s.label("service_id"), s.label("instance_id"))
                    .expiry_timestamp = Some(v);
            }
            Family::PoolPhysical(kind, res) => {
                // The pool's hardware beside its quota figures.
                b.has_data = true;
                let acc = s.label("accelerator").to_string();
                let p = b.pool(region, s.label("pool_id"));
                set(p.physical.entry(kind).or_default(), res, &acc, v);
            }
            Family::PoolLargestFreeBlock | Family::QueueLargestFreeBlock => {
                let queue = family == Family::QueueLargestFreeBlock;
                b.blocks.entry(s.row_key(queue)).or_default().largest = Some(v);
            }
            Family::PoolFreeSlots | Family::QueueFreeSlots => {
                // A size that is not a whole number of cards is no size the
                // exporter writes: skipped like any line not understood.
                if let Ok(cards) = s.label("cards").parse::<u32>() {
                    let queue = family == Family::QueueFreeSlots;
                    b.blocks
                        .entry(s.row_key(queue))
                        .or_default()
                        .slots
                        .insert(cards, v);
                }
            }
            Family::PoolQuantity(kind, res) => {
                b.has_data = true;
                let acc = s.label("accelerator").to_string();
                let q = &mut b.pool(region, s.label("pool_id")).quantities;
                set(q.entry(kind).or_default(), res, &acc, v);
            }
            Family::QueueQuantity(kind, res) => {
                b.has_data = true;
                let acc = s.label("accelerator").to_string();
                let (p, q) = (s.label("pool_id"), s.label("queue_id"));
                let q = &mut b.queue(region, p, q).quantities;
                set(q.entry(kind).or_default(), res, &acc, v);
            }
            _ => {}
        }
    }
    let mut interval: Option<f64> = None;
    let accounts = order
        .iter()
        .filter_map(|name| {
            let b = by_name.remove(name)?;
            // Only accounts with `aipool_up` are accounts of an aipool_exporter.
            let up = b.up?;
            if let Some(i) = b.interval.filter(|i| *i > 0.0) {
                interval = Some(interval.map_or(i, |m| m.min(i)));
            }
            let region = b.region.clone().unwrap_or_default();
            let status = if up >= 1.0 {
                let partial = match b.partial {
                    Some(n) if n > 0.0 => vec![format!(
                        "{} requests failed without failing the poll (see the exporter's log)",
                        n
                    )],
                    _ => Vec::new(),
                };
                Status::Ok { partial }
            } else {
                let mut message = if b.has_data {
                    "the exporter's last poll of this account failed; it still serves the last good data".to_string()
                } else {
                    "the exporter has no fresh data for this account".to_string()
                };
                if !b.failures.is_empty() {
                    let counts: Vec<String> = b
                        .failures
                        .iter()
                        .map(|((reason, api), n)| format!("{reason} {api} ×{n}"))
                        .collect();
                    message.push_str(&format!(
                        "; failed requests since it started: {}",
                        counts.join(", ")
                    ));
                }
                message.push_str(" (its status page and log name the last error)");
                Status::Failed(Failure {
                    reason: "down".into(),
                    message,
                    url: String::new(),
                    api: String::new(),
                })
            };
            let mut snapshot = b.snapshot;
            snapshot.sort();
            let data = b.has_data.then(|| {
                // No sizes: the exposition's own slot series are laid on.
                let mut data = AccountData::of(&snapshot, &region, &[]);
                lay_blocks(&mut data, &b.blocks);
                std::sync::Arc::new(data)
            });
            Some(Entry {
                name: name.clone(),
                provider: b.provider,
                region,
                status,
                data,
                poll_seconds: b.duration,
            })
        })
        .collect();
    Exposition {
        accounts,
        interval: interval.map(Duration::from_secs_f64),
        bad_lines: 0,
    }
}

/// How to reach the exporter, curl style.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub url: String,
    /// `--user USER[:PASS]` split, the password from the flag, a file or a
    /// variable.
    pub user: Option<(String, Secret)>,
    pub cacert: Option<PathBuf>,
    pub cert: Option<(PathBuf, PathBuf)>,
    pub insecure: bool,
    pub timeout: Duration,
}

/// Why the exposition could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScrapeError {
    /// A flag or file is unusable (exit 2).
    #[error("{0}")]
    Setup(String),
    /// The exporter could not be read (exit 1).
    #[error("{reason}: {message} from {url}")]
    Fetch {
        reason: &'static str,
        message: String,
        url: String,
    },
}

/// A ready client and the URL of the exposition.
pub struct Scraper {
    client: reqwest::Client,
    url: Url,
    user: Option<(String, Secret)>,
}

/// `http://host:port` → `http://host:port/metrics`; any other path is kept.
pub fn metrics_url(raw: &str) -> Result<Url, ScrapeError> {
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("http://{raw}")
    };
    let mut url = Url::parse(&with_scheme)
        .map_err(|e| ScrapeError::Setup(format!("--url: cannot parse the URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ScrapeError::Setup(format!(
            "--url: the scheme must be http or https, not {:?}",
            url.scheme()
        )));
    }
    if url.path().is_empty() || url.path() == "/" {
        url.set_path("/metrics");
    }
    Ok(url)
}

impl Scraper {
    pub fn new(t: &Target) -> Result<Scraper, ScrapeError> {
        let mut url = metrics_url(&t.url)?;
        let mut user = t.user.clone();
        // Credentials in the URL work as with curl, but are never shown.
        if !url.username().is_empty() && user.is_none() {
            let name = percent_encoding::percent_decode_str(url.username())
                .decode_utf8_lossy()
                .into_owned();
            let pass = percent_encoding::percent_decode_str(url.password().unwrap_or(""))
                .decode_utf8_lossy()
                .into_owned();
            user = Some((name, Secret::new(pass)));
        }
        let _ = url.set_username("");
        let _ = url.set_password(None);
        let read = |p: &PathBuf, what: &str| {
            std::fs::read(p).map_err(|e| ScrapeError::Setup(format!("{what} {}: {e}", p.display())))
        };
        let mut b = reqwest::Client::builder()
            .user_agent(concat!("aipool_exporter-top/", env!("CARGO_PKG_VERSION")))
            .timeout(t.timeout)
            .connect_timeout(t.timeout.min(Duration::from_secs(10)));
        if let Some(ca) = &t.cacert {
            let pem = read(ca, "--cacert")?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                ScrapeError::Setup(format!("--cacert {}: {}", ca.display(), error_chain(&e)))
            })?;
            if certs.is_empty() {
                return Err(ScrapeError::Setup(format!(
                    "--cacert {}: no PEM certificate in it",
                    ca.display()
                )));
            }
            // As with curl, --cacert replaces the built-in roots.
            b = b.tls_built_in_root_certs(false);
            for c in certs {
                b = b.add_root_certificate(c);
            }
        }
        if let Some((cert, key)) = &t.cert {
            let mut pem = read(cert, "--cert")?;
            pem.push(b'\n');
            pem.extend(read(key, "--key")?);
            let id = reqwest::Identity::from_pem(&pem).map_err(|e| {
                ScrapeError::Setup(format!(
                    "--cert {} / --key {}: {}",
                    cert.display(),
                    key.display(),
                    error_chain(&e)
                ))
            })?;
            b = b.identity(id);
        }
        if t.insecure {
            b = b.danger_accept_invalid_certs(true);
        }
        let client = b.build().map_err(|e| {
            ScrapeError::Setup(format!("cannot build the client: {}", error_chain(&e)))
        })?;
        Ok(Scraper { client, url, user })
    }

    /// The URL read, without credentials.
    pub fn shown_url(&self) -> String {
        redact_url(&self.url)
    }

    /// Reads and parses the exposition.
    pub async fn fetch(&self) -> Result<Exposition, ScrapeError> {
        let url = self.shown_url();
        let mut req = self
            .client
            .get(self.url.clone())
            .header(reqwest::header::ACCEPT, "text/plain; version=0.0.4");
        if let Some((user, pass)) = &self.user {
            req = req.basic_auth(user, Some(pass.expose()));
        }
        let fail = |reason: &'static str, message: String| ScrapeError::Fetch {
            reason,
            message,
            url: url.clone(),
        };
        let resp = req.send().await.map_err(|e| {
            let reason = if e.is_timeout() { "timeout" } else { "connect" };
            fail(reason, error_chain(&e))
        })?;
        let status = resp.status();
        if !status.is_success() {
            let reason = match status.as_u16() {
                401 | 403 => "auth",
                400..=499 => "http_4xx",
                _ => "http_5xx",
            };
            return Err(fail(reason, format!("HTTP {status}")));
        }
        let text = resp
            .text()
            .await
            .map_err(|e| fail("connect", format!("reading body: {}", error_chain(&e))))?;
        let (samples, bad) = parse(&text);
        let mut exposition = accounts(&samples);
        exposition.bad_lines = bad;
        let up = name(Family::Up);
        if exposition.accounts.is_empty() && !samples.iter().any(|s| s.name == up) {
            return Err(fail(
                "decode",
                format!("no {up} series: is this an aipool_exporter's metrics endpoint?"),
            ));
        }
        Ok(exposition)
    }
}

#[cfg(test)]
mod tests;
