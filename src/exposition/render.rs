//! The renderer: snapshot and self metrics → exposition bytes.
//!
//! Rendering happens when a poll publishes, not when Prometheus scrapes (the
//! kube-state-metrics design): each account's sample lines are written once per
//! publish into one buffer per family ([`Lines`]), and a scrape only stitches
//! those buffers together under each family's headers ([`stitch`]). Sample lines
//! are identical in both formats, so one rendering serves both.

use std::io::Write as _;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hyper::body::Bytes;

use crate::error::{DecodeReason, Reason};
use std::collections::BTreeMap;

use crate::counters::CountersView;
use crate::model::{
    ComputeUnit, FreeBlocks, Pool, QuantityKind, Queue, QueueNodes, Resources, Service, Snapshot,
    Unit,
};
use crate::quantity::Rule;

use super::families::{catalogue, index, quantity_index, Family, Kind, Resource, PHYSICAL_KINDS};
use super::Format;

/// Static facts about this build, for `aipool_build_info`.
#[derive(Debug, Clone)]
pub struct BuildInfo {
    pub version: &'static str,
    pub revision: &'static str,
    pub build_date: &'static str,
}

impl Default for BuildInfo {
    fn default() -> Self {
        BuildInfo {
            version: crate::build_info::VERSION,
            revision: crate::build_info::REVISION,
            build_date: crate::build_info::BUILD_DATE,
        }
    }
}

/// Pre-rendered sample lines, one buffer per family that has samples, by
/// catalogue index. Sparse, because an account's data is rendered per pool
/// (see [`DataLines`]) and a pool has samples in a few families only. Cloning
/// is cheap (`Bytes` are shared).
#[derive(Debug, Clone, Default)]
pub struct Lines {
    /// (catalogue index, lines), sorted by index, no empty buffers.
    fams: Vec<(usize, Bytes)>,
}

impl Lines {
    /// The sample lines of the family at catalogue index `fam`.
    pub fn family(&self, fam: usize) -> &Bytes {
        static EMPTY: Bytes = Bytes::new();
        match self.fams.binary_search_by_key(&fam, |(i, _)| *i) {
            Ok(at) => &self.fams[at].1,
            Err(_) => &EMPTY,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.fams.is_empty()
    }
}

/// Something [`stitch`] takes the lines of, family by family.
pub trait Part {
    /// Appends the chunks of family `fam` (catalogue index), in output order.
    fn push_chunks(&self, fam: usize, out: &mut Vec<Bytes>);
}

impl Part for Lines {
    fn push_chunks(&self, fam: usize, out: &mut Vec<Bytes>) {
        let b = self.family(fam);
        if !b.is_empty() {
            out.push(b.clone());
        }
    }
}

/// The data series of an account's last successful poll: one buffer per
/// family as rendered (regions and accelerator models, then each unit's lines
/// — a pool with its queues, a service with its compute units — in output
/// order), where each unit's lines are, and the units kept from an earlier
/// poll because their own calls failed in this one.
///
/// Kept per unit so that a unit whose calls fail can keep the lines of its
/// last good fetch while the rest of the account is fresh (issue "one bad
/// object never blinds an account"). A scrape still stitches one buffer per
/// family (a body of a few hundred chunks, not one per pool and family); only
/// kept units, rare and small, are spliced in at their place.
#[derive(Debug, Clone, Default)]
pub struct DataLines {
    fresh: Lines,
    units: Vec<UnitSpans>,
    kept: Vec<KeptUnit>,
}

/// Where one freshly fetched unit's lines are in [`DataLines`]' buffers.
#[derive(Debug, Clone)]
struct UnitSpans {
    unit: Unit,
    fetched: SystemTime,
    pools: usize,
    queues: usize,
    /// (catalogue index, start, end) in that family's buffer.
    spans: Vec<(usize, usize, usize)>,
}

impl UnitSpans {
    fn start_in(&self, fam: usize) -> Option<usize> {
        self.spans
            .iter()
            .find(|(f, _, _)| *f == fam)
            .map(|(_, s, _)| *s)
    }
}

/// A unit's lines carried over from an earlier poll: its own copy (a few
/// lines), so the earlier rendering is not kept alive for it.
#[derive(Debug, Clone)]
pub struct KeptUnit {
    pub unit: Unit,
    /// When its lines were fetched.
    pub fetched: SystemTime,
    pools: usize,
    queues: usize,
    lines: Lines,
}

impl DataLines {
    /// Every unit, fresh or kept, with when its lines were fetched.
    pub fn units(&self) -> impl Iterator<Item = (&Unit, SystemTime)> {
        self.units
            .iter()
            .map(|u| (&u.unit, u.fetched))
            .chain(self.kept.iter().map(|k| (&k.unit, k.fetched)))
    }

