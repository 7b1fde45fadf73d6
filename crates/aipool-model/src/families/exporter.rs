//! The exporter process itself: build facts and the config reload status.
//! Their values are the exporter's runtime state, not the model's, so the
//! exporter reads them (`exposition::render::self_metrics`).

use super::{Decl, Family, Kind, Runtime, Value};

pub const FAMILIES: &[Decl<Runtime>] = &[
    Decl {
        family: Family::BuildInfo,
        name: "aipool_build_info",
        help: "Version, source revision and build date of the running exporter.",
        kind: Kind::Info,
        labels: &[],
        value: Value::Runtime(&["version", "revision", "build_date"]),
    },
    Decl {
        family: Family::ConfigReloadSuccessful,
        name: "aipool_config_last_reload_successful",
        help: "1 if the last config load (start, SIGHUP or POST /-/reload) succeeded, 0 if the new config was rejected.",
        kind: Kind::Gauge,
        labels: &[],
        value: Value::Runtime(&[]),
    },
    Decl {
        family: Family::ConfigReloadSuccessTimestamp,
        name: "aipool_config_last_reload_success_timestamp_seconds",
        help: "Unix time of the last successful config load.",
        kind: Kind::Gauge,
        labels: &[],
        value: Value::Runtime(&[]),
    },
];
