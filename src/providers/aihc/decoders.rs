//! The decoders of AIHC's untrusted bodies (see [`Decoder`]): each list's
//! page, decoded and mapped as the poll does.

use super::{decode, Body};
use crate::providers::{BodyError, Decoded, Decoder};

/// Each list's decoder: its name and the body it decodes.
const BODIES: [(&str, Body); 7] = [
    ("aihc_openapi_pools", Body::OpenApiPools),
    ("aihc_openapi_queues", Body::OpenApiQueues),
    ("aihc_console_pools", Body::ConsolePools),
    ("aihc_console_queues", Body::ConsoleQueues),
    ("aihc_serverless_pools", Body::ServerlessPools),
    ("aihc_serverless_queues", Body::ServerlessQueues),
    ("aihc_openapi_overview", Body::OpenApiOverview),
];

pub const DECODERS: &[Decoder] = &[
    Decoder {
        name: BODIES[0].0,
        sample: r#"{"resourcePools":[{"resourcePoolId":"cce-1","name":"p","phase":"running","nodeNum":"2","type":"common"}],"totalCount":1,"pageSize":100}"#,
        run: |input| run(BODIES[0].1, input),
    },
    Decoder {
        name: BODIES[1].0,
        sample: r#"{"queues":[{"queueId":"q1","queueName":"root","queueType":"Elastic","capability":{"milliCPUcores":"444","memoryGi":"2220198166528","acceleratorCardList":[{"acceleratorCount":"8","acceleratorDescription":"H800","acceleratorType":"baidu.com/h800"}]},"allocated":{"milliCPUcores":"1000","memoryGi":"4","acceleratorCardList":[{"acceleratorCount":"0.5","acceleratorType":"baidu.com/h800"}]},"children":[{"queueId":"q2","capability":{"milliCPUcores":"2000"}}]}],"totalCount":1,"pageSize":100}"#,
        run: |input| run(BODIES[1].1, input),
    },
    Decoder {
        name: BODIES[2].0,
        sample: include_str!("../../../crates/aipool-sim/fixtures/aihc_console_resourcepools.json"),
        run: |input| run(BODIES[2].1, input),
    },
    Decoder {
        name: BODIES[3].0,
        sample: include_str!("../../../crates/aipool-sim/fixtures/aihc_console_queues.json"),
        run: |input| run(BODIES[3].1, input),
    },
    Decoder {
        name: BODIES[4].0,
        sample: include_str!(
            "../../../crates/aipool-sim/fixtures/aihc_console_serverless_pools.json"
        ),
        run: |input| run(BODIES[4].1, input),
    },
    Decoder {
        name: BODIES[5].0,
        sample: include_str!(
            "../../../crates/aipool-sim/fixtures/aihc_console_serverless_queues.json"
        ),
        run: |input| run(BODIES[5].1, input),
    },
    Decoder {
        name: BODIES[6].0,
        sample: include_str!(
            "../../../tests/fixtures/official/aihc/describe_resource_pool_overview.json"
        ),
        run: |input| run(BODIES[6].1, input),
    },
];

fn run(body: Body, input: &[u8]) -> Result<(), String> {
    decode(body, input).map(drop).map_err(|e| e.to_string())
}

/// What the list decoder `name` maps `input` to before the derivations
/// (which [`decode`] runs too): the pools and queues that decoded (queues on
/// pool `cce-1`) and what was left out. `None` for another decoder's name;
/// `Err` when the body is not the expected document at all. The property
/// tests compare these across mutations of one list element.
pub fn mapped(name: &str, input: &[u8]) -> Option<Result<Decoded, String>> {
    let (_, body) = BODIES.iter().find(|(n, _)| *n == name)?;
    Some(decode(*body, input).map_err(|e: BodyError| e.to_string()))
}
