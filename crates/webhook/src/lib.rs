//! eksguard's validating admission webhook: the controls `eksguard scan`
//! reports, enforced at deploy time.
//!
//! A request is decided by [`Engine::review`]: Pod Security per the
//! namespace's `pod-security.kubernetes.io/*` labels (the `eksguard-pss`
//! engine, deciding as upstream PodSecurity admission does: Pods denied,
//! controllers warned, exemptions by user, namespace and runtime class),
//! then every object control of the catalog, each in its mode from
//! `eksguard.yaml` (`enforce` denies, `warn` returns a warning, `audit`
//! writes a log line and an audit annotation; see [`Settings`]).
//!
//! [`Server`] serves it over HTTPS (rustls, TLS 1.2 and 1.3 only) with
//! `/validate`, `/healthz`, `/readyz` (ready once the namespace cache has
//! synced) and `/metrics`; the certificate files are re-read when they
//! change; [`run`] adds SIGTERM handling for the `eksguard webhook serve`
//! command.
//!
//! # Fail modes
//! | input | answer |
//! |---|---|
//! | body not JSON, not an `admission.k8s.io/v1` AdmissionReview, no `request.uid` | HTTP 400 with the reason |
//! | body over 3 MiB | HTTP 413 |
//! | request not complete within `request_timeout_ms` | HTTP 504 (the API server applies `failurePolicy`) |
//! | headers not sent within the header timeout (slowloris) | connection closed |
//! | `request.object` that cannot be read (pod spec of the wrong shape) | denied, code 400, naming the field |
//! | namespace not in the cache yet | `webhook.unknown_namespace`: `defaults` (evaluate with `pss.defaults`, add a warning; the default), `deny` or `allow` |
//! | a control cannot read part of the object | allowed with a warning saying so |
//!
//! Dry-run requests are evaluated like others; their audit log lines carry
//! `"dry_run": true` so they are never mistaken for real changes.
//!
//! # Testing against a cluster without a cluster
//! The tests use `eksguard-test-apiserver` (`crates/testing/apiserver`), an
//! in-process Kubernetes API server (list/watch with resourceVersion,
//! pagination, bookmarks, 410 Gone, 403, discovery) that kube-rs and kubectl
//! accept: they point the Namespace reflector and
//! `kubectl apply --dry-run=client` at it.

mod engine;
pub mod log;
mod metrics;
mod namespaces;
pub mod review;
mod server;
mod settings;
mod tls;

pub use engine::{Engine, PSS_CONTROL, Review, Violation};
pub use metrics::{Metrics, Outcome};
pub use namespaces::{NamespaceSource, Namespaces};
pub use server::{MAX_BODY, Server, ServerOptions};
pub use settings::{Mode, Settings, SettingsError, UnknownNamespace};
pub use tls::{install_crypto_provider, server_config};

use eksguard_controls::Config;
use log::Logger;

/// Everything that can stop the webhook from starting or serving.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}: {1}")]
    Io(String, #[source] std::io::Error),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("namespaces: {0}")]
    Namespaces(String),
    #[error("Kubernetes API: {0}")]
    Kube(String),
    #[error("configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Settings(#[from] SettingsError),
}

/// The whole `/validate` path without HTTP: decode, decide, encode. Used by
/// the fuzz target and the benchmark; the server does the same plus logs
/// and metrics.
pub fn validate_body(
    engine: &Engine,
    namespaces: &Namespaces,
    body: &[u8],
) -> Result<Vec<u8>, review::ReviewError> {
    let req = review::decode(body)?;
    let r = engine.review(&req, namespaces);
    Ok(review::encode(&req.uid, &r.verdict))
}

/// Serves until SIGTERM or Ctrl-C, then drains: the whole of
/// `eksguard webhook serve`. `config` must be compiled.
pub fn run(
    opts: ServerOptions,
    config: Config,
    namespaces: NamespaceSource,
    k8s_minor: Option<u64>,
    images: Option<eksguard_images::ImageIndex>,
) -> Result<(), Error> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Io("tokio runtime".into(), e))?;
    rt.block_on(async move {
        install_crypto_provider();
        let log = Logger::stdout();
        let mut engine = Engine::new(config, k8s_minor)?;
        if let Some(images) = images {
            engine = engine.with_images(images);
        }
        let namespaces = Namespaces::open(&namespaces, log.clone()).await?;
        let server = Server::start(opts, engine, namespaces, log.clone()).await?;
        shutdown_signal().await;
        server.shutdown();
        let r = server.wait().await;
        log.info("stopped", &[]);
        r
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
