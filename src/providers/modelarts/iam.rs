//! IAM user tokens for password authentication.
//!
//! `POST {iam}/v3/auth/tokens` with the Keystone v3 password identity, scoped to
//! the account's project (by `project_name` when configured, else by
//! `project_id`). The token comes back in the `X-Subject-Token` header and is
//! valid for 24 hours (`token.expires_at` in the body says exactly until when).
//!
//! The token is cached in the provider between polls and replaced shortly before
//! it expires; IAM also invalidates tokens early (a changed password, a disabled
//! user), which the client notices as an auth failure and answers with one
//! refresh (see [`super::client`]). Neither the password nor the token is ever
//! logged: both are [`Secret`]s.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::Url;
use serde_json::json;

use crate::fields::Secret;
use crate::providers::upstream::{PollCtx, PollError, Reason};

use super::dto::TokenBody;
use super::PasswordAuth;

/// The `api` label of the token request.
pub const API_TOKENS: &str = "iam:tokens";

/// How long IAM tokens live, per the IAM documentation; assumed when the answer
/// does not say (or says something our clock cannot use).
pub const DOCUMENTED_VALIDITY: Duration = Duration::from_secs(24 * 3600);

/// Refresh this long before expiry (at most half the token's lifetime), so a poll
/// never starts with a token about to run out mid-way.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(3600);

/// The cached token of one account.
#[derive(Default)]
pub struct TokenCache {
    inner: Mutex<Option<Cached>>,
}

struct Cached {
    token: Secret,
    /// Monotonic, so a wall-clock jump does not keep a stale token alive.
    refresh_at: Instant,
}

impl TokenCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Cached>> {
        // Nothing can be left half-written in an Option swap; recover from poison.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The cached token, unless it is due for refresh.
    pub fn current(&self) -> Option<Secret> {
        self.lock()
            .as_ref()
            .filter(|c| Instant::now() < c.refresh_at)
            .map(|c| c.token.clone())
    }

    /// Caches `token`, which IAM says is valid for `valid_for` from now.
    pub fn store(&self, token: Secret, valid_for: Duration) {
        *self.lock() = Some(Cached {
            token,
            refresh_at: Instant::now() + refresh_after(valid_for),
        });
    }

    /// Forgets the token (it was refused).
    pub fn invalidate(&self) {
        *self.lock() = None;
    }
}

/// When to replace a token valid for `valid_for`: [`REFRESH_MARGIN`] before it
/// expires, or half-way through a lifetime shorter than twice the margin.
pub fn refresh_after(valid_for: Duration) -> Duration {
    valid_for - REFRESH_MARGIN.min(valid_for / 2)
}

/// The Keystone v3 password identity, scoped to a project.
pub fn request_body(auth: &PasswordAuth, project_id: &str) -> serde_json::Value {
    let project = match &auth.project_name {
        Some(name) => json!({"name": name}),
        None => json!({"id": project_id}),
    };
    json!({
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {
                        "name": auth.username,
                        "password": auth.password.expose(),
                        "domain": {"name": auth.domain}
                    }
                }
            },
            "scope": {"project": project}
        }
    })
}

/// `{iam}/v3/auth/tokens?nocatalog=true`; an endpoint given with the `/v3`
/// suffix OpenStack users are used to (`https://iam.example/v3`) works too.
/// `nocatalog` leaves the service catalog out of the answer (huaweicloudsdkiam
/// 3.1.219 `v3/model/keystone_create_user_token_by_password_request.py`: any
/// non-empty value hides `catalog`): only the token and its `expires_at` are
/// read, and the catalog of every service in every region is by far the
/// biggest part of the body.
pub fn tokens_url(iam: &Url) -> Option<Url> {
    let mut url = iam.clone();
    let base = url.path().trim_end_matches('/').to_string();
    let path = if base.ends_with("/v3") {
        format!("{base}/auth/tokens")
    } else {
        format!("{base}/v3/auth/tokens")
    };
    if url.cannot_be_a_base() {
        return None;
    }
    url.set_path(&path);
    url.set_query(Some("nocatalog=true"));
    Some(url)
}

/// Parses `expires_at` as IAM writes it (RFC 3339, `2020-01-04T09:05:22.701000Z`)
/// into epoch seconds.
pub fn parse_expires_at(s: &str) -> Option<u64> {
    let secs = crate::dates::parse_rfc3339(s.trim()).ok()?;
    (secs >= 0.0).then_some(secs as u64)
}

/// How long a token with `expires_at` stays valid from `now` (epoch seconds).
/// Falls back to the documented 24 hours when the time is missing, unreadable or
/// already past by our clock (a skewed clock must not make every request fetch a
/// new token; a token that really expired is caught by the refresh on 401).
pub fn validity(expires_at: Option<&str>, now: u64) -> Duration {
    match expires_at.and_then(parse_expires_at) {
        Some(t) if t > now => Duration::from_secs(t - now),
        Some(_) => {
            tracing::warn!(
                "IAM token expires_at is not in the future by this host's clock; \
                 assuming the documented 24 h validity (check the clock)"
            );
            DOCUMENTED_VALIDITY
        }
        None => DOCUMENTED_VALIDITY,
    }
}

