//! Every decoder of untrusted input, runnable on raw bytes: what the providers do
//! with an upstream response body once it has arrived (JSON decoding into the
//! DTOs, envelope checks, mapping into the model), plus the quantity parser, the
//! error-body reader and the config parser.
//!
//! The property tests (`tests/decoders_never_panic.rs`) and the cargo-fuzz
//! targets (`fuzz/`) drive these; each entry calls the same functions, in the
//! same order, as the provider's poll, so a panic found here is a panic a
//! hostile or broken upstream could cause. The only contract is: any input gives
//! `Ok` or `Err`, never a panic, a hang or an unbounded allocation.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde_json::Value;

use crate::counters::AccountCounters;
use crate::model::Pool;
use crate::providers::upstream::decode::DecodeLog;
use crate::providers::upstream::response::{self, Response};
use crate::providers::upstream::{Limits, PollCtx};
use crate::providers::{aihc, modelarts, qianfan, sugon};
use crate::quantity::{self, Fired, RawQuantity};

/// One decoder of untrusted bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoder {
    /// A quantity string (`"3920m"`, `"64Gi"`), and the same bytes as a JSON
    /// number-or-string.
    Quantity,
    /// An error body in any platform's shape (`{code, message}` and kin).
    ErrorBody,
    AihcOpenApiPools,
    AihcOpenApiQueues,
    AihcConsolePools,
    AihcConsoleQueues,
    AihcServerlessPools,
    AihcServerlessQueues,
    QianfanServices,
    QianfanComputeUnits,
    ModelArtsPools,
    ModelArtsNodes,
    ModelArtsToken,
    SugonLogin,
    SugonCenter,
    SugonGroups,
    SugonResources,
    SugonHpcCluster,
    SugonHpcQueues,
    /// A config file (TOML).
    ConfigToml,
    /// A `--web.config.file` (YAML).
    WebConfig,
}

impl Decoder {
    pub const ALL: [Decoder; 21] = [
        Decoder::Quantity,
        Decoder::ErrorBody,
        Decoder::AihcOpenApiPools,
        Decoder::AihcOpenApiQueues,
        Decoder::AihcConsolePools,
        Decoder::AihcConsoleQueues,
        Decoder::AihcServerlessPools,
        Decoder::AihcServerlessQueues,
        Decoder::QianfanServices,
        Decoder::QianfanComputeUnits,
        Decoder::ModelArtsPools,
        Decoder::ModelArtsNodes,
        Decoder::ModelArtsToken,
        Decoder::SugonLogin,
        Decoder::SugonCenter,
        Decoder::SugonGroups,
        Decoder::SugonResources,
        Decoder::SugonHpcCluster,
        Decoder::SugonHpcQueues,
        Decoder::ConfigToml,
        Decoder::WebConfig,
    ];

