//! aipool-sim: a simulator of the cloud platforms aipool-exporter polls (Baidu AIHC
//! and Qianfan, Huawei ModelArts, Sugon AC / SCNet): same paths, authentication and
//! payload shapes as the real APIs, built from the seed responses in `fixtures/`.
//!
//! Users: the `aipool_exporter` binary serves it for `simulate` and `demo`, and the
//! exporter's tests drive it. It depends on the shared signing algorithms
//! ([`aipool_signing`]) to verify requests, never on the exporter itself.
//!
//! Each platform is a [`Platform`] that claims the requests on its paths; all
//! platforms share one listener, since their paths do not overlap. [`verify`]
//! holds the gateways' signature checks, [`faults`] the injectable failures and
//! [`scale`] the generated large fleet.

pub mod aihc;
pub mod demo;
pub mod faults;
pub mod modelarts;
pub mod qianfan;
pub mod scale;
pub mod sugon;
pub mod verify;

use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::HeaderMap;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

use aipool_signing::bce::BceRequest;

/// Credentials the simulator accepts; the demo config ([`demo`]) uses them.
pub mod credentials {
    pub const BCE_ACCESS_KEY_ID: &str = "AKDEMO00000000000001";
    pub const BCE_SECRET_ACCESS_KEY: &str = "demo-bce-secret-key-0001";
    /// The console session cookie (a user pastes the browser's Cookie header).
    pub const AIHC_CONSOLE_COOKIE: &str = "bce-sessionid=demo-console-session; bce-ctx-region=bj";

    /// Huawei Cloud (ModelArts): the demo project, AK/SK and IAM users.
    pub const MODELARTS_REGION: &str = "cn-north-4";
    pub const MODELARTS_PROJECT_ID: &str = "0a6f2e4c1b8d4e7f9a3c5b2d1e0f4a6b";
    /// IAM project names are region ids.
    pub const MODELARTS_PROJECT_NAME: &str = "cn-north-4";
    pub const HUAWEI_ACCESS_KEY_ID: &str = "HWDEMOAK000000000001";
    pub const HUAWEI_SECRET_ACCESS_KEY: &str = "demo-huawei-secret-key-0001";
    pub const HUAWEI_IAM_DOMAIN: &str = "demo-domain";
    pub const HUAWEI_IAM_USER: &str = "demo-iam-user";
    pub const HUAWEI_IAM_PASSWORD: &str = "demo-iam-password-0001";
    /// An IAM user whose tokens the simulator revokes when the next poll starts
    /// (while `expires_at` still says 24 h), as IAM does after a password change.
    pub const HUAWEI_IAM_ONE_POLL_USER: &str = "demo-iam-one-poll-user";
    /// Sugon AC / SCNet: one user, with a password login and an AK/SK pair.
    pub const SUGON_USER: &str = "demo-sugon";
    pub const SUGON_PASSWORD: &str = "demo-sugon-password-0001";
    pub const SUGON_ORG_ID: &str = "demo0org0id0000000000000000000001";
    pub const SCNET_ACCESS_KEY_ID: &str = "demo0scnet0access0key00000000001";
    pub const SCNET_SECRET_ACCESS_KEY: &str = "demo-scnet-secret-key-0001";
}

#[derive(Debug, Clone)]
pub struct Options {
    /// The largest page any list endpoint returns, whatever the client asks.
    pub page_cap: u64,
    /// Move allocations a little on every poll so dashboards look alive.
    pub drift: bool,
    /// Fault injection spec (see [`faults`]); empty for none.
    pub faults: String,
    /// Sugon token lifetime and platform clock.
    pub sugon: sugon::SugonOptions,
    /// Serve a generated AIHC fleet of this size on the OpenAPI instead of the
    /// seed pools (see [`scale`]).
    pub scale: Option<scale::Scale>,
    /// Added to every API request before it is answered (a remote upstream's
    /// round trip).
    pub latency: std::time::Duration,
}

