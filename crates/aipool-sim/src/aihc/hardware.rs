//! The simulated `DescribeResourcePoolOverview`: each pool's hardware (shape:
//! AIHC doc "查询资源池概览", bce-sdk-go `services/aihc/v2/api/resourcepool.go`).

use serde_json::{json, Value};

use super::{models_of, Aihc};
use crate::request_id;

impl Aihc {
    /// `DescribeResourcePoolOverview`: each pool's hardware, per pool type
    /// (shape: AIHC doc "查询资源池概览"; CPU in milli-cores, memory in
    /// bytes, `idle` 0 as in the doc's example, so only capacity − allocated
    /// says what is free). The team pool's 8 cards have 7 allocated: one held
    /// outside its queues' figures, so the quotas promise more than the
    /// hardware has free.
    pub(super) fn overview(&self) -> Value {
        let mut types = Vec::new();
        let common: Vec<Value> = self
            .pools
            .iter()
            .filter_map(|p| p["resourcePoolId"].as_str())
            .filter_map(|id| self.hardware(id).map(|h| pool_statistic(id, "common", h)))
            .collect();
        let dedicated: Vec<Value> = self
            .serverless_pools
            .iter()
            .filter_map(|p| p["resourcePoolId"].as_str())
            .filter_map(|id| {
                self.hardware(id)
                    .map(|h| pool_statistic(id, "dedicatedV2", h))
            })
            .collect();
        for (t, pools) in [("common", common), ("dedicatedV2", dedicated)] {
            let sum = |key: &str, field: &str| -> f64 {
                pools
                    .iter()
                    .map(|p| match key {
                        "acc" => p["acceleratorsStatistic"][field].as_f64().unwrap_or(0.0),
                        i => p["resourcesStatistic"][i.parse::<usize>().unwrap_or(0)][field]
                            .as_f64()
                            .unwrap_or(0.0),
                    })
                    .sum()
            };
            types.push(json!({
                "type": t,
                "nodesStatistic": {"totalCount": pools.len() * 2},
                "acceleratorsStatistic": stat("Accelerator", sum("acc", "capacity"), sum("acc", "allocated")),
                "resourcesStatistic": [
                    stat("CPU", sum("0", "capacity"), sum("0", "allocated")),
                    stat("Memory", sum("1", "capacity"), sum("1", "allocated")),
                ],
                "resourcePoolStatistics": pools,
            }));
        }
        json!({"requestId": request_id(), "resourcePoolsStatisticWithType": types})
    }

    /// A pool's hardware: (card model, cards, allocated cards, milli-cores,
    /// allocated milli-cores, bytes, allocated bytes). The seed pool and the
    /// fully-managed pools have what their root queues say (their quotas are
    /// the hardware); the team pool has one card fewer free than its quotas.
    fn hardware(&self, pool_id: &str) -> Option<Hardware> {
        const GIB: f64 = 1_073_741_824.0;
        match pool_id {
            "cce-6b41lf00" => {
                let a = match self.drift_step() {
                    0 => 0.0,
                    step => ((step * 3) % 17) as f64,
                };
                Some(Hardware {
                    model: "NVIDIA GeForce RTX 4090".into(),
                    cards: (16.0, a),
                    milli_cpu: (444_000.0, a * 24_000.0),
                    bytes: (2_220_198_166_528.0, a * 100.0 * GIB),
                })
            }
            "cce-k8yq20rt" => Some(Hardware {
                model: "NVIDIA A800-SXM4-80GB".into(),
                cards: (8.0, 7.0),
                milli_cpu: (192_000.0, 96_500.0),
                bytes: (9_449_599_258_624.0, 1024.0 * GIB),
            }),
            other => {
                let i = self
                    .serverless_pools
                    .iter()
                    .position(|p| p["resourcePoolId"] == other)?;
                let q = self.serverless_queues.get(i)?;
                let flat = |block: &str, key: &str| -> f64 {
                    q[block][key]
                        .as_str()
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0.0)
                };
                let (name, model) = models_of(q).into_iter().next()?;
                Some(Hardware {
                    model,
                    cards: (flat("capability", &name), flat("allocated", &name)),
                    milli_cpu: (
                        flat("capability", "cpu") * 1000.0,
                        flat("allocated", "cpu") * 1000.0,
                    ),
                    bytes: (
                        flat("capability", "memory") * GIB,
                        flat("allocated", "memory") * GIB,
                    ),
                })
            }
        }
    }
}

