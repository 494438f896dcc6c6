//! One test per semantic point of the NetworkPolicy API reference
//! (https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/),
//! with expected values worked out by hand from the reference, not from the engine.

mod common;
use common::*;
use eksguard_netpol::{Cluster, ConnSet, Protocol, WorkloadKind};
use serde_json::json;
use std::net::IpAddr;

fn ip(s: &str) -> IpAddr {
    s.parse().expect("test address")
}

fn two_apps() -> Vec<serde_json::Value> {
    vec![
        ns("a", json!({"team": "a"})),
        ns("b", json!({"team": "b"})),
        deploy("a", "web", json!({"app": "web"}), &[("http", 80, "TCP")]),
        deploy("a", "db", json!({"app": "db"}), &[("pg", 5432, "TCP")]),
        deploy("b", "client", json!({"app": "client"}), &[]),
    ]
}

#[test]
fn egress_only_policy_without_policy_types_isolates_ingress_too() {
    // policyTypes absent + non-empty egress => [Ingress, Egress]; no ingress rules => deny all ingress.
    let mut objs = two_apps();
    objs.push(netpol(
        "a",
        "egress-only",
        json!({"podSelector": {"matchLabels": {"app": "web"}},
        "egress": [{"to": [{"podSelector": {"matchLabels": {"app": "db"}}}]}]}),
    ));
    let r = build(&objs).reachability();
    assert!(
        r.between(&dep("b", "client"), &dep("a", "web"))
            .expect("pair")
            .is_empty()
    );
    assert!(
        r.between(&dep("a", "web"), &dep("a", "db"))
            .expect("pair")
            .is_all()
    );
    assert!(
        r.between(&dep("a", "web"), &dep("b", "client"))
            .expect("pair")
            .is_empty()
    );
}

#[test]
fn empty_egress_list_without_policy_types_does_not_isolate_egress() {
    // `egress: []` has length 0, so defaulting adds only Ingress.
    let mut objs = two_apps();
    objs.push(netpol("a", "p", json!({"podSelector": {}, "egress": []})));
    let r = build(&objs).reachability();
    assert!(
        r.between(&dep("a", "web"), &dep("b", "client"))
            .expect("pair")
            .is_all()
    );
    assert!(
        r.between(&dep("b", "client"), &dep("a", "web"))
            .expect("pair")
            .is_empty()
    );
}

#[test]
fn explicit_egress_policy_type_leaves_ingress_open() {
    let mut objs = two_apps();
    objs.push(netpol(
        "a",
        "p",
        json!({"podSelector": {}, "policyTypes": ["Egress"]}),
    ));
    let r = build(&objs).reachability();
    assert!(
        r.between(&dep("b", "client"), &dep("a", "web"))
            .expect("pair")
            .is_all()
    );
    assert!(
        r.between(&dep("a", "web"), &dep("b", "client"))
            .expect("pair")
            .is_empty()
    );
}

#[test]
fn empty_and_absent_from_match_all_sources_including_external() {
    for rule in [json!({}), json!({"from": []})] {
        let mut objs = two_apps();
        objs.push(netpol(
            "a",
            "p",
            json!({"podSelector": {"matchLabels": {"app": "web"}}, "ingress": [rule]}),
        ));
        let r = build(&objs).reachability();
        assert!(
            r.between(&dep("b", "client"), &dep("a", "web"))
                .expect("pair")
                .is_all()
        );
        assert!(
            r.from_address(ip("8.8.8.8"), &dep("a", "web"))
                .expect("range")
                .is_all()
        );
    }
}

#[test]
fn empty_ingress_list_denies_everything() {
    let mut objs = two_apps();
    objs.push(netpol(
        "a",
        "p",
        json!({"podSelector": {"matchLabels": {"app": "web"}}, "ingress": []}),
    ));
    let r = build(&objs).reachability();
    assert!(
        r.between(&dep("a", "db"), &dep("a", "web"))
            .expect("pair")
            .is_empty()
    );
    assert!(
        r.from_address(ip("1.2.3.4"), &dep("a", "web"))
            .expect("range")
            .is_empty()
    );
}

