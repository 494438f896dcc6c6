//! The HTTPS server: `/validate`, `/healthz`, `/readyz`, `/metrics`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;
use serde_json::{Map, Value};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::Error;
use crate::engine::Engine;
use crate::log::Logger;
use crate::metrics::{Metrics, Outcome};
use crate::namespaces::Namespaces;
use crate::review;
use crate::settings::Mode;
use crate::tls::CertFiles;

/// The API server never sends more than 3 MiB in a webhook request body.
pub const MAX_BODY: usize = 3 * 1024 * 1024;

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub listen: SocketAddr,
    pub tls_cert: PathBuf,
    pub tls_key: PathBuf,
    /// A client must send a request's headers within this time, or its
    /// connection is closed (against slowloris clients).
    pub header_timeout: Duration,
}

impl ServerOptions {
    pub fn new(listen: SocketAddr, tls_cert: PathBuf, tls_key: PathBuf) -> ServerOptions {
        ServerOptions {
            listen,
            tls_cert,
            tls_key,
            header_timeout: Duration::from_secs(5),
        }
    }
}

struct AppState {
    engine: Engine,
    namespaces: Namespaces,
    metrics: Arc<Metrics>,
    log: Logger,
    draining: AtomicBool,
    timeout: Duration,
}

/// A running server.
pub struct Server {
    addr: SocketAddr,
    handle: Handle<SocketAddr>,
    state: Arc<AppState>,
    drain: Duration,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    watcher: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Binds and starts serving in the background of the current tokio
    /// runtime. The certificate files are polled for changes.
    pub async fn start(
        opts: ServerOptions,
        engine: Engine,
        namespaces: Namespaces,
        log: Logger,
    ) -> Result<Server, Error> {
        crate::tls::install_crypto_provider();
        let (files, tls_config) = CertFiles::load(&opts.tls_cert, &opts.tls_key)?;
        let tls = RustlsConfig::from_config(tls_config);
        let metrics = Arc::new(Metrics::default());
        let settings = engine.settings().clone();
        let state = Arc::new(AppState {
            engine,
            namespaces,
            metrics: metrics.clone(),
            log: log.clone(),
            draining: AtomicBool::new(false),
            timeout: settings.request_timeout,
        });
        let listener = std::net::TcpListener::bind(opts.listen)
            .map_err(|e| Error::Io(format!("listen {}", opts.listen), e))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| Error::Io(format!("listen {}", opts.listen), e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::Io(format!("listen {}", opts.listen), e))?;
        let handle = Handle::new();
        let mut server = axum_server::tls_rustls::from_tcp_rustls(listener, tls.clone())
            .map_err(|e| Error::Io(format!("listen {addr}"), e))?
            .handle(handle.clone())
            .first_request_timeout(opts.header_timeout);
        server
            .http_builder()
            .http1()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(opts.header_timeout);
        let app = router(state.clone());
        let task = tokio::spawn(server.serve(app.into_make_service()));
        let watcher = tokio::spawn(files.watch(tls, settings.cert_poll, log.clone(), metrics));
        log.info("eksguard webhook listening", &[("addr", &addr.to_string())]);
        Ok(Server {
            addr,
            handle,
            state,
            drain: settings.drain,
            task,
            watcher,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Starts a graceful drain: `/readyz` turns 503, no new connections are
    /// accepted, in-flight requests finish (up to the configured drain time).
    pub fn shutdown(&self) {
        self.state.draining.store(true, Ordering::Release);
        self.state.log.info("draining", &[]);
        self.handle.graceful_shutdown(Some(self.drain));
    }

    /// Waits until the server has stopped.
    pub async fn wait(self) -> Result<(), Error> {
        let r = self.task.await;
        self.watcher.abort();
        match r {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(Error::Io(format!("serve {}", self.addr), e)),
            Err(e) => Err(Error::Io(
                format!("serve {}", self.addr),
                std::io::Error::other(e),
            )),
        }
    }
}

fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/validate", post(validate))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            deadline,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// Bounds the whole request (body upload included) by the per-request
/// timeout, so a client trickling its body cannot hold a worker.
async fn deadline(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    match tokio::time::timeout(state.timeout, next.run(req)).await {
        Ok(r) => r,
        Err(_) => {
            state.metrics.request(Outcome::Timeout, start.elapsed());
            state.log.warn("request timed out", &[]);
            (StatusCode::GATEWAY_TIMEOUT, "request timed out\n").into_response()
        }
    }
}

async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    if state.draining.load(Ordering::Acquire) {
        (StatusCode::SERVICE_UNAVAILABLE, "draining\n").into_response()
    } else if !state.namespaces.is_ready() {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "namespace cache not synced\n",
        )
            .into_response()
    } else {
        "ok\n".into_response()
    }
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

async fn validate(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let start = Instant::now();
    let req = match review::decode(&body) {
        Ok(r) => r,
        Err(e) => {
            state.metrics.request(Outcome::BadRequest, start.elapsed());
            state
                .log
                .warn("bad AdmissionReview", &[("error", &e.to_string())]);
            return (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response();
        }
    };
    let review = state.engine.review(&req, &state.namespaces);
    let dry_run = req.is_dry_run();
    for v in &review.violations {
        state.metrics.decision(v.control, v.mode);
        if v.mode == Mode::Audit || (v.mode == Mode::Enforce && !review.verdict.allowed) {
            let mut f = Map::new();
            f.insert("uid".into(), Value::String(req.uid.clone()));
            f.insert("dry_run".into(), Value::Bool(dry_run));
            f.insert("control".into(), Value::String(v.control.into()));
            f.insert("mode".into(), Value::String(v.mode.as_str().into()));
            f.insert("operation".into(), Value::String(req.operation.clone()));
            f.insert("kind".into(), Value::String(req.kind.kind.clone()));
            f.insert(
                "namespace".into(),
                Value::String(req.namespace.clone().unwrap_or_default()),
            );
            f.insert(
                "name".into(),
                Value::String(req.name.clone().unwrap_or_default()),
            );
            f.insert(
                "user".into(),
                Value::String(req.user_info.username.clone().unwrap_or_default()),
            );
            f.insert("message".into(), Value::String(v.message.clone()));
            let msg = if v.mode == Mode::Audit {
                "audit"
            } else {
                "denied"
            };
            state.log.event("info", msg, f);
        }
    }
    let outcome = if review.verdict.allowed {
        Outcome::Allowed
    } else {
        Outcome::Denied
    };
    let body = review::encode(&req.uid, &review.verdict);
    state.metrics.request(outcome, start.elapsed());
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}
