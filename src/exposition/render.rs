//! The renderer: snapshot and self metrics → exposition bytes.
//!
//! Rendering happens when a poll publishes, not when Prometheus scrapes (the
//! kube-state-metrics design): each account's sample lines are written once per
//! publish into one buffer per family ([`Lines`]), and a scrape only stitches
//! those buffers together under each family's headers ([`stitch`]). Sample lines
//! are identical in both formats, so one rendering serves both.
//!
//! The text writer and its buffers are in [`writer`], the exporter's own
//! series in [`self_metrics`], the series of a snapshot's objects in
//! [`objects`], written as their family tables declare ([`tables`]); this module puts an account's parts together for a scrape and
//! leaves stale data out.

mod objects;
mod self_metrics;
mod tables;
mod writer;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use hyper::body::Bytes;

use super::Format;

pub use objects::render_data;
pub use self_metrics::{build_lines, reload_lines, render_self, BuildInfo, SelfStatus};
pub use writer::{stitch, DataLines, KeptUnit, Lines, Part};

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

#[cfg(test)]
mod tests;