impl Options {
    /// Fixed seed numbers (no drift) served in pages of at most `page_cap`: what a
    /// test that asserts exact figures wants (`simulate --no-drift --page-cap N`).
    pub fn fixed(page_cap: u64) -> Options {
        Options {
            page_cap,
            drift: false,
            ..Options::default()
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            page_cap: 100,
            drift: true,
            faults: String::new(),
            sugon: sugon::SugonOptions::default(),
            scale: None,
            latency: std::time::Duration::ZERO,
        }
    }
}

/// A request as a platform sees it.
#[derive(Debug)]
pub struct SimRequest {
    pub method: String,
    pub path: String,
    /// Decoded query pairs, in order.
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// How far the platform's clock is ahead of the host's for this request, in
    /// milliseconds (negative: behind); fault `skew`.
    pub clock_skew_ms: i64,
}

impl SimRequest {
    /// A request built from text, as tests write one: `headers` are (name, value)
    /// pairs, a later one replacing an earlier one of the same name. Fails on a
    /// name or value HTTP does not allow.
    pub fn new(
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<SimRequest, hyper::http::Error> {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(
                hyper::header::HeaderName::from_bytes(k.as_bytes())?,
                hyper::header::HeaderValue::from_str(v)?,
            );
        }
        Ok(SimRequest {
            method: method.into(),
            path: path.into(),
            query: query
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            headers: h,
            body: body.to_vec().into(),
            clock_skew_ms: 0,
        })
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The platform's clock for this request: the host's, plus the skew.
    pub fn now(&self) -> std::time::SystemTime {
        let now = std::time::SystemTime::now();
        let skew = std::time::Duration::from_millis(self.clock_skew_ms.unsigned_abs());
        if self.clock_skew_ms >= 0 {
            now + skew
        } else {
            now.checked_sub(skew).unwrap_or(std::time::UNIX_EPOCH)
        }
    }

    /// [`Self::now`] in epoch milliseconds.
    pub fn now_ms(&self) -> u64 {
        self.now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0)
    }