/// Obtains a new token and how long it is valid.
pub async fn fetch(
    auth: &PasswordAuth,
    project_id: &str,
    ctx: &PollCtx,
) -> Result<(Secret, Duration), PollError> {
    let Some(url) = tokens_url(&auth.iam_endpoint) else {
        return Err(ctx.fail(
            API_TOKENS,
            "",
            Reason::Connect,
            "iam_endpoint cannot be a base URL",
        ));
    };
    let body = serde_json::to_vec(&request_body(auth, project_id)).map_err(|e| {
        ctx.fail(
            API_TOKENS,
            "",
            Reason::Connect,
            format!("cannot encode the token request: {e}"),
        )
    })?;
    let request = ctx
        .client
        .post(url)
        .header("content-type", "application/json;charset=utf8")
        .body(body);
    let resp = ctx.send(API_TOKENS, request).await?;
    let token = resp
        .headers
        .get("x-subject-token")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return Err(ctx.fail(
            API_TOKENS,
            &resp.url,
            Reason::UpstreamError,
            "IAM answered without an X-Subject-Token header",
        ));
    };
    let token = Secret::new(token);
    // The body only tells the expiry: a body we cannot read costs precision, not
    // the token.
    let expires_at = serde_json::from_slice::<TokenBody>(&resp.body)
        .ok()
        .and_then(|b| b.token.expires_at);
    let now = crate::providers::upstream::signing::now_epoch_secs();
    Ok((token, validity(expires_at.as_deref(), now)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(project_name: Option<&str>) -> PasswordAuth {
        PasswordAuth {
            iam_endpoint: Url::parse("https://iam.cn-north-4.myhuaweicloud.com").unwrap(),
            username: "alice".into(),
            password: Secret::new("pw-SECRET"),
            domain: "acme".into(),
            project_name: project_name.map(String::from),
        }
    }

    #[test]
    fn body_is_a_password_identity_scoped_by_name_or_id() {
        let by_name = request_body(&auth(Some("cn-north-4")), "pid");
        assert_eq!(
            by_name,
            json!({"auth": {
                "identity": {"methods": ["password"], "password": {"user": {
                    "name": "alice", "password": "pw-SECRET", "domain": {"name": "acme"}}}},
                "scope": {"project": {"name": "cn-north-4"}}
            }})
        );
        let by_id = request_body(&auth(None), "0b5f");
        assert_eq!(by_id["auth"]["scope"], json!({"project": {"id": "0b5f"}}));
    }

    #[test]
    fn tokens_url_with_and_without_v3() {
        let u = |s: &str| tokens_url(&Url::parse(s).unwrap()).unwrap().to_string();
        assert_eq!(
            u("https://iam.cn-north-4.myhuaweicloud.com"),
            "https://iam.cn-north-4.myhuaweicloud.com/v3/auth/tokens?nocatalog=true"
        );
        assert_eq!(
            u("https://iam.eu-de.otc.t-systems.com/v3/"),
            "https://iam.eu-de.otc.t-systems.com/v3/auth/tokens?nocatalog=true"
        );
        assert_eq!(
            u("http://127.0.0.1:9878/proxy/"),
            "http://127.0.0.1:9878/proxy/v3/auth/tokens?nocatalog=true"
        );
    }

    #[test]
    fn expires_at_parsing() {
        assert_eq!(
            parse_expires_at("2020-01-04T09:05:22.701000Z"),
            Some(1_578_128_722)
        );
        assert_eq!(
            parse_expires_at("2020-01-04T09:05:22Z"),
            Some(1_578_128_722)
        );
        assert_eq!(
            parse_expires_at("2020-01-04T09:05:22+00:00"),
            Some(1_578_128_722)
        );
        // An offset is converted, not refused: the same instant in China time.
        assert_eq!(
            parse_expires_at("2020-01-04T17:05:22+08:00"),
            Some(1_578_128_722)
        );
        for bad in [
            "",
            "2020-01-04",
            "2020-01-04T09:05:22",
            "2020-02-30T00:00:00Z",
            "2020/01/04T09:05:22Z",
            "2020-01-04T09:05:22.Zx",
        ] {
            assert_eq!(parse_expires_at(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn validity_from_expires_at_with_fallbacks() {
        let now = 1_578_128_722 - 86_400;
        assert_eq!(
            validity(Some("2020-01-04T09:05:22.701000Z"), now),
            Duration::from_secs(86_400)
        );
        assert_eq!(validity(None, now), DOCUMENTED_VALIDITY);
        assert_eq!(validity(Some("soon"), now), DOCUMENTED_VALIDITY);
        // Already past by our clock: assume the documented lifetime.
        assert_eq!(
            validity(Some("2020-01-04T09:05:22Z"), now + 90_000),
            DOCUMENTED_VALIDITY
        );
    }

    #[test]
    fn refresh_an_hour_early_or_half_way() {
        assert_eq!(
            refresh_after(Duration::from_secs(24 * 3600)),
            Duration::from_secs(23 * 3600)
        );
        assert_eq!(
            refresh_after(Duration::from_secs(600)),
            Duration::from_secs(300)
        );
        assert_eq!(refresh_after(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn the_cache_hands_out_a_token_until_it_is_due() {
        let cache = TokenCache::default();
        assert!(cache.current().is_none());
        cache.store(Secret::new("t1"), Duration::from_secs(3600));
        assert_eq!(
            cache.current().map(|s| s.expose().to_string()).as_deref(),
            Some("t1")
        );
        cache.invalidate();
        assert!(cache.current().is_none());
        // A token with no lifetime left is due at once.
        cache.store(Secret::new("t2"), Duration::ZERO);
        assert!(cache.current().is_none());
    }
}
