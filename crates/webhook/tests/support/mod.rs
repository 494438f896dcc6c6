//! Test harness: certificates made at test time, the real server on
//! 127.0.0.1, and a real HTTPS client (tokio-rustls + hyper) whose
//! connections can be held open to test keep-alive.
#![allow(dead_code)]

use bytes::Bytes;
use eksguard_controls::Config;
use eksguard_webhook::log::{Logger, MemoryLog};
use eksguard_webhook::{Engine, Namespaces, Server, ServerOptions};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio_rustls::TlsConnector;

/// A CA and a serving certificate for 127.0.0.1 / localhost, as PEM.
pub struct Certs {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

impl Certs {
    pub fn generate(ca_name: &str) -> Certs {
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, ca_name);
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
        let leaf_params =
            rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
                .unwrap();
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let leaf = leaf_params.signed_by(&leaf_key, &ca).unwrap();
        Certs {
            ca_pem: ca.pem(),
            cert_pem: leaf.pem(),
            key_pem: leaf_key.serialize_pem(),
        }
    }
}

/// A running webhook with its files and captured log.
pub struct Harness {
    pub server: Server,
    pub addr: SocketAddr,
    pub log: MemoryLog,
    pub dir: tempfile::TempDir,
    pub cert_path: PathBuf,
    pub key_path: PathBuf,
    pub client: Client,
    /// The test CA, DER, for clients built by hand.
    pub ca_der: Vec<CertificateDer<'static>>,
}

/// `eksguard.yaml` given as JSON, compiled.
pub fn config(v: Value) -> Config {
    let mut c: Config = serde_json::from_value(v).expect("test config is valid");
    assert!(c.compile().is_empty());
    c
}

pub fn ns(entries: &[(&str, &[(&str, &str)])]) -> Namespaces {
    Namespaces::from_labels(entries.iter().map(|(n, labels)| {
        (
            n.to_string(),
            labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
        )
    }))
}

pub async fn start(config: Config, namespaces: Namespaces) -> Harness {
    start_with(config, namespaces, Duration::from_secs(5)).await
}

pub async fn start_with(
    config: Config,
    namespaces: Namespaces,
    header_timeout: Duration,
) -> Harness {
    let certs = Certs::generate("eksguard test CA");
    let dir = tempfile::tempdir().unwrap();
    let cert_path = dir.path().join("tls.crt");
    let key_path = dir.path().join("tls.key");
    std::fs::write(&cert_path, &certs.cert_pem).unwrap();
    std::fs::write(&key_path, &certs.key_pem).unwrap();
    let (log, mem) = Logger::memory();
    let engine = Engine::new(config, None).unwrap();
    let mut opts = ServerOptions::new(
        "127.0.0.1:0".parse().unwrap(),
        cert_path.clone(),
        key_path.clone(),
    );
    opts.header_timeout = header_timeout;
    let server = Server::start(opts, engine, namespaces, log).await.unwrap();
    let addr = server.local_addr();
    Harness {
        server,
        addr,
        log: mem,
        dir,
        cert_path,
        key_path,
        client: Client::new(&certs.ca_pem, addr),
        ca_der: CertificateDer::pem_slice_iter(certs.ca_pem.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap(),
    }
}

/// An HTTPS client trusting one CA.
#[derive(Clone)]
pub struct Client {
    connector: TlsConnector,
    addr: SocketAddr,
}

/// One kept-alive HTTP/1.1 connection.
pub struct Conn {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
}

pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl Client {
    pub fn new(ca_pem: &str, addr: SocketAddr) -> Client {
        let mut roots = rustls::RootCertStore::empty();
        for c in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
            roots.add(c.unwrap()).unwrap();
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
        Client {
            connector: TlsConnector::from(Arc::new(cfg)),
            addr,
        }
    }

    /// A TLS stream, handshake done.
    pub async fn tls(
        &self,
    ) -> std::io::Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
        let tcp = tokio::net::TcpStream::connect(self.addr).await?;
        let name = ServerName::try_from("localhost").unwrap();
        self.connector.connect(name, tcp).await
    }

    pub async fn connect(&self) -> std::io::Result<Conn> {
        let tls = self.tls().await?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(std::io::Error::other)?;
        tokio::spawn(conn);
        Ok(Conn { sender })
    }

    pub async fn post(&self, path: &str, body: impl Into<Bytes>) -> Reply {
        self.connect()
            .await
            .unwrap()
            .send("POST", path, body.into())
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.connect()
            .await
            .unwrap()
            .send("GET", path, Bytes::new())
            .await
            .unwrap()
    }

    pub async fn review(&self, body: &Value) -> Value {
        let r = self
            .post("/validate", serde_json::to_vec(body).unwrap())
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["response"].clone()
    }
}

impl Conn {
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        body: Bytes,
    ) -> Result<Reply, hyper::Error> {
        let req = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", "localhost")
            .header("content-type", "application/json")
            .body(Full::new(body))
            .unwrap();
        let resp = self.sender.send_request(req).await?;
        let status = resp.status().as_u16();
        let body = resp.into_body().collect().await?.to_bytes().to_vec();
        Ok(Reply { status, body })
    }
}

/// An AdmissionReview for a CREATE of `object`.
pub fn review(object: &Value) -> Value {
    let api_version = object["apiVersion"].as_str().unwrap_or("v1");
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
            "kind": {"group": group, "version": version, "kind": object["kind"]},
            "resource": {"group": group, "version": version, "resource": "things"},
            "namespace": object["metadata"]["namespace"],
            "name": object["metadata"]["name"],
            "operation": "CREATE",
            "userInfo": {"username": "admin"},
            "object": object,
            "dryRun": false
        }
    })
}

/// A typical Deployment: one container, pinned image, restricted-compliant.
pub fn deployment(ns: &str, pod_spec: Value) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": ns},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": pod_spec}
        }
    })
}

pub fn pod(ns: &str, spec: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": ns}, "spec": spec})
}

/// A pod spec that meets restricted and every workload control.
pub fn good_spec() -> Value {
    json!({
        "automountServiceAccountToken": false,
        "serviceAccountName": "web",
        "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{
            "name": "app",
            "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}
        }]
    })
}

/// A spec with no securityContext at all: fine for baseline, not restricted.
pub fn plain_spec() -> Value {
    json!({"automountServiceAccountToken": false, "serviceAccountName": "web",
           "containers": [{"name": "app", "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}]})
}

/// The shared conformance fixtures: EKSGUARD_SHARED or ../../../shared.
pub fn shared_dir() -> PathBuf {
    let dir = std::env::var_os("EKSGUARD_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    assert!(
        dir.join("conformance/pss/index.tsv").is_file(),
        "shared fixtures missing: set EKSGUARD_SHARED to the shared/ directory (looked in {})",
        dir.display()
    );
    dir
}

/// Parses a YAML or JSON file's first object.
pub fn yaml_object(path: &std::path::Path) -> Value {
    let bytes = std::fs::read(path).unwrap();
    let name = path.display().to_string();
    let loaded = eksguard_files::load_bytes(&name, &bytes).finish();
    assert!(loaded.errors.is_empty(), "{name}: {:?}", loaded.errors);
    loaded.objects.into_iter().next().expect("one object").raw
}