    /// Both lists are sorted by unit (render order, [`DataLines::keep`]), so a
    /// failed region over thousands of pools stays a lookup, not a scan.
    pub fn has_unit(&self, unit: &Unit) -> bool {
        self.units.binary_search_by(|u| u.unit.cmp(unit)).is_ok()
            || self.kept.binary_search_by(|k| k.unit.cmp(unit)).is_ok()
    }

    /// A copy of `unit`'s lines, to keep in a later poll's data.
    pub fn extract(&self, unit: &Unit) -> Option<KeptUnit> {
        if let Ok(at) = self.kept.binary_search_by(|k| k.unit.cmp(unit)) {
            return Some(self.kept[at].clone());
        }
        let at = self.units.binary_search_by(|u| u.unit.cmp(unit)).ok()?;
        let u = &self.units[at];
        let fams = u
            .spans
            .iter()
            .map(|(f, s, e)| {
                let b = self.fresh.family(*f);
                (*f, Bytes::copy_from_slice(&b[*s..*e]))
            })
            .collect();
        Some(KeptUnit {
            unit: u.unit.clone(),
            fetched: u.fetched,
            pools: u.pools,
            queues: u.queues,
            lines: Lines { fams },
        })
    }

    /// Adds units kept from an earlier poll (none of which this data has).
    pub fn keep(&mut self, kept: Vec<KeptUnit>) {
        self.kept.extend(kept);
        self.kept.sort_by(|a, b| a.unit.cmp(&b.unit));
    }

    /// The lines of family `fam`, every part joined (tests and benches).
    pub fn family_bytes(&self, fam: usize) -> Vec<u8> {
        let mut chunks = Vec::new();
        self.push_chunks(fam, &mut chunks);
        chunks.iter().flat_map(|c| c.iter().copied()).collect()
    }

    pub fn pools(&self) -> usize {
        self.units.iter().map(|u| u.pools).sum::<usize>()
            + self.kept.iter().map(|k| k.pools).sum::<usize>()
    }

    pub fn queues(&self) -> usize {
        self.units.iter().map(|u| u.queues).sum::<usize>()
            + self.kept.iter().map(|k| k.queues).sum::<usize>()
    }
}

impl Part for DataLines {
    fn push_chunks(&self, fam: usize, out: &mut Vec<Bytes>) {
        let buf = self.fresh.family(fam);
        let mut pos = 0;
        for k in &self.kept {
            let lines = k.lines.family(fam);
            if lines.is_empty() {
                continue;
            }
            // Before the first fresh unit that sorts after it and has lines
            // here; units hold every line of the families they appear in.
            let after = self.units.partition_point(|u| u.unit < k.unit);
            let at = self.units[after..]
                .iter()
                .find_map(|u| u.start_in(fam))
                .unwrap_or(buf.len())
                .max(pos);
            if at > pos {
                out.push(buf.slice(pos..at));
                pos = at;
            }
            out.push(lines.clone());
        }
        if pos < buf.len() {
            out.push(buf.slice(pos..));
        }
    }
}

/// One buffer per family while rendering; [`FamilyBuffers::finish`] freezes them.
struct FamilyBuffers {
    bufs: Vec<Vec<u8>>,
    /// Families written to since the last [`FamilyBuffers::spans`], with where their
    /// buffer stood then.
    touched: Vec<(usize, usize)>,
    seen: Vec<bool>,
}

impl FamilyBuffers {
    fn new() -> Self {
        let n = catalogue().len();
        FamilyBuffers {
            bufs: vec![Vec::new(); n],
            touched: Vec::new(),
            seen: vec![false; n],
        }
    }

