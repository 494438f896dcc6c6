//! Analysis helpers behind the catalog controls.

mod common;
use common::*;
use eksguard_netpol::analysis::*;
use eksguard_netpol::{Cluster, Direction, Protocol};
use serde_json::{Value, json};

fn base() -> Vec<Value> {
    vec![
        ns("prod", json!({"env": "prod"})),
        ns("dev", json!({})),
        deploy(
            "prod",
            "web",
            json!({"app": "web"}),
            &[("http", 80, "TCP"), ("ssh", 22, "TCP")],
        ),
        deploy("prod", "db", json!({"app": "db"}), &[("pg", 5432, "TCP")]),
        deploy("dev", "tool", json!({"app": "tool"}), &[]),
    ]
}

#[test]
fn default_deny_coverage_per_direction() {
    let mut objs = base();
    objs.push(netpol(
        "prod",
        "default-deny",
        json!({"podSelector": {}, "policyTypes": ["Ingress"]}),
    ));
    let c = build(&objs);
    let ing = namespaces_without_default_deny(&c, Direction::Ingress);
    assert_eq!(ing.len(), 1);
    assert_eq!(ing[0].namespace, "dev");
    let eg = namespaces_without_default_deny(&c, Direction::Egress);
    let names: Vec<&str> = eg.iter().map(|g| g.namespace.as_str()).collect();
    assert_eq!(names, ["dev", "prod"]);
    assert_eq!(eg[1].uncovered.len(), 2);
}

#[test]
fn per_workload_policies_count_as_coverage() {
    let mut objs = base();
    objs.push(netpol(
        "prod",
        "web",
        json!({"podSelector": {"matchLabels": {"app": "web"}}, "ingress": [{}]}),
    ));
    objs.push(netpol(
        "prod",
        "db",
        json!({"podSelector": {"matchLabels": {"app": "db"}}, "ingress": []}),
    ));
    let c = build(&objs);
    assert!(
        namespaces_without_default_deny(&c, Direction::Ingress)
            .iter()
            .all(|g| g.namespace != "prod")
    );
}

#[test]
fn empty_pod_selector_is_not_a_policy_selecting_nothing() {
    let mut objs = base();
    objs.push(netpol(
        "prod",
        "all",
        json!({"podSelector": {}, "ingress": []}),
    ));
    objs.push(netpol(
        "prod",
        "typo",
        json!({"podSelector": {"matchLabels": {"app": "wbe"}}, "ingress": []}),
    ));
    objs.push(netpol("empty-ns", "all", json!({"podSelector": {}})));
    let c = build(&objs);
    let got: Vec<(String, bool)> = policies_selecting_nothing(&c)
        .into_iter()
        .map(|e| (e.at.policy.to_string(), e.namespace_has_workloads))
        .collect();
    assert_eq!(
        got,
        [
            ("NetworkPolicy empty-ns/all".to_string(), false),
            ("NetworkPolicy prod/typo".to_string(), true),
        ]
    );
    let unselected: Vec<String> = unselected_workloads(&c)
        .iter()
        .map(|w| w.to_string())
        .collect();
    assert_eq!(unselected, ["dev/tool[Deployment]"]);
}

#[test]
fn namespace_selector_on_missing_label_never_matches() {
    let mut objs = base();
    objs.push(netpol(
        "prod",
        "p",
        json!({"podSelector": {}, "ingress": [{"from": [
            {"namespaceSelector": {"matchLabels": {"env": "dev"}}},
            {"namespaceSelector": {"matchLabels": {"name": "dev"}}}
        ]}]}),
    ));
    let c = build(&objs);
    let dead = never_matching_peers(&c);
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].at.path, "spec.ingress[0].from[1].namespaceSelector");
    assert_eq!(dead[0].missing_keys, ["name"]);
}

