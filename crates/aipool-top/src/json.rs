//! `top --output=json`: one document per refresh, stable for scripts.
//!
//! ```json
//! {"time": "…", "accounts": [{name, provider, ok, reason?, message?, url?,
//!   pools, queues, compute_units, poll_seconds}],
//!  "rows": [{account, provider, cloud_region, pool_id, pool_name, queue_id,
//!   queue_name, parent_queue, accelerator, capability, allocated, free,
//!   headroom, largest_free_block, slots}],
//!  "compute_units": [{account, service_id, service_name, instance_id,
//!   payment_timing, status, replicas, start, expiry}]}
//! ```
//!
//! Numbers are numbers (whole ones without a fraction), `null` where unknown;
//! `headroom` is free ÷ capability (0 to 1); `largest_free_block` is the most
//! free cards on one schedulable node and `slots` how many single-node jobs of
//! each size fit now (`{"1": 8, "2": 4, …}`, sizes in cards), both `null`
//! where the platform reports no per-node figure. Rows are in the table's order,
//! least headroom first. Fields may be added; none will change meaning.

use std::time::SystemTime;

use serde_json::{json, Value};

use super::view::{self, Entry, Filter, Status};

/// A number as JSON: whole numbers as integers, non-finite and unknown as null.
fn num(v: Option<f64>) -> Value {
    match v {
        Some(v) if v.is_finite() && v == v.trunc() && v.abs() < 9.0e15 => json!(v as i64),
        Some(v) if v.is_finite() => json!(v),
        _ => Value::Null,
    }
}

/// Slots by job size as an object keyed by the size in cards.
fn slots(v: Option<&[(u32, f64)]>) -> Value {
    match v {
        Some(v) => Value::Object(
            v.iter()
                .map(|(n, s)| (n.to_string(), num(Some(*s))))
                .collect(),
        ),
        None => Value::Null,
    }
}

fn opt_str(s: Option<&str>) -> Value {
    s.map_or(Value::Null, |s| json!(s))
}