    /// The fuzz target's name (`fuzz/fuzz_targets/NAME.rs`).
    pub fn name(self) -> &'static str {
        match self {
            Decoder::Quantity => "quantity",
            Decoder::ErrorBody => "error_body",
            Decoder::AihcOpenApiPools => "aihc_openapi_pools",
            Decoder::AihcOpenApiQueues => "aihc_openapi_queues",
            Decoder::AihcConsolePools => "aihc_console_pools",
            Decoder::AihcConsoleQueues => "aihc_console_queues",
            Decoder::AihcServerlessPools => "aihc_serverless_pools",
            Decoder::AihcServerlessQueues => "aihc_serverless_queues",
            Decoder::QianfanServices => "qianfan_services",
            Decoder::QianfanComputeUnits => "qianfan_compute_units",
            Decoder::ModelArtsPools => "modelarts_pools",
            Decoder::ModelArtsNodes => "modelarts_nodes",
            Decoder::ModelArtsToken => "modelarts_token",
            Decoder::SugonLogin => "sugon_login",
            Decoder::SugonCenter => "sugon_center",
            Decoder::SugonGroups => "sugon_groups",
            Decoder::SugonResources => "sugon_resources",
            Decoder::SugonHpcCluster => "sugon_hpc_cluster",
            Decoder::SugonHpcQueues => "sugon_hpc_queues",
            Decoder::ConfigToml => "config_toml",
            Decoder::WebConfig => "web_config",
        }
    }

    pub fn from_name(name: &str) -> Option<Decoder> {
        Decoder::ALL.into_iter().find(|d| d.name() == name)
    }

    /// A valid input this decoder accepts: the fuzzers' seed and the property
    /// tests' starting point for structure-aware mutation.
    pub fn sample(self) -> &'static str {
        match self {
            Decoder::Quantity => "3920m",
            Decoder::ErrorBody => r#"{"code":"AccessDenied","message":"no","requestId":"r"}"#,
            Decoder::AihcOpenApiPools => {
                r#"{"resourcePools":[{"resourcePoolId":"cce-1","name":"p","phase":"running","nodeNum":"2","type":"common"}],"totalCount":1,"pageSize":100}"#
            }
            Decoder::AihcOpenApiQueues => {
                r#"{"queues":[{"queueId":"q1","queueName":"root","queueType":"Elastic","capability":{"milliCPUcores":"444","memoryGi":"2220198166528","acceleratorCardList":[{"acceleratorCount":"8","acceleratorDescription":"H800","acceleratorType":"baidu.com/h800"}]},"allocated":{"milliCPUcores":"1000","memoryGi":"4","acceleratorCardList":[{"acceleratorCount":"0.5","acceleratorType":"baidu.com/h800"}]},"children":[{"queueId":"q2","capability":{"milliCPUcores":"2000"}}]}],"totalCount":1,"pageSize":100}"#
            }
            Decoder::AihcConsolePools => include_str!("simulator/fixtures/aihc_console_resourcepools.json"),
            Decoder::AihcConsoleQueues => include_str!("simulator/fixtures/aihc_console_queues.json"),
            Decoder::AihcServerlessPools => {
                include_str!("simulator/fixtures/aihc_console_serverless_pools.json")
            }
            Decoder::AihcServerlessQueues => {
                include_str!("simulator/fixtures/aihc_console_serverless_queues.json")
            }
            Decoder::QianfanServices => {
                r#"{"requestId":"r","result":{"serviceList":[{"serviceId":"svc-1","name":"chat"}],"pageInfo":{"isTruncated":true,"nextMarker":"svc-1"}}}"#
            }
            Decoder::QianfanComputeUnits => include_str!("simulator/fixtures/qianfan_compute_units.json"),
            Decoder::ModelArtsPools => include_str!("simulator/fixtures/modelarts_pools.json"),
            Decoder::ModelArtsNodes => {
                r#"{"kind":"NodeList","items":[{"metadata":{"name":"n1"},"status":{"phase":"Available","resources":{"cpu":"3920m","memory":"6270Mi","nvidia.com/gpu":"8","pods":"110"},"availableResources":{"cpu":"1","memory":"1Gi","nvidia.com/gpu":"2"}}}],"metadata":{"continue":""}}"#
            }
            Decoder::ModelArtsToken => {
                r#"{"token":{"expires_at":"2030-01-04T09:05:22.701000Z","issued_at":"2030-01-03T09:05:22.701000Z"}}"#
            }
            Decoder::SugonLogin => {
                r#"{"code":"0","msg":"success","data":[{"clusterId":"0","clusterName":"ac","token":"eyJhbGciOiJIUzI1NiJ9.eyJleHBpcmVUaW1lIjo0MTAyNDQ0ODAwMDAwfQ.sig"},{"clusterId":"11276","clusterName":"kunshan","token":"eyJhbGciOiJIUzI1NiJ9.eyJleHBpcmVUaW1lIjo0MTAyNDQ0ODAwMDAwfQ.sig"},{"clusterId":"11277","clusterName":"wuxi","token":null}]}"#
            }
            Decoder::SugonCenter => {
                r#"{"code":"0","msg":"success","data":[{"id":"11276","name":"kunshan","aiUrls":[{"url":"http://ai.example:8080/ai","enable":"true"},{"url":"http://down.example","enable":"false"}],"hpcUrls":[{"url":"http://hpc.example/hpc","enable":"true"}],"clusterUserInfo":{"userName":"acdemo","homePath":"/public/home/acdemo"}}]}"#
            }
            Decoder::SugonGroups => {
                r#"{"code":"0","msg":"success","data":{"gpu":["TeslaM40",{"resourceGroup":"A800"}],"dcu":[]}}"#
            }
            Decoder::SugonResources => include_str!("simulator/fixtures/sugon_resources_seed.json"),
            Decoder::SugonHpcCluster => include_str!("simulator/fixtures/sugon_hpc_cluster.json"),
            Decoder::SugonHpcQueues => include_str!("simulator/fixtures/sugon_hpc_queues.json"),
            Decoder::ConfigToml => {
                "[web]\nlisten_address = \"127.0.0.1:9\"\n[[accounts]]\nname = \"a\"\nprovider = \"aihc\"\nregion = \"bj\"\naccess_key_id = \"AK\"\nsecret_access_key = \"SK\"\ninterval = \"30s\"\n"
            }
            Decoder::WebConfig => {
                "basic_auth_users:\n  prometheus: \"$2b$04$6hMeZ36t1n8w0ZwP6u6sXe0Hcr1yUnGKc7WNy6C0SgqGvq5mNnB3K\"\n"
            }
        }
    }

    /// Runs the decoder on `input`. `Err` carries the decoder's own message.
    pub fn run(self, input: &[u8]) -> Result<(), String> {
        match self {
            Decoder::Quantity => run_quantity(input),
            Decoder::ErrorBody => {
                let (code, _message) = response::upstream_message(input);
                let status = reqwest::StatusCode::BAD_REQUEST;
                let _ = response::classify_status(status, code.as_deref());
                let _ = qianfan::client::body_error(input);
                Ok(())
            }
            Decoder::AihcOpenApiPools
            | Decoder::AihcOpenApiQueues
            | Decoder::AihcConsolePools
            | Decoder::AihcConsoleQueues
            | Decoder::AihcServerlessPools
            | Decoder::AihcServerlessQueues => {
                let (mut s, mut m) = aihc_mapped(self, input)
                    .unwrap_or_else(|| Err(format!("{self:?} is no AIHC list decoder")))?;
                // The derivations run on whatever mapped, as in a poll.
                let api = if matches!(self, Decoder::AihcOpenApiPools | Decoder::AihcOpenApiQueues)
                {
                    aihc::Api::OpenApi
                } else {
                    aihc::Api::Console
                };
                let from = aihc::remaining_from(api);
                aihc::finish_snapshot(&mut s, &m.pool_names, from, &mut m.fired, &m.unread);
                Ok(())
            }
            Decoder::QianfanServices => {
                qianfan_body_error(input)?;
                let env: qianfan::dto::Envelope<qianfan::dto::ServicesResult> = json(input)?;
                if let Some(page) = env.result {
                    let _ = page.next();
                    let api = qianfan::client::API_SERVICES;
                    let mut log = crate::providers::upstream::decode::DecodeLog::default();
                    let list = page.service_list.unwrap_or_default();
                    let services = qianfan::map::map_services(api, list, &mut log);
                    // Decoding is per object: a bad service is left out, not an
                    // error of the page.
                    if services.iter().any(|s| s.id.trim().is_empty()) {
                        return Err("a service without an id was kept".into());
                    }
                }
                Ok(())
            }
            Decoder::QianfanComputeUnits => {
                qianfan_body_error(input)?;
                let env: qianfan::dto::Envelope<qianfan::dto::ComputeUnitsResult> = json(input)?;
                let list = env.result.and_then(|r| r.instances).unwrap_or_default();
                for timing in [None, Some("Prepaid")] {
                    let mut log = crate::providers::upstream::decode::DecodeLog::default();
                    let units =
                        qianfan::map::map_instances("svc-1", list.clone(), timing, &mut log);
                    // No NaN or ±Inf ever reaches the model.
                    let finite = units.iter().all(|u| {
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
            Decoder::ModelArtsPools => {
                // Decoded per object (issue 15): only a body that is not a
                // pool list is an error; whatever is in it maps to finite values.
                let list: modelarts::dto::PoolList = json(input)?;
                let mut log = crate::providers::upstream::decode::DecodeLog::default();
                for p in modelarts::map::map_pools(&list.items, &mut log) {
                    modelarts_finite(&p);
                }
                Ok(())
            }
            Decoder::ModelArtsNodes => {
                let list: modelarts::dto::NodeList = json(input)?;
                let mut pool = Pool::default();
                let mut log = crate::providers::upstream::decode::DecodeLog::default();
                modelarts::map::map_nodes(&mut pool, &list.items, &mut log);
                modelarts_finite(&pool);
                Ok(())
            }
            Decoder::ModelArtsToken => {
                // As iam.rs reads it: a body we cannot read costs precision only.
                let expires_at = serde_json::from_slice::<modelarts::dto::TokenBody>(input)
                    .ok()
                    .and_then(|b| b.token.expires_at);
                if let Some(e) = &expires_at {
                    let _ = modelarts::iam::parse_expires_at(e);
                }
                for now in [0, 1_700_000_000, u64::MAX] {
                    let _ = modelarts::iam::validity(expires_at.as_deref(), now);
                }
                Ok(())
            }
            Decoder::SugonLogin => {
                let data = sugon_data(input)?;
                let mut log = DecodeLog::default();
                let entries =
                    sugon::session::login_entries(data, "v2/tokens", &mut log).map_err(err)?;
                for e in &entries {
                    if let Some(t) = &e.token {
                        let _ = crate::auth::scnet::jwt_expire_time_ms(t);
                    }
                }
                for now in [0, 1_700_000_000_000, u64::MAX] {
                    sugon::session::Session::from_login(entries.clone(), &[], now).map_err(err)?;
                }
                Ok(())
            }
            Decoder::SugonCenter => {
                let data = sugon_data(input)?;
                let centers =
                    sugon::map::parse_centers(&data, &mut DecodeLog::default()).map_err(err)?;
                for id in ["11276", ""] {
                    for raw in sugon::map::enabled_ai_urls(&centers, id) {
                        if let Ok(base) = sugon::map::ai_base(&raw) {
                            let _ = sugon::map::join(
                                &base,
                                "/ai/openapi/v2/instance-service/resource-group",
                            );
                        }
                    }
                    // The HPC side of the same answer, which may fail on its own.
                    if let Ok(access) = sugon::hpc::hpc_access(&centers, id) {
                        for raw in &access.urls {
                            if let Ok(base) = sugon::map::service_base(raw, "hpc") {
                                let _ = sugon::client::queues_url(&base, &access.user, "1637");
                            }
                        }
                    }
                }
                Ok(())
            }
            Decoder::SugonGroups => sugon_objects(self, input).map(drop),
            Decoder::SugonResources => {
                let data = sugon_data(input)?;
                let dto: sugon::dto::ResourcesDto = if data.is_null() {
                    Default::default()
                } else {
                    serde_json::from_value(data).map_err(err)?
                };
                for t in ["gpu", "dcu", "mlu", "cpu", "other"] {
                    let mut log = DecodeLog::default();
                    let pool = sugon::map::map_group(
                        "11276",
                        t,
                        "g",
                        &dto,
                        &mut Fired::default(),
                        &mut log,
                    );
                    assert_finite(&pool)?;
                }
                Ok(())
            }
            Decoder::SugonHpcCluster => {
                let data = sugon_data(input)?;
                sugon::hpc::parse_job_manager(&data, &mut DecodeLog::default())
                    .map(drop)
                    .map_err(err)
            }
            Decoder::SugonHpcQueues => sugon_objects(self, input).map(drop),
            Decoder::ConfigToml => {
                let text = std::str::from_utf8(input).map_err(err)?;
                crate::config::from_str(text, "toml", &crate::config::Env::default())
                    .map(drop)
                    .map_err(err)
            }
            Decoder::WebConfig => {
                let text = std::str::from_utf8(input).map_err(err)?;
                crate::web::WebConfig::parse(text, std::path::Path::new("."))
                    .map(drop)
                    .map_err(err)
            }
        }
    }
}

/// No NaN or ±Inf ever reaches the model from a ModelArts body, and nothing
/// negative where only an amount makes sense (capability, remaining, counts):
/// a violation is a bug, so the fuzzers see it as a panic.
fn modelarts_finite(p: &Pool) {
    use crate::model::QuantityKind;
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

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn json<T: serde::de::DeserializeOwned>(input: &[u8]) -> Result<T, String> {
    serde_json::from_slice(input).map_err(err)
}

fn run_quantity(input: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(input);
    let _ = quantity::parse_str(&text);
    let mut fired = Fired::default();
    if let Ok(raw) = serde_json::from_slice::<RawQuantity>(input) {
        if let Ok(Some(v)) = quantity::parse(&raw) {
            let _ = quantity::gi_to_bytes(v, &mut fired);
            let _ = quantity::mib_to_bytes(v);
            for evidence in [
                quantity::CpuEvidence {
                    floors: &[v / 2.0],
                    ..Default::default()
                },
                quantity::CpuEvidence {
                    cpu_cores: Some(v),
                    memory_in_bytes: true,
                    floors: &[],
                },
            ] {
                let _ = quantity::capability_milli_to_cores(v, evidence, &mut fired);
            }
        }
    }
    quantity::parse_str(&text).map(drop).map_err(err)
}

/// What an AIHC list decoder maps `input` to before the derivations: the
/// pools and queues that decoded (queues on pool `cce-1`), and the mapping's
/// log and state. `None` for the other decoders; `Err` when the body is not the
/// expected document at all. The property tests compare these across
/// mutations of one list element.
pub fn aihc_mapped(
    d: Decoder,
    input: &[u8],
) -> Option<Result<(crate::model::Snapshot, aihc::map::Mapping), String>> {
    use aihc::{dto, map};
    let mut m = map::Mapping::default();
    let mut s = crate::model::Snapshot::default();
    let r = match d {
        Decoder::AihcOpenApiPools => json::<dto::PoolPage>(input).map(|page| {
            s.pools = map::map_pools(page.resource_pools, "common", "fuzz", &mut m.log);
        }),
        Decoder::AihcConsolePools => console::<dto::PoolPage>(input).map(|page| {
            s.pools = map::map_pools(page.resource_pools, "common", "fuzz", &mut m.log);
        }),
        Decoder::AihcServerlessPools => console::<dto::ItemsPage<dto::ServerlessPoolDto>>(input)
            .map(|page| {
                s.pools = map::map_serverless_pools(page.items, "fuzz", &mut m.log);
            }),
        Decoder::AihcOpenApiQueues | Decoder::AihcConsoleQueues => {
            let list = if d == Decoder::AihcOpenApiQueues {
                json::<dto::QueuePage>(input).map(|p| p.queues)
            } else {
                console::<dto::ConsoleQueueList>(input).map(|l| l.queue_list)
            };
            list.map(|list| {
                s.pools = vec![crate::model::Pool {
                    id: "cce-1".into(),
                    ..Default::default()
                }];
                map::map_queues(list, "cce-1", "fuzz", &mut m, &mut s.queues);
            })
        }
        Decoder::AihcServerlessQueues => console::<dto::ItemsPage<dto::ServerlessQueueDto>>(input)
            .map(|page| {
                map::map_serverless_queues(page.items, "fuzz", &mut m, &mut s.queues);
            }),
        _ => return None,
    };
    Some(r.map(|()| (s, m)))
}

/// A context for the decoders that count their failures; nothing is sent.
fn ctx() -> &'static PollCtx {
    static CTX: OnceLock<PollCtx> = OnceLock::new();
    CTX.get_or_init(|| PollCtx {
        client: reqwest::Client::new(),
        timeout: Duration::from_secs(1),
        max_response_bytes: 1 << 20,
        stats: Arc::new(AccountCounters::default()),
        limits: Limits::unlimited(),
    })
}

fn response(input: &[u8]) -> Response {
    Response {
        status: reqwest::StatusCode::OK,
        headers: Default::default(),
        body: input.to_vec(),
        url: "http://fuzz.invalid/".into(),
    }
}

/// The console envelope, then the typed payload, as `console.rs` does.
fn console<T: serde::de::DeserializeOwned>(input: &[u8]) -> Result<T, String> {
    let inner =
        aihc::client::console::unwrap_envelope(ctx(), "fuzz", &response(input)).map_err(err)?;
    serde_json::from_value(inner).map_err(err)
}

fn qianfan_body_error(input: &[u8]) -> Result<(), String> {
    match qianfan::client::body_error(input) {
        Some((_, message)) => Err(message),
        None => Ok(()),
    }
}

/// The objects a Sugon list decoder keeps, mapped as the poll maps them: each
/// as (its id, its mapped form's debug text), in the answer's order. For the
/// property test that one bad element never changes the others.
///
/// Login: the region entries kept (`data`); center: the enabled `aiUrls` of
/// region 11276 (`data[0].aiUrls`); resource groups: the (type, group) pairs
/// (`data.gpu`); HPC queues: the queues with their node figures (`data`).
pub fn sugon_objects(d: Decoder, input: &[u8]) -> Result<Vec<(String, String)>, String> {
    let data = sugon_data(input)?;
    let mut log = DecodeLog::default();
    match d {
        Decoder::SugonLogin => Ok(sugon::session::login_entries(data, "v2/tokens", &mut log)
            .map_err(err)?
            .into_iter()
            .map(|e| (e.cluster_id.clone().unwrap_or_default(), format!("{e:?}")))
            .collect()),
        Decoder::SugonCenter => {
            let centers = sugon::map::parse_centers(&data, &mut log).map_err(err)?;
            Ok(sugon::map::enabled_ai_urls(&centers, "11276")
                .into_iter()
                .map(|u| (u.clone(), u))
                .collect())
        }
        Decoder::SugonGroups => Ok(sugon::map::parse_groups(&data, &mut log)
            .map_err(err)?
            .into_iter()
            .map(|(t, g)| (format!("{t}/{g}"), String::new()))
            .collect()),
        Decoder::SugonHpcQueues => {
            let jm = sugon::hpc::JobManager {
                id: "1637".into(),
                name: "slurm".into(),
                kind: "SLURM".into(),
            };
            let q = sugon::hpc::map_queues("11276", &jm, &data, &mut Fired::default(), &mut log)
                .map_err(err)?;
            for queue in &q.queues {
                for block in queue.quantities.values() {
                    finite_resources(block)?;
                }
            }
            Ok(q.queues
                .iter()
                .zip(&q.nodes)
                .map(|(queue, nodes)| (queue.id.clone(), format!("{queue:?} {nodes:?}")))
                .collect())
        }
        other => Err(format!("{other:?} is not a Sugon list decoder")),
    }
}

/// No NaN or ±Inf in a mapped pool (the contract of every mapping).
fn assert_finite(pool: &Pool) -> Result<(), String> {
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

fn finite_resources(block: &crate::model::Resources) -> Result<(), String> {
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

/// Sugon's `{code, msg, data}`: `data` when `code` is "0", as `client.rs` does.
fn sugon_data(input: &[u8]) -> Result<Value, String> {
    let env: sugon::dto::Envelope = json(input)?;
    match env.code.as_deref().map(str::trim) {
        Some("0") => Ok(env.data),
        Some(code) => Err(format!("code {code}")),
        None => Err("no code".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The samples are valid: a decoder wired to the wrong DTO would reject its
    /// own sample, and the property tests would mutate nothing meaningful.
    #[test]
    fn every_sample_decodes() {
        for d in Decoder::ALL {
            assert_eq!(d.run(d.sample().as_bytes()), Ok(()), "{d:?}");
            assert_eq!(Decoder::from_name(d.name()), Some(d));
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for d in Decoder::ALL {
            if !matches!(d, Decoder::ErrorBody | Decoder::ModelArtsToken) {
                assert!(d.run(b"{\"x\": [1, 2, oops").is_err(), "{d:?}");
            }
        }
    }
}
