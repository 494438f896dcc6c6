//! Pods per second for a typical pod (1 init + 3 containers, full security contexts,
//! four volumes) at restricted/latest, on one thread: one passing and one failing pod.
//!
//! Run with `cargo bench -p eksguard-pss`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use eksguard_pss::{Evaluator, Level, LevelVersion, TargetKind, Version, pod_target};
use serde_json::{Value, json};

fn container(name: &str, good: bool) -> Value {
    let mut sc = json!({
        "allowPrivilegeEscalation": false,
        "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]},
        "readOnlyRootFilesystem": true,
        "runAsUser": 10001,
        "seccompProfile": {"type": "RuntimeDefault"}
    });
    if !good {
        sc["allowPrivilegeEscalation"] = json!(true);
        sc["capabilities"] = json!({"add": ["NET_ADMIN"]});
    }
    json!({
        "name": name,
        "image": format!("registry.example.com/{name}:1.2.3"),
        "ports": [{"containerPort": 8080, "name": "http"}],
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
        "readinessProbe": {"tcpSocket": {"port": 8080}},
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
        "volumeMounts": [{"name": "config", "mountPath": "/etc/app"}],
        "securityContext": sc
    })
}

fn pod(good: bool) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "web-7d4b9c",
            "namespace": "shop",
            "labels": {"app": "web"},
            "annotations": {"prometheus.io/scrape": "true"}
        },
        "spec": {
            "serviceAccountName": "web",
            "securityContext": {
                "runAsNonRoot": true,
                "fsGroup": 2000,
                "seccompProfile": {"type": "RuntimeDefault"},
                "sysctls": [{"name": "net.ipv4.ip_local_port_range", "value": "1024 65535"}]
            },
            "initContainers": [container("migrate", good)],
            "containers": [container("app", good), container("sidecar", true), container("metrics", true)],
            "volumes": [
                {"name": "config", "configMap": {"name": "web"}},
                {"name": "tls", "secret": {"secretName": "web-tls"}},
                {"name": "cache", "emptyDir": {}},
                {"name": "token", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}}
            ]
        }
    })
}

fn bench(name: &str, obj: &Value) {
    let t = pod_target("v1", "Pod", obj)
        .expect("valid pod")
        .expect("a pod");
    assert_eq!(t.kind, TargetKind::Pod);
    let ev = Evaluator::default();
    let lv = LevelVersion::new(Level::Restricted, Version::Latest);
    let first = ev.evaluate(lv, &t.metadata, &t.spec);
    println!(
        "{name}: allowed={} {}",
        first.allowed,
        first.forbidden_detail()
    );
    // Warm up, then run for about two seconds.
    for _ in 0..10_000 {
        black_box(ev.evaluate(black_box(lv), black_box(&t.metadata), black_box(&t.spec)));
    }
    let mut n: u64 = 0;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(2) {
        for _ in 0..10_000 {
            black_box(ev.evaluate(black_box(lv), black_box(&t.metadata), black_box(&t.spec)));
        }
        n += 10_000;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{name}: {:.0} pods/s ({:.0} ns/pod, {n} evaluations, one thread)",
        n as f64 / secs,
        secs * 1e9 / n as f64
    );
}

fn main() {
    bench("passing pod, restricted:latest", &pod(true));
    bench("failing pod, restricted:latest", &pod(false));
}