#[test]
fn empty_namespace_selector_means_all_pods_not_anywhere() {
    let mut objs = two_apps();
    objs.push(netpol(
        "a",
        "p",
        json!({"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {}}]}]}),
    ));
    let r = build(&objs).reachability();
    assert!(
        r.between(&dep("b", "client"), &dep("a", "web"))
            .expect("pair")
            .is_all()
    );
    assert!(
        r.from_address(ip("10.0.0.1"), &dep("a", "web"))
            .expect("range")
            .is_empty()
    );
}

#[test]
fn namespace_and_pod_selector_in_one_peer_is_and_two_peers_is_or() {
    let and_peer = json!([{"from": [{"namespaceSelector": {"matchLabels": {"team": "b"}}, "podSelector": {"matchLabels": {"app": "db"}}}]}]);
    let or_peers = json!([{"from": [{"namespaceSelector": {"matchLabels": {"team": "b"}}}, {"podSelector": {"matchLabels": {"app": "db"}}}]}]);
    let mut objs = two_apps();
    objs.push(netpol(
        "a",
        "p",
        json!({"podSelector": {"matchLabels": {"app": "web"}}, "ingress": and_peer}),
    ));
    let r = build(&objs).reachability();
    // client is in team b but not app=db; db is app=db but in team a.
    assert!(
        r.between(&dep("b", "client"), &dep("a", "web"))
            .expect("pair")
            .is_empty()
    );
    assert!(
        r.between(&dep("a", "db"), &dep("a", "web"))
            .expect("pair")
            .is_empty()
    );
    let mut objs = two_apps();
    objs.push(netpol(
        "a",
        "p",
        json!({"podSelector": {"matchLabels": {"app": "web"}}, "ingress": or_peers}),
    ));
    let r = build(&objs).reachability();
    assert!(
        r.between(&dep("b", "client"), &dep("a", "web"))
            .expect("pair")
            .is_all()
    );
    assert!(
        r.between(&dep("a", "db"), &dep("a", "web"))
            .expect("pair")
            .is_all()
    );
}

#[test]
fn pod_selector_alone_is_limited_to_the_policy_namespace() {
    let mut objs = two_apps();
    objs.push(netpol(
        "a",
        "p",
        json!({"podSelector": {"matchLabels": {"app": "db"}},
        "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "client"}}}]}]}),
    ));
    let r = build(&objs).reachability();
    assert!(
        r.between(&dep("b", "client"), &dep("a", "db"))
            .expect("pair")
            .is_empty()
    );
}

#[test]
fn ip_block_except_splits_external_space() {
    let mut objs = two_apps();
    objs.push(netpol(
        "a",
        "p",
        json!({"podSelector": {"matchLabels": {"app": "web"}},
        "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}]}]}),
    ));
    let c = build(&objs);
    let r = c.reachability();
    let ranges: Vec<String> = r.external_sources().iter().map(|x| x.to_string()).collect();
    assert_eq!(
        ranges,
        [
            "0.0.0.0-9.255.255.255",
            "10.0.0.0-10.0.255.255",
            "10.1.0.0-10.1.255.255",
            "10.2.0.0-10.255.255.255",
            "11.0.0.0-255.255.255.255"
        ]
    );
    let web = dep("a", "web");
    assert!(
        r.from_address(ip("10.0.0.5"), &web)
            .expect("range")
            .is_all()
    );
    assert!(
        r.from_address(ip("10.1.2.3"), &web)
            .expect("range")
            .is_empty()
    );
    assert!(
        r.from_address(ip("10.200.0.1"), &web)
            .expect("range")
            .is_all()
    );
    assert!(
        r.from_address(ip("192.168.0.1"), &web)
            .expect("range")
            .is_empty()
    );
    // ipBlocks never match pods in a static model.
    assert!(r.between(&dep("a", "db"), &web).expect("pair").is_empty());
    // No egress ipBlocks: the destination side is one range.
    assert_eq!(r.external_destinations().len(), 1);
}

#[test]
fn named_ports_resolve_per_destination_with_matching_protocol() {
    let objs = [
        deploy(
            "a",
            "dns",
            json!({"app": "dns"}),
            &[
                ("dns", 53, "UDP"),
                ("dns-tcp", 53, "TCP"),
                ("metrics", 9153, "TCP"),
            ],
        ),
        deploy(
            "a",
            "other",
            json!({"app": "other"}),
            &[("dns", 5353, "UDP")],
        ),
        deploy("a", "client", json!({"app": "client"}), &[]),
        netpol(
            "a",
            "p",
            json!({"podSelector": {}, "ingress": [{"ports": [{"port": "dns", "protocol": "UDP"}, {"port": "metrics"}]}]}),
        ),
    ];
    let r = build(&objs).reachability();
    let to_dns = r
        .between(&dep("a", "client"), &dep("a", "dns"))
        .expect("pair");
    assert_eq!(to_dns.to_string(), "TCP 9153,UDP 53");
    let to_other = r
        .between(&dep("a", "client"), &dep("a", "other"))
        .expect("pair");
    assert_eq!(to_other.to_string(), "UDP 5353");
    // client declares no ports: both named entries resolve to nothing, it stays isolated.
    assert!(
        r.between(&dep("a", "dns"), &dep("a", "client"))
            .expect("pair")
            .is_empty()
    );
}

#[test]
fn named_port_with_wrong_protocol_allows_nothing() {
    let objs = [
        deploy("a", "dns", json!({"app": "dns"}), &[("dns", 53, "UDP")]),
        deploy("a", "client", json!({"app": "client"}), &[]),
        netpol(
            "a",
            "p",
            json!({"podSelector": {"matchLabels": {"app": "dns"}}, "ingress": [{"ports": [{"port": "dns"}]}]}),
        ),
    ];
    let r = build(&objs).reachability();
    assert!(
        r.between(&dep("a", "client"), &dep("a", "dns"))
            .expect("pair")
            .is_empty()
    );
}

#[test]
fn end_port_range_and_default_protocol() {
    let mut objs = two_apps();
    objs.push(netpol("a", "p", json!({"podSelector": {"matchLabels": {"app": "web"}},
        "ingress": [{"ports": [{"port": 8000, "endPort": 8080}, {"port": 53, "protocol": "UDP"}, {"port": 443}]}]})));
    let r = build(&objs).reachability();
    let c = r
        .between(&dep("b", "client"), &dep("a", "web"))
        .expect("pair");
    assert_eq!(c.to_string(), "TCP 443,8000-8080,UDP 53");
}

#[test]
fn protocols_are_isolated_separately() {
    let mut objs = two_apps();
    objs.push(netpol("a", "p", json!({"podSelector": {"matchLabels": {"app": "web"}}, "ingress": [{"ports": [{"protocol": "UDP"}]}]})));
    let r = build(&objs).reachability();
    let c = r
        .between(&dep("b", "client"), &dep("a", "web"))
        .expect("pair");
    assert_eq!(*c, ConnSet::protocol(Protocol::Udp));
    assert_eq!(c.to_string(), "UDP 1-65535");
}

#[test]
fn policies_selecting_a_pod_are_unioned() {
    let mut objs = two_apps();
    objs.push(netpol("a", "p1", json!({"podSelector": {"matchLabels": {"app": "web"}}, "ingress": [{"ports": [{"port": 80}]}]})));
    objs.push(netpol(
        "a",
        "p2",
        json!({"podSelector": {}, "ingress": [{"ports": [{"port": 443}]}]}),
    ));
    let r = build(&objs).reachability();
    assert_eq!(
        r.between(&dep("b", "client"), &dep("a", "web"))
            .expect("pair")
            .to_string(),
        "TCP 80,443"
    );
    assert_eq!(
        r.between(&dep("b", "client"), &dep("a", "db"))
            .expect("pair")
            .to_string(),
        "TCP 443"
    );
}

#[test]
fn unselected_pods_are_open() {
    let mut objs = two_apps();
    objs.push(netpol(
        "a",
        "p",
        json!({"podSelector": {"matchLabels": {"app": "web"}}, "ingress": []}),
    ));
    let r = build(&objs).reachability();
    assert!(
        r.between(&dep("b", "client"), &dep("a", "db"))
            .expect("pair")
            .is_all()
    );
    assert!(
        r.from_address(ip("1.1.1.1"), &dep("a", "db"))
            .expect("range")
            .is_all()
    );
}

#[test]
fn metadata_name_label_on_every_namespace_including_synthesized() {
    let objs = [
        deploy("sy", "x", json!({"app": "x"}), &[]),
        deploy("target", "t", json!({"app": "t"}), &[]),
        netpol(
            "target",
            "p",
            json!({"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "sy"}}}]}]}),
        ),
    ];
    let c = build(&objs);
    let n = c.namespace("sy").expect("synthesized");
    assert!(n.synthesized);
    assert_eq!(
        n.labels
            .get("kubernetes.io/metadata.name")
            .map(String::as_str),
        Some("sy")
    );
    let r = c.reachability();
    assert!(
        r.between(&dep("sy", "x"), &dep("target", "t"))
            .expect("pair")
            .is_all()
    );
}

#[test]
fn host_network_workloads_are_in_the_matrix_with_everything_allowed() {
    // A default deny in both directions selects `agent` by its labels, but agent runs on the
    // host network: no NetworkPolicy applies to it, and the pods' own policies cannot block
    // their node (on which a pod of the host-network workload may run).
    let mut objs = two_apps();
    let mut hn = deploy(
        "a",
        "agent",
        json!({"app": "agent"}),
        &[("metrics", 9100, "TCP")],
    );
    hn["spec"]["template"]["spec"]["hostNetwork"] = json!(true);
    objs.push(hn);
    objs.push(netpol(
        "a",
        "deny-all",
        json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
    ));
    let r = build(&objs).reachability();
    let agent = dep("a", "agent");
    assert!(r.is_host_network(&agent));
    assert!(!r.is_host_network(&dep("a", "web")));
    assert_eq!(r.host_network().collect::<Vec<_>>(), [&agent]);
    assert_eq!(r.workloads().len(), 4);
    for other in [dep("a", "web"), dep("a", "db"), dep("b", "client")] {
        assert!(r.between(&agent, &other).expect("pair").is_all(), "{other}");
        assert!(r.between(&other, &agent).expect("pair").is_all(), "{other}");
    }
    assert!(
        r.from_address(ip("8.8.8.8"), &agent)
            .expect("range")
            .is_all()
    );
    assert!(r.to_address(&agent, ip("8.8.8.8")).expect("range").is_all());
    // The pod-network workloads stay denied among themselves.
    assert!(
        r.between(&dep("b", "client"), &dep("a", "web"))
            .expect("pair")
            .is_empty()
    );
    let txt = eksguard_netpol::to_txt(&r);
    assert!(
        txt.contains("a/agent[Deployment][host-network] => a/web[Deployment] : All Connections\n")
    );
    assert!(txt.contains(
        "0.0.0.0-255.255.255.255[External] => a/agent[Deployment][host-network] : All Connections\n"
    ));
}

#[test]
fn adjacent_excepts_of_one_block_make_one_range() {
    // 10.0.0.0/9 and 10.128.0.0/9 are one hole, 10.0.0.0/8, in the block's address set.
    let mut objs = two_apps();
    objs.push(netpol(
        "a",
        "p",
        json!({"podSelector": {"matchLabels": {"app": "web"}},
        "ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/9", "10.128.0.0/9"]}}]}]}),
    ));
    let r = build(&objs).reachability();
    let ranges: Vec<String> = r.external_sources().iter().map(|x| x.to_string()).collect();
    assert_eq!(
        ranges,
        [
            "0.0.0.0-9.255.255.255",
            "10.0.0.0-10.255.255.255",
            "11.0.0.0-255.255.255.255"
        ]
    );
    let txt = eksguard_netpol::to_txt(&r);
    let from_outside: Vec<&str> = txt
        .lines()
        .filter(|l| l.contains("[External] =>"))
        .collect();
    assert_eq!(
        from_outside,
        [
            "0.0.0.0-255.255.255.255[External] => a/db[Deployment] : All Connections",
            "0.0.0.0-255.255.255.255[External] => b/client[Deployment] : All Connections",
            "0.0.0.0-9.255.255.255[External] => a/web[Deployment] : All Connections",
            "11.0.0.0-255.255.255.255[External] => a/web[Deployment] : All Connections",
        ]
    );
}

#[test]
fn overlapping_blocks_of_different_policies_merge_per_workload() {
    // web admits TCP 443 from 10.0.0.0/8 (p1) and from 10.0.0.0/16 (p2): the split is at
    // 10.1.0.0, which db's policy needs, but web's rows do not differ there.
    let mut objs = two_apps();
    objs.push(netpol(
        "a",
        "p1",
        json!({"podSelector": {"matchLabels": {"app": "web"}},
        "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}}], "ports": [{"port": 443}]}]}),
    ));
    objs.push(netpol(
        "a",
        "p2",
        json!({"podSelector": {"matchLabels": {"app": "web"}},
        "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/16"}}], "ports": [{"port": 443}]}]}),
    ));
    objs.push(netpol(
        "a",
        "p3",
        json!({"podSelector": {"matchLabels": {"app": "db"}},
        "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/16"}}]}]}),
    ));
    let r = build(&objs).reachability();
    let ranges: Vec<String> = r.external_sources().iter().map(|x| x.to_string()).collect();
    assert_eq!(
        ranges,
        [
            "0.0.0.0-9.255.255.255",
            "10.0.0.0-10.0.255.255",
            "10.1.0.0-10.255.255.255",
            "11.0.0.0-255.255.255.255"
        ]
    );
    let txt = eksguard_netpol::to_txt(&r);
    let into_a: Vec<&str> = txt
        .lines()
        .filter(|l| l.contains("[External] => a/"))
        .collect();
    assert_eq!(
        into_a,
        [
            "10.0.0.0-10.0.255.255[External] => a/db[Deployment] : All Connections",
            "10.0.0.0-10.255.255.255[External] => a/web[Deployment] : TCP 443",
        ]
    );
    assert_eq!(
        r.from_address(ip("10.200.0.1"), &dep("a", "web")),
        Some(&ConnSet::port(Protocol::Tcp, 443))
    );
    assert!(
        r.from_address(ip("10.200.0.1"), &dep("a", "db"))
            .expect("range")
            .is_empty()
    );
}

