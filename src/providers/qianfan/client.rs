//! The Qianfan management API: `POST {route}?Action=…` with a JSON body, signed with
//! bce-auth-v1 the way the official SDK signs it (docs/providers.md §2).
//!
//! The SDK sends `host`, `content-type`, `content-length` and `x-bce-date` (plus
//! `x-bce-security-token` with STS credentials) and signs all of them in the default
//! mode: the Authorization header's signed-headers field stays empty and the server
//! re-derives the set from what it receives. So every header we sign must reach the
//! server byte for byte; the body is serialised before signing so its length is
//! known, and `content-length` is set explicitly to that length.

use std::collections::HashSet;

pub use super::dto::{API_COMPUTE_UNITS, API_PRESET_SERVICES, API_SERVICES};

use reqwest::Url;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::model::Service;
use crate::providers::registry::Platform;
use crate::providers::upstream::paging::{self, CursorError};
use crate::providers::upstream::signing::{self, now_epoch_secs};
use crate::providers::upstream::{PollCtx, PollError, Reason};
use aipool_signing::bce::{self, BceRequest, SignedHeaders};

use super::dto::{
    ComputeUnitsRequest, ComputeUnitsResult, Envelope, InstanceDto, ServicesRequest, ServicesResult,
};
use super::{map, Config};
use crate::providers::upstream::decode::{DecodeLog, Lenient};

pub const ROUTE_SERVICE_RESOURCES: &str = "/v2/serviceresources";
pub const ROUTE_SERVICE: &str = "/v2/service";

/// The `protocolVersion`s DescribeServices is asked for, in this order. The
/// doc page "获取定制服务列表" (DescribeServices) gives 1 as the default and
/// lists a service made under protocol 2 only when the body asks for 2 (its
/// own request example sends `{"protocolVersion": 2}`): both are asked.
pub const PROTOCOL_VERSIONS: [u8; 2] = [1, 2];

/// What discovery found: the services, and the passes that failed without
/// failing the poll (counted partial errors).
#[derive(Debug, Default)]
pub struct Discovery {
    pub services: Vec<Service>,
    pub partial: Vec<PollError>,
}

/// The largest `maxKeys` DescribeServices honours.
pub const MAX_KEYS: u64 = 100;
/// Pages of DescribeServices before giving up (100 000 services at full pages): an
/// upstream that always says "more" must not keep a poll running forever.
pub const MAX_PAGES: u64 = 1000;

/// How long a signature stays valid, as the official SDKs default.
const SIGNATURE_EXPIRATION_SECS: u32 = 1800;

/// Legacy Qianfan error codes (`{error_code, error_msg}`) that mean the credentials
/// or their permissions are wrong: 6 no permission to access data, 14 IAM
/// certification failed, 110 access token invalid, 111 access token expired.
const LEGACY_AUTH_CODES: [&str; 4] = ["6", "14", "110", "111"];

/// Codes some success bodies carry that do not mean failure.
const SUCCESS_CODES: [&str; 4] = ["0", "200", "success", "ok"];

pub struct Client<'a> {
    pub cfg: &'a Config,
    pub ctx: &'a PollCtx,
}

