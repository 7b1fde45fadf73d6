//! Baidu AIHC (百舸): resource pools and their queues, through either the console
//! API (`api = "console"`, browser-session cookie) or the OpenAPI
//! (`api = "openapi"`, AK/SK with bce-auth-v1). docs/providers.md §1.

pub(crate) mod client;
pub(crate) mod config;
pub(crate) mod decode;
pub mod decoders;
pub(crate) mod dto;
pub(crate) mod map;
pub(crate) mod overview;
#[cfg(test)]
pub(crate) mod seed;

use std::sync::Arc;

use crate::providers::upstream::{PollCtx, PollError};

pub use self::config::{
    parse_config, Api, Auth, Config, CONSOLE_ENDPOINT, CONSOLE_POOL_TYPES, KNOWN_REGIONS,
    OPENAPI_POOL_TYPES,
};
use super::registry::{Decoder, Platform};
use super::upstream::response::ErrorSpec;
use super::{BoxFuture, PollOutput, Provider};
use crate::fields::{CommonKeys, Fields};

// Where callers found them when they lived here.
pub use self::decode::{decode, Body, OpenApiPages};
pub(crate) use self::map::snapshot::{finish_snapshot, remaining_from, Collected, Listed};

pub struct Aihc {
    cfg: Config,
}

impl Aihc {
    pub fn new(cfg: Config) -> Self {
        Aihc { cfg }
    }
}

impl Platform for Aihc {
    const NAME: &'static str = "aihc";
    type Config = Config;
    const ERRORS: ErrorSpec = ErrorSpec::codes(
        aipool_signing::bce::AUTH_ERROR_CODES,
        &[aipool_signing::bce::REQUEST_EXPIRED],
    );
    const DECODERS: &'static [Decoder] = decoders::DECODERS;

    fn parse_config(f: &mut Fields<'_>, common: &mut CommonKeys) -> Option<Config> {
        parse_config(f, common)
    }

    fn build(config: &Config) -> Arc<dyn Provider> {
        Arc::new(Aihc::new(config.clone()))
    }
}

impl Provider for Aihc {
    fn poll<'a>(&'a self, ctx: &'a PollCtx) -> BoxFuture<'a, Result<PollOutput, PollError>> {
        Box::pin(async move {
            let mut out = Collected::new(self.cfg.api);
            client::poll(&self.cfg, ctx, &mut out).await?;
            Ok(out.finish())
        })
    }
}

#[cfg(test)]
mod paging_tests;
#[cfg(test)]
mod tests;
