//! The decoders of Sugon's untrusted bodies (see [`Decoder`]).

use super::{decode, Body};
use crate::model::{Pool, Resources};
use crate::providers::Decoder;

pub const DECODERS: &[Decoder] = &[
    Decoder {
        name: "sugon_login",
        sample: r#"{"code":"0","msg":"success","data":[{"clusterId":"0","clusterName":"ac","token":"eyJhbGciOiJIUzI1NiJ9.eyJleHBpcmVUaW1lIjo0MTAyNDQ0ODAwMDAwfQ.sig"},{"clusterId":"11276","clusterName":"kunshan","token":"eyJhbGciOiJIUzI1NiJ9.eyJleHBpcmVUaW1lIjo0MTAyNDQ0ODAwMDAwfQ.sig"},{"clusterId":"11277","clusterName":"wuxi","token":null}]}"#,
        run: login,
    },
    Decoder {
        name: "sugon_center",
        sample: r#"{"code":"0","msg":"success","data":[{"id":"11276","name":"kunshan","aiUrls":[{"url":"http://ai.example:8080/ai","enable":"true"},{"url":"http://down.example","enable":"false"}],"hpcUrls":[{"url":"http://hpc.example/hpc","enable":"true"}],"clusterUserInfo":{"userName":"acdemo","homePath":"/public/home/acdemo"}}]}"#,
        run: center,
    },
    Decoder {
        name: "sugon_groups",
        sample: r#"{"code":"0","msg":"success","data":{"gpu":["TeslaM40",{"resourceGroup":"A800"}],"dcu":[]}}"#,
        run: |input| objects("sugon_groups", input).map(drop),
    },
    Decoder {
        name: "sugon_resources",
        sample: include_str!("../../../crates/aipool-sim/fixtures/sugon_resources_seed.json"),
        run: resources,
    },
    Decoder {
        name: "sugon_hpc_cluster",
        sample: include_str!("../../../crates/aipool-sim/fixtures/sugon_hpc_cluster.json"),
        run: |input| decode(Body::HpcCluster, input).map(drop).map_err(err),
    },
    Decoder {
        name: "sugon_hpc_queues",
        sample: include_str!("../../../crates/aipool-sim/fixtures/sugon_hpc_queues.json"),
        run: |input| objects("sugon_hpc_queues", input).map(drop),
    },
];

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn login(input: &[u8]) -> Result<(), String> {
    for now_ms in [0, 1_700_000_000_000, u64::MAX] {
        decode(Body::Session { now_ms }, input).map_err(err)?;
    }
    Ok(())
}

fn center(input: &[u8]) -> Result<(), String> {
    for cluster_id in ["11276", ""] {
        decode(Body::Center { cluster_id }, input).map_err(err)?;
    }
    Ok(())
}

fn resources(input: &[u8]) -> Result<(), String> {
    for accelerator_type in ["gpu", "dcu", "mlu", "cpu", "other"] {
        let d = decode(Body::Resources { accelerator_type }, input).map_err(err)?;
        d.snapshot.pools.iter().try_for_each(finite_pool)?;
    }
    Ok(())
}

/// The objects the list decoder `name` keeps, mapped as the poll maps them:
/// each as (its id, its mapped form's debug text), in the answer's order. For
/// the property test that one bad element never changes the others.
///
/// Login: the region entries kept (`data`); center: the enabled `aiUrls` of
/// region 11276 (`data[0].aiUrls`); resource groups: the (type, group) pairs
/// (`data.gpu`); HPC queues: the queues with their node figures (`data`).
pub fn objects(name: &str, input: &[u8]) -> Result<Vec<(String, String)>, String> {
    let body = match name {
        "sugon_login" => Body::Login,
        "sugon_center" => Body::Center {
            cluster_id: "11276",
        },
        "sugon_groups" => Body::Groups,
        "sugon_hpc_queues" => Body::HpcQueues,
        other => return Err(format!("{other} is not a Sugon list decoder")),
    };
    let decoded = decode(body, input).map_err(err)?;
    for queue in &decoded.snapshot.queues {
        for block in queue.quantities.values() {
            finite_resources(block)?;
        }
    }
    Ok(decoded.objects)
}

/// No NaN or ±Inf in a mapped pool (the contract of every mapping).
fn finite_pool(pool: &Pool) -> Result<(), String> {
    let figures = pool.nodes.iter().chain(pool.node_limits.values()).copied();
    for v in figures {
        if !v.is_finite() {
            return Err(format!("pool {} has a non-finite figure {v}", pool.id));
        }
    }
    if let Some(block) = &pool.node_capability {
        finite_resources(block)?;
    }
    Ok(())
}

fn finite_resources(block: &Resources) -> Result<(), String> {
    let figures = block
        .cpu_cores
        .iter()
        .chain(block.memory_bytes.iter())
        .chain(block.accelerators.values());
    for v in figures {
        if !v.is_finite() {
            return Err(format!("a non-finite figure {v}"));
        }
    }
    Ok(())
}
