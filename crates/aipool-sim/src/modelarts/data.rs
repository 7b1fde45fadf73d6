//! The simulated account's data: its workspaces, pools and nodes, built
//! around the seed's pool.

use super::*;

const GPU_FLAVOR: &str = "modelarts.bm.gpu.8v100";
const NPU_FLAVOR: &str = "modelarts.bm.npu.arm.8snt9b3.d";
const CPU_FLAVOR: &str = "modelarts.vm.cpu.4ud";
const SNT3_FLAVOR: &str = "modelarts.vm.npu.4snt3";

/// ListWorkspace entries: the default one with the numeric id of the API
/// reference's example, the others with string ids.
pub(super) fn workspaces() -> Vec<Value> {
    let ws = |id: Value, name: &str, auth: &str| {
        json!({"id": id, "name": name, "description": "", "owner": "demo-iam-user",
               "enterprise_project_id": "0", "enterprise_project_name": "default",
               "auth_type": auth, "create_time": 1_700_000_000_000u64,
               "update_time": 1_700_000_000_000u64, "status": "NORMAL", "status_info": ""})
    };
    vec![
        ws(json!(0), "default", "PUBLIC"),
        ws(json!(OTHER_WORKSPACE), "team-b", "PUBLIC"),
        ws(json!(PRIVATE_WORKSPACE), "team-private", "PRIVATE"),
    ]
}