    /// [`Self::now_ms`] in whole seconds.
    pub fn now_secs(&self) -> u64 {
        self.now_ms() / 1000
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// All headers as lowercase (name, value) pairs, for signature checks.
    pub fn header_pairs(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct SimResponse {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl SimResponse {
    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        SimResponse {
            status,
            content_type: "application/json",
            headers: Vec::new(),
            body: serde_json::to_vec(value).unwrap_or_default(),
        }
    }

    pub fn html(status: u16, body: &str) -> Self {
        SimResponse {
            status,
            content_type: "text/html; charset=utf-8",
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
        }
    }
}

/// One simulated platform.
pub trait Platform: Send + Sync {
    /// Answers `req` if it is on this platform's paths.
    fn handle(&self, req: &SimRequest) -> Option<SimResponse>;

    /// What the platform answers to `req` (one of its own) when the request's
    /// credentials have expired: its own error shape, so the exporter's handling
    /// of expiry (re-sign, re-login, token refresh) is what gets tested.
    fn expired(&self, _req: &SimRequest) -> Option<SimResponse> {
        None
    }
}

pub struct Simulator {
    platforms: Vec<Box<dyn Platform>>,
    pub faults: faults::Faults,
    latency: std::time::Duration,
}

impl Simulator {
    pub fn new(opts: &Options) -> Result<Self, faults::SpecError> {
        let f = faults::Faults::default();
        f.set(&opts.faults)?;
        Ok(Simulator {
            platforms: vec![
                Box::new(aihc::Aihc::new(opts.clone())),
                Box::new(qianfan::Qianfan::new(opts.clone())),
                Box::new(modelarts::ModelArts::new(opts.clone())),
                Box::new(sugon::Sugon::new(opts.sugon.clone(), opts.drift)),
            ],
            faults: f,
            latency: opts.latency,
        })
    }

    /// The owning platform's "credentials expired" answer to `req` (fault
    /// `expire`); a plain 401 when no platform claims it.
    pub fn expired(&self, req: &SimRequest) -> SimResponse {
        self.platforms
            .iter()
            .find_map(|p| p.expired(req))
            .unwrap_or_else(|| {
                SimResponse::json(
                    401,
                    &serde_json::json!({"code": "Unauthorized", "message": "injected expiry"}),
                )
            })
    }

    pub fn handle(&self, req: &SimRequest) -> SimResponse {
        self.platforms
            .iter()
            .find_map(|p| p.handle(req))
            .unwrap_or_else(|| {
                SimResponse::json(
                    404,
                    &serde_json::json!({"code": "NotFound", "message": format!("no simulated API at {}", req.path)}),
                )
            })
    }
}

/// A running simulator.
pub struct RunningSim {
    pub addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningSim {
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = tokio::time::timeout(std::time::Duration::from_secs(1), self.task).await;
    }
}

pub async fn start(listen: &str, opts: &Options) -> anyhow::Result<RunningSim> {
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let sim = Arc::new(Simulator::new(opts)?);
    let (shutdown, rx) = watch::channel(false);
    let task = tokio::spawn(serve(listener, sim, rx));
    Ok(RunningSim {
        addr,
        shutdown,
        task,
    })
}

async fn serve(listener: TcpListener, sim: Arc<Simulator>, mut shutdown: watch::Receiver<bool>) {
    loop {
        let (stream, _) = tokio::select! {
            a = listener.accept() => match a {
                Ok(a) => a,
                Err(_) => continue,
            },
            _ = shutdown.changed() => return,
        };
        let sim = sim.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req: Request<Incoming>| {
                let sim = sim.clone();
                async move { dispatch(req, &sim).await }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// The connection is dropped without a response (fault `reset`).
#[derive(Debug)]
struct ConnectionReset;

impl std::fmt::Display for ConnectionReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("injected connection reset")
    }
}

impl std::error::Error for ConnectionReset {}

/// What fault targets match against: the API name (the action parameter, else
/// the path), then the query and the start of the body, so a target can pick
/// one pool's or one service's calls (`resourcePoolId=cce-1`,
/// `"serviceId":"svco-1"`) as well as a whole API (`v3/queues`).
fn api_name(req: &SimRequest) -> String {
    let name = req
        .param("action")
        .or_else(|| req.param("Action"))
        .map(str::to_string)
        .unwrap_or_else(|| req.path.clone());
    let query: Vec<String> = req.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let body = &req.body[..req.body.len().min(1024)];
    format!(
        "{name}?{} {}",
        query.join("&"),
        String::from_utf8_lossy(body)
    )
}

async fn dispatch(
    req: Request<Incoming>,
    sim: &Simulator,
) -> Result<Response<Full<Bytes>>, ConnectionReset> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, 1 << 20).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let query = parts.uri.query().map(url_pairs).unwrap_or_default();
    let mut sreq = SimRequest {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query,
        headers: parts.headers,
        body,
        clock_skew_ms: 0,
    };
    if sreq.path == "/-/faults" && sreq.method == "POST" {
        let spec = String::from_utf8_lossy(&sreq.body).to_string();
        let resp = match sim.faults.set(&spec) {
            Ok(()) => SimResponse::json(200, &serde_json::json!({"faults": spec})),
            Err(e) => SimResponse::json(400, &serde_json::json!({"error": e.to_string()})),
        };
        return Ok(into_response(resp));
    }
    if !sim.latency.is_zero() {
        tokio::time::sleep(sim.latency).await;
    }
    let fault = sim.faults.take(&api_name(&sreq));
    match fault {
        Some(faults::Fault::Hang) => std::future::pending::<()>().await,
        Some(faults::Fault::Reset) => return Err(ConnectionReset),
        Some(faults::Fault::Slow(d)) => tokio::time::sleep(d).await,
        Some(faults::Fault::Skew(ms)) => sreq.clock_skew_ms = ms,
        _ => {}
    }
    let mut resp = if fault == Some(faults::Fault::Expire) {
        sim.expired(&sreq)
    } else {
        sim.handle(&sreq)
    };
    match fault {
        Some(faults::Fault::ServerError) => {
            resp = SimResponse::json(
                503,
                &serde_json::json!({"code": "ServiceUnavailable", "message": "injected fault"}),
            );
        }
        Some(faults::Fault::ClientError) => {
            resp = SimResponse::json(
                400,
                &serde_json::json!({"requestId": request_id(), "code": "InvalidParameter",
                                    "message": "injected fault"}),
            );
        }
        Some(faults::Fault::Throttle(after)) => {
            resp = SimResponse::json(
                429,
                &serde_json::json!({"code": "RequestLimitExceeded", "message": "injected fault"}),
            );
            if let Some(secs) = after {
                resp.headers.push(("retry-after".into(), secs.to_string()));
            }
        }
        Some(faults::Fault::Truncate) => {
            let half = resp.body.len() / 2;
            resp.body.truncate(half);
        }
        Some(faults::Fault::Malformed) => {
            resp.body = b"{\"result\": [1, 2, oops".to_vec();
        }
        Some(faults::Fault::Huge) => {
            resp.body = vec![b' '; 100 << 20];
        }
        Some(faults::Fault::Corrupt { path, raw }) => {
            if let Some(body) = faults::corrupt(&resp.body, &path, &raw) {
                resp.body = body;
            }
        }
        _ => {}
    }
    Ok(into_response(resp))
}

fn into_response(resp: SimResponse) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(resp.body)));
    *r.status_mut() =
        StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = resp.content_type.parse() {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    for (k, v) in resp.headers {
        if let (Ok(k), Ok(v)) = (
            hyper::header::HeaderName::from_bytes(k.as_bytes()),
            hyper::header::HeaderValue::from_str(&v),
        ) {
            r.headers_mut().insert(k, v);
        }
    }
    r
}