#[test]
fn owner_references_without_kind_group_pods_by_owner_name() {
    let pod = |name: &str, owner: serde_json::Value| {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "a",
            "labels": {"app": "x"}, "ownerReferences": [owner]}, "spec": {"containers": []}})
    };
    let objs = [
        // No kind and no such object in the input: grouped under the name, shown as [Pod]
        // (netpol-analyzer shows a kindless owner so).
        pod("web-7d9-a", json!({"name": "web-7d9", "controller": true})),
        pod("web-7d9-b", json!({"name": "web-7d9", "controller": true})),
        pod(
            "web-7d9-c",
            json!({"name": "web-7d9", "kind": "", "controller": true}),
        ),
        // No kind, but exactly one workload object of that name: resolved to it.
        deploy("a", "api", json!({"app": "api"}), &[]),
        pod("api-1", json!({"name": "api", "controller": true})),
    ];
    let c = build(&objs);
    let names: Vec<String> = c.workloads().iter().map(|w| w.id.to_string()).collect();
    assert_eq!(names, ["a/api[Deployment]", "a/web-7d9[Pod]"]);
    let web = c.workload("a", "web-7d9", None).expect("grouped");
    assert_eq!(web.pod_objects, 3);
    assert!(!web.standalone);
    assert_eq!(c.workload("a", "api", None).expect("api").pod_objects, 1);
}

