//! Inputs for the large-cluster benchmarks (issue #17), deterministic.
//!
//! ```sh
//! cargo bench -p eksguard-kube --bench large-cluster -- dump PODS FILE      # kubectl get … -A -o json
//! cargo bench -p eksguard-kube --bench large-cluster -- podlist PODS FILE [NAMESPACES]
//! cargo bench -p eksguard-kube --bench large-cluster -- serve PODS KUBECONFIG [SECONDS]
//! ```
//!
//! `dump` writes what `kubectl get
//! pods,deployments,replicasets,services,serviceaccounts,roles,rolebindings,networkpolicies
//! -A -o json` prints for a cluster of PODS pods: 500 namespaces, 2,000
//! NetworkPolicies (4 per namespace), Deployments of 10 pods each with their
//! current and previous ReplicaSets, a Service and a ServiceAccount per
//! Deployment, a Role and a RoleBinding per namespace. Objects look as a
//! real EKS server returns them (`status`, `managedFields`, owner
//! references, `last-applied-configuration` on what `kubectl apply`
//! created), keys sorted and indented by four spaces as kubectl prints them.
//! About 9 KB of JSON per pod (4 KB compact).
//!
//! `podlist` writes one `PodList` as the API server returns it (items
//! without `apiVersion`/`kind`, compact JSON, about 600 bytes per pod), the
//! input of `pss check` and of the single-namespace scan.
//!
//! `serve` holds the `dump` cluster in the in-process test API server,
//! writes a kubeconfig for it, prints `ready` and serves until SECONDS
//! (default 900) have passed or stdin closes.
//!
//! `scripts/bench-large.sh` runs them and prints the figures.

use serde_json::{Value, json};
use std::io::{BufWriter, Write};

const NAMESPACES: usize = 500;
const POLICIES_PER_NAMESPACE: usize = 4;
const PODS_PER_DEPLOYMENT: usize = 10;

/// A deterministic hash of small integers (splitmix64).
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn hex(x: u64, len: usize) -> String {
    let s = format!("{:016x}{:016x}", mix(x), mix(x ^ 0x5555));
    s[..len].to_owned()
}

fn uid(x: u64) -> String {
    let h = hex(x, 32);
    format!(
        "{}-{}-4{}-8{}-{}",
        &h[..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// Sorts every mapping's keys, as kubectl's JSON printer does.
fn sorted(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sorted).collect()),
        v => v,
    }
}

/// The shape of one Deployment and its pods.
struct App {
    ns: usize,
    index: usize,
    /// 0..10: which weakness (if any) its pods have.
    variant: u64,
}

impl App {
    fn namespace(&self) -> String {
        format!("team-{:03}", self.ns)
    }

    fn name(&self) -> String {
        const NAMES: [&str; 8] = [
            "web", "api", "worker", "cart", "search", "billing", "auth", "report",
        ];
        format!("{}-{}", NAMES[self.index % NAMES.len()], self.index)
    }

    fn seed(&self) -> u64 {
        (self.ns as u64) << 20 | self.index as u64
    }

    fn hash(&self) -> String {
        // pod-template-hash: 10 lower-case alphanumerics.
        hex(self.seed() ^ 0xabc, 10)
    }

    fn image(&self) -> String {
        match self.variant {
            4 => format!("docker.io/library/{}:latest", self.name()),
            5 => format!("ghcr.io/acme/{}:2.{}", self.name(), self.index % 7),
            _ => format!(
                "111122223333.dkr.ecr.eu-west-1.amazonaws.com/{}@sha256:{}",
                self.name(),
                hex(self.seed(), 32).repeat(2)
            ),
        }
    }

    fn labels(&self) -> Value {
        json!({"app": self.name(), "app.kubernetes.io/name": self.name(),
            "app.kubernetes.io/part-of": self.namespace(), "version": format!("v{}", 1 + self.index % 3)})
    }