    fn touch(&mut self, fam: usize) {
        if !self.seen[fam] {
            self.seen[fam] = true;
            self.touched.push((fam, self.bufs[fam].len()));
        }
    }

    /// What was written since the last call: (family, start, end), by family.
    fn spans(&mut self) -> Vec<(usize, usize, usize)> {
        let mut spans: Vec<(usize, usize, usize)> = self
            .touched
            .drain(..)
            .map(|(f, start)| (f, start, self.bufs[f].len()))
            .collect();
        for (f, _, _) in &spans {
            self.seen[*f] = false;
        }
        spans.sort_unstable();
        spans
    }

    fn sample(&mut self, fam: usize, labels: &[(&str, &str)], value: f64) {
        self.touch(fam);
        let name = &catalogue()[fam].name;
        let buf = &mut self.bufs[fam];
        buf.extend_from_slice(name.as_bytes());
        if !labels.is_empty() {
            buf.push(b'{');
            write_labels(buf, labels);
            buf.push(b'}');
        }
        buf.push(b' ');
        write_value(buf, value);
        buf.push(b'\n');
    }

    /// A sample whose first labels are already rendered in `prefix` (the labels
    /// shared by every series of one pool or queue), followed by `extra`.
    fn sample_pre(&mut self, fam: usize, prefix: &[u8], extra: &[(&str, &str)], value: f64) {
        self.touch(fam);
        let name = &catalogue()[fam].name;
        let buf = &mut self.bufs[fam];
        buf.extend_from_slice(name.as_bytes());
        buf.push(b'{');
        buf.extend_from_slice(prefix);
        if !extra.is_empty() {
            buf.push(b',');
            write_labels(buf, extra);
        }
        buf.extend_from_slice(b"} ");
        write_value(buf, value);
        buf.push(b'\n');
    }

    fn finish(mut self) -> Lines {
        self.take()
    }

    /// The lines written so far; the buffers are left empty for the next unit.
    fn take(&mut self) -> Lines {
        Lines {
            fams: self
                .bufs
                .iter_mut()
                .enumerate()
                .filter(|(_, b)| !b.is_empty())
                .map(|(i, b)| {
                    let mut b = std::mem::take(b);
                    // Growth slack would otherwise stay resident until the next
                    // poll: up to half of every buffer.
                    b.shrink_to_fit();
                    (i, Bytes::from(b))
                })
                .collect(),
        }
    }
}

fn write_labels(buf: &mut Vec<u8>, labels: &[(&str, &str)]) {
    for (i, (k, v)) in labels.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.extend_from_slice(k.as_bytes());
        buf.extend_from_slice(b"=\"");
        escape_label_value(buf, v);
        buf.push(b'"');
    }
}

/// `k="v",k2="v2"` for labels shared by many series.
fn label_prefix(labels: &[(&str, &str)]) -> Vec<u8> {
    let mut buf = Vec::with_capacity(labels.iter().map(|(k, v)| k.len() + v.len() + 4).sum());
    write_labels(&mut buf, labels);
    buf
}

/// The `# HELP`/`# TYPE` lines of every family in `format`, built once.
fn headers(format: Format) -> &'static [Bytes] {
    static TEXT: std::sync::OnceLock<Vec<Bytes>> = std::sync::OnceLock::new();
    static OM: std::sync::OnceLock<Vec<Bytes>> = std::sync::OnceLock::new();
    let cell = match format {
        Format::Text => &TEXT,
        Format::OpenMetrics => &OM,
    };
    cell.get_or_init(|| {
        catalogue()
            .iter()
            .map(|def| {
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
                let text = match format {
                    Format::Text => format!("# HELP {family} {help}\n# TYPE {family} {typ}\n"),
                    Format::OpenMetrics => {
                        format!("# TYPE {family} {typ}\n# HELP {family} {help}\n")
                    }
                };
                Bytes::from(text)
            })
            .collect()
    })
}

