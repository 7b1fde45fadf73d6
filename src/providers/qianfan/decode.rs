//! What a poll does with one Qianfan body, on bytes alone (the decoders, the
//! benches): the error-body check, the envelope, the DTO and the mapping.

use super::{client, dto, map};
use crate::providers::upstream::decode::{json, BodyError, Decoded};

/// The bodies a Qianfan poll decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body<'a> {
    /// A DescribeServices page.
    Services,
    /// DescribeComputeUnits of one service, asked for one payment timing.
    ComputeUnits {
        service_id: &'a str,
        payment_timing: Option<&'a str>,
    },
}

/// What a poll does with one body, on bytes alone: the error-body check, the
/// envelope, the DTO and the mapping into `snapshot.services` or
/// `snapshot.compute_units`.
pub fn decode(body: Body<'_>, bytes: &[u8]) -> Result<Decoded, BodyError> {
    if let Some((_, message)) = client::body_error(bytes) {
        return Err(BodyError::Refused(message));
    }
    let mut out = Decoded::default();
    match body {
        Body::Services => {
            let env: dto::Envelope<dto::ServicesResult> = json(bytes)?;
            if let Some(page) = env.result {
                let _ = page.next();
                let list = page.service_list.unwrap_or_default();
                out.snapshot.services = map::map_services(client::API_SERVICES, list, &mut out.log);
            }
        }
        Body::ComputeUnits {
            service_id,
            payment_timing,
        } => {
            let env: dto::Envelope<dto::ComputeUnitsResult> = json(bytes)?;
            let list = env.result.and_then(|r| r.instances).unwrap_or_default();
            out.snapshot.compute_units =
                map::map_instances(service_id, list, payment_timing, &mut out.log);
        }
    }
    Ok(out)
}