    /// The pod spec of the template, as the API server defaults it.
    fn pod_spec(&self) -> Value {
        let name = self.name();
        let mut container_sc = json!({"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
            "capabilities": {"drop": ["ALL"]}});
        let mut pod_sc = json!({"runAsNonRoot": true, "runAsUser": 10001, "fsGroup": 10001,
            "seccompProfile": {"type": "RuntimeDefault"}});
        let mut volumes = vec![
            json!({"name": "config", "configMap": {"name": format!("{name}-config"), "defaultMode": 420}}),
        ];
        let mut host_network = false;
        match self.variant {
            0 => container_sc = json!({"privileged": true}),
            1 => {
                pod_sc = json!({});
                container_sc = json!({});
            }
            2 => {
                volumes.push(json!({"name": "host", "hostPath": {"path": "/var/run", "type": ""}}))
            }
            3 => {
                host_network = true;
                container_sc["capabilities"] = json!({"add": ["NET_ADMIN"], "drop": ["ALL"]});
            }
            _ => {}
        }
        let probe = |path: &str| {
            json!({"httpGet": {"path": path, "port": 8080, "scheme": "HTTP"}, "initialDelaySeconds": 5,
                "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3})
        };
        let mut containers = vec![json!({
            "name": "app", "image": self.image(), "imagePullPolicy": "IfNotPresent",
            "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"},
                      {"containerPort": 9090, "name": "metrics", "protocol": "TCP"}],
            "env": [{"name": "LOG_LEVEL", "value": "info"},
                    {"name": "DB_HOST", "value": format!("{}-db.{}.svc.cluster.local", name, self.namespace())}],
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
            "readinessProbe": probe("/ready"),
            "securityContext": container_sc,
            "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
            "volumeMounts": [{"name": "config", "mountPath": "/etc/app", "readOnly": true}]
        })];
        if self.index.is_multiple_of(10) {
            containers.push(json!({
                "name": "proxy", "image": "public.ecr.aws/envoyproxy/envoy:v1.31.2", "imagePullPolicy": "IfNotPresent",
                "args": ["--config-path", "/etc/envoy/envoy.yaml"],
                "ports": [{"containerPort": 15001, "name": "proxy", "protocol": "TCP"}],
                "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
                "securityContext": {"allowPrivilegeEscalation": false, "runAsNonRoot": true, "capabilities": {"drop": ["ALL"]}},
                "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"
            }));
        }
        let mut spec = json!({
            "containers": containers, "dnsPolicy": "ClusterFirst", "enableServiceLinks": true,
            "restartPolicy": "Always", "schedulerName": "default-scheduler", "securityContext": pod_sc,
            "serviceAccount": name, "serviceAccountName": name, "terminationGracePeriodSeconds": 30,
            "volumes": volumes
        });
        if host_network {
            spec["hostNetwork"] = json!(true);
        }
        if self.variant == 6 {
            // Relies on the default ServiceAccount's token.
            spec["serviceAccount"] = json!("default");
            spec["serviceAccountName"] = json!("default");
        }
        spec
    }

    fn template(&self) -> Value {
        let mut labels = self.labels();
        labels["pod-template-hash"] = json!(self.hash());
        json!({"metadata": {"creationTimestamp": null, "labels": labels}, "spec": self.pod_spec()})
    }

