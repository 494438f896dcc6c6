//! Cluster-scoped tiers: AdminNetworkPolicy → NetworkPolicy → BaselineAdminNetworkPolicy
//! (policy.networking.k8s.io/v1alpha1), EKS ClusterNetworkPolicy tiers, and Auto Mode
//! ApplicationNetworkPolicy `domainNames`. Expected values follow the precedence in the
//! network-policy-api reference, worked out by hand.

mod common;
use common::*;
use eksguard_netpol::{Cluster, ConnSet, Peer};
use serde_json::{Value, json};

fn base() -> Vec<Value> {
    vec![
        ns("a", json!({"team": "a"})),
        ns("b", json!({"team": "b"})),
        deploy("a", "web", json!({"app": "web"}), &[("http", 80, "TCP")]),
        deploy("a", "db", json!({"app": "db"}), &[]),
        deploy("b", "client", json!({"app": "client"}), &[]),
    ]
}

fn anp(name: &str, priority: i64, spec: Value) -> Value {
    let mut spec = spec;
    spec["priority"] = json!(priority);
    json!({"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "AdminNetworkPolicy", "metadata": {"name": name}, "spec": spec})
}

fn subject_ns_a() -> Value {
    json!({"namespaces": {"matchLabels": {"kubernetes.io/metadata.name": "a"}}})
}

#[test]
fn admin_deny_overrides_network_policy_allow() {
    let mut objs = base();
    objs.push(netpol(
        "a",
        "allow-all",
        json!({"podSelector": {}, "ingress": [{}]}),
    ));
    objs.push(anp("deny-b", 10, json!({"subject": subject_ns_a(), "ingress": [{"name": "d", "action": "Deny", "from": [{"namespaces": {"matchLabels": {"team": "b"}}}]}]})));
    let r = build(&objs).reachability();
    assert!(
        r.between(&dep("b", "client"), &dep("a", "web"))
            .expect("pair")
            .is_empty()
    );
    assert!(
        r.between(&dep("a", "db"), &dep("a", "web"))
            .expect("pair")
            .is_all()
    );
}

#[test]
fn admin_allow_overrides_network_policy_isolation_on_its_ports_only() {
    let mut objs = base();
    objs.push(netpol(
        "a",
        "deny",
        json!({"podSelector": {}, "ingress": []}),
    ));
    objs.push(anp("allow-b-80", 10, json!({"subject": subject_ns_a(), "ingress": [{"action": "Allow",
        "from": [{"namespaces": {"matchLabels": {"team": "b"}}}], "ports": [{"portNumber": {"protocol": "TCP", "port": 80}}]}]})));
    let r = build(&objs).reachability();
    assert_eq!(
        r.between(&dep("b", "client"), &dep("a", "web"))
            .expect("pair")
            .to_string(),
        "TCP 80"
    );
    assert!(
        r.between(&dep("a", "db"), &dep("a", "web"))
            .expect("pair")
            .is_empty()
    );
}

#[test]
fn admin_pass_skips_lower_priority_admin_rules() {
    let deny = anp(
        "deny-b",
        20,
        json!({"subject": subject_ns_a(), "ingress": [{"action": "Deny", "from": [{"namespaces": {"matchLabels": {"team": "b"}}}]}]}),
    );
    let pass = anp(
        "pass-b",
        5,
        json!({"subject": subject_ns_a(), "ingress": [{"action": "Pass", "from": [{"namespaces": {"matchLabels": {"team": "b"}}}]}]}),
    );
    let mut objs = base();
    objs.push(deny.clone());
    let r = build(&objs).reachability();
    assert!(
        r.between(&dep("b", "client"), &dep("a", "web"))
            .expect("pair")
            .is_empty()
    );
    objs.push(pass);
    let r = build(&objs).reachability();
    assert!(
        r.between(&dep("b", "client"), &dep("a", "web"))
            .expect("pair")
            .is_all()
    );
    // With Pass, the NetworkPolicy tier decides when it isolates the pod.
    objs.push(netpol(
        "a",
        "deny",
        json!({"podSelector": {"matchLabels": {"app": "web"}}, "ingress": []}),
    ));
    let r = build(&objs).reachability();
    assert!(
        r.between(&dep("b", "client"), &dep("a", "web"))
            .expect("pair")
            .is_empty()
    );
}

#[test]
fn baseline_applies_only_where_network_policy_does_not_isolate() {
    let mut objs = base();
    objs.push(json!({"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "BaselineAdminNetworkPolicy", "metadata": {"name": "default"},
        "spec": {"subject": {"namespaces": {}}, "ingress": [{"action": "Deny", "from": [{"namespaces": {}}]}]}}));
    objs.push(netpol("a", "web-from-b", json!({"podSelector": {"matchLabels": {"app": "web"}}, "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": "b"}}}]}]})));
    let c = build(&objs);
    let r = c.reachability();
    assert!(
        r.between(&dep("b", "client"), &dep("a", "web"))
            .expect("pair")
            .is_all()
    );
    assert!(
        r.between(&dep("a", "db"), &dep("a", "web"))
            .expect("pair")
            .is_empty()
    );
    // db is not isolated by any NetworkPolicy: the baseline deny applies to pod sources...
    assert!(
        r.between(&dep("b", "client"), &dep("a", "db"))
            .expect("pair")
            .is_empty()
    );
    // ...but BANP ingress peers are pods only, so external sources fall through to allow.
    assert!(
        r.from_address("8.8.8.8".parse().expect("ip"), &dep("a", "db"))
            .expect("range")
            .is_all()
    );
}