/// The response body as chunks: for every family in catalogue order that has
/// samples in any of `parts`, its headers, then each part's lines of that
/// family in the order of `parts`. Families stay contiguous under one `# TYPE`
/// across accounts; the chunks share the parts' buffers (no copy).
pub fn stitch(format: Format, parts: &[&dyn Part]) -> Vec<Bytes> {
    let heads = headers(format);
    let mut out = Vec::new();
    for (fam, head) in heads.iter().enumerate() {
        let at = out.len();
        for part in parts {
            part.push_chunks(fam, &mut out);
        }
        if out.len() > at {
            out.insert(at, head.clone());
        }
    }
    if format == Format::OpenMetrics {
        out.push(Bytes::from_static(b"# EOF\n"));
    }
    out
}

fn escape_label_value(buf: &mut Vec<u8>, v: &str) {
    // Almost no value needs escaping: copy those in one go.
    if !v.bytes().any(|b| matches!(b, b'\\' | b'"' | b'\n')) {
        buf.extend_from_slice(v.as_bytes());
        return;
    }
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
        buf.extend_from_slice(itoa::Buffer::new().format(v as i64).as_bytes());
    } else {
        let _ = write!(buf, "{v}");
    }
}

fn unix_seconds(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// `aipool_build_info`, rendered once per process.
pub fn build_lines(build: &BuildInfo) -> Lines {
    let mut out = FamilyBuffers::new();
    out.sample(
        index(Family::BuildInfo),
        &[
            ("version", build.version),
            ("revision", build.revision),
            ("build_date", build.build_date),
        ],
        1.0,
    );
    out.finish()
}

/// The config reload status (`(last load successful, Unix time of the last
/// success)`; absent before the first load), and a key that changes whenever it
/// does, for the scrape cache.
pub fn reload_lines(status: Option<(bool, f64)>) -> (Lines, Option<(bool, u64)>) {
    let mut out = FamilyBuffers::new();
    if let Some((ok, at)) = status {
        out.sample(
            index(Family::ConfigReloadSuccessful),
            &[],
            f64::from(u8::from(ok)),
        );
        out.sample(index(Family::ConfigReloadSuccessTimestamp), &[], at);
    }
    (out.finish(), status.map(|(ok, at)| (ok, at.to_bits())))
}

/// Every account's self metrics and last good snapshot, plus build info and
/// the reload status, as of `now` (which decides staleness), as one buffer: the
/// accounts' pre-rendered lines stitched and copied together.
pub fn render_at(
    format: Format,
    accounts: &[impl HasLines],
    reload: Option<(bool, f64)>,
    build: &BuildInfo,
    now: SystemTime,
) -> Vec<u8> {
    let build = build_lines(build);
    let (reload, _) = reload_lines(reload);
    let mut parts: Vec<&dyn Part> = vec![&build, &reload];
    for a in accounts {
        a.lines().push_parts(&mut parts, now);
    }
    let chunks = stitch(format, &parts);
    let mut out = Vec::with_capacity(chunks.iter().map(Bytes::len).sum());
    for c in &chunks {
        out.extend_from_slice(c);
    }
    out
}

/// One account's pre-rendered lines as of one publish: what a scrape stitches.
/// The runtime builds one per publish ([`render_self`], [`render_data`]) and
/// hands it to the scrape side; nothing here knows how polls are run.
#[derive(Debug, Default)]
pub struct AccountLines {
    /// Unique per publish within one process's account list, so a scrape cache
    /// keyed by generations never mistakes one publish for another.
    pub generation: u64,
    /// Self metrics (poll status and counters) as of this publish.
    pub self_lines: Lines,
    /// The last good snapshot's series; shared with the previous publish when a
    /// failed poll keeps them.
    pub data: Option<Arc<DataLines>>,
    /// When the data was fetched (`None`: never) and how long it may be served.
    pub last_success: Option<SystemTime>,
    pub stale_after: Duration,
}

impl AccountLines {
    /// The data series, unless they are stale at `now` (then they are left out).
    pub fn fresh_data(&self, now: SystemTime) -> Option<&DataLines> {
        self.data
            .as_deref()
            .filter(|_| !is_stale(self.last_success, self.stale_after, now))
    }

    /// Appends this account's parts, in output order, for [`stitch`].
    pub fn push_parts<'a>(&'a self, parts: &mut Vec<&'a dyn Part>, now: SystemTime) {
        parts.push(&self.self_lines);
        if let Some(data) = self.fresh_data(now) {
            parts.push(data);
        }
    }
}

