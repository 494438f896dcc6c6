//! Bad input over real HTTPS: each gets its documented answer and the server
//! keeps serving (a good request after each proves it).

mod support;

use serde_json::json;
use std::time::{Duration, Instant};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn still_serving(h: &Harness) {
    let r = h
        .client
        .review(&review(&deployment("apps", good_spec())))
        .await;
    assert_eq!(r["allowed"], true, "{r}");
}

#[tokio::test]
async fn malformed_reviews_get_400_with_reason() {
    let h = start(config(json!({})), ns(&[("apps", &[])])).await;
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"this is not json".to_vec(), "request body is not JSON"),
        (b"".to_vec(), "request body is not JSON"),
        (b"[]".to_vec(), "not an AdmissionReview"),
        (br#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"u"}}"#.to_vec(), "unsupported apiVersion `admission.k8s.io/v1beta1`"),
        (br#"{"apiVersion":"admission.k8s.io/v1","kind":"ConversionReview","request":{"uid":"u"}}"#.to_vec(), "unsupported kind `ConversionReview`"),
        (br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"operation":"CREATE"}}"#.to_vec(), "has no `uid`"),
        (br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#.to_vec(), "has no `request`"),
        (br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":["x"]}}"#.to_vec(), "line 1 column"),
    ];
    for (body, expect) in cases {
        let r = h.client.post("/validate", body.clone()).await;
        assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&body));
        assert!(r.text().contains(expect), "{:?} lacks {expect:?}", r.text());
        still_serving(&h).await;
    }
    let m = h.client.get("/metrics").await.text();
    assert!(
        m.contains("eksguard_webhook_requests_total{outcome=\"bad_request\"} 8\n"),
        "{m}"
    );
}

/// A well-formed review whose object cannot be evaluated is answered (HTTP
/// 200) with a denial of code 400 that names the field.
#[tokio::test]
async fn unreadable_object_is_denied_with_code_400() {
    let h = start(config(json!({})), ns(&[("apps", &[])])).await;
    let mut obj = pod("apps", good_spec());
    obj["spec"]["containers"] = json!("not a list");
    let r = h.client.review(&review(&obj)).await;
    assert_eq!(r["allowed"], false);
    assert_eq!(r["status"]["code"], 400);
    assert!(
        r["status"]["message"]
            .as_str()
            .unwrap()
            .contains("spec.containers"),
        "{r}"
    );
    let mut body = review(&obj);
    body["request"]["object"] = json!(42);
    let r = h.client.review(&body).await;
    assert_eq!(
        (r["allowed"].clone(), r["status"]["code"].clone()),
        (json!(false), json!(400)),
        "{r}"
    );
    still_serving(&h).await;
}

#[tokio::test]
async fn body_over_3_mib_gets_413() {
    let h = start(config(json!({})), ns(&[("apps", &[])])).await;
    let mut obj = deployment("apps", good_spec());
    obj["metadata"]["annotations"] = json!({"big": "x".repeat(3 * 1024 * 1024)});
    let r = h
        .client
        .post("/validate", serde_json::to_vec(&review(&obj)).unwrap())
        .await;
    assert_eq!(r.status, 413);
    // Just under the cap is accepted.
    obj["metadata"]["annotations"] = json!({"big": "x".repeat(3 * 1024 * 1024 - 4096)});
    let r = h
        .client
        .post("/validate", serde_json::to_vec(&review(&obj)).unwrap())
        .await;
    assert_eq!(r.status, 200);
    still_serving(&h).await;
}

/// Slowloris: a client that trickles its headers is cut off after the
/// header timeout, and other clients are served promptly meanwhile.
#[tokio::test]
async fn slowloris_is_cut_off_and_others_are_served() {
    let h = start_with(
        config(json!({})),
        ns(&[("apps", &[])]),
        Duration::from_secs(1),
    )
    .await;
    let mut slow = Vec::new();
    for _ in 0..20 {
        let mut s = h.client.tls().await.unwrap();
        s.write_all(b"POST /validate HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        slow.push(s);
    }
    let trickle = tokio::spawn(async move {
        let started = Instant::now();
        let mut closed_after = Vec::new();
        for mut s in slow {
            let t = Instant::now();
            let mut buf = [0u8; 256];
            loop {
                // Keep sending header bytes slowly; the server must close.
                if s.write_all(b"X-Slow: a\r\n").await.is_err() {
                    break;
                }
                match tokio::time::timeout(Duration::from_millis(200), s.read(&mut buf)).await {
                    Ok(Ok(0)) | Ok(Err(_)) => break,
                    Ok(Ok(_)) => break, // an error response then close also counts
                    Err(_) => {}
                }
                assert!(
                    t.elapsed() < Duration::from_secs(10),
                    "slow connection was never closed"
                );
            }
            closed_after.push(started.elapsed());
        }
        closed_after
    });
    // Meanwhile, normal requests are served quickly.
    for _ in 0..10 {
        let t = Instant::now();
        still_serving(&h).await;
        assert!(
            t.elapsed() < Duration::from_millis(500),
            "request took {:?}",
            t.elapsed()
        );
    }
    let closed = trickle.await.unwrap();
    assert_eq!(closed.len(), 20);
    assert!(
        closed.iter().all(|d| *d < Duration::from_secs(5)),
        "{closed:?}"
    );
    still_serving(&h).await;
}

/// A client that sends headers and then trickles the body hits the
/// per-request timeout (504), and the server keeps serving.
#[tokio::test]
async fn slow_body_hits_request_timeout() {
    let h = start(
        config(json!({"webhook": {"request_timeout_ms": 500}})),
        ns(&[("apps", &[])]),
    )
    .await;
    let mut s = h.client.tls().await.unwrap();
    s.write_all(b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{").await.unwrap();
    let mut resp = Vec::new();
    let t = Instant::now();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut resp)).await;
    let text = String::from_utf8_lossy(&resp);
    assert!(text.starts_with("HTTP/1.1 504"), "{text}");
    assert!(t.elapsed() < Duration::from_secs(3));
    still_serving(&h).await;
}

/// A plaintext HTTP request on the TLS port gets no admission answer.
#[tokio::test]
async fn plaintext_is_refused() {
    let h = start(config(json!({})), ns(&[("apps", &[])])).await;
    let mut s = tokio::net::TcpStream::connect(h.addr).await.unwrap();
    s.write_all(b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut buf)).await;
    assert!(!String::from_utf8_lossy(&buf).contains("HTTP/1.1 200"));
    still_serving(&h).await;
}
