//! The renderer: snapshot and self metrics → exposition bytes.

use std::io::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::http::Reason;
use crate::model::{QuantityKind, Resources, Snapshot};
use crate::quantity::Rule;
use crate::state::AccountState;

use super::families::{catalogue, index, quantity_index, Fam, Kind, Res};
use super::Format;

/// Static facts about this build, for `aipool_build_info`.
#[derive(Debug, Clone)]
pub struct BuildInfo {
    pub version: &'static str,
    pub revision: &'static str,
}

impl Default for BuildInfo {
    fn default() -> Self {
        BuildInfo {
            version: env!("CARGO_PKG_VERSION"),
            revision: option_env!("AIPOOL_BUILD_REVISION").unwrap_or("unknown"),
        }
    }
}

/// One buffer per family; families are written in catalogue order and the ones
/// without samples are left out entirely.
struct Out {
    bufs: Vec<Vec<u8>>,
}

impl Out {
    fn new() -> Self {
        Out {
            bufs: vec![Vec::new(); catalogue().len()],
        }
    }

    fn sample(&mut self, fam: usize, labels: &[(&str, &str)], value: f64) {
        let name = &catalogue()[fam].name;
        let buf = &mut self.bufs[fam];
        buf.extend_from_slice(name.as_bytes());
        if !labels.is_empty() {
            buf.push(b'{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                buf.extend_from_slice(k.as_bytes());
                buf.extend_from_slice(b"=\"");
                escape_label_value(buf, v);
                buf.push(b'"');
            }
            buf.push(b'}');
        }
        buf.push(b' ');
        write_value(buf, value);
        buf.push(b'\n');
    }

    fn finish(self, format: Format) -> Vec<u8> {
        let total: usize = self.bufs.iter().map(Vec::len).sum();
        let mut out = Vec::with_capacity(total + 8192);
        for (def, buf) in catalogue().iter().zip(self.bufs) {
            if buf.is_empty() {
                continue;
            }
            let (family, typ) = match (format, def.kind) {
                (Format::Text, Kind::Gauge | Kind::Info) => (def.name.as_str(), "gauge"),
                (Format::Text, Kind::Counter) => (def.name.as_str(), "counter"),
                (Format::OpenMetrics, Kind::Gauge) => (def.name.as_str(), "gauge"),
                (Format::OpenMetrics, Kind::Counter) => (
                    def.name.strip_suffix("_total").unwrap_or(&def.name),
                    "counter",
                ),
                (Format::OpenMetrics, Kind::Info) => {
                    (def.name.strip_suffix("_info").unwrap_or(&def.name), "info")
                }
            };
            let mut help = Vec::with_capacity(def.help.len());
            escape_help(&mut help, &def.help);
            let help = String::from_utf8_lossy(&help);
            // Writing into a Vec cannot fail.
            let _ = match format {
                Format::Text => write!(out, "# HELP {family} {help}\n# TYPE {family} {typ}\n"),
                Format::OpenMetrics => {
                    write!(out, "# TYPE {family} {typ}\n# HELP {family} {help}\n")
                }
            };
            out.extend_from_slice(&buf);
        }
        if format == Format::OpenMetrics {
            out.extend_from_slice(b"# EOF\n");
        }
        out
    }
}

fn escape_label_value(buf: &mut Vec<u8>, v: &str) {
    for b in v.bytes() {
        match b {
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'"' => buf.extend_from_slice(b"\\\""),
            b'\n' => buf.extend_from_slice(b"\\n"),
            _ => buf.push(b),
        }
    }
}

fn escape_help(buf: &mut Vec<u8>, v: &str) {
    for b in v.bytes() {
        match b {
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            _ => buf.push(b),
        }
    }
}

fn write_value(buf: &mut Vec<u8>, v: f64) {
    if v.is_nan() {
        buf.extend_from_slice(b"NaN");
    } else if v.is_infinite() {
        buf.extend_from_slice(if v > 0.0 { b"+Inf" } else { b"-Inf" });
    } else if v == v.trunc() && v.abs() < 1e15 {
        // Whole numbers without a fraction ("16", not "16.0"), as other
        // exporters print them.
        let _ = write!(buf, "{}", v as i64);
    } else {
        let _ = write!(buf, "{v}");
    }
}

