//! The exporter's own series: build info, the config reload status, and each
//! account's poll status and counters.

use std::time::{Duration, SystemTime};

use crate::counters::CountersView;
use crate::error::{DecodeReason, Reason};
use crate::exposition::families::{index, Family};
use crate::quantity::Rule;

use super::writer::{unix_seconds, FamilyBuffers, Lines};

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