#[test]
fn pods_group_under_their_top_owner_in_the_input() {
    let objs = [
        deploy("a", "web", json!({"app": "web"}), &[]),
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web-123", "namespace": "a",
            "ownerReferences": [{"kind": "Deployment", "name": "web", "controller": true}]},
            "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": []}}}}),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-123-x", "namespace": "a", "labels": {"app": "web"},
            "ownerReferences": [{"kind": "ReplicaSet", "name": "web-123", "controller": true}]}, "spec": {"containers": []}}),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "orphan", "namespace": "a",
            "ownerReferences": [{"kind": "ReplicaSet", "name": "gone", "controller": true}]}, "spec": {"containers": []}}),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bare", "namespace": "a"}, "spec": {"containers": []}}),
    ];
    let c = build(&objs);
    let names: Vec<String> = c.workloads().iter().map(|w| w.id.to_string()).collect();
    // The orphan's owner is absent: it is grouped under its owner reference.
    assert_eq!(
        names,
        ["a/bare[Pod]", "a/gone[ReplicaSet]", "a/web[Deployment]"]
    );
    let web = c.workload("a", "web", None).expect("web");
    assert_eq!(web.pod_objects, 1);
    assert!(c.workload("a", "bare", None).expect("bare").standalone);
    assert!(!c.workload("a", "gone", None).expect("orphan").standalone);
    assert_eq!(web.id.kind, WorkloadKind::Deployment);
}