    fn deployment(&self) -> Value {
        let (ns, name) = (self.namespace(), self.name());
        let mut template = self.template();
        template["metadata"]["labels"]
            .as_object_mut()
            .map(|l| l.remove("pod-template-hash"));
        let applied = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"annotations": {}, "labels": self.labels(), "name": name, "namespace": ns},
            "spec": {"replicas": PODS_PER_DEPLOYMENT, "selector": {"matchLabels": {"app": name}}, "template": template}});
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {
                "annotations": {"deployment.kubernetes.io/revision": "2",
                    "kubectl.kubernetes.io/last-applied-configuration": format!("{}\n", sorted(applied))},
                "creationTimestamp": "2026-01-12T09:30:00Z", "generation": 2, "labels": self.labels(),
                "managedFields": [
                    {"apiVersion": "apps/v1", "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:annotations": {".": {}, "f:kubectl.kubernetes.io/last-applied-configuration": {}}, "f:labels": {".": {}, "f:app": {}}},
                        "f:spec": {"f:progressDeadlineSeconds": {}, "f:replicas": {}, "f:revisionHistoryLimit": {}, "f:selector": {}, "f:strategy": {"f:rollingUpdate": {".": {}, "f:maxSurge": {}, "f:maxUnavailable": {}}, "f:type": {}},
                        "f:template": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}}, "f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {".": {}, "f:image": {}, "f:name": {}, "f:ports": {}}}}}}},
                        "manager": "kubectl-client-side-apply", "operation": "Update", "time": "2026-01-12T09:30:00Z"},
                    {"apiVersion": "apps/v1", "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:annotations": {"f:deployment.kubernetes.io/revision": {}}},
                        "f:status": {"f:availableReplicas": {}, "f:conditions": {".": {}, "k:{\"type\":\"Available\"}": {".": {}, "f:lastTransitionTime": {}, "f:lastUpdateTime": {}, "f:message": {}, "f:reason": {}, "f:status": {}, "f:type": {}}}, "f:observedGeneration": {}, "f:readyReplicas": {}, "f:replicas": {}, "f:updatedReplicas": {}}},
                        "manager": "kube-controller-manager", "operation": "Update", "subresource": "status", "time": "2026-01-12T09:31:00Z"}],
                "name": name, "namespace": ns, "resourceVersion": format!("{}", 100_000 + self.seed() % 900_000),
                "uid": uid(self.seed() ^ 1)},
            "spec": {"progressDeadlineSeconds": 600, "replicas": PODS_PER_DEPLOYMENT, "revisionHistoryLimit": 10,
                "selector": {"matchLabels": {"app": name}},
                "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}, "type": "RollingUpdate"},
                "template": template},
            "status": {"availableReplicas": PODS_PER_DEPLOYMENT, "conditions": [
                {"lastTransitionTime": "2026-01-12T09:31:00Z", "lastUpdateTime": "2026-01-12T09:31:00Z", "message": "Deployment has minimum availability.", "reason": "MinimumReplicasAvailable", "status": "True", "type": "Available"},
                {"lastTransitionTime": "2026-01-12T09:30:00Z", "lastUpdateTime": "2026-01-12T09:31:00Z", "message": format!("ReplicaSet \"{name}-{}\" has successfully progressed.", self.hash()), "reason": "NewReplicaSetAvailable", "status": "True", "type": "Progressing"}],
                "observedGeneration": 2, "readyReplicas": PODS_PER_DEPLOYMENT, "replicas": PODS_PER_DEPLOYMENT, "updatedReplicas": PODS_PER_DEPLOYMENT}})
    }

    /// The current ReplicaSet (`old` false) or the previous one, scaled to 0.
    fn replica_set(&self, old: bool) -> Value {
        let (ns, name) = (self.namespace(), self.name());
        let hash = if old {
            hex(self.seed() ^ 0xdef, 10)
        } else {
            self.hash()
        };
        let mut template = self.template();
        template["metadata"]["labels"]["pod-template-hash"] = json!(hash);
        let replicas = if old { 0 } else { PODS_PER_DEPLOYMENT };
        let mut labels = self.labels();
        labels["pod-template-hash"] = json!(hash);
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {
                "annotations": {"deployment.kubernetes.io/desired-replicas": PODS_PER_DEPLOYMENT.to_string(), "deployment.kubernetes.io/max-replicas": "13",
                    "deployment.kubernetes.io/revision": if old { "1" } else { "2" }},
                "creationTimestamp": "2026-01-12T09:30:00Z", "generation": if old { 3 } else { 1 }, "labels": labels,
                "managedFields": [
                    {"apiVersion": "apps/v1", "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:annotations": {".": {}, "f:deployment.kubernetes.io/desired-replicas": {}, "f:deployment.kubernetes.io/max-replicas": {}, "f:deployment.kubernetes.io/revision": {}},
                        "f:labels": {".": {}, "f:app": {}, "f:pod-template-hash": {}}, "f:ownerReferences": {".": {}, "k:{\"uid\":\"x\"}": {}}},
                        "f:spec": {"f:replicas": {}, "f:selector": {}, "f:template": {"f:metadata": {"f:labels": {".": {}, "f:app": {}, "f:pod-template-hash": {}}}, "f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {".": {}, "f:image": {}}}}}}},
                        "manager": "kube-controller-manager", "operation": "Update", "time": "2026-01-12T09:30:00Z"}],
                "name": format!("{name}-{hash}"), "namespace": ns,
                "ownerReferences": [{"apiVersion": "apps/v1", "blockOwnerDeletion": true, "controller": true, "kind": "Deployment", "name": name, "uid": uid(self.seed() ^ 1)}],
                "resourceVersion": format!("{}", 200_000 + self.seed() % 900_000), "uid": uid(self.seed() ^ if old { 3 } else { 2 })},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name, "pod-template-hash": hash}}, "template": template},
            "status": if old { json!({"observedGeneration": 3, "replicas": 0}) } else {
                json!({"availableReplicas": replicas, "fullyLabeledReplicas": replicas, "observedGeneration": 1, "readyReplicas": replicas, "replicas": replicas}) }})
    }

    fn pod(&self, i: usize) -> Value {
        let (ns, name) = (self.namespace(), self.name());
        let seed = self.seed() << 8 | i as u64;
        let pod_name = format!("{name}-{}-{}", self.hash(), &hex(seed, 5));
        let mut labels = self.labels();
        labels["pod-template-hash"] = json!(self.hash());
        let mut spec = self.pod_spec();
        let token = format!("kube-api-access-{}", &hex(seed ^ 7, 5));
        if let Some(cs) = spec["containers"].as_array_mut() {
            for c in cs {
                let mounts = c
                    .as_object_mut()
                    .unwrap()
                    .entry("volumeMounts")
                    .or_insert(json!([]));
                mounts.as_array_mut().unwrap().push(json!({"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": token, "readOnly": true}));
            }
        }
        spec["volumes"].as_array_mut().unwrap().push(json!({"name": token, "projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}},
            {"downwardAPI": {"items": [{"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}, "path": "namespace"}]}}]}}));
        spec["nodeName"] = json!(format!("i-0{}", hex(seed % 97, 16)));
        spec["preemptionPolicy"] = json!("PreemptLowerPriority");
        spec["priority"] = json!(0);
        spec["tolerations"] = json!([
            {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
            {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300}]);
        let ip = |s: u64| format!("10.{}.{}.{}", s % 200, (s >> 8) % 250, 1 + (s >> 16) % 250);
        let statuses: Vec<Value> = spec["containers"].as_array().unwrap().iter().map(|c| json!({
            "containerID": format!("containerd://{}", hex(seed ^ 11, 32).repeat(2)), "image": c["image"], "imageID": format!("{}@sha256:{}", c["image"].as_str().unwrap().split(['@', ':']).next().unwrap(), hex(seed ^ 13, 32).repeat(2)),
            "lastState": {}, "name": c["name"], "ready": true, "restartCount": 0, "started": true,
            "state": {"running": {"startedAt": "2026-01-12T09:31:20Z"}}})).collect();
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"creationTimestamp": "2026-01-12T09:31:00Z", "generateName": format!("{name}-{}-", self.hash()), "labels": labels,
                "managedFields": [
                    {"apiVersion": "v1", "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:generateName": {}, "f:labels": {}, "f:ownerReferences": {}},
                        "f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {}}, "f:securityContext": {}, "f:serviceAccountName": {}, "f:volumes": {}}},
                        "manager": "kube-controller-manager", "operation": "Update", "time": "2026-01-12T09:31:00Z"},
                    {"apiVersion": "v1", "fieldsType": "FieldsV1", "fieldsV1": {"f:status": {"f:conditions": {}, "f:containerStatuses": {}, "f:podIP": {}}},
                        "manager": "kubelet", "operation": "Update", "subresource": "status", "time": "2026-01-12T09:31:21Z"}],
                "name": pod_name, "namespace": ns,
                "ownerReferences": [{"apiVersion": "apps/v1", "blockOwnerDeletion": true, "controller": true, "kind": "ReplicaSet", "name": format!("{name}-{}", self.hash()), "uid": uid(self.seed() ^ 2)}],
                "resourceVersion": format!("{}", 300_000 + seed % 9_000_000), "uid": uid(seed ^ 5)},
            "spec": spec,
            "status": {"conditions": [
                {"lastProbeTime": null, "lastTransitionTime": "2026-01-12T09:31:00Z", "status": "True", "type": "Initialized"},
                {"lastProbeTime": null, "lastTransitionTime": "2026-01-12T09:31:22Z", "status": "True", "type": "Ready"},
                {"lastProbeTime": null, "lastTransitionTime": "2026-01-12T09:31:00Z", "status": "True", "type": "PodScheduled"}],
                "containerStatuses": statuses, "hostIP": ip(seed % 97), "phase": "Running",
                "podIP": ip(seed), "qosClass": "Burstable", "startTime": "2026-01-12T09:31:00Z"}})
    }

    fn service(&self) -> Value {
        let (ns, name) = (self.namespace(), self.name());
        json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"creationTimestamp": "2026-01-12T09:30:00Z", "labels": self.labels(),
                "managedFields": [{"apiVersion": "v1", "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:ports": {".": {}, "k:{\"port\":80,\"protocol\":\"TCP\"}": {".": {}, "f:name": {}, "f:port": {}, "f:protocol": {}, "f:targetPort": {}}}, "f:selector": {}, "f:type": {}}},
                    "manager": "kubectl-client-side-apply", "operation": "Update", "time": "2026-01-12T09:30:00Z"}],
                "name": name, "namespace": ns, "resourceVersion": format!("{}", 400_000 + self.seed() % 900_000), "uid": uid(self.seed() ^ 9)},
            "spec": {"clusterIP": format!("172.20.{}.{}", self.ns % 250, 1 + self.index % 250), "clusterIPs": [format!("172.20.{}.{}", self.ns % 250, 1 + self.index % 250)],
                "internalTrafficPolicy": "Cluster", "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"}],
                "selector": {"app": name}, "sessionAffinity": "None", "type": if self.variant == 7 { "LoadBalancer" } else { "ClusterIP" }},
            "status": {"loadBalancer": {}}})
    }

    fn service_account(&self) -> Value {
        let (ns, name) = (self.namespace(), self.name());
        let mut meta = json!({"creationTimestamp": "2026-01-12T09:30:00Z", "name": name, "namespace": ns,
            "resourceVersion": format!("{}", 500_000 + self.seed() % 900_000), "uid": uid(self.seed() ^ 10)});
        if self.variant != 8 {
            meta["annotations"] = json!({"eks.amazonaws.com/role-arn": format!("arn:aws:iam::111122223333:role/{ns}-{name}")});
        }
        let mut sa = json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta});
        if self.variant == 9 {
            sa["automountServiceAccountToken"] = json!(false);
        }
        sa
    }
}

