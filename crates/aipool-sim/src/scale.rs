//! A generated AIHC fleet for load tests: `simulate --scale=POOLS,QUEUES_PER_POOL`.
//!
//! Pools and queues are made from their indices when a page is asked for, never
//! held as one document, so a fleet of a million series costs the simulator no
//! memory between requests. Every queue has capability, allocated and deserved
//! blocks with CPU, memory and three accelerator kinds; the exporter derives
//! remaining, and, every queue being top-level (`parentQueue` "root" is no
//! listed queue), sums each pool's capability, allocated and remaining over them;
//! so each queue gives [`SERIES_PER_QUEUE`] series and each pool
//! [`SERIES_PER_POOL`] (see [`Scale::series`]).

use std::fmt;
use std::str::FromStr;

use serde_json::{json, Value};

/// Accelerator resource names and card models of the generated fleet.
pub const ACCELERATORS: [(&str, &str); 3] = [
    ("baidu.com/a800_80g_cgpu", "NVIDIA A800-SXM4-80GB"),
    ("nvidia.com/gpu", "NVIDIA H800"),
    ("baidu.com/rtx_4090_cgpu", "NVIDIA GeForce RTX 4090"),
];

/// `aipool_queue_info`, and CPU, memory and 3 accelerators for each of
/// capability, allocated, remaining (derived) and deserved.
pub const SERIES_PER_QUEUE: u64 = 1 + 4 * (2 + ACCELERATORS.len() as u64);
/// `aipool_pool_info`, `aipool_pool_nodes`,
/// `aipool_pool_last_success_timestamp_seconds`, and CPU, memory and 3
/// accelerators for each of the pool's capability, allocated and remaining
/// (sums over its top-level queues).
pub const SERIES_PER_POOL: u64 = 3 + 3 * (2 + ACCELERATORS.len() as u64);

/// The size of the generated fleet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    pub pools: u64,
    pub queues_per_pool: u64,
}

impl Scale {
    /// The data series an exporter polling this fleet serves (self metrics and
    /// build info not counted).
    pub fn series(&self) -> u64 {
        self.pools * (SERIES_PER_POOL + self.queues_per_pool * SERIES_PER_QUEUE)
            + ACCELERATORS.len() as u64
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{}", self.pools, self.queues_per_pool)
    }
}

impl FromStr for Scale {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (p, q) = s
            .split_once(',')
            .ok_or_else(|| format!("{s:?}: expected POOLS,QUEUES_PER_POOL"))?;
        let num = |v: &str, what: &str| {
            v.trim()
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=1_000_000).contains(n))
                .ok_or_else(|| format!("{s:?}: {what} must be a number from 1 to 1000000"))
        };
        Ok(Scale {
            pools: num(p, "POOLS")?,
            queues_per_pool: num(q, "QUEUES_PER_POOL")?,
        })
    }
}

pub fn pool_id(i: u64) -> String {
    format!("cce-s{i:06}")
}

/// The index of a generated pool id.
pub fn pool_index(id: &str) -> Option<u64> {
    id.strip_prefix("cce-s")?.parse().ok()
}

pub fn queue_id(pool: u64, queue: u64) -> String {
    format!("q-{pool:06}-{queue:03}")
}

/// The index range of one page (1-based `page`) of `total` items, with the size
/// capped at `cap`; returns the range and the size used.
pub fn page_range(total: u64, page: u64, size: u64, cap: u64) -> (std::ops::Range<u64>, u64) {
    let size = size.clamp(1, cap.max(1));
    let start = page.saturating_sub(1).saturating_mul(size).min(total);
    let end = start.saturating_add(size).min(total);
    (start..end, size)
}

/// Pool `i` in the OpenAPI shape.
pub fn pool(i: u64) -> Value {
    json!({
        "resourcePoolId": pool_id(i),
        "name": format!("pool-{i}"),
        "phase": "running",
        "nodeNum": 16 + i % 8,
        "type": "common",
        "region": "bj",
        "createdAt": "2024-01-01T00:00:00Z",
    })
}

fn block(milli_cpu: u64, mem_gi: u64, cards: [u64; 3]) -> Value {
    let list: Vec<Value> = ACCELERATORS
        .iter()
        .zip(cards)
        .map(|((desc, model), n)| {
            json!({"acceleratorCount": n.to_string(), "acceleratorDescription": desc, "acceleratorType": model})
        })
        .collect();
    json!({"milliCPUcores": milli_cpu.to_string(), "memoryGi": mem_gi.to_string(), "acceleratorCardList": list})
}

/// Queue `q` of pool `p` in the OpenAPI shape; `step` (the poll count, with
/// drift) moves its allocation.
pub fn queue(p: u64, q: u64, step: u64) -> Value {
    let cap = [8, 16, 4];
    let a = (p + q + step) % 9;
    let alloc = [a.min(8), (a * 2).min(16), a % 5];
    json!({
        "queueId": queue_id(p, q),
        "queueName": format!("team-{q}"),
        "queueType": "Elastic",
        "parentQueue": "root",
        "capability": block(192_000, 1024, cap),
        "allocated": block(a * 12_000, a * 64, alloc),
        "deserved": block(96_000, 512, [4, 8, 2]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing() {
        assert_eq!(
            "2000,25".parse::<Scale>(),
            Ok(Scale {
                pools: 2000,
                queues_per_pool: 25
            })
        );
        for bad in ["", "12", "0,5", "a,b", "5,-1"] {
            assert!(bad.parse::<Scale>().is_err(), "{bad}");
        }
        assert_eq!(
            Scale {
                pools: 2000,
                queues_per_pool: 25
            }
            .series(),
            1_086_003
        );
    }

    #[test]
    fn pages_cover_every_index_once() {
        let mut seen = Vec::new();
        let mut page = 1;
        loop {
            let (r, size) = page_range(7, page, 100, 3);
            assert_eq!(size, 3);
            if r.is_empty() {
                break;
            }
            seen.extend(r);
            page += 1;
        }
        assert_eq!(seen, (0..7).collect::<Vec<_>>());
        assert!(page_range(7, u64::MAX, 3, 3).0.is_empty());
        assert_eq!(pool_index(&pool_id(42)), Some(42));
        assert_eq!(pool_index("cce-6b41lf00"), None);
    }
}