impl Client<'_> {
    /// Every service of the account: custom services (DescribeServices, paged by
    /// marker, once per protocol version of [`PROTOCOL_VERSIONS`]), then preset
    /// services (DescribePresetServices), each id once. A service entry that
    /// does not decode is left out and recorded in `log`. A pass that fails
    /// (a page that is not the expected document, an error answer) is
    /// returned in [`Discovery::partial`]; when
    /// every pass fails, the first is refused as unauthorised, or the preset
    /// list fails, discovery fails (the poll).
    ///
    /// `last_listed` holds what each pass listed when it last succeeded (in
    /// [`PROTOCOL_VERSIONS`] order) and is updated here: a pass that fails
    /// stands on its last list, so one failed call does not make its services
    /// and their compute units (still asked for live) vanish for a poll.
    pub async fn discover(
        &self,
        last_listed: &mut [Option<Vec<Service>>; 2],
        log: &mut DecodeLog,
    ) -> Result<Discovery, PollError> {
        let mut out: Vec<Service> = Vec::new();
        let mut seen_ids = HashSet::new();
        let mut partial = Vec::new();
        let mut listed = false;
        for (version, last) in PROTOCOL_VERSIONS.into_iter().zip(last_listed.iter_mut()) {
            match self.custom_services(version, log).await {
                Ok(services) => {
                    listed = true;
                    merge(services.clone(), &mut seen_ids, &mut out);
                    *last = Some(services);
                }
                // Credentials refused before any pass answered are refused for
                // the account: asking again under the other version would only
                // count the same refusal twice.
                Err(e) if e.reason == Reason::Auth && !listed => return Err(e),
                Err(e) => {
                    let kept = match last {
                        Some(services) => {
                            merge(services.clone(), &mut seen_ids, &mut out);
                            format!(
                                "the {} it listed last time are still polled",
                                services.len()
                            )
                        }
                        None => "its services are left out".to_string(),
                    };
                    partial.push(PollError {
                        message: format!(
                            "protocolVersion {version} pass failed, {kept}: {}",
                            e.message
                        ),
                        ..e
                    });
                }
            }
        }
        if partial.len() == PROTOCOL_VERSIONS.len() {
            return Err(partial.swap_remove(0));
        }
        let preset = self
            .call::<ServicesResult>(ROUTE_SERVICE, API_PRESET_SERVICES, &serde_json::json!({}))
            .await?;
        if let Some(page) = preset {
            let services = map::map_services(
                API_PRESET_SERVICES,
                page.service_list.unwrap_or_default(),
                log,
            );
            merge(services, &mut seen_ids, &mut out);
        }
        Ok(Discovery {
            services: out,
            partial,
        })
    }

    /// One DescribeServices pass: every page for `protocol_version`, or the
    /// first failure. Only a complete pass is merged, so a pass that breaks
    /// off does not publish half a list.
    async fn custom_services(
        &self,
        protocol_version: u8,
        log: &mut DecodeLog,
    ) -> Result<Vec<Service>, PollError> {
        let mut out: Vec<Service> = Vec::new();
        let mut seen_ids = HashSet::new();
        paging::follow(
            MAX_PAGES,
            |marker: Option<&String>| {
                let marker = marker.cloned();
                async move {
                    let body = ServicesRequest {
                        marker: marker.as_deref(),
                        max_keys: MAX_KEYS,
                        protocol_version,
                    };
                    self.call::<ServicesResult>(ROUTE_SERVICE, API_SERVICES, &body)
                        .await
                }
            },
            |page| {
                // No `result`: no (more) services.
                let Some(mut page) = page else {
                    return Ok(None);
                };
                let (truncated, next) = page.next();
                let next = next.map(str::to_string);
                let services = map::map_services(
                    API_SERVICES,
                    page.service_list.take().unwrap_or_default(),
                    log,
                );
                merge(services, &mut seen_ids, &mut out);
                match (truncated, next) {
                    (false, _) => Ok(None),
                    (true, None) => Err(self.upstream_error(
                        API_SERVICES,
                        "isTruncated is true but no nextMarker was given",
                    )),
                    (true, Some(next)) => Ok(Some(next)),
                }
            },
        )
        .await
        .map_err(|e| match e {
            CursorError::Fetch(e) => e,
            CursorError::Repeated(next) => self.upstream_error(
                API_SERVICES,
                format!("nextMarker {next:?} came back a second time"),
            ),
            CursorError::TooManyPages(_) => self.upstream_error(
                API_SERVICES,
                format!("gave up after {MAX_PAGES} pages of {API_SERVICES}"),
            ),
        })?;
        Ok(out)
    }

    /// The compute unit instances of one service (none when `result` or
    /// `instances` is absent), each still to be decoded on its own.
    pub async fn compute_units(
        &self,
        service_id: &str,
    ) -> Result<Vec<Lenient<InstanceDto>>, PollError> {
        let body = ComputeUnitsRequest {
            service_id,
            payment_timing: self.cfg.payment_timing.as_deref(),
        };
        let result = self
            .call::<ComputeUnitsResult>(ROUTE_SERVICE_RESOURCES, API_COMPUTE_UNITS, &body)
            .await?;
        Ok(result.and_then(|r| r.instances).unwrap_or_default())
    }

    fn upstream_error(&self, api: &str, message: impl Into<String>) -> PollError {
        self.ctx.fail(api, "", Reason::UpstreamError, message)
    }

    /// One signed call; returns the envelope's `result`.
    async fn call<T: DeserializeOwned>(
        &self,
        route: &str,
        action: &str,
        body: &impl Serialize,
    ) -> Result<Option<T>, PollError> {
        let ctx = self.ctx;
        let body = serde_json::to_vec(body).map_err(|e| {
            ctx.fail(
                action,
                "",
                Reason::Connect,
                format!("cannot encode request body: {e}"),
            )
        })?;
        let url = action_url(&self.cfg.endpoint, route, action);
        let host = signing::signing_host(ctx, action, &url)?;
        let token = self.cfg.security_token.as_ref().map(|t| t.expose());
        // Signed anew for every attempt: the signature carries a timestamp, so a
        // retry of a request signed once would repeat a stale one, and Baidu's
        // `RequestExpired` (clock skew) is only worth retrying with a fresh one.
        let build = || {
            let now = now_epoch_secs();
            let headers = request_headers(&host, body.len(), now, token);
            let authorization = authorization(
                &self.cfg.access_key_id,
                self.cfg.secret_access_key.expose(),
                route,
                action,
                &headers,
                now,
            );
            let mut request = ctx
                .client
                .post(url.clone())
                .header("authorization", authorization);
            // reqwest writes `host` from the URL itself, the same value we signed.
            for (name, value) in headers.iter().filter(|(n, _)| n != "host") {
                request = request.header(name.as_str(), value.as_str());
            }
            request.body(body.clone())
        };
        let resp = ctx.send_signed(action, build).await?;
        if let Some((reason, message)) = body_error(&resp.body) {
            return Err(ctx.fail(
                action,
                &resp.url,
                reason,
                format!("HTTP {} with an error body: {message}", resp.status),
            ));
        }
        let envelope: Envelope<T> = ctx.decode(action, &resp)?;
        Ok(envelope.result)
    }
}

