//! `eksguard webhook serve`: the validating admission webhook
//! (crate `eksguard-webhook`); this file only parses arguments.

use clap::{Args as ClapArgs, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum Command {
    /// Serve the ValidatingAdmissionWebhook over HTTPS (POST /validate,
    /// /healthz, /readyz, /metrics) until SIGTERM, then drain.
    Serve(ServeArgs),
}

#[derive(ClapArgs)]
pub struct ServeArgs {
    /// Address to listen on (HTTPS only).
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:8443")]
    listen: SocketAddr,
    /// PEM certificate chain; re-read when it changes.
    #[arg(long, value_name = "FILE")]
    tls_cert: PathBuf,
    /// PEM private key; re-read when it changes.
    #[arg(long, value_name = "FILE")]
    tls_key: PathBuf,
    /// eksguard.yaml (modes in its `webhook:` section, PSS defaults and
    /// exemptions in `pss:`).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Read Namespace objects (YAML/JSON) from this file instead of watching
    /// the Kubernetes API.
    #[arg(long, value_name = "FILE", conflicts_with = "kubeconfig")]
    namespaces: Option<PathBuf>,
    /// Kubeconfig for the namespace watch (default: KUBECONFIG, ~/.kube/config
    /// or the in-cluster service account).
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// The cluster's Kubernetes version (`1.N`), which PSS `latest` means.
    #[arg(long, value_name = "1.N", value_parser = super::scan::parse_k8s_version)]
    k8s_version: Option<u64>,
    /// Image vulnerability scan reports (Trivy, Grype or ECR JSON), read at
    /// start: admission gates images as `scan --image-reports` does
    /// (IMG-010/011). Restart or roll the pods to pick up new reports.
    #[arg(long, value_name = "REPORT")]
    image_reports: Vec<PathBuf>,
}

pub fn run(cmd: Command) -> anyhow::Result<u8> {
    let Command::Serve(a) = cmd;
    let loaded = crate::config::load(a.config.as_deref())?;
    let namespaces = match a.namespaces {
        Some(f) => eksguard_webhook::NamespaceSource::File(f),
        None => eksguard_webhook::NamespaceSource::Kube {
            kubeconfig: a.kubeconfig,
        },
    };
    let (images, errors) = super::images::load(&a.image_reports);
    if let Some(e) = errors.first() {
        // A gate that silently lost a report would admit what it should block.
        anyhow::bail!("cannot read image scan report: {e}");
    }
    let opts = eksguard_webhook::ServerOptions::new(a.listen, a.tls_cert, a.tls_key);
    eksguard_webhook::run(opts, loaded.config, namespaces, a.k8s_version, images)?;
    Ok(crate::exit::OK)
}
