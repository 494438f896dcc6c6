//! Attack-path benchmark on a generated cluster of the size issue #15 states:
//! 10,000 pods (1,000 workloads in 100 namespaces), 2,000 NetworkPolicies,
//! 5,000 ServiceAccounts and 2,000 IAM roles; graph + every path to every
//! target + cuts. Run with `cargo bench -p eksguard-paths` (release); prints
//! wall time, peak RSS and sizes. The target is ≤ 2 s and ≤ 500 MB on 2 cores.

use eksguard_core::{Object, Source};
use eksguard_iam::{Account, Binding, ClusterFacts, Policy, Role, Via};
use eksguard_paths::{BindingOrigin, Filter, IamInput, Input, Options, analyze};
use serde_json::{Value, json};
use std::time::Instant;

const NAMESPACES: usize = 100;
const WORKLOADS_PER_NS: usize = 10;
const PODS_PER_WORKLOAD: usize = 10;
const POLICIES_PER_NS: usize = 20;
const SAS_PER_NS: usize = 50;
const ROLES: usize = 2000;
const ACCOUNT: &str = "111122223333";
const ISSUER: &str = "oidc.eks.eu-west-1.amazonaws.com/id/BENCH";

fn arn(i: usize) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/role-{i:04}")
}

fn generate() -> Vec<Value> {
    let mut objs = Vec::new();
    for n in 0..NAMESPACES {
        let ns = format!("ns-{n:03}");
        let mut labels =
            json!({"team": format!("team-{}", n % 10), "env": if n % 2 == 0 {"prod"} else {"dev"}});
        if n % 3 == 0 {
            labels["pod-security.kubernetes.io/enforce"] = json!("baseline");
        }
        objs.push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": labels}}));
        for s in 0..SAS_PER_NS {
            let mut sa = json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": format!("sa-{s}"), "namespace": ns}});
            // The workloads' ServiceAccounts use IRSA: role index n*10+s.
            if s < WORKLOADS_PER_NS {
                sa["metadata"]["annotations"] =
                    json!({"eks.amazonaws.com/role-arn": arn(n * WORKLOADS_PER_NS + s)});
                if s % 4 != 0 {
                    sa["automountServiceAccountToken"] = json!(false);
                }
            }
            objs.push(sa);
        }
        for w in 0..WORKLOADS_PER_NS {
            let app = format!("app-{w}");
            let labels = json!({"app": app, "tier": format!("tier-{}", w % 3)});
            let ports = json!([
                {"name": "http", "containerPort": 8080 + w as u16, "protocol": "TCP"},
                {"name": "metrics", "containerPort": 9090, "protocol": "TCP"},
                {"name": "dns", "containerPort": 53, "protocol": "UDP"}
            ]);
            let agent = w == 9 && n % 10 == 0;
            let mut spec = json!({"serviceAccountName": format!("sa-{w}"), "containers": [{"name": "c", "image": "i", "ports": ports}]});
            if agent {
                spec["hostNetwork"] = json!(true);
                spec["containers"][0]["securityContext"] = json!({"privileged": true});
            }
            let kind = if agent { "DaemonSet" } else { "Deployment" };
            objs.push(json!({"apiVersion": "apps/v1", "kind": kind,
                "metadata": {"name": app, "namespace": ns},
                "spec": {"template": {"metadata": {"labels": labels}, "spec": spec}}}));
            for p in 0..PODS_PER_WORKLOAD {
                objs.push(json!({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": format!("{app}-{p}"), "namespace": ns, "labels": labels,
                        "ownerReferences": [{"kind": kind, "name": app, "controller": true}]},
                    "spec": spec}));
            }
        }
        // Two internet-facing load balancers per namespace.
        for w in 0..2 {
            objs.push(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": format!("lb-{w}"), "namespace": ns,
                "annotations": {"service.beta.kubernetes.io/aws-load-balancer-scheme": if n % 4 == 0 { "internet-facing" } else { "internal" }}},
                "spec": {"type": "LoadBalancer", "selector": {"app": format!("app-{w}")}, "ports": [{"port": 443, "targetPort": "http"}]}}));
        }
        for p in 0..POLICIES_PER_NS {
            let w = p % WORKLOADS_PER_NS;
            let spec = match p {
                0 => json!({"podSelector": {}, "policyTypes": ["Ingress"]}),
                1 => json!({"podSelector": {}, "policyTypes": ["Egress"], "egress": [
                    {"ports": [{"port": 53, "protocol": "UDP"}]},
                    {"to": [{"namespaceSelector": {"matchLabels": {"team": format!("team-{}", n % 10)}}}]},
                    {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}}], "ports": [{"port": 443}]}]}),
                2..=9 => {
                    json!({"podSelector": {"matchLabels": {"app": format!("app-{w}")}}, "ingress": [
                    {"from": [{"podSelector": {"matchLabels": {"app": format!("app-{}", (w + 1) % WORKLOADS_PER_NS)}}}], "ports": [{"port": "http"}]},
                    {"from": [{"namespaceSelector": {"matchLabels": {"env": "prod"}}, "podSelector": {"matchLabels": {"tier": "tier-0"}}}], "ports": [{"port": 9090}]}]})
                }
                10 | 11 => {
                    json!({"podSelector": {"matchLabels": {"app": format!("app-{}", p - 10)}}, "ingress": [
                    {"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"port": "http"}]}]})
                }
                12..=14 => {
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
        // A CI ServiceAccount that may deploy in its namespace.
        objs.push(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "ci", "namespace": ns},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
            "subjects": [{"kind": "ServiceAccount", "name": "sa-0", "namespace": ns}]}));
        if n % 20 == 0 {
            objs.push(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": format!("admin-{n}")},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
                "subjects": [{"kind": "ServiceAccount", "name": "sa-4", "namespace": ns}]}));
        }
    }
    objs
}