pub(super) fn all_pools() -> Vec<Value> {
    let seed: Value = serde_json::from_str(SEED_POOLS).unwrap_or(Value::Null);
    let mut pools = seed["items"].as_array().cloned().unwrap_or_default();
    pools.push(json!({
        "kind": "Pool", "apiVersion": "v2",
        "metadata": {
            "name": MIXED_POOL, "creationTimestamp": "2024-03-11T08:21:07Z",
            "labels": {"os.modelarts/name": "train-mixed", "os.modelarts/workspace.id": "0",
                       "os.modelarts/resource.id": "maos-train-mixed-x1k9q"},
            "annotations": {"os.modelarts/description": "GPU and Ascend training", "os.modelarts/billing.mode": "1"}
        },
        "spec": {
            "type": "Dedicate", "scope": ["Train", "Infer"],
            "resources": [{"flavor": GPU_FLAVOR, "count": 3}, {"flavor": NPU_FLAVOR, "count": 2}],
            "network": {"name": "network-maos-train-mixed"},
            "driver": {"gpuVersion": "535.54.03", "npuVersion": "23.0.6", "updateStrategy": "idle"},
            "controlMode": 0
        },
        "status": {
            "phase": "Running", "root": MIXED_POOL,
            "scope": [{"scopeType": "Train", "state": "Enabled"}, {"scopeType": "Infer", "state": "Enabled"}],
            "resources": {
                "available": [
                    {"flavor": GPU_FLAVOR, "count": 2, "maxCount": 2, "azs": [{"az": "cn-north-4a", "count": 2}]},
                    {"flavor": NPU_FLAVOR, "count": 1, "maxCount": 1, "azs": [{"az": "cn-north-4b", "count": 1}]}
                ],
                // One SDK types a state as a single object: serve that shape too.
                "creating": {"flavor": NPU_FLAVOR, "count": 1, "maxCount": 1, "azs": [{"az": "cn-north-4b", "count": 1}]},
                "abnormal": [{"flavor": GPU_FLAVOR, "count": 1, "maxCount": 1, "azs": [{"az": "cn-north-4a", "count": 1}]}]
            },
            "driver": {"gpu": {"version": "535.54.03", "state": "Running"},
                       "npu": {"version": "23.0.6", "state": "Upgrading"}}
        }
    }));
    // A logical sub-pool carved from the mixed pool: its node is one of the
    // parent's, so adding both pools' totals counts that node twice.
    pools.push(json!({
        "kind": "Pool", "apiVersion": "v2",
        "metadata": {
            "name": LOGICAL_POOL, "creationTimestamp": "2025-01-20T02:00:00Z",
            "labels": {"os.modelarts/name": "team-b-logical", "os.modelarts/workspace.id": OTHER_WORKSPACE}
        },
        "spec": {"type": "Logical", "scope": ["Train"], "resources": [{"flavor": GPU_FLAVOR, "count": 1}],
                 // Seed 001's example value: restricted conversion to a subscription (1) and frozen (8).
                 "controlMode": 9},
        "status": {
            "phase": "Running", "parent": MIXED_POOL, "root": MIXED_POOL,
            "resources": {"available": [{"flavor": GPU_FLAVOR, "count": 1, "maxCount": 2}]}
        }
    }));
    pools.push(json!({
        "kind": "Pool", "apiVersion": "v2",
        "metadata": {
            "name": PRIVATE_POOL, "creationTimestamp": "2025-02-03T09:30:00Z",
            "labels": {"os.modelarts/name": "team-private-npu", "os.modelarts/workspace.id": PRIVATE_WORKSPACE}
        },
        "spec": {"type": "Dedicate", "scope": ["Train"], "resources": [{"flavor": SNT3_FLAVOR, "count": 1}],
                 "network": {"name": "network-maos-team-private"}, "controlMode": 0},
        "status": {
            "phase": "Running", "parent": "", "root": PRIVATE_POOL,
            "resources": {"available": [{"flavor": SNT3_FLAVOR, "count": 1, "maxCount": 1}]}
        }
    }));
    // Malformed input the exporter must drop alone: an element that is no pool
    // object (a number where the display name belongs) beside a pool with one
    // malformed field.
    pools.push(json!({
        "kind": "Pool", "apiVersion": "v2",
        "metadata": {"name": MALFORMED_POOL,
                     "labels": {"os.modelarts/name": 42, "os.modelarts/workspace.id": CORRUPT_WORKSPACE}},
        "status": {"phase": "Running"}
    }));
    pools.push(json!({
        "kind": "Pool", "apiVersion": "v2",
        "metadata": {
            "name": CORRUPT_POOL,
            "labels": {"os.modelarts/name": "corrupt-gpu", "os.modelarts/workspace.id": CORRUPT_WORKSPACE}
        },
        "spec": {"type": "Dedicate", "scope": ["Train"], "controlMode": "abc"},
        "status": {
            "phase": "Running", "root": CORRUPT_POOL,
            "resources": {"available": [{"flavor": GPU_FLAVOR, "count": 2, "maxCount": 2}]}
        }
    }));
    pools.push(json!({
        "kind": "Pool", "apiVersion": "v2",
        "metadata": {
            "name": FRAGMENTED_POOL,
            "labels": {"os.modelarts/name": "fragmented-gpu", "os.modelarts/workspace.id": FRAGMENTED_WORKSPACE}
        },
        "spec": {"type": "Dedicate", "scope": ["Train"], "resources": [{"flavor": GPU_FLAVOR, "count": 5}], "controlMode": 0},
        "status": {
            "phase": "Running", "root": FRAGMENTED_POOL,
            "resources": {
                "available": [{"flavor": GPU_FLAVOR, "count": 4, "maxCount": 4}],
                "abnormal": [{"flavor": GPU_FLAVOR, "count": 1, "maxCount": 1}]
            }
        }
    }));
    pools
}

/// [`FRAGMENTED_POOL`]'s nodes: 2 of 8 GPUs free on each available node.
fn fragmented_nodes() -> Vec<Value> {
    let mut out: Vec<Value> = (1..=4)
        .map(|i| {
            node(
                &format!("frag-gpu-{i}"),
                GPU_FLAVOR,
                "cn-north-4a",
                "Available",
                gpu_node_resources(),
                Some(json!({"cpu": "20", "memory": "128Gi", "nvidia.com/gpu": "2"})),
            )
        })
        .collect();
    out.push(node(
        "frag-gpu-5",
        GPU_FLAVOR,
        "cn-north-4a",
        "Abnormal",
        gpu_node_resources(),
        Some(gpu_free_all()),
    ));
    out
}

fn node(
    name: &str,
    flavor: &str,
    az: &str,
    phase: &str,
    resources: Value,
    available: Option<Value>,
) -> Value {
    let mut status =
        json!({"phase": phase, "az": az, "privateIp": "192.168.0.10", "resources": resources});
    if let Some(a) = available {
        status["availableResources"] = a;
    }
    json!({
        "kind": "Node", "apiVersion": "v2",
        "metadata": {"name": name, "creationTimestamp": "2024-03-11T08:40:00Z",
                     "labels": {"os.modelarts/node.flavor": flavor}},
        "spec": {"flavor": flavor},
        "status": status
    })
}

