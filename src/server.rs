//! The exporter's HTTP endpoints: the telemetry path, `/healthz`, `/ready` and a
//! landing page. Handlers only read published state: nothing here waits on an
//! upstream (architecture invariant 1).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, VARY};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::exposition::cache::{ChunkBody, ScrapeCache};
use crate::exposition::{self, BuildInfo, Format};
use crate::state::Shared;

type Resp = Response<ChunkBody>;

/// Serves until `shutdown` turns true.
pub async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let build = Arc::new(BuildInfo::default());
    let cache = Arc::new(ScrapeCache::new(&build));
    {
        let cache = cache.clone();
        let mut shutdown = shutdown.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = crate::state::PUBLISHED.notified() => cache.clear(),
                    _ = shutdown.changed() => return,
                }
            }
        });
    }
    loop {
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off briefly
                    // rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => return,
        };
        let shared = shared.clone();
        let build = build.clone();
        let cache = cache.clone();
        let mut conn_shutdown = shutdown.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let shared = shared.clone();
                let build = build.clone();
                let cache = cache.clone();
                async move { Ok::<_, Infallible>(handle(req, &shared, &build, &cache).await) }
            });
            let conn = http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(std::time::Duration::from_secs(10))
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                res = conn.as_mut() => {
                    if let Err(e) = res {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                }
                _ = conn_shutdown.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(std::time::Duration::from_millis(500), conn).await;
                }
            }
        });
    }
}

async fn handle(
    req: Request<Incoming>,
    shared: &Shared,
    build: &BuildInfo,
    cache: &ScrapeCache,
) -> Resp {
    let head_only = req.method() == Method::HEAD;
    if req.method() != Method::GET && !head_only {
        return text(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD\n");
    }
    let path = req.uri().path();
    let mut resp = if path == shared.telemetry_path {
        let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
        let format = Format::negotiate(header(ACCEPT));
        let cached = cache.get(format, &shared.accounts, SystemTime::now());
        let gzip = if exposition::accepts_gzip(header(ACCEPT_ENCODING)) {
            cached.gzip().await
        } else {
            None
        };
        let mut r = match gzip {
            Some(body) => {
                let mut r = Response::new(ChunkBody::from(body));
                r.headers_mut()
                    .insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                r
            }
            None => Response::new(cached.body()),
        };
        r.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static(format.content_type()),
        );
        r.headers_mut()
            .insert(VARY, HeaderValue::from_static("Accept-Encoding"));
        r
    } else {
        match path {
            "/healthz" => text(StatusCode::OK, "ok\n"),
            "/ready" => {
                if shared.ready() {
                    text(StatusCode::OK, "ready\n")
                } else {
                    text(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "not ready: some accounts have not finished their first poll\n",
                    )
                }
            }
            "/" => html(landing_page(shared, build)),
            _ => text(StatusCode::NOT_FOUND, "not found\n"),
        }
    };
    if head_only {
        *resp.body_mut() = ChunkBody::empty();
    }
    resp
}

fn text(status: StatusCode, body: &'static str) -> Resp {
    let mut r = Response::new(ChunkBody::from(Bytes::from_static(body.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

fn html(body: String) -> Resp {
    let mut r = Response::new(ChunkBody::from(Bytes::from(body)));
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn landing_page(shared: &Shared, build: &BuildInfo) -> String {
    let path = escape_html(&shared.telemetry_path);
    let mut rows = String::new();
    for a in &shared.accounts {
        let r = a.rendered();
        let p = &r.published;
        let state = match (p.attempted, p.up) {
            (false, _) => "pending",
            (true, true) => "up",
            (true, false) => "down",
        };
        let last = p
            .last_success
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| humantime::format_rfc3339_seconds(UNIX_EPOCH + d).to_string())
            .unwrap_or_else(|| "never".into());
        let (pools, queues) = (r.pools, r.queues);
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"{state}\">{state}</td><td>{last}</td><td>{pools}</td><td>{queues}</td><td>{}</td></tr>\n",
            escape_html(&a.name),
            a.provider,
            escape_html(&a.region),
            escape_html(p.last_error.as_deref().unwrap_or("")),
        ));
    }
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>aipool_exporter</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}.up{{color:#080}}.down{{color:#b00}}.pending{{color:#888}}</style>
</head><body>
<h1>aipool_exporter</h1>
<p>Version {version} ({revision}). <a href="{path}">Metrics</a> · <a href="/healthz">/healthz</a> · <a href="/ready">/ready</a></p>
<table><thead><tr><th>account</th><th>provider</th><th>region</th><th>state</th><th>last success</th><th>pools</th><th>queues</th><th>last error</th></tr></thead>
<tbody>
{rows}</tbody></table>
</body></html>
"#,
        version = escape_html(build.version),
        revision = escape_html(build.revision),
    )
}
