//! Certificate hot reload: after the files change, new connections see the
//! new certificate and an established keep-alive connection keeps working.

mod support;

use serde_json::json;
use std::time::{Duration, Instant};
use support::*;

#[tokio::test]
async fn certificate_is_reloaded_without_dropping_connections() {
    let h = start(
        config(json!({"webhook": {"cert_poll_seconds": 1}})),
        ns(&[("apps", &[])]),
    )
    .await;
    let body = || serde_json::to_vec(&review(&deployment("apps", good_spec()))).unwrap();
    let mut kept = h.client.connect().await.unwrap();
    assert_eq!(
        kept.send("POST", "/validate", body().into())
            .await
            .unwrap()
            .status,
        200
    );

    // A half-written rotation (new cert, old key) is not loaded.
    let next = Certs::generate("rotated CA");
    std::fs::write(&h.cert_path, &next.cert_pem).unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        h.client.connect().await.is_ok(),
        "old certificate still served"
    );
    std::fs::write(&h.key_path, &next.key_pem).unwrap();

    let new_client = Client::new(&next.ca_pem, h.addr);
    let t = Instant::now();
    loop {
        if new_client.connect().await.is_ok() {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "new certificate never served"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The old CA no longer verifies new connections...
    assert!(h.client.connect().await.is_err());
    // ...but the connection made before the rotation is still alive.
    for _ in 0..3 {
        assert_eq!(
            kept.send("POST", "/validate", body().into())
                .await
                .unwrap()
                .status,
            200
        );
    }
    let m = new_client.get("/metrics").await.text();
    assert!(
        m.contains("eksguard_webhook_certificate_reloads_total 1\n"),
        "{m}"
    );
    assert!(
        h.log
            .lines()
            .iter()
            .any(|l| l["msg"] == "new certificate not loaded; keeping the current one")
    );
}

/// Only TLS 1.2 and 1.3 are offered.
#[tokio::test]
async fn serves_tls_1_2_and_1_3() {
    let h = start(config(json!({})), ns(&[])).await;
    let s = h.client.tls().await.unwrap();
    let v = s.get_ref().1.protocol_version();
    assert_eq!(v, Some(rustls::ProtocolVersion::TLSv1_3));
    // A TLS 1.2-only client is served too.
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(h.ca_der.clone());
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS12])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(h.addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let s = tokio_rustls::TlsConnector::from(std::sync::Arc::new(cfg))
        .connect(name, tcp)
        .await
        .unwrap();
    assert_eq!(
        s.get_ref().1.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_2)
    );
}
