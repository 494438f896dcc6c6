//! Serving certificate: loading PEM files into a TLS 1.2+/1.3 rustls config
//! and reloading it when cert-manager rotates the files.

use axum_server::tls_rustls::RustlsConfig;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::Error;
use crate::log::Logger;
use crate::metrics::Metrics;

/// Installs aws-lc-rs as the process-wide rustls provider (once; later calls
/// are no-ops), so every TLS user in the process (server, kube client)
/// agrees on one provider.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// Builds the server config from PEM bytes: TLS 1.3 and 1.2 only, ALPN h2
/// then http/1.1 (the API server speaks HTTP/2 to webhooks when offered).
pub fn server_config(
    cert_pem: &[u8],
    key_pem: &[u8],
    cert_name: &str,
    key_name: &str,
) -> Result<Arc<ServerConfig>, Error> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| Error::Tls(format!("{cert_name}: {e}")))?;
    if certs.is_empty() {
        return Err(Error::Tls(format!("{cert_name}: no CERTIFICATE block")));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem)
        .map_err(|e| Error::Tls(format!("{key_name}: {e}")))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| Error::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| Error::Tls(format!("{cert_name} / {key_name}: {e}")))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The certificate and key files, and what was last loaded from them.
pub(crate) struct CertFiles {
    cert: PathBuf,
    key: PathBuf,
    loaded: (Vec<u8>, Vec<u8>),
}

impl CertFiles {
    pub(crate) fn load(cert: &Path, key: &Path) -> Result<(CertFiles, Arc<ServerConfig>), Error> {
        let c = std::fs::read(cert).map_err(|e| Error::Io(cert.display().to_string(), e))?;
        let k = std::fs::read(key).map_err(|e| Error::Io(key.display().to_string(), e))?;
        let cfg = server_config(
            &c,
            &k,
            &cert.display().to_string(),
            &key.display().to_string(),
        )?;
        Ok((
            CertFiles {
                cert: cert.to_owned(),
                key: key.to_owned(),
                loaded: (c, k),
            },
            cfg,
        ))
    }

    /// Polls the files every `every`; when their contents change and form a
    /// valid pair, swaps the config. New handshakes use it; established
    /// connections keep theirs, so nothing is dropped. A half-written pair
    /// (cert updated, key not yet) fails to load and is retried next poll.
    pub(crate) async fn watch(
        mut self,
        tls: RustlsConfig,
        every: Duration,
        log: Logger,
        metrics: Arc<Metrics>,
    ) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let (Ok(c), Ok(k)) = (
                tokio::fs::read(&self.cert).await,
                tokio::fs::read(&self.key).await,
            ) else {
                continue;
            };
            if (&c, &k) == (&self.loaded.0, &self.loaded.1) {
                continue;
            }
            let (cn, kn) = (
                self.cert.display().to_string(),
                self.key.display().to_string(),
            );
            match server_config(&c, &k, &cn, &kn) {
                Ok(cfg) => {
                    tls.reload_from_config(cfg);
                    self.loaded = (c, k);
                    metrics.cert_reloaded();
                    log.info("serving certificate reloaded", &[("cert", &cn)]);
                }
                Err(e) => log.warn(
                    "new certificate not loaded; keeping the current one",
                    &[("error", &e.to_string())],
                ),
            }
        }
    }
}