#[test]
fn cronjob_template_labels_are_used() {
    let objs = [
        json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "cj", "namespace": "a"},
            "spec": {"jobTemplate": {"spec": {"template": {"metadata": {"labels": {"app": "cj"}}, "spec": {"containers": []}}}}}}),
        deploy("a", "web", json!({"app": "web"}), &[]),
        netpol(
            "a",
            "p",
            json!({"podSelector": {"matchLabels": {"app": "cj"}}, "policyTypes": ["Egress"]}),
        ),
    ];
    let r = build(&objs).reachability();
    let cj = eksguard_netpol::WorkloadId {
        namespace: "a".into(),
        name: "cj".into(),
        kind: WorkloadKind::CronJob,
    };
    assert!(r.between(&cj, &dep("a", "web")).expect("pair").is_empty());
}

#[test]
fn malformed_objects_warn_and_never_widen() {
    let objs = [
        deploy("a", "web", json!({"app": "web"}), &[]),
        deploy("a", "c", json!({"app": "c"}), &[]),
        netpol(
            "a",
            "bad-cidr",
            json!({"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/99"}}]}]}),
        ),
        netpol(
            "a",
            "bad-op",
            json!({"podSelector": {}, "ingress": [{"from": [{"podSelector": {"matchExpressions": [{"key": "app", "operator": "Bogus"}]}}]}]}),
        ),
        netpol("a", "bad-spec", json!({"podSelector": "nope"})),
        json!({"kind": "Deployment", "apiVersion": "apps/v1", "metadata": {"namespace": "a"}}),
    ];
    let (c, warnings) = Cluster::from_objects(objs.iter());
    let paths: Vec<&str> = warnings.iter().map(|w| w.path.as_str()).collect();
    assert!(
        paths.contains(&"spec.ingress[0].from[0].ipBlock.cidr"),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"spec.ingress[0].from[0].podSelector"),
        "{paths:?}"
    );
    assert!(paths.contains(&"spec"), "{paths:?}");
    assert!(paths.contains(&"metadata.name"), "{paths:?}");
    let r = c.reachability();
    assert!(
        r.between(&dep("a", "c"), &dep("a", "web"))
            .expect("pair")
            .is_empty()
    );
}

#[test]
fn list_objects_are_expanded() {
    let list = json!({"apiVersion": "v1", "kind": "List", "items": two_apps()});
    let c = build(&[list]);
    assert_eq!(c.workloads().len(), 3);
    assert_eq!(c.namespaces().len(), 2);
}
