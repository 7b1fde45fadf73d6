//! The decoders of Qianfan's untrusted bodies (see [`Decoder`]).

use super::{decode, Body};
use crate::providers::Decoder;

pub const DECODERS: &[Decoder] = &[
    Decoder {
        name: "qianfan_services",
        sample: r#"{"requestId":"r","result":{"serviceList":[{"serviceId":"svc-1","name":"chat"}],"pageInfo":{"isTruncated":true,"nextMarker":"svc-1"}}}"#,
        run: services,
    },
    Decoder {
        name: "qianfan_compute_units",
        sample: include_str!("../../../crates/aipool-sim/fixtures/qianfan_compute_units.json"),
        run: compute_units,
    },
];

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn services(input: &[u8]) -> Result<(), String> {
    let d = decode(Body::Services, input).map_err(err)?;
    // Decoding is per object: a bad service is left out, not an error of the
    // page.
    if d.snapshot.services.iter().any(|s| s.id.trim().is_empty()) {
        return Err("a service without an id was kept".into());
    }
    Ok(())
}

fn compute_units(input: &[u8]) -> Result<(), String> {
    for payment_timing in [None, Some("Prepaid")] {
        let body = Body::ComputeUnits {
            service_id: "svc-1",
            payment_timing,
        };
        let d = decode(body, input).map_err(err)?;
        // No NaN or ±Inf ever reaches the model.
        let finite = d.snapshot.compute_units.iter().all(|u| {
            [u.replicas, u.start_timestamp, u.expiry_timestamp]
                .iter()
                .flatten()
                .all(|v| v.is_finite())
        });
        if !finite {
            return Err("a compute unit holds a value that is not finite".into());
        }
    }
    Ok(())
}
