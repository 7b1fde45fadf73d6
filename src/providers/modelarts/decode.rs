//! What a poll does with one ModelArts body, on bytes alone (the decoders, the
//! benches): JSON, the DTO and the mapping.

use super::{dto, iam, map, slots};
use crate::providers::upstream::decode::{json, BodyError, Decoded};
use crate::quantity::Fired;

/// The bodies a ModelArts poll decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body<'a> {
    /// A ListPools page.
    Pools,
    /// A ListNodes page of pool `pool`.
    Nodes { pool: &'a str },
    /// A ListWorkspace page that starts at entry `offset`.
    Workspaces { offset: usize },
    /// An IAM token answer, read at `now` (Unix seconds).
    Token { now: u64 },
}

/// What a poll does with one body, on bytes alone: JSON, the DTO and the
/// mapping. Pools (and the one pool a node list maps onto) land in
/// `snapshot.pools`; workspaces, and a token's validity, in `objects`.
pub fn decode(body: Body<'_>, bytes: &[u8]) -> Result<Decoded, BodyError> {
    let mut out = Decoded::default();
    match body {
        Body::Pools => {
            let list: dto::PoolList = json(bytes)?;
            out.snapshot.pools = map::map_pools(&list.items, &mut out.log);
        }
        Body::Nodes { pool } => {
            let list: dto::NodeList = json(bytes)?;
            let mut p = crate::model::Pool {
                id: pool.to_string(),
                ..Default::default()
            };
            // Rule firings are counted by a poll, not by a body on its own.
            map::map_nodes(&mut p, &list.items, &mut out.log, &mut Fired::default());
            p.free_blocks = slots::free_blocks(&list.items, &mut Fired::default());
            out.snapshot.pools.push(p);
        }
        Body::Workspaces { offset } => {
            let page: dto::WorkspaceList = json(bytes)?;
            let _ = map::total_count(&page, &mut out.log);
            out.objects = map::map_workspaces(&page.workspaces, offset, &mut out.log)
                .into_iter()
                .map(|w| (w.id.clone(), format!("{w:?}")))
                .collect();
        }
        Body::Token { now } => {
            // As iam.rs reads it: a body we cannot read costs precision only.
            let expires_at = serde_json::from_slice::<dto::TokenBody>(bytes)
                .ok()
                .and_then(|b| b.token.expires_at);
            if let Some(e) = &expires_at {
                let _ = iam::parse_expires_at(e);
            }
            let valid_for = iam::validity(expires_at.as_deref(), now);
            out.objects = vec![("token".into(), format!("{valid_for:?}"))];
        }
    }
    Ok(out)
}
