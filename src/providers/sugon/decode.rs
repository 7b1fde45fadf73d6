//! What a poll does with one Sugon body, on bytes alone (the decoders, the
//! benches): the `{code, msg, data}` envelope, then the DTO and the mapping.

use super::session::{self, Session};
use super::{client, dto, hpc, map};
use crate::providers::upstream::decode::{json, BodyError, Decoded};

/// The bodies a Sugon poll decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body<'a> {
    /// The login answer: its region entries, in `objects`.
    Login,
    /// The login answer made into a session at `now_ms` (no `cluster_ids`).
    Session { now_ms: u64 },
    /// The `center` answer: the enabled AI URLs of region `cluster_id`, in
    /// `objects`, each joined into the URL the poll would call, as is the HPC
    /// side of the same answer.
    Center { cluster_id: &'a str },
    /// The resource groups: `(type/group, "")` in `objects`.
    Groups,
    /// One group's per-node resources, mapped as group `g` of region 11276.
    Resources { accelerator_type: &'a str },
    /// The HPC cluster answer: its job manager, in `objects`.
    HpcCluster,
    /// The HPC queues of job manager 1637 of region 11276: `snapshot.queues`
    /// and `queue_nodes`, and each queue with its node figures in `objects`.
    HpcQueues,
}

/// What a poll does with one body, on bytes alone: the `{code, msg, data}`
/// envelope, then the DTO and mapping of `data`.
pub fn decode(body: Body<'_>, bytes: &[u8]) -> Result<Decoded, BodyError> {
    let env: dto::Envelope = json(bytes)?;
    let data = match env.code.as_deref().map(str::trim) {
        Some("0") => env.data,
        Some(code) => return Err(BodyError::Refused(format!("code {code}"))),
        None => return Err(BodyError::Json("no code".into())),
    };
    let mut out = Decoded::default();
    let log = &mut out.log;
    match body {
        Body::Login => {
            out.objects = session::login_entries(data, "v2/tokens", log)?
                .into_iter()
                .map(|e| (e.cluster_id.clone().unwrap_or_default(), format!("{e:?}")))
                .collect();
        }
        Body::Session { now_ms } => {
            let entries = session::login_entries(data, "v2/tokens", log)?;
            for e in &entries {
                if let Some(t) = &e.token {
                    let _ = aipool_signing::scnet::jwt_expire_time_ms(t);
                }
            }
            Session::from_login(entries, &[], now_ms)
                .map_err(|e| BodyError::Refused(e.to_string()))?;
        }
        Body::Center { cluster_id } => {
            let centers = map::parse_centers(&data, log)?;
            let urls = map::enabled_ai_urls(&centers, cluster_id);
            for raw in &urls {
                if let Ok(base) = map::ai_base(raw) {
                    let _ = map::join(&base, "/ai/openapi/v2/instance-service/resource-group");
                }
            }
            // The HPC side of the same answer, which may fail on its own.
            if let Ok(access) = hpc::hpc_access(&centers, cluster_id) {
                for raw in &access.urls {
                    if let Ok(base) = map::service_base(raw, "hpc") {
                        let _ = client::queues_url(&base, &access.user, "1637");
                    }
                }
            }
            out.objects = urls.into_iter().map(|u| (u.clone(), u)).collect();
        }
        Body::Groups => {
            out.objects = map::parse_groups(&data, log)?
                .into_iter()
                .map(|(t, g)| (format!("{t}/{g}"), String::new()))
                .collect();
        }
        Body::Resources { accelerator_type } => {
            let dto: dto::ResourcesDto = if data.is_null() {
                Default::default()
            } else {
                serde_json::from_value(data).map_err(BodyError::json)?
            };
            let pool = map::map_group(
                "11276",
                accelerator_type,
                "g",
                &dto,
                &mut crate::quantity::Fired::default(),
                log,
            );
            out.snapshot.pools.push(pool);
        }
        Body::HpcCluster => {
            let jm = hpc::parse_job_manager(&data, log)?;
            out.objects = vec![(jm.id.clone(), format!("{jm:?}"))];
        }
        Body::HpcQueues => {
            let jm = hpc::JobManager {
                id: "1637".into(),
                name: "slurm".into(),
                kind: "SLURM".into(),
            };
            let q = hpc::map_queues(
                "11276",
                &jm,
                &data,
                &mut crate::quantity::Fired::default(),
                log,
            )?;
            out.objects = q
                .queues
                .iter()
                .zip(&q.nodes)
                .map(|(queue, nodes)| (queue.id.clone(), format!("{queue:?} {nodes:?}")))
                .collect();
            out.snapshot.queues = q.queues;
            out.snapshot.queue_nodes = q.nodes;
        }
    }
    Ok(out)
}