pub fn document(entries: &[Entry], filter: &Filter, now: SystemTime) -> Value {
    let accounts: Vec<Value> = entries
        .iter()
        .map(|e| {
            let counts = e.data.as_deref().map(view::counts);
            // Counts are of the data shown: none before the first success.
            let count = |k: &str| counts.as_ref().map_or(Value::Null, |c| json!(c[k]));
            let mut a = json!({
                "name": e.name,
                "provider": e.provider,
                "ok": e.ok(),
                "pools": count("pools"),
                "queues": count("queues"),
                "compute_units": count("compute_units"),
                "poll_seconds": num(e.poll_seconds),
            });
            match &e.status {
                Status::Pending => a["reason"] = json!("pending"),
                Status::Ok { partial } if !partial.is_empty() => {
                    a["partial_errors"] = json!(partial);
                }
                Status::Ok { .. } => {}
                Status::Failed(f) => {
                    a["reason"] = json!(f.reason);
                    a["message"] = json!(f.message);
                    if !f.url.is_empty() {
                        a["url"] = json!(f.url);
                    }
                    if !f.api.is_empty() {
                        a["api"] = json!(f.api);
                    }
                }
            }
            a
        })
        .collect();
    let rows: Vec<Value> = view::rows(entries, filter)
        .iter()
        .map(|r| {
            let row = r.row;
            let (queue_id, queue_name) = match &row.queue {
                Some((id, name)) => (Some(id.as_str()), Some(name.as_str())),
                None => (None, None),
            };
            json!({
                "account": r.account,
                "provider": r.provider,
                "cloud_region": row.cloud_region,
                "pool_id": row.pool_id,
                "pool_name": row.pool_name,
                "queue_id": opt_str(queue_id),
                "queue_name": opt_str(queue_name),
                "parent_queue": opt_str(r.parent),
                "accelerator": row.accelerator,
                "capability": num(row.capability),
                "allocated": num(row.allocated),
                "free": num(row.free),
                "headroom": num(row.headroom()),
                "largest_free_block": num(row.largest_free_block),
                "slots": slots(row.slots.as_deref()),
            })
        })
        .collect();
    let units: Vec<Value> = view::units(entries, filter)
        .iter()
        .map(|(account, u)| {
            json!({
                "account": account,
                "service_id": u.service_id,
                "service_name": u.service_name,
                "instance_id": u.instance_id,
                "payment_timing": u.payment_timing,
                "status": u.status,
                "replicas": num(u.replicas),
                "start": num(u.start),
                "expiry": num(u.expiry),
            })
        })
        .collect();
    json!({
        "time": humantime::format_rfc3339_seconds(now).to_string(),
        "accounts": accounts,
        "rows": rows,
        "compute_units": units,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::view::{AccountData, Failure};
    use aipool_model::model::{FreeBlocks, Pool, QuantityKind, Queue, Resources, Snapshot};

    #[test]
    fn numbers_nulls_and_failures() {
        let cards = |v: f64| Resources {
            accelerators: [("gpu".to_string(), v)].into(),
            ..Resources::default()
        };
        let s = Snapshot {
            pools: vec![Pool {
                id: "p".into(),
                ..Pool::default()
            }],
            queues: vec![Queue {
                pool_id: "p".into(),
                id: "q".into(),
                quantities: [
                    (QuantityKind::Capability, cards(8.0)),
                    (QuantityKind::Remaining, cards(0.5)),
                ]
                .into(),
                ..Queue::default()
            }],
            ..Snapshot::default()
        };
        let entries = vec![
            Entry {
                status: Status::Ok { partial: vec![] },
                data: Some(Arc::new(AccountData::of(&s, "bj", &[1, 2]))),
                poll_seconds: Some(0.5),
                ..Entry::pending("a", "aihc", "bj")
            },
            Entry {
                status: Status::Failed(Failure {
                    reason: "auth".into(),
                    message: "HTTP 403".into(),
                    url: "http://x/".into(),
                    api: "DescribeResourcePools".into(),
                }),
                poll_seconds: Some(0.1),
                ..Entry::pending("b", "aihc", "bj")
            },
        ];
        let d = document(&entries, &Filter::default(), SystemTime::UNIX_EPOCH);
        assert_eq!(
            d["accounts"][0],
            json!({"name": "a", "provider": "aihc", "ok": true, "pools": 1, "queues": 1,
                   "compute_units": 0, "poll_seconds": 0.5})
        );
        assert_eq!(d["accounts"][1]["ok"], json!(false));
        assert_eq!(d["accounts"][1]["reason"], json!("auth"));
        assert_eq!(d["accounts"][1]["pools"], Value::Null);
        assert_eq!(
            d["rows"][0],
            json!({"account": "a", "provider": "aihc", "cloud_region": "bj", "pool_id": "p",
                   "pool_name": "", "queue_id": "q", "queue_name": "", "parent_queue": "",
                   "accelerator": "gpu", "capability": 8, "allocated": null, "free": 0.5,
                   "headroom": 0.0625, "largest_free_block": null, "slots": null})
        );
        // A queue with free cards node by node: 1 whole free node of 8.
        let mut s = s;
        s.queues[0].free_blocks = [("gpu".to_string(), FreeBlocks::whole_nodes(1.0, 8.0))].into();
        let entries = vec![Entry {
            status: Status::Ok { partial: vec![] },
            data: Some(Arc::new(AccountData::of(&s, "bj", &[8, 1, 16]))),
            ..Entry::pending("a", "aihc", "bj")
        }];
        let d = document(&entries, &Filter::default(), SystemTime::UNIX_EPOCH);
        assert_eq!(d["rows"][0]["largest_free_block"], json!(8));
        assert_eq!(d["rows"][0]["slots"], json!({"1": 8, "8": 1, "16": 0}));
        assert_eq!(d["time"], json!("1970-01-01T00:00:00Z"));
    }
}
