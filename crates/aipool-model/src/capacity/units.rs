//! What the status page keeps of a snapshot's Qianfan compute units: each with
//! its service, replicas and expiry, soonest expiry first, as `/metrics` has
//! them (`aipool_compute_unit_*`). A unit that is about to expire is what an
//! operator opens the page for, so the order is by expiry, not by name.

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::model::Snapshot;

use super::{Capacity, KEEP_ROWS};

/// One compute unit instance of one Qianfan service.
#[derive(Debug, Clone, PartialEq)]
pub struct ComputeUnitRow {
    pub service_id: String,
    /// The service's name; empty when the snapshot has no such service.
    pub service_name: String,
    pub instance_id: String,
    pub payment_timing: String,
    pub status: String,
    pub replicas: Option<f64>,
    /// Unix seconds, as `aipool_compute_unit_start_timestamp_seconds`.
    pub start: Option<f64>,
    /// Unix seconds, as `aipool_compute_unit_expiry_timestamp_seconds`.
    pub expiry: Option<f64>,
}

/// Soonest expiry first, units without one last; then by service and instance
/// so the order is stable.
pub fn by_expiry(a: &ComputeUnitRow, b: &ComputeUnitRow) -> Ordering {
    let (ae, be) = (a.expiry, b.expiry);
    ae.is_none()
        .cmp(&be.is_none())
        .then_with(|| match (ae, be) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            _ => Ordering::Equal,
        })
        .then_with(|| (&a.service_id, &a.instance_id).cmp(&(&b.service_id, &b.instance_id)))
}

/// The snapshot's compute units, soonest expiry first, at most `keep`.
pub(super) fn of(snapshot: &Snapshot, keep: usize) -> Vec<ComputeUnitRow> {
    let mut rows = compute_unit_rows(snapshot);
    rows.truncate(keep);
    rows
}

/// Every compute unit of the snapshot with its service's name, soonest expiry
/// first: the rows the status page and `top` both show.
pub fn compute_unit_rows(snapshot: &Snapshot) -> Vec<ComputeUnitRow> {
    let names: HashMap<&str, &str> = snapshot
        .services
        .iter()
        .map(|s| (s.id.as_str(), s.name.as_str()))
        .collect();
    let mut rows: Vec<ComputeUnitRow> = snapshot
        .compute_units
        .iter()
        .map(|c| ComputeUnitRow {
            service_id: c.service_id.clone(),
            service_name: names
                .get(c.service_id.as_str())
                .copied()
                .unwrap_or("")
                .to_string(),
            instance_id: c.instance_id.clone(),
            payment_timing: c.payment_timing.clone(),
            status: c.status.clone(),
            replicas: c.replicas,
            start: c.start_timestamp,
            expiry: c.expiry_timestamp,
        })
        .collect();
    rows.sort_by(by_expiry);
    rows
}

impl Capacity {
    /// Adds the compute units of `previous` whose service `keep(service_id)`
    /// names: a service whose calls failed keeps its last good units, as its
    /// series are kept on /metrics.
    pub fn keep_units_of(&mut self, previous: &Capacity, keep: impl Fn(&str) -> bool) {
        let before = self.compute_units.len();
        self.compute_units.extend(
            previous
                .compute_units
                .iter()
                .filter(|u| keep(&u.service_id))
                .cloned(),
        );
        let added = self.compute_units.len() - before;
        if added == 0 {
            return;
        }
        self.total_compute_units += added;
        self.compute_units.sort_by(by_expiry);
        self.compute_units.truncate(KEEP_ROWS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ComputeUnit, Service};

    fn cu(service: &str, id: &str, expiry: Option<f64>) -> ComputeUnit {
        ComputeUnit {
            service_id: service.into(),
            instance_id: id.into(),
            replicas: Some(2.0),
            expiry_timestamp: expiry,
            ..ComputeUnit::default()
        }
    }

    fn snapshot() -> Snapshot {
        Snapshot {
            services: vec![Service {
                id: "svc-a".into(),
                name: "support-bot".into(),
            }],
            compute_units: vec![
                cu("svc-a", "later", Some(2e9)),
                cu("svc-a", "none", None),
                cu("svc-b", "soon", Some(1.9e9)),
            ],
            ..Snapshot::default()
        }
    }

    #[test]
    fn soonest_expiry_first_with_the_service_name_and_no_expiry_last() {
        let c = Capacity::of(&snapshot(), "bj", &[]);
        let got: Vec<(&str, &str, Option<f64>)> = c
            .compute_units
            .iter()
            .map(|u| (u.instance_id.as_str(), u.service_name.as_str(), u.expiry))
            .collect();
        assert_eq!(
            got,
            [
                ("soon", "", Some(1.9e9)),
                ("later", "support-bot", Some(2e9)),
                ("none", "support-bot", None)
            ]
        );
        assert_eq!(c.total_compute_units, 3);
        assert_eq!(c.compute_units[0].replicas, Some(2.0));
    }

    #[test]
    fn a_failed_service_keeps_its_last_units() {
        let previous = Capacity::of(&snapshot(), "bj", &[]);
        let mut fresh = Capacity::of(
            &Snapshot {
                compute_units: vec![cu("svc-a", "new", Some(1e9))],
                ..Snapshot::default()
            },
            "bj",
            &[],
        );
        fresh.keep_units_of(&previous, |s| s == "svc-b");
        let ids: Vec<&str> = fresh
            .compute_units
            .iter()
            .map(|u| u.instance_id.as_str())
            .collect();
        assert_eq!(ids, ["new", "soon"]);
        assert_eq!(fresh.total_compute_units, 2);
    }
}
