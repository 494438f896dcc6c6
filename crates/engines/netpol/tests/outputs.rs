//! Output formats and `why` explanations on a small cluster whose reachability is
//! worked out by hand: `db` accepts only TCP 5432 from `web`; everything else is open.

mod common;
use common::*;
use eksguard_netpol::{
    Format, Miss, Protocol, SideStatus, explain, parse_port, render, to_csv, to_dot, to_json,
    to_txt,
};
use serde_json::json;

fn cluster() -> eksguard_netpol::Cluster {
    build(&[
        deploy("a", "web", json!({"app": "web"}), &[("http", 80, "TCP")]),
        deploy("a", "db", json!({"app": "db"}), &[("pg", 5432, "TCP")]),
        netpol(
            "a",
            "db-from-web",
            json!({"podSelector": {"matchLabels": {"app": "db"}},
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}], "ports": [{"port": 5432}]}]}),
        ),
    ])
}

const EXPECTED_TXT: &str = "\
0.0.0.0-255.255.255.255[External] => a/web[Deployment] : All Connections
a/db[Deployment] => 0.0.0.0-255.255.255.255[External] : All Connections
a/db[Deployment] => a/web[Deployment] : All Connections
a/web[Deployment] => 0.0.0.0-255.255.255.255[External] : All Connections
a/web[Deployment] => a/db[Deployment] : TCP 5432
";

#[test]
fn txt_matches_hand_computed_matrix() {
    assert_eq!(to_txt(&cluster().reachability()), EXPECTED_TXT);
}

#[test]
fn csv_and_json_carry_the_same_rows() {
    let r = cluster().reachability();
    let csv = to_csv(&r);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("src,dst,conn,src_host_network,dst_host_network")
    );
    assert_eq!(lines.count(), 5);
    assert!(csv.contains("a/web[Deployment],a/db[Deployment],TCP 5432,false,false\n"));
    let v: serde_json::Value = serde_json::from_str(&to_json(&r)).expect("valid json");
    let rows = v.as_array().expect("array");
    assert_eq!(rows.len(), 5);
    assert_eq!(
        rows[4],
        json!({"src": "a/web[Deployment]", "dst": "a/db[Deployment]", "conn": "TCP 5432",
            "src_host_network": false, "dst_host_network": false})
    );
    assert_eq!(render(&r, Format::Txt), EXPECTED_TXT);
}

#[test]
fn csv_quotes_multi_port_connections() {
    let c = build(&[
        deploy("a", "web", json!({"app": "web"}), &[]),
        deploy("a", "db", json!({"app": "db"}), &[]),
        netpol(
            "a",
            "p",
            json!({"podSelector": {"matchLabels": {"app": "db"}}, "ingress": [{"ports": [{"port": 80}, {"port": 443}]}]}),
        ),
    ]);
    assert!(
        to_csv(&c.reachability())
            .contains("a/web[Deployment],a/db[Deployment],\"TCP 80,443\",false,false\n")
    );
}

#[test]
fn dot_has_namespace_clusters_and_edges() {
    let dot = to_dot(&cluster().reachability());
    assert!(dot.starts_with("digraph {"));
    assert!(dot.contains("subgraph cluster_0 {\n\t\tlabel=\"a\""));
    assert!(dot.contains("\"a/web[Deployment]\" -> \"a/db[Deployment]\" [label=\"TCP 5432\""));
    assert_eq!(dot.matches(" -> ").count(), 5);
}

#[test]
fn why_explains_an_allowed_pair() {
    let e = explain(&cluster(), "a/web", "a/db", Some((Protocol::Tcp, 5432))).expect("explain");
    assert!(e.is_allowed());
    assert_eq!(e.egress.status, SideStatus::NotIsolated);
    assert_eq!(e.ingress.status, SideStatus::Isolated);
    assert_eq!(e.ingress.rules.len(), 1);
    assert_eq!(e.ingress.rules[0].path, "spec.ingress[0].from[0]");
    assert_eq!(e.ingress.rules[0].miss, None);
    let text = e.to_string();
    assert!(
        text.starts_with("a/web[Deployment] => a/db[Deployment] on TCP/5432: ALLOWED\n"),
        "{text}"
    );
    assert!(
        text.contains("NetworkPolicy a/db-from-web spec.ingress[0].from[0] admits TCP 5432"),
        "{text}"
    );
}

#[test]
fn why_explains_blocked_pairs() {
    let c = cluster();
    let e = explain(&c, "a/web", "a/db", Some((Protocol::Tcp, 80))).expect("explain");
    assert!(!e.is_allowed());
    assert_eq!(e.ingress.rules[0].miss, Some(Miss::PortMismatch));
    let e = explain(&c, "a/db[Deployment]", "a/db", None).expect("explain");
    assert!(!e.is_allowed());
    assert_eq!(e.ingress.rules[0].miss, Some(Miss::PeerMismatch));
    assert!(e.to_string().contains("no rule admits this connection"));
    let e = explain(&c, "203.0.113.9", "a/db", None).expect("explain");
    assert_eq!(e.egress.status, SideStatus::External);
    assert!(!e.is_allowed());
}

