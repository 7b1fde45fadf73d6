//! The text writer: sample lines into one buffer per family while rendering
//! ([`FamilyBuffers`]), frozen per account or unit ([`Lines`], [`DataLines`]),
//! escaping and number formatting, and the stitching of buffers under each
//! family's headers at scrape time ([`stitch`]).

use std::io::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use hyper::body::Bytes;

use crate::exposition::families::{catalogue, Kind, Object};
use crate::exposition::Format;
use crate::model::Unit;

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
/// last good fetch while the rest of the account is fresh (one bad object
/// never blinds an account). A scrape still stitches one buffer per
/// family (a body of a few hundred chunks, not one per pool and family); only
/// kept units, rare and small, are spliced in at their place.
#[derive(Debug, Clone, Default)]
pub struct DataLines {
    pub(super) fresh: Lines,
    pub(super) units: Vec<UnitSpans>,
    pub(super) kept: Vec<KeptUnit>,
}

/// Where one freshly fetched unit's lines are in [`DataLines`]' buffers.
#[derive(Debug, Clone)]
pub(super) struct UnitSpans {
    pub(super) unit: Unit,
    pub(super) fetched: SystemTime,
    pub(super) pools: usize,
    pub(super) queues: usize,
    /// (catalogue index, start, end) in that family's buffer.
    pub(super) spans: Vec<(usize, usize, usize)>,
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
pub(super) struct FamilyBuffers {
    bufs: Vec<Vec<u8>>,
    /// Families written to since the last [`FamilyBuffers::spans`], with where their
    /// buffer stood then.
    touched: Vec<(usize, usize)>,
    seen: Vec<bool>,
}

impl FamilyBuffers {
    pub(super) fn new() -> Self {
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
    pub(super) fn spans(&mut self) -> Vec<(usize, usize, usize)> {
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

    pub(super) fn sample(&mut self, fam: usize, labels: &[(&str, &str)], value: f64) {
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
    pub(super) fn sample_pre(
        &mut self,
        fam: usize,
        prefix: &[u8],
        extra: &[(&str, &str)],
        value: f64,
    ) {
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

    pub(super) fn finish(mut self) -> Lines {
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

/// `k="v",k2="v2"` for labels shared by many series: an object's identity
/// labels (their names are the object's, [`Object::identity`]), written once
/// per object and copied into each of its series.
pub(super) fn identity_prefix(object: Object, values: &[&str]) -> Vec<u8> {
    let names = object.identity();
    debug_assert_eq!(names.len(), values.len(), "{object:?}");
    let len = names.iter().zip(values).map(|(k, v)| k.len() + v.len() + 4);
    let mut buf = Vec::with_capacity(len.sum());
    for (i, (k, v)) in names.iter().zip(values).enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.extend_from_slice(k.as_bytes());
        buf.extend_from_slice(b"=\"");
        escape_label_value(&mut buf, v);
        buf.push(b'"');
    }
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

pub(super) fn write_value(buf: &mut Vec<u8>, v: f64) {
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

pub(super) fn unix_seconds(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}