/// Adds services to `out`, each id once: a service listed twice (in both
/// protocol passes, or a list changing while we page) is polled once, as
/// first listed.
fn merge(services: Vec<Service>, seen_ids: &mut HashSet<String>, out: &mut Vec<Service>) {
    for s in services {
        if seen_ids.insert(s.id.clone()) {
            out.push(s);
        }
    }
}

/// `{endpoint origin}{route}?Action={action}`.
fn action_url(endpoint: &Url, route: &str, action: &str) -> Url {
    let mut url = endpoint.clone();
    url.set_path(route);
    url.set_query(None);
    url.query_pairs_mut().append_pair("Action", action);
    url
}

/// The headers a call sends and signs, besides Authorization (lowercase names).
pub fn request_headers(
    host: &str,
    body_len: usize,
    now_epoch_secs: u64,
    security_token: Option<&str>,
) -> Vec<(String, String)> {
    let mut headers = vec![
        ("host".to_string(), host.to_string()),
        ("content-type".to_string(), "application/json".to_string()),
        ("content-length".to_string(), body_len.to_string()),
        (
            "x-bce-date".to_string(),
            aipool_signing::dates::format_utc(now_epoch_secs),
        ),
    ];
    if let Some(token) = security_token {
        headers.push(("x-bce-security-token".to_string(), token.to_string()));
    }
    headers
}

/// The Authorization value for `POST {route}?Action={action}` carrying `headers`.
pub fn authorization(
    access_key_id: &str,
    secret_access_key: &str,
    route: &str,
    action: &str,
    headers: &[(String, String)],
    now_epoch_secs: u64,
) -> String {
    let query = [("Action".to_string(), action.to_string())];
    bce::sign(
        access_key_id,
        secret_access_key,
        &BceRequest {
            method: "POST",
            path: route,
            query: &query,
            headers,
        },
        SignedHeaders::Default,
        now_epoch_secs,
        SIGNATURE_EXPIRATION_SECS,
    )
}

/// The failure a response body reports, whatever its HTTP status: Qianfan answers
/// some failures with HTTP 200 and `{error_code, error_msg}` (the legacy shape) or
/// `{code, message}` instead of `{requestId, result}`. `None` for a success body.
pub fn body_error(body: &[u8]) -> Option<(Reason, String)> {
    let (code, message) = (super::Qianfan::ERRORS.read)(body);
    let code = code?;
    if SUCCESS_CODES.iter().any(|c| c.eq_ignore_ascii_case(&code)) {
        return None;
    }
    let reason = if is_auth_code(&code) {
        Reason::Auth
    } else {
        Reason::UpstreamError
    };
    let text = match message {
        Some(m) => format!("{code}: {m}"),
        None => code,
    };
    Some((reason, text))
}