/// One pool's hardware in the simulator: (capacity, allocated) each.
struct Hardware {
    model: String,
    cards: (f64, f64),
    milli_cpu: (f64, f64),
    bytes: (f64, f64),
}

/// A `ResourceStatistic`: `idle` 0 and the rates, as the doc's example shows
/// them beside capacity and allocated.
fn stat(kind: &str, capacity: f64, allocated: f64) -> Value {
    let rate = if capacity > 0.0 {
        allocated / capacity
    } else {
        0.0
    };
    json!({"resourceType": kind, "capacity": capacity, "allocated": allocated, "idle": 0,
           "allocationRate": rate, "utilizationRate": 0})
}

fn pool_statistic(id: &str, pool_type: &str, h: Hardware) -> Value {
    let mut per_type = stat("Accelerator", h.cards.0, h.cards.1);
    if let Some(o) = per_type.as_object_mut() {
        o.remove("resourceType");
        o.insert("acceleratorType".into(), json!(h.model));
    }
    let mut accelerators = stat("Accelerator", h.cards.0, h.cards.1);
    accelerators["acceleratorStatistics"] = json!([per_type]);
    json!({
        "resourcePoolId": id, "type": pool_type, "name": id,
        "nodesStatistic": {"totalCount": 2},
        "resourcesStatistic": [
            stat("CPU", h.milli_cpu.0, h.milli_cpu.1),
            stat("Memory", h.bytes.0, h.bytes.1),
        ],
        "acceleratorsStatistic": accelerators,
        "nodeResourceStatistic": {},
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Options;

    /// The overview's shape (AIHC doc "查询资源池概览"): per type, per pool;
    /// CPU in milli-cores, memory in bytes, `idle` 0. The team pool has one
    /// card free of 8; every other pool has what its root queue says.
    #[test]
    fn the_overview_reports_each_pools_hardware() {
        let v = Aihc::new(Options::fixed(100)).overview();
        let types = v["resourcePoolsStatisticWithType"].as_array().unwrap();
        assert_eq!(types.len(), 2);
        let pools: Vec<&Value> = types
            .iter()
            .flat_map(|t| t["resourcePoolStatistics"].as_array().unwrap())
            .collect();
        assert_eq!(pools.len(), 4);
        let team = pools
            .iter()
            .find(|p| p["resourcePoolId"] == "cce-k8yq20rt")
            .unwrap();
        let acc = &team["acceleratorsStatistic"];
        assert_eq!(
            (acc["capacity"].as_f64(), acc["allocated"].as_f64()),
            (Some(8.0), Some(7.0))
        );
        assert_eq!(acc["idle"], 0);
        assert_eq!(
            acc["acceleratorStatistics"][0]["acceleratorType"],
            "NVIDIA A800-SXM4-80GB"
        );
        assert_eq!(
            team["resourcesStatistic"][0]["capacity"].as_f64(),
            Some(192_000.0)
        );
        let full = pools
            .iter()
            .find(|p| p["resourcePoolId"] == "aihc-ktb0jfkvfkwv")
            .unwrap();
        let acc = &full["acceleratorsStatistic"];
        assert_eq!(
            (acc["capacity"].as_f64(), acc["allocated"].as_f64()),
            (Some(8.0), Some(8.0))
        );
        assert_eq!(
            types[0]["acceleratorsStatistic"]["capacity"].as_f64(),
            Some(24.0)
        );
    }
}
