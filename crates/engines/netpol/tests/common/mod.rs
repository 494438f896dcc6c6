//! Small builders for test inputs.
#![allow(dead_code)]

use eksguard_netpol::{Cluster, WorkloadId, WorkloadKind};
use serde_json::{Value, json};

pub fn ns(name: &str, labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}})
}

/// A Deployment with pod labels and container ports `(name, port, protocol)`.
pub fn deploy(ns: &str, name: &str, labels: Value, ports: &[(&str, u16, &str)]) -> Value {
    let ports: Vec<Value> = ports
        .iter()
        .map(|(n, p, pr)| json!({"name": n, "containerPort": p, "protocol": pr}))
        .collect();
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"template": {"metadata": {"labels": labels},
            "spec": {"containers": [{"name": "c", "image": "i", "ports": ports}]}}}})
}

pub fn netpol(ns: &str, name: &str, spec: Value) -> Value {
    json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns}, "spec": spec})
}

pub fn build(objs: &[Value]) -> Cluster {
    let (c, w) = Cluster::from_objects(objs.iter());
    assert!(w.is_empty(), "unexpected warnings: {w:?}");
    c
}

pub fn dep(ns: &str, name: &str) -> WorkloadId {
    WorkloadId {
        namespace: ns.into(),
        name: name.into(),
        kind: WorkloadKind::Deployment,
    }
}
