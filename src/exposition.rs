//! Rendering snapshots and self metrics as Prometheus exposition text.
//!
//! One renderer writes both the classic text format (0.0.4, the default) and
//! OpenMetrics 1.0 (when the scraper's `Accept` prefers it). Sample lines are
//! identical in both; only the `# TYPE`/`# HELP` headers and the `# EOF` trailer
//! differ, so both formats come from one pass.
//!
//! Why not prometheus-client's encoder: it writes OpenMetrics only, and it does not
//! escape label values (prometheus/client_rust#151). Pool and queue names are
//! chosen by users and may contain `"` or `\`; one such name would make the whole
//! scrape unparseable. This module escapes every label value.

pub mod cache;
pub mod families;
pub mod metrics_doc;
mod render;

pub use render::{
    build_lines, is_stale, reload_lines, render_at, render_data, render_self, stitch, AccountLines,
    BuildInfo, DataLines, HasLines, KeptUnit, Lines, Part, SelfStatus,
};

/// The exposition format of one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `text/plain; version=0.0.4`
    Text,
    /// `application/openmetrics-text; version=1.0.0`
    OpenMetrics,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Text => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }

    /// Picks the format from an `Accept` header by q-value: OpenMetrics only when
    /// the client ranks it strictly above the classic text format.
    pub fn negotiate(accept: Option<&str>) -> Format {
        let Some(accept) = accept else {
            return Format::Text;
        };
        let (mut om, mut text) = (0.0f32, 0.0f32);
        for range in accept.split(',') {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().unwrap_or("").to_ascii_lowercase();
            let mut q = 1.0f32;
            for p in parts {
                if let Some(v) = p.strip_prefix("q=") {
                    q = v.parse().unwrap_or(0.0);
                }
            }
            match media.as_str() {
                "application/openmetrics-text" => om = om.max(q),
                "text/plain" | "text/*" | "*/*" => text = text.max(q),
                _ => {}
            }
        }
        if om > 0.0 && om > text {
            Format::OpenMetrics
        } else {
            Format::Text
        }
    }
}

/// Whether an `Accept-Encoding` header accepts gzip: `gzip` (or `x-gzip`) with a
/// non-zero q-value, or `*` with a non-zero q-value when gzip is not named.
pub fn accepts_gzip(accept_encoding: Option<&str>) -> bool {
    let Some(header) = accept_encoding else {
        return false;
    };
    let mut named = None;
    let mut star = None;
    for item in header.split(',') {
        let mut parts = item.split(';').map(str::trim);
        let coding = parts.next().unwrap_or("").to_ascii_lowercase();
        let mut q = 1.0f32;
        for p in parts {
            if let Some(v) = p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")) {
                q = v.trim().parse().unwrap_or(0.0);
            }
        }
        match coding.as_str() {
            "gzip" | "x-gzip" => named = Some(named.unwrap_or(0.0f32).max(q)),
            "*" => star = Some(q),
            _ => {}
        }
    }
    match (named, star) {
        (Some(q), _) => q > 0.0,
        (None, Some(q)) => q > 0.0,
        (None, None) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_negotiation() {
        assert!(!accepts_gzip(None));
        assert!(!accepts_gzip(Some("")));
        assert!(!accepts_gzip(Some("identity")));
        assert!(!accepts_gzip(Some("br, deflate")));
        assert!(accepts_gzip(Some("gzip")));
        // What Prometheus sends.
        assert!(accepts_gzip(Some("gzip")));
        assert!(accepts_gzip(Some("deflate, GZIP;q=0.5")));
        assert!(accepts_gzip(Some("*")));
        assert!(!accepts_gzip(Some("gzip;q=0")));
        assert!(!accepts_gzip(Some("gzip;q=0, *")));
        assert!(!accepts_gzip(Some("*;q=0")));
    }

    #[test]
    fn negotiation() {
        assert_eq!(Format::negotiate(None), Format::Text);
        assert_eq!(Format::negotiate(Some("*/*")), Format::Text);
        assert_eq!(Format::negotiate(Some("text/plain")), Format::Text);
        assert_eq!(
            Format::negotiate(Some("application/openmetrics-text")),
            Format::OpenMetrics
        );
        // What Prometheus 2.x sends by default.
        assert_eq!(
            Format::negotiate(Some(
                "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
            )),
            Format::OpenMetrics
        );
        // A scraper configured to prefer the classic format.
        assert_eq!(
            Format::negotiate(Some(
                "text/plain;version=0.0.4;q=0.9,application/openmetrics-text;version=1.0.0;q=0.5"
            )),
            Format::Text
        );
    }
}
