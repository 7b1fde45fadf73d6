//! An account: its poll health (the exporter's own state, read by the
//! exporter in `exposition::render::self_metrics`), and the account-wide
//! objects of its snapshot: compute regions and accelerator models.

use super::{Decl, Family, Kind, Label, LabelRead, Runtime, Value};
use crate::model::Region;

pub const FAMILIES: &[Decl<Runtime>] = &[
    Decl {
        family: Family::Up,
        name: "aipool_up",
        help: "1 if the account's last poll fully succeeded, 0 otherwise.",
        kind: Kind::Gauge,
        labels: &[],
        value: Value::Runtime(&[]),
    },
    Decl {
        family: Family::LastSuccess,
        name: "aipool_last_success_timestamp_seconds",
        help: "Unix time of the account's last successful poll.",
        kind: Kind::Gauge,
        labels: &[],
        value: Value::Runtime(&[]),
    },
    Decl {
        family: Family::PollDuration,
        name: "aipool_poll_duration_seconds",
        help: "Wall time of the account's last poll in seconds.",
        kind: Kind::Gauge,
        labels: &[],
        value: Value::Runtime(&[]),
    },
    Decl {
        family: Family::PollInterval,
        name: "aipool_poll_interval_seconds",
        help: "Configured poll interval of the account in seconds.",
        kind: Kind::Gauge,
        labels: &[],
        value: Value::Runtime(&[]),
    },
    Decl {
        family: Family::Polls,
        name: "aipool_polls_total",
        help: "Polls finished, by result (success or failure).",
        kind: Kind::Counter,
        labels: &[],
        value: Value::Runtime(&["result"]),
    },
    Decl {
        family: Family::PollOverruns,
        name: "aipool_poll_overruns_total",
        help: "Poll ticks skipped because the previous poll was still running.",
        kind: Kind::Counter,
        labels: &[],
        value: Value::Runtime(&[]),
    },
    Decl {
        family: Family::PollPartialErrors,
        name: "aipool_poll_partial_errors",
        help: "Requests of the account's last successful poll that failed without failing it (a part of the account the credentials may not read); each also counts in aipool_api_request_failures_total.",
        kind: Kind::Gauge,
        labels: &[],
        value: Value::Runtime(&[]),
    },
    Decl {
        family: Family::ApiRequests,
        name: "aipool_api_requests_total",
        help: "Upstream API requests sent, by API.",
        kind: Kind::Counter,
        labels: &[],
        value: Value::Runtime(&["api"]),
    },
    Decl {
        family: Family::ApiFailures,
        name: "aipool_api_request_failures_total",
        help: "Failed upstream API requests, by API and reason (timeout, connect, http_4xx, http_5xx, throttled, auth, decode, upstream_error).",
        kind: Kind::Counter,
        labels: &[],
        value: Value::Runtime(&["api", "reason"]),
    },
    Decl {
        family: Family::DecodeErrors,
        name: "aipool_decode_errors_total",
        help: "Objects and fields left out of a poll because they did not decode, by API and reason (not_a_number, not_finite, negative, malformed_object); the rest of the answer is published.",
        kind: Kind::Counter,
        labels: &[],
        value: Value::Runtime(&["api", "reason"]),
    },
    Decl {
        family: Family::Normalizations,
        name: "aipool_normalizations_total",
        help: "Times a named rule corrected an upstream quirk (see README, Normalisation rules).",
        kind: Kind::Counter,
        labels: &[],
        value: Value::Runtime(&["rule"]),
    },
];

/// A compute region of the account; its `cloud_region` label is the region's id.
pub const REGION: &[Decl<Region>] = &[Decl {
    family: Family::RegionInfo,
    name: "aipool_region_info",
    help: "Compute regions of an account and their names.",
    kind: Kind::Info,
    labels: &[Label {
        name: "region_name",
        read: LabelRead::Always(|r| &r.name),
    }],
    value: Value::One,
}];

/// An accelerator resource name of the account (the `accelerator` label, a
/// key of `Snapshot::accelerators`), read from its card model (the value).
pub const ACCELERATOR: &[Decl<str>] = &[Decl {
    family: Family::AcceleratorInfo,
    name: "aipool_accelerator_info",
    help: "Card model of an accelerator resource name.",
    kind: Kind::Info,
    labels: &[Label {
        name: "model",
        read: LabelRead::Always(|m| m),
    }],
    value: Value::One,
}];