/// A pool's nodes, with the demo drift applied to two of them.
pub(super) fn nodes_of(pool: &str, step: u64) -> Vec<Value> {
    match pool {
        SEED_POOL => {
            let res = json!({"cpu": "3500m", "memory": "14336Mi", "pods": "110", "ephemeral-storage": "61255492Ki"});
            vec![
                node(
                    "os-node-created-4ud-1",
                    CPU_FLAVOR,
                    "cn-north-7c",
                    "Available",
                    res.clone(),
                    Some(json!({"cpu": "1500m", "memory": "10240Mi", "pods": "104"})),
                ),
                node(
                    "os-node-created-4ud-2",
                    CPU_FLAVOR,
                    "cn-north-7c",
                    "Available",
                    res,
                    Some(json!({"cpu": "3500m", "memory": "14336Mi", "pods": "110"})),
                ),
            ]
        }
        MIXED_POOL => {
            let gpu = gpu_node_resources();
            let npu = json!({"cpu": "192", "memory": "1536", "huawei.com/ascend-snt9": "8", "pods": "110"});
            let free_gpus = (4 + step) % 9;
            let free_npus = (2 + 3 * step) % 9;
            vec![
                node(
                    "gpu-node-1",
                    GPU_FLAVOR,
                    "cn-north-4a",
                    "Available",
                    gpu.clone(),
                    Some(
                        json!({"cpu": "60", "memory": "512", "nvidia.com/gpu": free_gpus.to_string()}),
                    ),
                ),
                shared_gpu_node(),
                // Nothing runs on a broken node, so it reports all of itself
                // free; being Abnormal, it takes no workload all the same.
                node(
                    "gpu-node-3",
                    GPU_FLAVOR,
                    "cn-north-4a",
                    "Abnormal",
                    gpu.clone(),
                    Some(gpu_free_all()),
                ),
                node(
                    "npu-node-1",
                    NPU_FLAVOR,
                    "cn-north-4b",
                    "Available",
                    npu.clone(),
                    Some(
                        json!({"cpu": "150500m", "memory": "1024", "huawei.com/ascend-snt9": free_npus.to_string()}),
                    ),
                ),
                node(
                    "npu-node-2",
                    NPU_FLAVOR,
                    "cn-north-4b",
                    "Creating",
                    npu,
                    None,
                ),
            ]
        }
        LOGICAL_POOL => vec![shared_gpu_node()],
        PRIVATE_POOL => vec![node(
            "npu-private-1",
            SNT3_FLAVOR,
            "cn-north-4b",
            "Available",
            json!({"cpu": "24", "memory": "192", "huawei.com/ascend-snt3": "4", "pods": "110"}),
            Some(json!({"cpu": "20", "memory": "160", "huawei.com/ascend-snt3": "3"})),
        )],
        CORRUPT_POOL => vec![
            node(
                "corrupt-gpu-1",
                GPU_FLAVOR,
                "cn-north-4a",
                "Available",
                gpu_node_resources(),
                Some(json!({"cpu": "40", "memory": "256", "nvidia.com/gpu": "abc"})),
            ),
            node(
                "corrupt-gpu-2",
                GPU_FLAVOR,
                "cn-north-4a",
                "Available",
                gpu_node_resources(),
                Some(json!({"cpu": "20", "memory": "128", "nvidia.com/gpu": "3"})),
            ),
        ],
        FRAGMENTED_POOL => fragmented_nodes(),
        _ => Vec::new(),
    }
}

fn gpu_node_resources() -> Value {
    json!({"cpu": "92", "memory": "768", "nvidia.com/gpu": "8", "pods": "110",
           "ephemeral-storage": "1500Gi", "hugepages-1Gi": "0"})
}

fn gpu_free_all() -> Value {
    json!({"cpu": "92", "memory": "768", "nvidia.com/gpu": "8"})
}

/// The idle GPU node of the mixed pool that its logical sub-pool also lists.
fn shared_gpu_node() -> Value {
    node(
        "gpu-node-2",
        GPU_FLAVOR,
        "cn-north-4a",
        "Available",
        gpu_node_resources(),
        Some(gpu_free_all()),
    )
}
