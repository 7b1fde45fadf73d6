//! The exporter's HTTP endpoints: the telemetry path, `/healthz`, `/ready`,
//! `POST /-/reload` and a landing page. Handlers only read published state:
//! nothing here waits on an upstream, so a slow platform never stalls a scrape.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::SystemTime;

use hyper::body::{Bytes, Incoming};
use hyper::header::{
    HeaderValue, ACCEPT, ACCEPT_ENCODING, ALLOW, AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE,
    VARY, WWW_AUTHENTICATE,
};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::exposition::cache::{ChunkBody, ScrapeCache};
use crate::exposition::{self, BuildInfo, Format};
use crate::runtime::state::Shared;
use crate::web::{Access, WebGuard};

type Resp = Response<ChunkBody>;

/// Serves until `shutdown` turns true. With a web config, every connection is
/// TLS and/or every request needs basic auth (see [`crate::web`]).
pub async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    web: Option<Arc<WebGuard>>,
    mut shutdown: watch::Receiver<bool>,
) {
    let build = Arc::new(BuildInfo::default());
    // Scrapes between two publishes share one rendered (and compressed) body;
    // a publish clears it.
    let cache = Arc::new(ScrapeCache::new(&build));
    {
        let cache = cache.clone();
        let publications = shared.publications.clone();
        let mut shutdown = shutdown.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = publications.published() => cache.clear(),
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
        // As nginx does on keep-alive connections: the last, short segment of a
        // response goes out at once instead of waiting for the previous ACK.
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        let build = build.clone();
        let cache = cache.clone();
        let web = web.clone();
        let conn_shutdown = shutdown.clone();
        tokio::spawn(async move {
            // A changed web config applies from the next connection on.
            let tls = web.as_ref().and_then(|w| {
                w.refresh();
                w.tls()
            });
            match tls {
                None => serve_connection(stream, shared, build, cache, web, conn_shutdown).await,
                Some(acceptor) => {
                    let handshake = tokio::time::timeout(
                        std::time::Duration::from_secs(10),
                        acceptor.accept(stream),
                    );
                    match handshake.await {
                        Ok(Ok(tls)) => {
                            serve_connection(tls, shared, build, cache, web, conn_shutdown).await
                        }
                        Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!("TLS handshake timed out"),
                    }
                }
            }
        });
    }
}

async fn serve_connection<IO>(
    io: IO,
    shared: Arc<Shared>,
    build: Arc<BuildInfo>,
    cache: Arc<ScrapeCache>,
    web: Option<Arc<WebGuard>>,
    mut conn_shutdown: watch::Receiver<bool>,
) where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req: Request<Incoming>| {
        let shared = shared.clone();
        let build = build.clone();
        let cache = cache.clone();
        let web = web.clone();
        async move {
            if let Some(web) = &web {
                // Per request too, so a removed user is locked out of a
                // kept-alive connection (TLS settings need a new connection).
                web.refresh();
                let auth = req.headers().get(AUTHORIZATION).map(|v| v.as_bytes());
                if web.authorize(auth).await == Access::Denied {
                    return Ok::<_, Infallible>(unauthorized());
                }
            }
            if req.uri().path() == RELOAD_PATH {
                if req.method() == Method::POST {
                    return Ok(reload(&shared).await);
                }
                return Ok(method_not_allowed("POST", "only POST\n"));
            }
            Ok::<_, Infallible>(handle(req, &shared, &build, &cache).await)
        }
    });
    let conn = http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(std::time::Duration::from_secs(10))
        .serve_connection(TokioIo::new(io), service);
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
}

const RELOAD_PATH: &str = "/-/reload";

fn unauthorized() -> Resp {
    let mut r = text(StatusCode::UNAUTHORIZED, "unauthorized\n");
    r.headers_mut().insert(
        WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"aipool_exporter\", charset=\"UTF-8\""),
    );
    r
}

/// `POST /-/reload`: re-reads the config file; 200 when it was applied, 500
/// with the problems (key paths, never values) when it was not.
async fn reload(shared: &Shared) -> Resp {
    let Some(tx) = &shared.reload else {
        return text(StatusCode::NOT_FOUND, "reload is not available\n");
    };
    let (reply, answer) = tokio::sync::oneshot::channel();
    if tx.send(reply).await.is_err() {
        return text(StatusCode::SERVICE_UNAVAILABLE, "shutting down\n");
    }
    match answer.await {
        Ok(Ok(())) => text(StatusCode::OK, "config reloaded\n"),
        Ok(Err(e)) => {
            let mut r = Response::new(ChunkBody::from(Bytes::from(format!(
                "config not reloaded; the running config stays in force:\n{e}\n"
            ))));
            *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            r
        }
        Err(_) => text(StatusCode::SERVICE_UNAVAILABLE, "shutting down\n"),
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
        return method_not_allowed("GET, HEAD", "only GET and HEAD\n");
    }
    let path = req.uri().path();
    let mut resp = if path == shared.telemetry_path {
        let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
        let format = Format::negotiate(header(ACCEPT));
        let cached = cache.get(
            format,
            &shared.rendered(),
            shared.reload_status.get(),
            SystemTime::now(),
        );
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
            "/" => {
                let (code, page) = crate::status_page::respond(shared, build, req.uri().query());
                let mut r = html(page);
                *r.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::OK);
                r
            }
            _ => text(StatusCode::NOT_FOUND, "not found\n"),
        }
    };
    if head_only {
        *resp.body_mut() = ChunkBody::empty();
    }
    resp
}

/// 405 with the `Allow` header HTTP requires on it.
fn method_not_allowed(allow: &'static str, body: &'static str) -> Resp {
    let mut r = text(StatusCode::METHOD_NOT_ALLOWED, body);
    r.headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allow));
    r
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
