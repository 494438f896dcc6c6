//! Reachability benchmark with a generated cluster of the size the issue states:
//! 10,000 pods in 1,000 workloads across 100 namespaces, 2,000 NetworkPolicies.
//! Run with `cargo bench -p eksguard-netpol`; prints wall times and output size.

use eksguard_netpol::{Cluster, to_txt};
use serde_json::{Value, json};
use std::time::Instant;

const NAMESPACES: usize = 100;
const WORKLOADS_PER_NS: usize = 10;
const PODS_PER_WORKLOAD: usize = 10;
const POLICIES_PER_NS: usize = 20;

fn generate() -> Vec<Value> {
    let mut objs = Vec::new();
    for n in 0..NAMESPACES {
        let ns = format!("ns-{n:03}");
        objs.push(json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns, "labels": {"team": format!("team-{}", n % 10), "env": if n % 2 == 0 {"prod"} else {"dev"}}}}));
        for w in 0..WORKLOADS_PER_NS {
            let app = format!("app-{w}");
            let labels = json!({"app": app, "tier": format!("tier-{}", w % 3)});
            let ports = json!([
                {"name": "http", "containerPort": 8080 + w as u16, "protocol": "TCP"},
                {"name": "metrics", "containerPort": 9090, "protocol": "TCP"},
                {"name": "dns", "containerPort": 53, "protocol": "UDP"}
            ]);
            objs.push(json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": app, "namespace": ns},
                "spec": {"template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "c", "image": "i", "ports": ports}]}}}}));
            for p in 0..PODS_PER_WORKLOAD {
                objs.push(json!({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": format!("{app}-{p}"), "namespace": ns, "labels": labels,
                        "ownerReferences": [{"kind": "Deployment", "name": app, "controller": true}]},
                    "spec": {"containers": [{"name": "c", "image": "i", "ports": ports}]}}));
            }
        }
        for p in 0..POLICIES_PER_NS {
            let w = p % WORKLOADS_PER_NS;
            let spec = match p {
                0 => json!({"podSelector": {}, "policyTypes": ["Ingress"]}),
                1 => json!({"podSelector": {}, "policyTypes": ["Egress"], "egress": [
                    {"ports": [{"port": 53, "protocol": "UDP"}]},
                    {"to": [{"namespaceSelector": {"matchLabels": {"team": format!("team-{}", n % 10)}}}]},
                    {"to": [{"ipBlock": {"cidr": format!("10.{n}.0.0/16"), "except": [format!("10.{n}.1.0/24")]}}], "ports": [{"port": 443}]}]}),
                2..=9 => {
                    json!({"podSelector": {"matchLabels": {"app": format!("app-{w}")}}, "ingress": [
                    {"from": [{"podSelector": {"matchLabels": {"app": format!("app-{}", (w + 1) % WORKLOADS_PER_NS)}}}], "ports": [{"port": "http"}]},
                    {"from": [{"namespaceSelector": {"matchLabels": {"env": "prod"}}, "podSelector": {"matchLabels": {"tier": "tier-0"}}}], "ports": [{"port": 9090}]}]})
                }
                10..=14 => {
                    json!({"podSelector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": [format!("tier-{}", p % 3)]}]},
                    "ingress": [{"from": [{"ipBlock": {"cidr": format!("172.{}.0.0/16", 16 + n % 16)}}], "ports": [{"port": 8000, "endPort": 8100}]}]})
                }
                _ => {
                    json!({"podSelector": {"matchLabels": {"app": format!("app-{w}")}}, "ingress": [
                    {"from": [{"namespaceSelector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In",
                        "values": [format!("ns-{:03}", (n + 1) % NAMESPACES), format!("ns-{:03}", (n + 7) % NAMESPACES)]}]}}]}]})
                }
            };
            objs.push(
                json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": {"name": format!("np-{p}"), "namespace": ns}, "spec": spec}),
            );
        }
    }
    objs
}

fn main() {
    let objs = generate();
    let pods = objs.iter().filter(|o| o["kind"] == "Pod").count();
    let t0 = Instant::now();
    let (cluster, warnings) = Cluster::from_objects(objs.iter());
    let t_build = t0.elapsed();
    let t1 = Instant::now();
    let reach = cluster.reachability();
    let t_reach = t1.elapsed();
    let t2 = Instant::now();
    let txt = to_txt(&reach);
    let t_txt = t2.elapsed();
    let lines = txt.lines().count();
    println!(
        "input: {pods} pods, {} workloads, {} namespaces, {} policies, {} warnings",
        cluster.workloads().len(),
        cluster.namespaces().len(),
        cluster.policy_ids().count(),
        warnings.len()
    );
    println!("equivalence classes: {}", reach.class_count());
    println!("build model:        {:>8.3} s", t_build.as_secs_f64());
    println!("full matrix:        {:>8.3} s", t_reach.as_secs_f64());
    println!(
        "txt output:         {:>8.3} s ({lines} lines, {} bytes)",
        t_txt.as_secs_f64(),
        txt.len()
    );
    println!(
        "model + matrix:     {:>8.3} s (budget 2 s)",
        (t_build + t_reach).as_secs_f64()
    );
    if let Some(kb) = peak_rss_kb() {
        println!(
            "peak RSS:           {:>8.1} MiB (includes the generated JSON input)",
            kb as f64 / 1024.0
        );
    }
}

/// Peak resident set size from /proc (Linux only).
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