fn roles() -> Vec<Role> {
    (0..ROLES)
        .map(|i| {
            let mut r = Role::new(arn(i));
            let trust = if i < NAMESPACES * WORKLOADS_PER_NS {
                let (n, w) = (i / WORKLOADS_PER_NS, i % WORKLOADS_PER_NS);
                // Every 7th IRSA trust names another ServiceAccount (broken).
                let sa = if i % 7 == 3 { "other".to_owned() } else { format!("sa-{w}") };
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                    "Principal": {"Federated": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER}")},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {"StringEquals": {format!("{ISSUER}:sub"): format!("system:serviceaccount:ns-{n:03}:{sa}")}}}]})
            } else {
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "sts:AssumeRole"}]})
            };
            r.trust = Some(Policy::from_value(&trust).unwrap());
            let stmt = match i % 20 {
                0 => json!([{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}, {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"}]),
                1 => json!([{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}]),
                2 => json!([{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": arn(1000 + (i * 7) % 1000)}]),
                3 => json!([{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]),
                _ => json!([{"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"], "Resource": format!("arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/t-{i}")},
                            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::bucket-{i}/*")}]),
            };
            r.inline_policies.push(("main".into(), Policy::from_value(&json!({"Version": "2012-10-17", "Statement": stmt})).unwrap()));
            r
        })
        .collect()
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_owned)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let t0 = Instant::now();
    let values = generate();
    let objects: Vec<Object> = values
        .into_iter()
        .map(|v| {
            Object::from_value(
                v,
                None,
                Source {
                    file: "gen.yaml".into(),
                    document: 0,
                    item: None,
                    line: 1,
                    column: 1,
                },
            )
            .unwrap()
        })
        .collect();
    let account = Account {
        roles: roles(),
        ..Default::default()
    };
    let mut bindings = Vec::new();
    let mut origins = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        if let (true, Some(a)) = (
            o.kind == "ServiceAccount",
            o.annotation("eks.amazonaws.com/role-arn"),
        ) {
            bindings.push(Binding {
                namespace: o.namespace.clone().unwrap_or_default(),
                service_account: o.name.clone(),
                role_arn: a.to_owned(),
                via: Via::Irsa,
            });
            origins.push(BindingOrigin::Annotation { object: i });
        }
    }
    let cluster = ClusterFacts {
        account_id: ACCOUNT.into(),
        oidc_issuer: format!("https://{ISSUER}"),
        cluster_arn: format!("arn:aws:eks:eu-west-1:{ACCOUNT}:cluster/bench"),
    };
    let pods = objects.iter().filter(|o| o.kind == "Pod").count();
    let nps = objects.iter().filter(|o| o.kind == "NetworkPolicy").count();
    let sas = objects
        .iter()
        .filter(|o| o.kind == "ServiceAccount")
        .count();
    let t_gen = t0.elapsed();
    let input = Input {
        objects: &objects,
        aws: None,
        iam: Some(IamInput {
            cluster: Some(&cluster),
            account: &account,
            bindings: &bindings,
            binding_origins: &origins,
            node_role: Some(&arn(1999)),
        }),
        options: Options::default(),
    };
    let t1 = Instant::now();
    let a = analyze(&input, &Filter::default());
    let t_analyze = t1.elapsed();
    let g = a.graph();
    let internet = a.paths.iter().filter(|p| p.from == "internet").count();
    println!(
        "input: {pods} pods, {} workloads, {nps} NetworkPolicies, {sas} ServiceAccounts, {} IAM roles ({} objects; generated in {:.2?})",
        a.built.workloads.len(),
        account.roles.len(),
        objects.len(),
        t_gen
    );
    println!(
        "graph: {} nodes, {} edges, {} classes; {} paths ({internet} from the internet), {} cuts",
        g.node_count(),
        g.edges.len(),
        a.built.class_rep.len(),
        a.paths.len(),
        a.cuts.len()
    );
    println!(
        "graph + all paths to every target + cuts: {:.3?}; peak RSS {:.0} MB",
        t_analyze,
        peak_rss_mb()
    );
    if let Some(c) = a.cuts.first() {
        println!(
            "fix first: {} (breaks {} paths)",
            g.cuts[c.spec as usize].change,
            c.breaks.len()
        );
    }
    if std::env::var_os("EKSGUARD_PATHS_BENCH_JSON").is_none() {
        return;
    }
    let t2 = Instant::now();
    let json = a.to_json(&input);
    println!(
        "JSON of every path with evidence: {:.3?} ({} MB); peak RSS {:.0} MB",
        t2.elapsed(),
        serde_json::to_vec(&json).map_or(0, |v| v.len()) / (1 << 20),
        peak_rss_mb()
    );
}