fn default_service_account(ns: usize) -> Value {
    json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"creationTimestamp": "2026-01-12T09:00:00Z",
        "name": "default", "namespace": format!("team-{ns:03}"), "resourceVersion": format!("{}", 600 + ns), "uid": uid(ns as u64 ^ 77)}})
}

fn role(ns: usize) -> Value {
    let rules = if ns.is_multiple_of(25) {
        json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}])
    } else if ns.is_multiple_of(10) {
        json!([{"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]},
               {"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list", "watch"]}])
    } else {
        json!([{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "watch"]},
               {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list"]}])
    };
    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"creationTimestamp": "2026-01-12T09:00:00Z", "name": "app-reader", "namespace": format!("team-{ns:03}"),
            "resourceVersion": format!("{}", 700 + ns), "uid": uid(ns as u64 ^ 78)},
        "rules": rules})
}

fn role_binding(ns: usize, apps: usize) -> Value {
    // Binds the first app's ServiceAccount: the others need no API token.
    let first = App {
        ns,
        index: 0,
        variant: 0,
    };
    let mut subjects = vec![
        json!({"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": format!("team-{ns:03}-devs")}),
    ];
    if apps > 0 {
        subjects.push(json!({"kind": "ServiceAccount", "name": first.name(), "namespace": format!("team-{ns:03}")}));
    }
    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"creationTimestamp": "2026-01-12T09:00:00Z", "name": "app-reader", "namespace": format!("team-{ns:03}"),
            "resourceVersion": format!("{}", 800 + ns), "uid": uid(ns as u64 ^ 79)},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "app-reader"},
        "subjects": subjects})
}