#[test]
fn why_reports_unresolved_named_ports() {
    let c = build(&[
        deploy("a", "web", json!({"app": "web"}), &[]),
        deploy("a", "db", json!({"app": "db"}), &[("pg", 5432, "TCP")]),
        netpol(
            "a",
            "p",
            json!({"podSelector": {"matchLabels": {"app": "db"}}, "ingress": [{"ports": [{"port": "postgres"}]}]}),
        ),
    ]);
    let e = explain(&c, "a/web", "a/db", None).expect("explain");
    assert_eq!(
        e.ingress.rules[0].miss,
        Some(Miss::NamedPortUnresolved("postgres".into()))
    );
}

#[test]
fn argument_errors_name_the_input() {
    let c = cluster();
    let err = explain(&c, "nope", "a/db", None).expect_err("bad endpoint");
    assert!(err.to_string().contains("\"nope\""));
    let err = explain(&c, "a/missing", "a/db", None).expect_err("unknown");
    assert!(err.to_string().contains("a/missing"));
    assert!(explain(&c, "1.1.1.1", "2.2.2.2", None).is_err());
    assert_eq!(parse_port("tcp/8080"), Ok((Protocol::Tcp, 8080)));
    assert!(parse_port("TCP/0").is_err());
    assert!(parse_port("ICMP/1").is_err());
    assert!(parse_port("8080").is_err());
}

/// shop: `web` behind a default deny, admitting TCP 8080 from pods labelled app=agent and
/// TCP 443 from 10.0.0.0/16 (the nodes' subnet); `agent` is a host-network DaemonSet
/// labelled app=agent, which the selector therefore never matches.
fn host_cluster() -> eksguard_netpol::Cluster {
    let mut agent = deploy(
        "shop",
        "agent",
        json!({"app": "agent"}),
        &[("metrics", 9100, "TCP")],
    );
    agent["kind"] = json!("DaemonSet");
    agent["spec"]["template"]["spec"]["hostNetwork"] = json!(true);
    build(&[
        deploy(
            "shop",
            "web",
            json!({"app": "web"}),
            &[("http", 8080, "TCP")],
        ),
        agent,
        netpol(
            "shop",
            "default-deny",
            json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        ),
        netpol(
            "shop",
            "web-in",
            json!({"podSelector": {"matchLabels": {"app": "web"}}, "ingress": [
                {"from": [{"podSelector": {"matchLabels": {"app": "agent"}}}], "ports": [{"port": 8080}]},
                {"from": [{"ipBlock": {"cidr": "10.0.0.0/16"}}], "ports": [{"port": 443}]}]}),
        ),
    ])
}

const HOST_TXT: &str = "\
0.0.0.0-255.255.255.255[External] => shop/agent[DaemonSet][host-network] : All Connections
10.0.0.0-10.0.255.255[External] => shop/web[Deployment] : TCP 443
shop/agent[DaemonSet][host-network] => 0.0.0.0-255.255.255.255[External] : All Connections
shop/agent[DaemonSet][host-network] => shop/web[Deployment] : All Connections
shop/web[Deployment] => shop/agent[DaemonSet][host-network] : All Connections
";

#[test]
fn host_network_daemonset_in_every_format() {
    let r = host_cluster().reachability();
    assert_eq!(to_txt(&r), HOST_TXT);

    let v: serde_json::Value = serde_json::from_str(&to_json(&r)).expect("valid json");
    assert_eq!(
        v,
        json!([
            {"src": "0.0.0.0-255.255.255.255[External]", "dst": "shop/agent[DaemonSet]",
             "conn": "All Connections", "src_host_network": false, "dst_host_network": true},
            {"src": "10.0.0.0-10.0.255.255[External]", "dst": "shop/web[Deployment]",
             "conn": "TCP 443", "src_host_network": false, "dst_host_network": false},
            {"src": "shop/agent[DaemonSet]", "dst": "0.0.0.0-255.255.255.255[External]",
             "conn": "All Connections", "src_host_network": true, "dst_host_network": false},
            {"src": "shop/agent[DaemonSet]", "dst": "shop/web[Deployment]",
             "conn": "All Connections", "src_host_network": true, "dst_host_network": false},
            {"src": "shop/web[Deployment]", "dst": "shop/agent[DaemonSet]",
             "conn": "All Connections", "src_host_network": false, "dst_host_network": true}
        ])
    );

    assert_eq!(
        to_csv(&r),
        "src,dst,conn,src_host_network,dst_host_network
0.0.0.0-255.255.255.255[External],shop/agent[DaemonSet],All Connections,false,true
10.0.0.0-10.0.255.255[External],shop/web[Deployment],TCP 443,false,false
shop/agent[DaemonSet],0.0.0.0-255.255.255.255[External],All Connections,true,false
shop/agent[DaemonSet],shop/web[Deployment],All Connections,true,false
shop/web[Deployment],shop/agent[DaemonSet],All Connections,false,true
"
    );

    let dot = to_dot(&r);
    assert!(
        dot.contains("\t\t\"shop/agent[DaemonSet]\" [label=\"agent[DaemonSet][host-network]\" color=\"darkorange\" fontcolor=\"darkorange\" style=\"dashed\"]\n"),
        "{dot}"
    );
    assert!(
        dot.contains("\t\t\"shop/web[Deployment]\" [label=\"web[Deployment]\" color=\"blue\" fontcolor=\"blue\"]\n"),
        "{dot}"
    );
    assert!(dot.contains(
        "\t\"shop/agent[DaemonSet]\" -> \"shop/web[Deployment]\" [label=\"All Connections\" color=\"gold2\" fontcolor=\"darkgreen\"]\n"
    ));
    assert_eq!(dot.matches(" -> ").count(), 5);
}