/// Decodes an `application/x-www-form-urlencoded` query string.
fn url_pairs(q: &str) -> Vec<(String, String)> {
    url::Url::parse(&format!("http://x/?{q}"))
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// The error body of Baidu's APIs (AIHC OpenAPI, Qianfan).
pub fn bce_error(status: u16, code: &str, message: &str) -> SimResponse {
    SimResponse::json(
        status,
        &serde_json::json!({"requestId": request_id(), "code": code, "message": message}),
    )
}

/// A fresh request id, as every platform puts in its answers.
pub fn request_id() -> String {
    format!("sim-{:016x}", fastrand::u64(..))
}

/// This host's clock in Unix seconds.
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Checks bce-auth-v1 as the cloud does, over the request exactly as received.
fn verify_bce(req: &SimRequest) -> Result<(), SimResponse> {
    let Some(auth) = req.header("authorization") else {
        return Err(bce_error(
            403,
            "AccessDenied",
            "missing Authorization header",
        ));
    };
    // An STS token must be covered by the signature (it is an x-bce-* header);
    // the default signed set includes it, an explicit list must name it.
    if req.header("x-bce-security-token").is_some() {
        let signed = auth.split('/').nth(4).unwrap_or("");
        if !signed.is_empty() && !signed.split(';').any(|h| h == "x-bce-security-token") {
            return Err(bce_error(
                403,
                "AccessDenied",
                "x-bce-security-token is not signed",
            ));
        }
    }
    let headers = req.header_pairs();
    let breq = BceRequest {
        method: &req.method,
        path: &req.path,
        query: &req.query,
        headers: &headers,
    };
    let lookup = |ak: &str| {
        (ak == credentials::BCE_ACCESS_KEY_ID)
            .then(|| credentials::BCE_SECRET_ACCESS_KEY.to_string())
    };
    verify::bce::verify(auth, lookup, &breq, req.now_secs())
        .map_err(|e| bce_error(e.http_status(), e.code(), &e.to_string()))
}

/// Serves one page of `items` (1-based `page`), capping the size at `cap`.
/// Returns the items and the size actually used.
pub fn page<T: Clone>(items: &[T], page: u64, size: u64, cap: u64) -> (Vec<T>, u64) {
    let size = size.clamp(1, cap.max(1));
    let start = page.saturating_sub(1).saturating_mul(size) as usize;
    let end = (start + size as usize).min(items.len());
    let slice = if start < items.len() {
        items[start..end].to_vec()
    } else {
        Vec::new()
    };
    (slice, size)
}
