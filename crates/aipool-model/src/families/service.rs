//! Qianfan services ([`Service`]) and their compute unit instances
//! ([`ComputeUnit`]); no other platform has them.

use super::{Decl, Family, Kind, Label, LabelRead, Value};
use crate::model::{ComputeUnit, Service};

pub const SERVICE: &[Decl<Service>] = &[
    Decl {
        family: Family::ServiceInfo,
        name: "aipool_service_info",
        help: "Qianfan services and their names.",
        kind: Kind::Info,
        labels: &[Label {
            name: "service_name",
            read: LabelRead::Always(|s| &s.name),
        }],
        value: Value::One,
    },
    Decl {
        family: Family::ServiceLastSuccess,
        name: "aipool_service_last_success_timestamp_seconds",
        help: "Unix time a Qianfan service's compute units were last fetched; behind the account's while its calls fail and its last good series are kept.",
        kind: Kind::Gauge,
        labels: &[],
        value: Value::Fetched,
    },
];

pub const COMPUTE_UNIT: &[Decl<ComputeUnit>] = &[
    Decl {
        family: Family::ComputeUnitInfo,
        name: "aipool_compute_unit_info",
        help: "Qianfan compute unit instances with payment timing and status.",
        kind: Kind::Info,
        labels: &[
            Label {
                name: "payment_timing",
                read: LabelRead::Always(|c| &c.payment_timing),
            },
            Label {
                name: "status",
                read: LabelRead::Always(|c| &c.status),
            },
        ],
        value: Value::One,
    },
    Decl {
        family: Family::ComputeUnitReplicas,
        name: "aipool_compute_unit_replicas",
        help: "Replicas of a Qianfan compute unit instance.",
        kind: Kind::Gauge,
        labels: &[],
        value: Value::Figure(|c| c.replicas),
    },
    Decl {
        family: Family::ComputeUnitStart,
        name: "aipool_compute_unit_start_timestamp_seconds",
        help: "Unix time a Qianfan compute unit instance started.",
        kind: Kind::Gauge,
        labels: &[],
        value: Value::Figure(|c| c.start_timestamp),
    },
    Decl {
        family: Family::ComputeUnitExpiry,
        name: "aipool_compute_unit_expiry_timestamp_seconds",
        help: "Unix time a Qianfan compute unit instance expires.",
        kind: Kind::Gauge,
        labels: &[],
        value: Value::Figure(|c| c.expiry_timestamp),
    },
];