#[test]
fn why_from_a_host_network_daemonset() {
    let c = host_cluster();
    let e = explain(&c, "shop/agent", "shop/web", Some((Protocol::Tcp, 8080))).expect("explain");
    assert!(e.is_allowed());
    assert_eq!(e.egress.status, SideStatus::HostNetwork);
    assert_eq!(e.ingress.status, SideStatus::Isolated);
    let other = e.ingress.other_node.as_ref().expect("other node bounds");
    assert!(other.at_least.is_empty());
    assert_eq!(
        other.at_most,
        eksguard_netpol::ConnSet::port(Protocol::Tcp, 443)
    );
    assert_eq!(e.ingress.rules[1].miss, Some(Miss::SelectorsOnly));
    assert_eq!(
        e.to_string(),
        "\
shop/agent[DaemonSet][host-network] => shop/web[Deployment] on TCP/8080: ALLOWED
egress side (shop/agent[DaemonSet]): shop/agent[DaemonSet] runs on the host network: NetworkPolicies do not select it; traffic to and from it is governed by the node's security groups
  egress allows: All Connections
ingress side (shop/web[Deployment]): isolated by NetworkPolicy shop/default-deny, NetworkPolicy shop/web-in
  the other end runs on the host network: its traffic carries its node's IP address, which pod and namespace selectors never match
  from its own node: always allowed (a pod cannot block traffic with its node; the VPC CNI network policy agent admits the node's IP address)
  from other nodes, only what admits the node's IP address applies:
  - NetworkPolicy shop/default-deny has no ingress rules: it only isolates
  - NetworkPolicy shop/web-in spec.ingress[0]: pod and namespace selectors never match a host-network pod
  - NetworkPolicy shop/web-in spec.ingress[1].from[0]: peer matches, port does not (rule allows TCP 443 if the node's address is in 10.0.0.0-10.0.255.255)
  from other nodes allows: at least No Connections, at most TCP 443, depending on the node's address (ask `netpol why` with the node's IP address)
  ingress allows: All Connections
"
    );
    // The reach output's mark is accepted as an endpoint.
    let same = explain(
        &c,
        "shop/agent[DaemonSet][host-network]",
        "shop/web",
        Some((Protocol::Tcp, 8080)),
    )
    .expect("marked endpoint");
    assert_eq!(same, e);
}

#[test]
fn why_towards_a_host_network_daemonset_and_between_host_and_outside() {
    let c = host_cluster();
    let e = explain(&c, "shop/web", "shop/agent", Some((Protocol::Tcp, 9100))).expect("explain");
    assert!(e.is_allowed());
    assert_eq!(e.ingress.status, SideStatus::HostNetwork);
    let text = e.to_string();
    assert!(
        text.starts_with(
            "shop/web[Deployment] => shop/agent[DaemonSet][host-network] on TCP/9100: ALLOWED\n"
        ),
        "{text}"
    );
    assert!(text.contains("  to its own node: always allowed"), "{text}");
    assert!(
        text.contains("  to other nodes allows: No Connections\n"),
        "{text}"
    );
    assert!(text.contains("ingress side (shop/agent[DaemonSet]): shop/agent[DaemonSet] runs on the host network: NetworkPolicies do not select it; traffic to and from it is governed by the node's security groups\n"), "{text}");
    let e = explain(&c, "203.0.113.9", "shop/agent", Some((Protocol::Udp, 53))).expect("explain");
    assert!(e.is_allowed());
    assert_eq!(e.egress.status, SideStatus::External);
    assert_eq!(e.ingress.status, SideStatus::HostNetwork);
}

#[test]
fn why_judges_an_address_no_ip_block_names() {
    // No ipBlock uses IPv6: an IPv6 address matches only rules without peers.
    let c = cluster();
    let e = explain(&c, "2001:db8::1", "a/db", None).expect("explain");
    assert_eq!(e.ingress.status, SideStatus::Isolated);
    assert_eq!(e.ingress.rules[0].miss, Some(Miss::PeerMismatch));
    assert!(!e.is_allowed());
    let e = explain(&c, "a/db", "2001:db8::1", None).expect("explain");
    assert_eq!(e.egress.status, SideStatus::NotIsolated);
    assert!(e.allowed.is_all());
}
