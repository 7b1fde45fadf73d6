//! AIHC's two APIs behind one call: the console API with the browser
//! session's cookie ([`console`]) or the OpenAPI signed with AK/SK
//! ([`openapi`]), whichever the account's `auth` says. Both list pools and
//! then each pool's queues into the same [`Collected`].

pub(crate) mod console;
pub(crate) mod openapi;

use crate::providers::upstream::{PollCtx, PollError};

use super::{Auth, Collected, Config};

/// Page size we ask for; servers may cap it and echo what they used.
pub const PAGE_SIZE: u64 = 100;

/// Lists the account's pools and queues through the API its credentials are for.
pub async fn poll(cfg: &Config, ctx: &PollCtx, out: &mut Collected) -> Result<(), PollError> {
    match &cfg.auth {
        Auth::Cookie(cookie) => console::poll(cfg, cookie, ctx, out).await,
        Auth::AkSk {
            access_key_id,
            secret_access_key,
            security_token,
        } => {
            let creds = openapi::Credentials {
                access_key_id,
                secret_access_key,
                security_token: security_token.as_ref(),
            };
            openapi::poll(cfg, &creds, ctx, out).await
        }
    }
}