/// Anything that holds one account's [`AccountLines`] (the runtime's publish
/// of an account), so a scrape can stitch them without copying.
pub trait HasLines {
    fn lines(&self) -> &AccountLines;
}

impl<T: HasLines + ?Sized> HasLines for Arc<T> {
    fn lines(&self) -> &AccountLines {
        (**self).lines()
    }
}

/// Data last fetched at `last_success` is older than `stale_after` at `now` (or
/// there is none): its series are left out, so dashboards show a gap instead of
/// a frozen value. A clock that went back does not make data stale.
pub fn is_stale(last_success: Option<SystemTime>, stale_after: Duration, now: SystemTime) -> bool {
    match last_success {
        None => true,
        Some(t) => now
            .duration_since(t)
            .map(|age| age > stale_after)
            .unwrap_or(false),
    }
}

/// What the self metrics of one account show of a publish.
#[derive(Debug, Clone, Copy)]
pub struct SelfStatus<'a> {
    pub provider: &'a str,
    pub account: &'a str,
    pub interval: Duration,
    /// The last poll fully succeeded.
    pub up: bool,
    /// At least one poll has finished.
    pub attempted: bool,
    pub last_success: Option<SystemTime>,
    pub last_duration: Option<Duration>,
    /// Requests of the last successful poll that failed without failing it.
    pub partial_errors: usize,
}

/// The self metrics of one account as of a publish: poll status and counters.
pub fn render_self(published: &SelfStatus, stats: &CountersView) -> Lines {
    let mut out = FamilyBuffers::new();
    let base = [
        ("provider", published.provider),
        ("account", published.account),
    ];
    out.sample(
        index(Family::Up),
        &base,
        if published.up { 1.0 } else { 0.0 },
    );
    if let Some(t) = published.last_success {
        out.sample(index(Family::LastSuccess), &base, unix_seconds(t));
    }
    if let Some(d) = published.last_duration {
        out.sample(index(Family::PollDuration), &base, d.as_secs_f64());
    }
    out.sample(
        index(Family::PollInterval),
        &base,
        published.interval.as_secs_f64(),
    );
    for (result, n) in [
        ("success", stats.polls_success),
        ("failure", stats.polls_failure),
    ] {
        out.sample(
            index(Family::Polls),
            &[base[0], base[1], ("result", result)],
            n as f64,
        );
    }
    out.sample(index(Family::PollOverruns), &base, stats.overruns as f64);
    if published.attempted {
        out.sample(
            index(Family::PollPartialErrors),
            &base,
            published.partial_errors as f64,
        );
    }
    for (api, n) in &stats.requests {
        out.sample(
            index(Family::ApiRequests),
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
                index(Family::ApiFailures),
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
                index(Family::ApiFailures),
                &[base[0], base[1], ("api", api), ("reason", reason.as_str())],
                *n as f64,
            );
        }
    }
    // Like the failures: every reason starts at 0 for an API in use.
    let decode_apis: std::collections::BTreeSet<&String> = stats
        .requests
        .keys()
        .chain(stats.decode_errors.keys().map(|(api, _)| api))
        .collect();
    for api in decode_apis {
        for reason in DecodeReason::ALL {
            let n = stats
                .decode_errors
                .get(&(api.clone(), reason))
                .copied()
                .unwrap_or(0);
            out.sample(
                index(Family::DecodeErrors),
                &[base[0], base[1], ("api", api), ("reason", reason.as_str())],
                n as f64,
            );
        }
    }
    for rule in Rule::ALL {
        let n = stats.normalizations.get(&rule).copied().unwrap_or(0);
        out.sample(
            index(Family::Normalizations),
            &[base[0], base[1], ("rule", rule.as_str())],
            n as f64,
        );
    }
    out.finish()
}