fn is_auth_code(code: &str) -> bool {
    // The bce-auth-v1 codes (SignatureDoesNotMatch, …) are the platform's auth
    // codes, as in a non-2xx answer; a 200 has no status to go by, so only the
    // code decides.
    LEGACY_AUTH_CODES.contains(&code) || super::Qianfan::ERRORS.is_auth_code(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The official SDK's signature of a DescribeComputeUnits call, case
    /// `qianfan-describe-compute-units` of `crates/aipool-signing/vectors/signing-official-sdk.json`
    /// (copied here: that directory is not beside every checkout).
    #[test]
    fn reproduces_the_official_sdk_vector() {
        let now = 1_758_987_472;
        let headers = request_headers("qianfan.baidubce.com", 33, now, None);
        let pairs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        // Exactly the headers the SDK sent and signed, with its values.
        assert_eq!(
            pairs,
            [
                ("host", "qianfan.baidubce.com"),
                ("content-type", "application/json"),
                ("content-length", "33"),
                ("x-bce-date", "2025-09-27T15:37:52Z"),
            ]
        );
        let auth = authorization(
            "AKIDEXAMPLE0001",
            "SECRETEXAMPLE0001",
            ROUTE_SERVICE_RESOURCES,
            API_COMPUTE_UNITS,
            &headers,
            now,
        );
        assert_eq!(
            auth,
            "bce-auth-v1/AKIDEXAMPLE0001/2025-09-27T15:37:52Z/1800//\
             0d653414175603196a4f7b28abe8c704edacafc6ab66271c68b030dd04dd3f13"
        );
    }

    #[test]
    fn an_sts_token_is_sent_and_signed() {
        let plain = request_headers("qianfan.baidubce.com", 2, 1_758_987_472, None);
        let sts = request_headers("qianfan.baidubce.com", 2, 1_758_987_472, Some("tok"));
        assert_eq!(
            sts.last(),
            Some(&("x-bce-security-token".to_string(), "tok".to_string()))
        );
        let a = authorization(
            "AK",
            "SK",
            ROUTE_SERVICE,
            API_SERVICES,
            &plain,
            1_758_987_472,
        );
        let b = authorization("AK", "SK", ROUTE_SERVICE, API_SERVICES, &sts, 1_758_987_472);
        assert_ne!(a, b, "x-bce-* headers are in the default signed set");
        // Default mode: the signed-headers field is empty.
        assert!(a.contains("/1800//"), "{a}");
    }

    #[test]
    fn urls_keep_only_the_endpoint_origin() {
        let e = Url::parse("http://127.0.0.1:8080/ignored?x=1").unwrap();
        let u = action_url(&e, ROUTE_SERVICE_RESOURCES, API_COMPUTE_UNITS);
        assert_eq!(
            u.as_str(),
            "http://127.0.0.1:8080/v2/serviceresources?Action=DescribeComputeUnits"
        );
        assert_eq!(signing::host_header(&u).as_deref(), Some("127.0.0.1:8080"));
        let d = Url::parse(super::super::DEFAULT_ENDPOINT).unwrap();
        let u = action_url(&d, ROUTE_SERVICE, API_SERVICES);
        assert_eq!(
            u.as_str(),
            "https://qianfan.baidubce.com/v2/service?Action=DescribeServices"
        );
        assert_eq!(
            signing::host_header(&u).as_deref(),
            Some("qianfan.baidubce.com")
        );
    }

    #[test]
    fn error_bodies_in_both_shapes() {
        let cases: [(&str, Option<(Reason, &str)>); 10] = [
            (
                r#"{"requestId":"r","code":"SignatureDoesNotMatch","message":"bad sig"}"#,
                Some((Reason::Auth, "SignatureDoesNotMatch: bad sig")),
            ),
            (
                r#"{"requestId":"r","code":"InvalidAccessKeyId","message":"who"}"#,
                Some((Reason::Auth, "InvalidAccessKeyId: who")),
            ),
            (
                r#"{"error_code":110,"error_msg":"Access token invalid or no longer valid"}"#,
                Some((Reason::Auth, "110: Access token invalid or no longer valid")),
            ),
            (
                r#"{"error_code":6,"error_msg":"No permission to access data"}"#,
                Some((Reason::Auth, "6: No permission to access data")),
            ),
            (
                r#"{"error_code":336000,"error_msg":"Internal error"}"#,
                Some((Reason::UpstreamError, "336000: Internal error")),
            ),
            (
                r#"{"requestId":"r","code":"InternalError","message":"try again"}"#,
                Some((Reason::UpstreamError, "InternalError: try again")),
            ),
            (
                r#"{"requestId":"r","code":"ResourceNotFound"}"#,
                Some((Reason::UpstreamError, "ResourceNotFound")),
            ),
            (r#"{"requestId":"r","result":{"instances":[]}}"#, None),
            (r#"{"requestId":"r","code":0,"result":{}}"#, None),
            ("<html>gateway</html>", None),
        ];
        for (body, want) in cases {
            let got = body_error(body.as_bytes());
            let got = got.as_ref().map(|(r, m)| (*r, m.as_str()));
            assert_eq!(got, want, "{body}");
        }
    }
}
