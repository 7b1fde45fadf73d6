//! What every request signer shares: the Host header value a signature must
//! cover, and the clock its timestamp comes from.

use reqwest::Url;

use super::{PollCtx, PollError, Reason};

/// The Host header reqwest sends for `url`: the host, plus the port when it is
/// not the scheme's default. Request signatures must cover exactly that value.
pub fn host_header(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    })
}

/// [`host_header`], or the `connect` failure of a signed call to an endpoint
/// without a host (counted against `api`).
pub fn signing_host(ctx: &PollCtx, api: &str, url: &Url) -> Result<String, PollError> {
    host_header(url).ok_or_else(|| ctx.fail(api, "", Reason::Connect, "endpoint has no host"))
}

/// Now, in Unix seconds (0 if the clock is before 1970, which no signer accepts).
pub fn now_epoch_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