#[test]
fn sensitive_port_open_to_everywhere() {
    let mut objs = base();
    objs.push(netpol("prod", "web", json!({"podSelector": {"matchLabels": {"app": "web"}}, "ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}, {"namespaceSelector": {}}]}]})));
    objs.push(netpol("prod", "db", json!({"podSelector": {"matchLabels": {"app": "db"}}, "ingress": [{"from": [{"namespaceSelector": {}}]}]})));
    let c = build(&objs);
    let open = open_sensitive_ports(&c, SENSITIVE_PORTS);
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0].workload.to_string(), "prod/web[Deployment]");
    assert_eq!((open[0].protocol, open[0].port), (Protocol::Tcp, 22));
    assert_eq!(open[0].rules[0].path, "spec.ingress[0]");
}

#[test]
fn world_egress_flagged_only_in_default_deny_egress_namespaces() {
    let mut objs = base();
    objs.push(netpol(
        "prod",
        "deny",
        json!({"podSelector": {}, "policyTypes": ["Egress"]}),
    ));
    objs.push(netpol("prod", "world", json!({"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Egress"],
        "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}}]}]})));
    objs.push(netpol("dev", "world", json!({"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}, {}, {"ports": [{"port": 53, "protocol": "UDP"}]}]})));
    let c = build(&objs);
    let w = world_egress_in_default_deny_namespaces(&c);
    let got: Vec<(String, String, bool)> = w
        .iter()
        .map(|x| (x.at.policy.to_string(), x.at.path.clone(), x.has_except))
        .collect();
    assert_eq!(
        got,
        [
            (
                "NetworkPolicy dev/world".to_string(),
                "spec.egress[1]".to_string(),
                false
            ),
            (
                "NetworkPolicy prod/world".to_string(),
                "spec.egress[0].to[0].ipBlock".to_string(),
                true
            ),
        ]
    );
}

#[test]
fn eks_specifics() {
    let mut objs = base();
    let many: Vec<Value> = (1..=25).map(|p| json!({"port": 1000 + p})).collect();
    objs.push(netpol(
        "prod",
        "many",
        json!({"podSelector": {}, "ingress": [{"ports": many}]}),
    ));
    objs.push(netpol("prod", "named-ipblock", json!({"podSelector": {}, "policyTypes": ["Egress"],
        "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}], "ports": [{"port": 443}, {"port": "https"}]}]})));
    objs.push(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "debug", "namespace": "dev"}, "spec": {"containers": []}}));
    let c = build(&objs);
    let over = rules_over_port_limit(&c, EKS_PORTS_PER_PROTOCOL_LIMIT);
    assert_eq!(over.len(), 1);
    assert_eq!(
        (over[0].at.path.as_str(), over[0].count),
        ("spec.ingress[0].ports", 25)
    );
    let named = named_ports_toward_ip_blocks(&c);
    assert_eq!(named.len(), 1);
    assert_eq!(named[0].path, "spec.egress[0].ports[1].port");
    let standalone: Vec<String> = standalone_pods(&c).iter().map(|w| w.to_string()).collect();
    assert_eq!(standalone, ["dev/debug[Pod]"]);
    assert_eq!(eks_enforcement(&c), Enforcement::Unknown);
    assert!(has_policies(&c));
}

#[test]
fn eks_enforcement_from_configmap_and_nodeclass() {
    let cm = |v: Option<&str>| {
        let data = match v {
            Some(v) => json!({"enable-network-policy-controller": v}),
            None => json!({}),
        };
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "amazon-vpc-cni", "namespace": "kube-system"}, "data": data})
    };
    let nodeclass = json!({"apiVersion": "eks.amazonaws.com/v1", "kind": "NodeClass", "metadata": {"name": "default"}, "spec": {"networkPolicy": "DefaultAllow"}});
    let e = |objs: Vec<Value>| eks_enforcement(&Cluster::from_objects(objs.iter()).0);
    assert_eq!(e(vec![cm(Some("true"))]), Enforcement::Enabled);
    assert!(matches!(
        e(vec![cm(Some("false"))]),
        Enforcement::Disabled { .. }
    ));
    assert!(matches!(e(vec![cm(None)]), Enforcement::Disabled { .. }));
    assert!(matches!(
        e(vec![nodeclass.clone()]),
        Enforcement::Disabled { .. }
    ));
    assert_eq!(
        Cluster::from_objects([nodeclass].iter())
            .0
            .eks_facts()
            .node_classes[0]
            .1
            .as_deref(),
        Some("DefaultAllow")
    );
}