fn unix_seconds(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Renders every account's self metrics and last good snapshot, plus build info.
pub fn render(
    format: Format,
    accounts: &[std::sync::Arc<AccountState>],
    build: &BuildInfo,
) -> Vec<u8> {
    render_at(format, accounts, build, SystemTime::now())
}

/// [`render`] as of `now` (which decides staleness).
pub fn render_at(
    format: Format,
    accounts: &[std::sync::Arc<AccountState>],
    build: &BuildInfo,
    now: SystemTime,
) -> Vec<u8> {
    let mut out = Out::new();
    out.sample(
        index(Fam::BuildInfo),
        &[("version", build.version), ("revision", build.revision)],
        1.0,
    );
    if let Some((ok, at)) = crate::state::reload_status().get() {
        out.sample(
            index(Fam::ConfigReloadSuccessful),
            &[],
            f64::from(u8::from(ok)),
        );
        out.sample(index(Fam::ConfigReloadSuccessTimestamp), &[], at);
    }
    for account in accounts {
        let published = account.current();
        let provider = account.provider.as_str();
        let base = [("provider", provider), ("account", account.name.as_str())];
        out.sample(index(Fam::Up), &base, if published.up { 1.0 } else { 0.0 });
        if let Some(t) = published.last_success {
            out.sample(index(Fam::LastSuccess), &base, unix_seconds(t));
        }
        if let Some(d) = published.last_duration {
            out.sample(index(Fam::PollDuration), &base, d.as_secs_f64());
        }
        out.sample(
            index(Fam::PollInterval),
            &base,
            account.interval.as_secs_f64(),
        );
        let stats = account.stats.view();
        for (result, n) in [
            ("success", stats.polls_success),
            ("failure", stats.polls_failure),
        ] {
            out.sample(
                index(Fam::Polls),
                &[base[0], base[1], ("result", result)],
                n as f64,
            );
        }
        out.sample(index(Fam::PollOverruns), &base, stats.overruns as f64);
        for (api, n) in &stats.requests {
            out.sample(
                index(Fam::ApiRequests),
                &[base[0], base[1], ("api", api)],
                *n as f64,
            );
            // Every reason starts at 0 for an API in use, so rate() and increase()
            // see the first failure.
            for reason in Reason::ALL {
                let n = stats
                    .failures
                    .get(&(api.clone(), reason))
                    .copied()
                    .unwrap_or(0);
                out.sample(
                    index(Fam::ApiFailures),
                    &[base[0], base[1], ("api", api), ("reason", reason.as_str())],
                    n as f64,
                );
            }
        }
        // Failures of APIs that never got as far as a counted request (e.g. a
        // request that could not be built).
        for ((api, reason), n) in &stats.failures {
            if !stats.requests.contains_key(api) {
                out.sample(
                    index(Fam::ApiFailures),
                    &[base[0], base[1], ("api", api), ("reason", reason.as_str())],
                    *n as f64,
                );
            }
        }
        for rule in Rule::ALL {
            let n = stats.normalizations.get(&rule).copied().unwrap_or(0);
            out.sample(
                index(Fam::Normalizations),
                &[base[0], base[1], ("rule", rule.as_str())],
                n as f64,
            );
        }
        if let Some(snapshot) = published
            .snapshot
            .as_ref()
            .filter(|_| !published.is_stale(account.stale_after, now))
        {
            render_snapshot(&mut out, provider, &account.name, &account.region, snapshot);
        }
    }
    out.finish(format)
}

fn render_snapshot(out: &mut Out, provider: &str, account: &str, region: &str, s: &Snapshot) {
    let reg = |r: &Option<String>| -> String { r.clone().unwrap_or_else(|| region.to_string()) };
    fn base<'a>(provider: &'a str, account: &'a str, r: &'a str) -> [(&'static str, &'a str); 3] {
        [
            ("provider", provider),
            ("account", account),
            ("cloud_region", r),
        ]
    }

    for r in &s.regions {
        let b = base(provider, account, &r.id);
        out.sample(
            index(Fam::RegionInfo),
            &[b[0], b[1], b[2], ("region_name", &r.name)],
            1.0,
        );
    }
    for p in &s.pools {
        let region = reg(&p.cloud_region);
        let b = base(provider, account, &region);
        let id = ("pool_id", p.id.as_str());
        let mut info: Vec<(&str, &str)> = vec![
            b[0],
            b[1],
            b[2],
            id,
            ("pool_name", &p.name),
            ("pool_type", &p.pool_type),
            ("phase", &p.phase),
        ];
        info.extend(p.extra_info.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        out.sample(index(Fam::PoolInfo), &info, 1.0);
        if let Some(n) = p.nodes {
            out.sample(index(Fam::PoolNodes), &[b[0], b[1], b[2], id], n);
        }
        for (kind, res) in &p.quantities {
            quantities(out, false, *kind, res, &[b[0], b[1], b[2], id]);
        }
        for ((flavor, state), n) in &p.flavor_nodes {
            out.sample(
                index(Fam::PoolFlavorNodes),
                &[b[0], b[1], b[2], id, ("flavor", flavor), ("state", state)],
                *n,
            );
        }
        for (phase, n) in &p.node_phases {
            out.sample(
                index(Fam::NodePhaseNodes),
                &[b[0], b[1], b[2], id, ("phase", phase)],
                *n,
            );
        }
        for d in &p.drivers {
            out.sample(
                index(Fam::PoolDriverInfo),
                &[
                    b[0],
                    b[1],
                    b[2],
                    id,
                    ("kind", &d.kind),
                    ("version", &d.version),
                    ("state", &d.state),
                ],
                1.0,
            );
        }
        if let Some(nc) = &p.node_capability {
            let l = [b[0], b[1], b[2], id];
            if let Some(c) = nc.cpu_cores {
                out.sample(index(Fam::PoolNodeCapability(Res::Cpu)), &l, c);
            }
            if let Some(m) = nc.memory_bytes {
                out.sample(index(Fam::PoolNodeCapability(Res::Memory)), &l, m);
            }
            for (acc, n) in &nc.accelerators {
                out.sample(
                    index(Fam::PoolNodeCapability(Res::Accelerators)),
                    &[b[0], b[1], b[2], id, ("accelerator", acc)],
                    *n,
                );
            }
        }
        for (acc, n) in &p.node_limits {
            out.sample(
                index(Fam::PoolNodeLimitAccelerators),
                &[b[0], b[1], b[2], id, ("accelerator", acc)],
                *n,
            );
        }
    }
    for q in &s.queues {
        let region = reg(&q.cloud_region);
        let b = base(provider, account, &region);
        let ids = [
            b[0],
            b[1],
            b[2],
            ("pool_id", q.pool_id.as_str()),
            ("queue_id", q.id.as_str()),
        ];
        out.sample(
            index(Fam::QueueInfo),
            &[
                ids[0],
                ids[1],
                ids[2],
                ids[3],
                ids[4],
                ("queue_name", &q.name),
                ("queue_type", &q.queue_type),
                ("parent_queue", &q.parent),
            ],
            1.0,
        );
        for (kind, res) in &q.quantities {
            quantities(out, true, *kind, res, &ids);
        }
        if let Some(w) = &q.workloads {
            for (state, n) in [
                ("running", w.running),
                ("pending", w.pending),
                ("inqueue", w.inqueue),
            ] {
                out.sample(
                    index(Fam::QueueWorkloads),
                    &[ids[0], ids[1], ids[2], ids[3], ids[4], ("state", state)],
                    n,
                );
            }
        }
    }
    let b = base(provider, account, region);
    for (acc, model) in &s.accelerators {
        out.sample(
            index(Fam::AcceleratorInfo),
            &[b[0], b[1], b[2], ("accelerator", acc), ("model", model)],
            1.0,
        );
    }
    for svc in &s.services {
        out.sample(
            index(Fam::ServiceInfo),
            &[
                b[0],
                b[1],
                b[2],
                ("service_id", &svc.id),
                ("service_name", &svc.name),
            ],
            1.0,
        );
    }
    for cu in &s.compute_units {
        let ids = [
            b[0],
            b[1],
            b[2],
            ("service_id", cu.service_id.as_str()),
            ("instance_id", cu.instance_id.as_str()),
        ];
        out.sample(
            index(Fam::ComputeUnitInfo),
            &[
                ids[0],
                ids[1],
                ids[2],
                ids[3],
                ids[4],
                ("payment_timing", &cu.payment_timing),
                ("status", &cu.status),
            ],
            1.0,
        );
        if let Some(r) = cu.replicas {
            out.sample(index(Fam::ComputeUnitReplicas), &ids, r);
        }
        if let Some(t) = cu.start_timestamp {
            out.sample(index(Fam::ComputeUnitStart), &ids, t);
        }
        if let Some(t) = cu.expiry_timestamp {
            out.sample(index(Fam::ComputeUnitExpiry), &ids, t);
        }
    }
}

fn quantities(
    out: &mut Out,
    queue: bool,
    kind: QuantityKind,
    r: &Resources,
    labels: &[(&str, &str)],
) {
    if let Some(c) = r.cpu_cores {
        out.sample(quantity_index(queue, kind, Res::Cpu), labels, c);
    }
    if let Some(m) = r.memory_bytes {
        out.sample(quantity_index(queue, kind, Res::Memory), labels, m);
    }
    if r.accelerators.is_empty() {
        return;
    }
    let mut l: Vec<(&str, &str)> = labels.to_vec();
    l.push(("accelerator", ""));
    let last = l.len() - 1;
    for (acc, n) in &r.accelerators {
        l[last].1 = acc;
        out.sample(quantity_index(queue, kind, Res::Accelerators), &l, *n);
    }
}

#[cfg(test)]
mod tests;