fn policies(ns: usize) -> Vec<Value> {
    let namespace = format!("team-{ns:03}");
    let meta = |name: &str, i: u64| {
        json!({"creationTimestamp": "2026-01-12T09:00:00Z", "generation": 1, "name": name, "namespace": namespace,
        "resourceVersion": format!("{}", 900 + ns as u64 * 4 + i), "uid": uid((ns as u64) << 4 ^ i ^ 0xfeed)})
    };
    let np = |name: &str, i: u64, spec: Value| json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta(name, i), "spec": spec});
    let first = App {
        ns,
        index: 0,
        variant: 0,
    }
    .name();
    let mut out = Vec::with_capacity(POLICIES_PER_NAMESPACE);
    if ns % 5 == 4 {
        // No default deny here: per-app policies only, one with a typo.
        out.push(np("allow-web", 0, json!({"podSelector": {"matchLabels": {"app": first}}, "ingress": [{"from": [{"podSelector": {}}]}], "policyTypes": ["Ingress"]})));
        out.push(np("allow-typo", 1, json!({"podSelector": {"matchLabels": {"app": "paymnets"}}, "ingress": [{"from": [{"podSelector": {}}]}], "policyTypes": ["Ingress"]})));
    } else {
        out.push(np(
            "default-deny",
            0,
            json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        ));
        out.push(np("allow-same-namespace", 1, json!({"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}], "policyTypes": ["Ingress"]})));
    }
    out.push(np("allow-dns", 2, json!({"podSelector": {}, "egress": [{"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
        "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}], "policyTypes": ["Egress"]})));
    let open = if ns.is_multiple_of(50) {
        json!([{"ports": [{"port": 5432, "protocol": "TCP"}]}])
    } else {
        json!([{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}], "ports": [{"port": "http", "protocol": "TCP"}]}])
    };
    out.push(np("allow-ingress", 3, json!({"podSelector": {"matchLabels": {"app": first}}, "ingress": open, "policyTypes": ["Ingress"]})));
    out
}

/// The apps of namespace `ns` for a cluster of `pods` pods.
fn apps(ns: usize, pods: usize) -> Vec<App> {
    let deployments = pods.div_ceil(PODS_PER_DEPLOYMENT);
    // Deployments spread round-robin over the namespaces.
    (0..deployments.saturating_sub(ns).div_ceil(NAMESPACES))
        .map(|index| App {
            ns,
            index,
            variant: mix(((ns as u64) << 20) | index as u64) % 10,
        })
        .collect()
}

/// Every object of the cluster, in `kubectl get` order: by resource, then
/// namespace and name.
fn cluster(pods: usize, mut each: impl FnMut(Value)) {
    let all: Vec<Vec<App>> = (0..NAMESPACES).map(|ns| apps(ns, pods)).collect();
    let mut left = pods;
    for apps in &all {
        for app in apps {
            let n = PODS_PER_DEPLOYMENT.min(left);
            if n == 0 {
                break;
            }
            for i in 0..n {
                each(app.pod(i));
            }
            left -= n;
        }
    }
    for apps in &all {
        for app in apps {
            each(app.deployment());
        }
    }
    for apps in &all {
        for app in apps {
            each(app.replica_set(false));
            each(app.replica_set(true));
        }
    }
    for apps in &all {
        for app in apps {
            each(app.service());
        }
    }
    for (ns, apps) in all.iter().enumerate() {
        each(default_service_account(ns));
        for app in apps {
            each(app.service_account());
        }
    }
    for ns in 0..NAMESPACES {
        each(role(ns));
    }
    for (ns, apps) in all.iter().enumerate() {
        each(role_binding(ns, apps.len()));
    }
    for ns in 0..NAMESPACES {
        for p in policies(ns) {
            each(p);
        }
    }
}

/// `value` pretty-printed with four spaces, every line indented by `indent`.
fn write_indented(out: &mut impl Write, value: &Value, indent: &str) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    serde::Serialize::serialize(value, &mut ser).map_err(std::io::Error::other)?;
    let text = String::from_utf8(buf).map_err(std::io::Error::other)?;
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.write_all(b"\n")?;
        }
        out.write_all(indent.as_bytes())?;
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

fn dump(pods: usize, path: &str) -> std::io::Result<usize> {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    out.write_all(b"{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n")?;
    let mut n = 0usize;
    let mut err = Ok(());
    cluster(pods, |v| {
        if err.is_err() {
            return;
        }
        if n > 0 {
            err = out.write_all(b",\n");
        }
        n += 1;
        if err.is_ok() {
            err = write_indented(&mut out, &sorted(v), "        ");
        }
    });
    err?;
    out.write_all(b"\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n")?;
    out.flush()?;
    Ok(n)
}

/// A small pod as in the issue's PodList measurements (~600 bytes).
fn small_pod(i: usize, namespaces: usize) -> Value {
    let ns = format!("team-{:03}", i % namespaces);
    let app = format!("app-{}", i % 50);
    let mut sc = json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}});
    let mut pod_sc = json!({"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}});
    match mix(i as u64) % 10 {
        0 => sc = json!({"privileged": true}),
        1 => pod_sc = json!({}),
        2 => sc["capabilities"] = json!({"add": ["SYS_ADMIN"]}),
        _ => {}
    }
    json!({"metadata": {"name": format!("{app}-{}-{}", hex(i as u64 / 10, 10), hex(i as u64, 5)), "namespace": ns,
            "labels": {"app": app, "pod-template-hash": hex(i as u64 / 10, 10)},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{app}-{}", hex(i as u64 / 10, 10)), "uid": uid(i as u64 / 10), "controller": true}]},
        "spec": {"serviceAccountName": app, "securityContext": pod_sc,
            "containers": [{"name": "app", "image": format!("111122223333.dkr.ecr.eu-west-1.amazonaws.com/{app}:1.{}", i % 7),
                "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                "securityContext": sc}]},
        "status": {"phase": "Running", "podIP": format!("10.{}.{}.{}", i % 200, (i / 200) % 250, 1 + i % 250)}})
}

fn podlist(pods: usize, namespaces: usize, path: &str) -> std::io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    out.write_all(
        br#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"123456"},"items":["#,
    )?;
    for i in 0..pods {
        if i > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut out, &small_pod(i, namespaces.max(1)))?;
    }
    out.write_all(b"]}\n")?;
    out.flush()
}

fn serve(pods: usize, kubeconfig: &str, seconds: u64) {
    use eksguard_test_apiserver::{ApiServer, ResourceType};
    use std::time::Duration;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let api = ApiServer::start(Duration::from_secs(30))
            .await
            .expect("server");
        api.register_all(ResourceType::standard());
        api.set_version("v1.33.1-eks-1234567");
        let mut n = 0usize;
        for ns in 0..NAMESPACES {
            api.put_namespace(&format!("team-{ns:03}"), &[]);
            n += 1;
        }
        cluster(pods, |v| {
            let mut v = v;
            // The server keeps its own bookkeeping; managedFields stay.
            if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
                m.remove("resourceVersion");
            }
            api.put(v);
            n += 1;
        });
        // Forget the event history: nothing watches, and it doubles memory.
        api.compact();
        api.write_kubeconfig(std::path::Path::new(kubeconfig))
            .expect("kubeconfig");
        println!("ready: {n} objects at {}", api.url());
        let stdin_closed = tokio::task::spawn_blocking(|| {
            let mut buf = [0u8; 64];
            while matches!(std::io::Read::read(&mut std::io::stdin(), &mut buf), Ok(n) if n > 0) {}
        });
        tokio::select! {
            _ = stdin_closed => {}
            () = tokio::time::sleep(Duration::from_secs(seconds)) => {}
        }
    });
}

fn main() {
    // `cargo bench` adds `--bench`.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let num = |i: usize| -> usize {
        args.get(i)
            .and_then(|a| a.replace('_', "").parse().ok())
            .unwrap_or_else(|| usage())
    };
    match args.first().map(String::as_str) {
        Some("dump") => {
            let path = args.get(2).unwrap_or_else(|| usage());
            let n = dump(num(1), path).expect("write dump");
            eprintln!("{path}: {n} objects");
        }
        Some("podlist") => {
            let path = args.get(2).unwrap_or_else(|| usage());
            let namespaces = args.get(3).map_or(NAMESPACES, |_| num(3));
            podlist(num(1), namespaces, path).expect("write pod list");
        }
        Some("serve") => {
            let path = args.get(2).unwrap_or_else(|| usage());
            let seconds = args.get(3).map_or(900, |_| num(3) as u64);
            serve(num(1), path, seconds);
        }
        // `cargo bench` without arguments: nothing to measure here.
        None => eprintln!("large-cluster: inputs for scripts/bench-large.sh (see its header)"),
        Some(_) => usage(),
    }
}

fn usage() -> ! {
    eprintln!(
        "usage: large-cluster dump PODS FILE | podlist PODS FILE [NAMESPACES] | serve PODS KUBECONFIG [SECONDS]"
    );
    std::process::exit(2)
}
