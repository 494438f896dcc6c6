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
    assert_eq!(lines.next(), Some("src,dst,conn"));
    assert_eq!(lines.count(), 5);
    assert!(csv.contains("a/web[Deployment],a/db[Deployment],TCP 5432\n"));
    let v: serde_json::Value = serde_json::from_str(&to_json(&r)).expect("valid json");
    let rows = v.as_array().expect("array");
    assert_eq!(rows.len(), 5);
    assert_eq!(
        rows[4],
        json!({"src": "a/web[Deployment]", "dst": "a/db[Deployment]", "conn": "TCP 5432"})
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
        to_csv(&c.reachability()).contains("a/web[Deployment],a/db[Deployment],\"TCP 80,443\"\n")
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