#[test]
fn admin_egress_networks_split_external_destinations() {
    let mut objs = base();
    objs.push(anp("no-imds", 1, json!({"subject": {"namespaces": {}}, "egress": [{"action": "Deny", "to": [{"networks": ["169.254.169.254/32"]}]}]})));
    let r = build(&objs).reachability();
    let web = dep("a", "web");
    assert!(
        r.to_address(&web, "169.254.169.254".parse().expect("ip"))
            .expect("range")
            .is_empty()
    );
    assert!(
        r.to_address(&web, "8.8.8.8".parse().expect("ip"))
            .expect("range")
            .is_all()
    );
    assert_eq!(r.external_destinations().len(), 3);
}

#[test]
fn eks_cluster_network_policy_accept_and_baseline_deny() {
    let mut objs = base();
    objs.push(json!({"apiVersion": "networking.k8s.aws/v1alpha1", "kind": "ClusterNetworkPolicy", "metadata": {"name": "accept-b"},
        "spec": {"tier": "Admin", "priority": 10, "subject": subject_ns_a(),
            "ingress": [{"action": "Accept", "from": [{"namespaces": {"matchLabels": {"team": "b"}}}]}]}}));
    objs.push(json!({"apiVersion": "networking.k8s.aws/v1alpha1", "kind": "ClusterNetworkPolicy", "metadata": {"name": "baseline-deny"},
        "spec": {"tier": "Baseline", "priority": 100, "subject": {"namespaces": {}},
            "ingress": [{"action": "Deny", "from": [{"namespaces": {}}]}]}}));
    objs.push(netpol(
        "a",
        "deny-web",
        json!({"podSelector": {"matchLabels": {"app": "web"}}, "ingress": []}),
    ));
    let r = build(&objs).reachability();
    // Admin Accept beats the NetworkPolicy isolation.
    assert!(
        r.between(&dep("b", "client"), &dep("a", "web"))
            .expect("pair")
            .is_all()
    );
    // Not accepted by admin, isolated by NetworkPolicy: denied.
    assert!(
        r.between(&dep("a", "db"), &dep("a", "web"))
            .expect("pair")
            .is_empty()
    );
    // db: accepted from b by admin; from a, NP does not isolate db, baseline denies.
    assert!(
        r.between(&dep("b", "client"), &dep("a", "db"))
            .expect("pair")
            .is_all()
    );
    assert!(
        r.between(&dep("a", "web"), &dep("a", "db"))
            .expect("pair")
            .is_empty()
    );
}

#[test]
fn application_network_policy_domain_names_are_named_peers() {
    let mut objs = base();
    objs.push(json!({"apiVersion": "networking.k8s.aws/v1alpha1", "kind": "ApplicationNetworkPolicy",
        "metadata": {"name": "web-egress", "namespace": "a"},
        "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Egress"],
            "egress": [{"to": [{"domainNames": ["api.example.com", "*.s3.amazonaws.com"]}], "ports": [{"port": 443}]}]}}));
    let c = build(&objs);
    let r = c.reachability();
    let mut web_domains: Vec<(String, String)> = r
        .connections()
        .filter(|x| {
            x.src.to_string() == "a/web[Deployment]" && matches!(x.dst.to_peer(), Peer::Domain(_))
        })
        .map(|x| (x.dst.to_string(), x.conn.to_string()))
        .collect();
    web_domains.sort();
    assert_eq!(
        web_domains,
        [
            (
                "*.s3.amazonaws.com[Domain]".to_string(),
                "TCP 443".to_string()
            ),
            ("api.example.com[Domain]".to_string(), "TCP 443".to_string()),
        ]
    );
    let web = dep("a", "web");
    assert!(
        r.to_address(&web, "1.1.1.1".parse().expect("ip"))
            .expect("range")
            .is_empty()
    );
    assert!(r.between(&web, &dep("a", "db")).expect("pair").is_empty());
    // Unselected workloads reach domains freely.
    let db_to_api = r.connections().find(|x| {
        x.src.to_string() == "a/db[Deployment]" && x.dst.to_string() == "api.example.com[Domain]"
    });
    assert_eq!(db_to_api.map(|x| x.conn.clone()), Some(ConnSet::all()));
}

#[test]
fn unknown_tier_or_action_warns() {
    let objs = [
        json!({"apiVersion": "networking.k8s.aws/v1alpha1", "kind": "ClusterNetworkPolicy", "metadata": {"name": "x"},
            "spec": {"tier": "Middle", "priority": 1, "subject": {"namespaces": {}}}}),
        anp(
            "y",
            1,
            json!({"subject": {"namespaces": {}}, "ingress": [{"action": "Maybe", "from": [{"namespaces": {}}]}]}),
        ),
    ];
    let (_, w) = Cluster::from_objects(objs.iter());
    let paths: Vec<&str> = w.iter().map(|w| w.path.as_str()).collect();
    assert_eq!(paths, ["spec.tier", "spec.ingress[0].action"]);
}
