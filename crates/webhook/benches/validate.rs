//! The decision path without HTTP: decode + decide + encode of the typical
//! Deployment AdmissionReview (testdata/deployment-review.json) in a
//! restricted namespace, on one core. Prints per-request p50/p99 and the
//! single-core rate; the end-to-end HTTPS figure comes from
//! `scripts/load-webhook.sh`.

use eksguard_webhook::{Engine, Namespaces, validate_body};
use std::time::{Duration, Instant};

fn main() {
    let body = include_bytes!("../testdata/deployment-review.json");
    let ns = Namespaces::from_labels([(
        "shop".to_owned(),
        [(
            "pod-security.kubernetes.io/enforce".to_owned(),
            "restricted".to_owned(),
        )]
        .into(),
    )]);
    let engine = Engine::new(eksguard_controls::Config::default(), None).expect("default config");
    let out = validate_body(&engine, &ns, body).expect("sample decodes");
    assert!(
        String::from_utf8_lossy(&out).contains("\"allowed\":true"),
        "sample must be allowed"
    );
    for _ in 0..2_000 {
        std::hint::black_box(validate_body(&engine, &ns, body).ok());
    }
    let n = 100_000;
    let mut times = Vec::with_capacity(n);
    let start = Instant::now();
    for _ in 0..n {
        let t = Instant::now();
        std::hint::black_box(validate_body(&engine, &ns, std::hint::black_box(body)).ok());
        times.push(t.elapsed());
    }
    let total = start.elapsed();
    times.sort_unstable();
    let pct = |p: f64| times[((n as f64 * p) as usize).min(n - 1)];
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "validate_body (typical Deployment, {} bytes): p50 {:.1} µs, p99 {:.1} µs, {:.0} req/s on one core",
        body.len(),
        us(pct(0.50)),
        us(pct(0.99)),
        n as f64 / total.as_secs_f64()
    );
}
