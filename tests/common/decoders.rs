//! Every decoder of untrusted input, runnable on raw bytes: what the providers do
//! with an upstream response body once it has arrived (each provider's
//! `decode`: JSON into the DTOs, envelope checks, mapping into the model), plus
//! the quantity parser, the error-body reader and the config parsers.
//!
//! The property tests (`tests/decoders_never_panic.rs`) and the cargo-fuzz
//! targets (`fuzz/`, through `fuzz/src/lib.rs`) drive these; each entry goes
//! through the same functions, in the same order, as the provider's poll, so a
//! panic found here is a panic a hostile or broken upstream could cause. The
//! only contract is: any input gives `Ok` or `Err`, never a panic, a hang or an
//! unbounded allocation. Test machinery, so it lives outside `src/`.

use aipool_exporter::model::{Pool, QuantityKind, Resources};
use aipool_exporter::providers::{self, aihc, modelarts, qianfan, sugon};
use aipool_exporter::providers::{BodyError, Decoded};
use aipool_exporter::quantity::{self, Fired, RawQuantity};

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
    AihcOpenApiOverview,
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
    pub const ALL: [Decoder; 22] = [
        Decoder::Quantity,
        Decoder::ErrorBody,
        Decoder::AihcOpenApiPools,
        Decoder::AihcOpenApiQueues,
        Decoder::AihcConsolePools,
        Decoder::AihcConsoleQueues,
        Decoder::AihcServerlessPools,
        Decoder::AihcServerlessQueues,
        Decoder::AihcOpenApiOverview,
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
            Decoder::AihcOpenApiOverview => "aihc_openapi_overview",
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
            Decoder::AihcConsolePools => include_str!("../../crates/aipool-sim/fixtures/aihc_console_resourcepools.json"),
            Decoder::AihcConsoleQueues => include_str!("../../crates/aipool-sim/fixtures/aihc_console_queues.json"),
            Decoder::AihcServerlessPools => {
                include_str!("../../crates/aipool-sim/fixtures/aihc_console_serverless_pools.json")
            }
            Decoder::AihcServerlessQueues => {
                include_str!("../../crates/aipool-sim/fixtures/aihc_console_serverless_queues.json")
            }
            Decoder::AihcOpenApiOverview => {
                include_str!("../fixtures/official/aihc/describe_resource_pool_overview.json")
            }
            Decoder::QianfanServices => {
                r#"{"requestId":"r","result":{"serviceList":[{"serviceId":"svc-1","name":"chat"}],"pageInfo":{"isTruncated":true,"nextMarker":"svc-1"}}}"#
            }
            Decoder::QianfanComputeUnits => include_str!("../../crates/aipool-sim/fixtures/qianfan_compute_units.json"),
            Decoder::ModelArtsPools => include_str!("../../crates/aipool-sim/fixtures/modelarts_pools.json"),
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
            Decoder::SugonResources => include_str!("../../crates/aipool-sim/fixtures/sugon_resources_seed.json"),
            Decoder::SugonHpcCluster => include_str!("../../crates/aipool-sim/fixtures/sugon_hpc_cluster.json"),
            Decoder::SugonHpcQueues => include_str!("../../crates/aipool-sim/fixtures/sugon_hpc_queues.json"),
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
                let _ = providers::decode_error_body(input);
                Ok(())
            }
            Decoder::AihcOpenApiPools
            | Decoder::AihcOpenApiQueues
            | Decoder::AihcConsolePools
            | Decoder::AihcConsoleQueues
            | Decoder::AihcServerlessPools
            | Decoder::AihcServerlessQueues
            | Decoder::AihcOpenApiOverview => aihc_mapped(self, input)
                .unwrap_or_else(|| Err(format!("{self:?} is no AIHC list decoder")))
                .map(drop),
            Decoder::QianfanServices => {
                let d = qianfan::decode(qianfan::Body::Services, input).map_err(err)?;
                // Decoding is per object: a bad service is left out, not an
                // error of the page.
                if d.snapshot.services.iter().any(|s| s.id.trim().is_empty()) {
                    return Err("a service without an id was kept".into());
                }
                Ok(())
            }
            Decoder::QianfanComputeUnits => {
                for payment_timing in [None, Some("Prepaid")] {
                    let body = qianfan::Body::ComputeUnits {
                        service_id: "svc-1",
                        payment_timing,
                    };
                    let d = qianfan::decode(body, input).map_err(err)?;
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
            Decoder::ModelArtsPools => {
                // Decoded per object, so one bad pool costs only itself: only a body that
                // is not a pool list is an error; whatever is in it maps to finite
                // values.
                let d = modelarts::decode(modelarts::Body::Pools, input).map_err(err)?;
                d.snapshot.pools.iter().for_each(modelarts_finite);
                Ok(())
            }
            Decoder::ModelArtsNodes => {
                let d =
                    modelarts::decode(modelarts::Body::Nodes { pool: "" }, input).map_err(err)?;
                d.snapshot.pools.iter().for_each(modelarts_finite);
                Ok(())
            }
            Decoder::ModelArtsToken => {
                for now in [0, 1_700_000_000, u64::MAX] {
                    modelarts::decode(modelarts::Body::Token { now }, input).map_err(err)?;
                }
                Ok(())
            }
            Decoder::SugonLogin => {
                for now_ms in [0, 1_700_000_000_000, u64::MAX] {
                    sugon::decode(sugon::Body::Session { now_ms }, input).map_err(err)?;
                }
                Ok(())
            }
            Decoder::SugonCenter => {
                for cluster_id in ["11276", ""] {
                    sugon::decode(sugon::Body::Center { cluster_id }, input).map_err(err)?;
                }
                Ok(())
            }
            Decoder::SugonGroups => sugon_objects(self, input).map(drop),
            Decoder::SugonResources => {
                for accelerator_type in ["gpu", "dcu", "mlu", "cpu", "other"] {
                    let body = sugon::Body::Resources { accelerator_type };
                    let d = sugon::decode(body, input).map_err(err)?;
                    d.snapshot.pools.iter().try_for_each(assert_finite)?;
                }
                Ok(())
            }
            Decoder::SugonHpcCluster => sugon::decode(sugon::Body::HpcCluster, input)
                .map(drop)
                .map_err(err),
            Decoder::SugonHpcQueues => sugon_objects(self, input).map(drop),
            Decoder::ConfigToml => {
                let text = std::str::from_utf8(input).map_err(err)?;
                aipool_exporter::config::from_str(
                    text,
                    "toml",
                    &aipool_exporter::config::Env::default(),
                )
                .map(drop)
                .map_err(err)
            }
            Decoder::WebConfig => {
                let text = std::str::from_utf8(input).map_err(err)?;
                aipool_exporter::web::WebConfig::parse(text, std::path::Path::new("."))
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

/// What an AIHC list decoder maps `input` to before the derivations (which
/// `aihc::decode` runs too): the pools and queues that decoded (queues on pool
/// `cce-1`) and what was left out. `None` for the other decoders; `Err` when
/// the body is not the expected document at all. The property tests compare
/// these across mutations of one list element.
pub fn aihc_mapped(d: Decoder, input: &[u8]) -> Option<Result<Decoded, String>> {
    let body = match d {
        Decoder::AihcOpenApiPools => aihc::Body::OpenApiPools,
        Decoder::AihcOpenApiQueues => aihc::Body::OpenApiQueues,
        Decoder::AihcConsolePools => aihc::Body::ConsolePools,
        Decoder::AihcConsoleQueues => aihc::Body::ConsoleQueues,
        Decoder::AihcServerlessPools => aihc::Body::ServerlessPools,
        Decoder::AihcServerlessQueues => aihc::Body::ServerlessQueues,
        Decoder::AihcOpenApiOverview => aihc::Body::OpenApiOverview,
        _ => return None,
    };
    Some(aihc::decode(body, input).map_err(|e: BodyError| e.to_string()))
}

/// The objects a Sugon list decoder keeps, mapped as the poll maps them: each
/// as (its id, its mapped form's debug text), in the answer's order. For the
/// property test that one bad element never changes the others.
///
/// Login: the region entries kept (`data`); center: the enabled `aiUrls` of
/// region 11276 (`data[0].aiUrls`); resource groups: the (type, group) pairs
/// (`data.gpu`); HPC queues: the queues with their node figures (`data`).
pub fn sugon_objects(d: Decoder, input: &[u8]) -> Result<Vec<(String, String)>, String> {
    let body = match d {
        Decoder::SugonLogin => sugon::Body::Login,
        Decoder::SugonCenter => sugon::Body::Center {
            cluster_id: "11276",
        },
        Decoder::SugonGroups => sugon::Body::Groups,
        Decoder::SugonHpcQueues => sugon::Body::HpcQueues,
        other => return Err(format!("{other:?} is not a Sugon list decoder")),
    };
    let decoded = sugon::decode(body, input).map_err(err)?;
    for queue in &decoded.snapshot.queues {
        for block in queue.quantities.values() {
            finite_resources(block)?;
        }
    }
    Ok(decoded.objects)
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