/// The data series of one snapshot: what a successful poll publishes, per
/// unit (see [`DataLines`]). `fetched` is when the poll finished: each unit's
/// `aipool_{pool,service}_last_success_timestamp_seconds`. `slot_sizes` are
/// the job sizes (in cards) of the free-slot series.
pub fn render_data(
    provider: &str,
    account: &str,
    region: &str,
    s: &Snapshot,
    fetched: SystemTime,
    slot_sizes: &[u32],
) -> DataLines {
    let mut out = FamilyBuffers::new();
    let reg = |r: &Option<String>| -> String { r.clone().unwrap_or_else(|| region.to_string()) };
    let at = unix_seconds(fetched);

    for r in &s.regions {
        let b = base(provider, account, &r.id);
        out.sample(
            index(Family::RegionInfo),
            &[b[0], b[1], b[2], ("region_name", &r.name)],
            1.0,
        );
    }
    let b = base(provider, account, region);
    for (acc, model) in &s.accelerators {
        out.sample(
            index(Family::AcceleratorInfo),
            &[b[0], b[1], b[2], ("accelerator", acc), ("model", model)],
            1.0,
        );
    }
    // Account-level lines belong to no unit.
    out.spans();

    // Pools with their queues and queue node figures, in the snapshot's sort
    // order (region, pool id), which is also the output order of every pool
    // and queue family: grouping changes no byte of the output.
    type PoolKey<'a> = (&'a Option<String>, &'a str);
    #[derive(Default)]
    struct PoolParts<'a> {
        pool: Option<&'a Pool>,
        queues: Vec<&'a Queue>,
        nodes: Vec<&'a QueueNodes>,
    }
    let mut pools: BTreeMap<PoolKey<'_>, PoolParts<'_>> = BTreeMap::new();
    for p in &s.pools {
        pools
            .entry((&p.cloud_region, p.id.as_str()))
            .or_default()
            .pool = Some(p);
    }
    for q in &s.queues {
        pools
            .entry((&q.cloud_region, q.pool_id.as_str()))
            .or_default()
            .queues
            .push(q);
    }
    for n in &s.queue_nodes {
        pools
            .entry((&n.cloud_region, n.pool_id.as_str()))
            .or_default()
            .nodes
            .push(n);
    }
    let mut units = Vec::with_capacity(pools.len());
    for ((cloud_region, pool_id), parts) in &pools {
        let region = reg(cloud_region);
        let b = base(provider, account, &region);
        let pre = label_prefix(&[b[0], b[1], b[2], ("pool_id", pool_id)]);
        if let Some(p) = parts.pool {
            render_pool(&mut out, &b, p);
            free_slots(&mut out, false, &p.free_blocks, slot_sizes, &pre);
        }
        for q in &parts.queues {
            render_queue(&mut out, &b, q, slot_sizes);
        }
        for n in &parts.nodes {
            render_queue_nodes(&mut out, &b, n);
        }
        out.sample_pre(index(Family::PoolLastSuccess), &pre, &[], at);
        units.push(UnitSpans {
            unit: Unit::Pool {
                cloud_region: (*cloud_region).clone(),
                pool_id: pool_id.to_string(),
            },
            spans: out.spans(),
            fetched,
            pools: usize::from(parts.pool.is_some()),
            queues: parts.queues.len(),
        });
    }

    // Services with their compute units, by service id (the compute units'
    // sort order too).
    let mut services: BTreeMap<&str, (Option<&Service>, Vec<&ComputeUnit>)> = BTreeMap::new();
    for svc in &s.services {
        services.entry(svc.id.as_str()).or_default().0 = Some(svc);
    }
    for cu in &s.compute_units {
        services
            .entry(cu.service_id.as_str())
            .or_default()
            .1
            .push(cu);
    }
    for (service_id, (svc, cus)) in &services {
        if let Some(svc) = svc {
            out.sample(
                index(Family::ServiceInfo),
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
        for cu in cus {
            render_compute_unit(&mut out, &b, cu);
        }
        out.sample(
            index(Family::ServiceLastSuccess),
            &[b[0], b[1], b[2], ("service_id", service_id)],
            at,
        );
        units.push(UnitSpans {
            unit: Unit::Service {
                service_id: service_id.to_string(),
            },
            spans: out.spans(),
            fetched,
            pools: 0,
            queues: 0,
        });
    }
    DataLines {
        fresh: out.finish(),
        units,
        kept: Vec::new(),
    }
}

fn base<'a>(provider: &'a str, account: &'a str, r: &'a str) -> [(&'static str, &'a str); 3] {
    [
        ("provider", provider),
        ("account", account),
        ("cloud_region", r),
    ]
}

