//! Small inventories for the engine's tests: Kubernetes objects as JSON and
//! an AWS side (roles, IRSA bindings from the ServiceAccount annotations).
#![allow(dead_code)]

use eksguard_core::{Object, Source};
use eksguard_iam::{Account, Binding, ClusterFacts, Policy, Role, Via};
use eksguard_paths::{Analysis, BindingOrigin, Filter, IamInput, Input, Options, analyze};
use serde_json::{Value, json};
use std::collections::BTreeSet;

pub const ACCOUNT: &str = "111122223333";
pub const ISSUER: &str = "oidc.eks.eu-west-1.amazonaws.com/id/TEST";

pub fn obj(v: Value) -> Object {
    Object::from_value(
        v,
        None,
        Source {
            file: "test.yaml".into(),
            document: 0,
            item: None,
            line: 1,
            column: 1,
        },
    )
    .expect("object")
}

pub fn arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

pub fn irsa_trust(ns: &str, sa: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Federated": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER}")},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {format!("{ISSUER}:sub"): format!("system:serviceaccount:{ns}:{sa}"),
                                       format!("{ISSUER}:aud"): "sts.amazonaws.com"}}}]})
}

pub fn account_trust() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "sts:AssumeRole"}]})
}

pub fn allow(actions: &[&str], resource: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}]})
}

pub fn role(name: &str, trust: Value, inline: Value) -> Role {
    let mut r = Role::new(arn(name));
    r.trust = Some(Policy::from_value(&trust).expect("trust"));
    r.inline_policies
        .push(("main".into(), Policy::from_value(&inline).expect("policy")));
    r
}

pub struct Aws {
    pub account: Account,
    pub cluster: ClusterFacts,
    pub node_role: Option<String>,
}

impl Aws {
    pub fn new(roles: Vec<Role>, node_role: Option<&str>) -> Aws {
        Aws {
            account: Account {
                roles,
                ..Default::default()
            },
            cluster: ClusterFacts {
                account_id: ACCOUNT.into(),
                oidc_issuer: format!("https://{ISSUER}"),
                cluster_arn: format!("arn:aws:eks:eu-west-1:{ACCOUNT}:cluster/test"),
            },
            node_role: node_role.map(arn),
        }
    }
}

/// IRSA bindings from the ServiceAccount annotations.
pub fn bindings(objects: &[Object]) -> (Vec<Binding>, Vec<BindingOrigin>) {
    let mut b = Vec::new();
    let mut o = Vec::new();
    for (i, obj) in objects.iter().enumerate() {
        if obj.kind == "ServiceAccount"
            && let Some(a) = obj.annotation("eks.amazonaws.com/role-arn")
        {
            b.push(Binding {
                namespace: obj.namespace.clone().unwrap_or_else(|| "default".into()),
                service_account: obj.name.clone(),
                role_arn: a.to_owned(),
                via: Via::Irsa,
            });
            o.push(BindingOrigin::Annotation { object: i });
        }
    }
    (b, o)
}

pub fn run(objects: &[Object], aws: Option<&Aws>, options: Options) -> Analysis {
    let (b, o) = bindings(objects);
    let input = Input {
        objects,
        aws: None,
        iam: aws.map(|a| IamInput {
            cluster: Some(&a.cluster),
            account: &a.account,
            bindings: &b,
            binding_origins: &o,
            node_role: a.node_role.as_deref(),
        }),
        options,
    };
    analyze(&input, &Filter::default())
}

/// (from, via, to) of every path.
pub type Key = (String, String, String);

pub fn keys(a: &Analysis) -> BTreeSet<Key> {
    let g = a.graph();
    a.paths
        .iter()
        .map(|p| {
            (
                from_key(p),
                eksguard_paths::render::node_label(&g.nodes[p.rec.grant as usize]),
                p.to.as_str().to_owned(),
            )
        })
        .collect()
}

/// `internet via ENTRY` or the workload.
pub fn from_key(p: &eksguard_paths::Path) -> String {
    match &p.entry {
        Some(e) => format!("{} via {e}", p.from),
        None => p.from.clone(),
    }
}

pub fn ns(name: &str, enforce: Option<&str>) -> Value {
    let mut labels = json!({"kubernetes.io/metadata.name": name});
    if let Some(l) = enforce {
        labels["pod-security.kubernetes.io/enforce"] = json!(l);
    }
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}})
}

pub fn sa(ns: &str, name: &str, role: Option<&str>, automount: Option<bool>) -> Value {
    let mut v = json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": ns}});
    if let Some(r) = role {
        v["metadata"]["annotations"] = json!({"eks.amazonaws.com/role-arn": arn(r)});
    }
    if let Some(a) = automount {
        v["automountServiceAccountToken"] = json!(a);
    }
    v
}

pub fn deploy(ns: &str, name: &str, sa: &str, port: u16, extra: Value) -> Value {
    let mut spec = json!({"serviceAccountName": sa,
        "containers": [{"name": "c", "image": "i", "ports": [{"name": "http", "containerPort": port}]}]});
    if let (Some(s), Some(e)) = (spec.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            s.insert(k.clone(), v.clone());
        }
    }
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
        "spec": {"selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}}, "spec": spec}}})
}

pub fn lb(ns: &str, name: &str, app: &str, internet: bool) -> Value {
    let mut v = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
        "spec": {"type": "LoadBalancer", "selector": {"app": app}, "ports": [{"port": 80, "targetPort": "http"}]}});
    if internet {
        v["metadata"]["annotations"] =
            json!({"service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing"});
    }
    v
}

/// The base inventory of the exactness tests: an exposed web front, an API
/// with an escalating IRSA role, a CI runner with cluster-admin, and a
/// privileged host-network node agent on a node role that reads every bucket.
pub fn base() -> (Vec<Value>, Aws) {
    let objects = vec![
        ns("shop", Some("baseline")),
        ns("tools", None),
        sa("shop", "web", None, Some(false)),
        deploy("shop", "web", "web", 8080, json!({})),
        lb("shop", "web", "web", true),
        sa("shop", "api", Some("api-role"), Some(false)),
        deploy("shop", "api", "api", 9000, json!({})),
        sa("tools", "ci", None, None),
        deploy("tools", "ci", "ci", 8000, json!({})),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "ci-admin"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "ServiceAccount", "name": "ci", "namespace": "tools"}]}),
        sa("tools", "agent", None, Some(false)),
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent", "namespace": "tools"},
            "spec": {"selector": {"matchLabels": {"app": "agent"}}, "template": {"metadata": {"labels": {"app": "agent"}},
            "spec": {"serviceAccountName": "agent", "hostNetwork": true,
                     "containers": [{"name": "a", "image": "i", "securityContext": {"privileged": true}}]}}}}),
    ];
    let aws = Aws::new(
        vec![
            role(
                "api-role",
                irsa_trust("shop", "api"),
                allow(&["iam:PassRole"], "*"),
            ),
            role(
                "node-role",
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
                allow(&["s3:GetObject"], "*"),
            ),
        ],
        Some("node-role"),
    );
    (objects, aws)
}

pub fn objects(v: &[Value]) -> Vec<Object> {
    v.iter().cloned().map(obj).collect()
}
