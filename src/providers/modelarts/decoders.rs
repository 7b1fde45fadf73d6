//! The decoders of ModelArts' untrusted bodies (see [`Decoder`]).

use super::{decode, Body};
use crate::model::{Pool, QuantityKind};
use crate::providers::Decoder;

pub const DECODERS: &[Decoder] = &[
    Decoder {
        name: "modelarts_pools",
        sample: include_str!("../../../crates/aipool-sim/fixtures/modelarts_pools.json"),
        run: pools,
    },
    Decoder {
        name: "modelarts_nodes",
        sample: r#"{"kind":"NodeList","items":[{"metadata":{"name":"n1"},"status":{"phase":"Available","resources":{"cpu":"3920m","memory":"6270Mi","nvidia.com/gpu":"8","pods":"110"},"availableResources":{"cpu":"1","memory":"1Gi","nvidia.com/gpu":"2"}}}],"metadata":{"continue":""}}"#,
        run: nodes,
    },
    Decoder {
        name: "modelarts_token",
        sample: r#"{"token":{"expires_at":"2030-01-04T09:05:22.701000Z","issued_at":"2030-01-03T09:05:22.701000Z"}}"#,
        run: token,
    },
];

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn pools(input: &[u8]) -> Result<(), String> {
    // Decoded per object, so one bad pool costs only itself: only a body that
    // is not a pool list is an error; whatever is in it maps to finite values.
    let d = decode(Body::Pools, input).map_err(err)?;
    d.snapshot.pools.iter().for_each(assert_finite);
    Ok(())
}

fn nodes(input: &[u8]) -> Result<(), String> {
    let d = decode(Body::Nodes { pool: "" }, input).map_err(err)?;
    d.snapshot.pools.iter().for_each(assert_finite);
    Ok(())
}

fn token(input: &[u8]) -> Result<(), String> {
    for now in [0, 1_700_000_000, u64::MAX] {
        decode(Body::Token { now }, input).map_err(err)?;
    }
    Ok(())
}

/// No NaN or ±Inf ever reaches the model from a ModelArts body, and nothing
/// negative where only an amount makes sense (capability, remaining, counts):
/// a violation is a bug, so the fuzzer sees it as a panic.
fn assert_finite(p: &Pool) {
    let amounts = p
        .nodes
        .iter()
        .chain(p.flavor_nodes.values())
        .chain(p.flavor_max_nodes.values())
        .chain(p.node_phases.values());
    for v in amounts {
        assert!(v.is_finite() && *v >= 0.0, "pool {}: {v}", p.id);
    }
    for (kind, r) in &p.quantities {
        for v in r
            .cpu_cores
            .iter()
            .chain(&r.memory_bytes)
            .chain(r.accelerators.values())
        {
            assert!(v.is_finite(), "pool {} {kind:?}: {v}", p.id);
            if *kind != QuantityKind::Allocated {
                assert!(*v >= 0.0, "pool {} {kind:?}: {v}", p.id);
            }
        }
    }
}