fn render_pool(out: &mut FamilyBuffers, b: &[(&'static str, &str); 3], p: &Pool) {
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
    // Only platforms with workspaces and pool trees (ModelArts) set these.
    if let Some(ws) = &p.workspace_id {
        info.push(("workspace_id", ws));
    }
    if let Some(parent) = &p.parent_pool {
        info.push(("parent_pool", parent));
    }
    info.extend(p.extra_info.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    out.sample(index(Family::PoolInfo), &info, 1.0);
    // Every other series of the pool starts with these labels.
    let pre = label_prefix(&[b[0], b[1], b[2], id]);
    if let Some(n) = p.nodes {
        out.sample_pre(index(Family::PoolNodes), &pre, &[], n);
    }
    for (kind, res) in &p.quantities {
        quantities(out, false, *kind, res, &pre);
    }
    for (kind, r) in &p.physical {
        if !PHYSICAL_KINDS.contains(kind) {
            // No family for it; a provider that sets one is a bug, not input.
            continue;
        }
        if let Some(c) = r.cpu_cores {
            out.sample_pre(
                index(Family::PoolPhysical(*kind, Resource::Cpu)),
                &pre,
                &[],
                c,
            );
        }
        if let Some(m) = r.memory_bytes {
            out.sample_pre(
                index(Family::PoolPhysical(*kind, Resource::Memory)),
                &pre,
                &[],
                m,
            );
        }
        let fam = index(Family::PoolPhysical(*kind, Resource::Accelerators));
        for (acc, n) in &r.accelerators {
            out.sample_pre(fam, &pre, &[("accelerator", acc)], *n);
        }
    }
    for ((flavor, state), n) in &p.flavor_nodes {
        out.sample_pre(
            index(Family::PoolFlavorNodes),
            &pre,
            &[("flavor", flavor), ("state", state)],
            *n,
        );
    }
    for (phase, n) in &p.node_phases {
        out.sample_pre(index(Family::NodePhaseNodes), &pre, &[("phase", phase)], *n);
    }
    for ((flavor, state), n) in &p.flavor_max_nodes {
        out.sample_pre(
            index(Family::PoolFlavorMaxNodes),
            &pre,
            &[("flavor", flavor), ("state", state)],
            *n,
        );
    }
    if let Some(frozen) = p.frozen {
        out.sample_pre(
            index(Family::PoolFrozen),
            &pre,
            &[],
            f64::from(u8::from(frozen)),
        );
    }
    for d in &p.drivers {
        out.sample_pre(
            index(Family::PoolDriverInfo),
            &pre,
            &[
                ("kind", &d.kind),
                ("version", &d.version),
                ("state", &d.state),
            ],
            1.0,
        );
    }
    if let Some(nc) = &p.node_capability {
        if let Some(c) = nc.cpu_cores {
            out.sample_pre(
                index(Family::PoolNodeCapability(Resource::Cpu)),
                &pre,
                &[],
                c,
            );
        }
        if let Some(m) = nc.memory_bytes {
            out.sample_pre(
                index(Family::PoolNodeCapability(Resource::Memory)),
                &pre,
                &[],
                m,
            );
        }
        for (acc, n) in &nc.accelerators {
            out.sample_pre(
                index(Family::PoolNodeCapability(Resource::Accelerators)),
                &pre,
                &[("accelerator", acc)],
                *n,
            );
        }
    }
    for (acc, n) in &p.node_limits {
        out.sample_pre(
            index(Family::PoolNodeLimitAccelerators),
            &pre,
            &[("accelerator", acc)],
            *n,
        );
    }
}

fn render_queue(
    out: &mut FamilyBuffers,
    b: &[(&'static str, &str); 3],
    q: &Queue,
    slot_sizes: &[u32],
) {
    let ids = [
        b[0],
        b[1],
        b[2],
        ("pool_id", q.pool_id.as_str()),
        ("queue_id", q.id.as_str()),
    ];
    let pre = label_prefix(&ids);
    out.sample_pre(
        index(Family::QueueInfo),
        &pre,
        &[
            ("queue_name", &q.name),
            ("queue_type", &q.queue_type),
            ("parent_queue", &q.parent),
        ],
        1.0,
    );
    for (kind, res) in &q.quantities {
        quantities(out, true, *kind, res, &pre);
    }
    free_slots(out, true, &q.free_blocks, slot_sizes, &pre);
    if let Some(w) = &q.workloads {
        for (state, n) in [
            ("running", w.running),
            ("pending", w.pending),
            ("inqueue", w.inqueue),
        ] {
            out.sample_pre(index(Family::QueueWorkloads), &pre, &[("state", state)], n);
        }
    }
}

fn render_queue_nodes(out: &mut FamilyBuffers, b: &[(&'static str, &str); 3], n: &QueueNodes) {
    let pre = label_prefix(&[
        b[0],
        b[1],
        b[2],
        ("pool_id", n.pool_id.as_str()),
        ("queue_id", n.queue_id.as_str()),
    ]);
    if let Some(v) = n.nodes {
        out.sample_pre(index(Family::QueueNodes), &pre, &[], v);
    }
    if let Some(v) = n.free_nodes {
        out.sample_pre(index(Family::QueueFreeNodes), &pre, &[], v);
    }
    if let Some(v) = n.node_cpu_cores {
        out.sample_pre(
            index(Family::QueueNodeCapability(Resource::Cpu)),
            &pre,
            &[],
            v,
        );
    }
    for (acc, v) in &n.node_accelerators {
        out.sample_pre(
            index(Family::QueueNodeCapability(Resource::Accelerators)),
            &pre,
            &[("accelerator", acc)],
            *v,
        );
    }
}

fn render_compute_unit(out: &mut FamilyBuffers, b: &[(&'static str, &str); 3], cu: &ComputeUnit) {
    let ids = [
        b[0],
        b[1],
        b[2],
        ("service_id", cu.service_id.as_str()),
        ("instance_id", cu.instance_id.as_str()),
    ];
    out.sample(
        index(Family::ComputeUnitInfo),
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
        out.sample(index(Family::ComputeUnitReplicas), &ids, r);
    }
    if let Some(t) = cu.start_timestamp {
        out.sample(index(Family::ComputeUnitStart), &ids, t);
    }
    if let Some(t) = cu.expiry_timestamp {
        out.sample(index(Family::ComputeUnitExpiry), &ids, t);
    }
}

/// The quantity series of one block, labelled with `prefix` (the pool's or
/// queue's identity labels).
fn quantities(
    out: &mut FamilyBuffers,
    queue: bool,
    kind: QuantityKind,
    r: &Resources,
    prefix: &[u8],
) {
    if let Some(c) = r.cpu_cores {
        out.sample_pre(quantity_index(queue, kind, Resource::Cpu), prefix, &[], c);
    }
    if let Some(m) = r.memory_bytes {
        out.sample_pre(
            quantity_index(queue, kind, Resource::Memory),
            prefix,
            &[],
            m,
        );
    }
    let fam = quantity_index(queue, kind, Resource::Accelerators);
    for (acc, n) in &r.accelerators {
        out.sample_pre(fam, prefix, &[("accelerator", acc)], *n);
    }
}

/// The free-slot series of a pool's or queue's accelerators: one per slot
/// size (`cards`) and the largest free block, labelled with `prefix`.
fn free_slots(
    out: &mut FamilyBuffers,
    queue: bool,
    blocks: &BTreeMap<String, FreeBlocks>,
    sizes: &[u32],
    prefix: &[u8],
) {
    if blocks.is_empty() {
        return;
    }
    let (slots, largest) = if queue {
        (Family::QueueFreeSlots, Family::QueueLargestFreeBlock)
    } else {
        (Family::PoolFreeSlots, Family::PoolLargestFreeBlock)
    };
    let (slots, largest) = (index(slots), index(largest));
    let mut cards = itoa::Buffer::new();
    for (acc, b) in blocks {
        for n in sizes {
            out.sample_pre(
                slots,
                prefix,
                &[("accelerator", acc), ("cards", cards.format(*n))],
                b.slots(*n),
            );
        }
        out.sample_pre(largest, prefix, &[("accelerator", acc)], b.largest);
    }
}

#[cfg(test)]
mod tests;
