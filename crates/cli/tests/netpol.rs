//! `eksguard netpol reach` / `netpol why` and the NETPOL controls, through the
//! real binary. Expected lines were read off `examples/insecure-cluster/k8s` by
//! hand (see the comments next to each).

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeSet;

const EXAMPLE: &str = "examples/insecure-cluster";

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn reach_txt_is_sorted_np_guard_lines() {
    let out = eksguard(&["netpol", "reach", EXAMPLE]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted, "txt output is sorted");
    for l in &lines {
        let (pair, conn) = l
            .split_once(" : ")
            .unwrap_or_else(|| panic!("not `src => dst : conn`: {l}"));
        let (src, dst) = pair
            .split_once(" => ")
            .unwrap_or_else(|| panic!("no `=>`: {l}"));
        assert_ne!(src, dst, "self-pairs are left out");
        assert!(src.ends_with(']') && dst.ends_with(']'), "{l}");
        assert!(!conn.is_empty() && conn != "No Connections", "{l}");
    }
    // api-from-shop: shop's app=web on the named port `http`, which payments-api
    // declares as 8080/TCP (the namespace selector matches shop's team label).
    assert!(
        lines.contains(&"shop/web[Deployment] => payments/payments-api[Deployment] : TCP 8080")
    );
    // ledger-from-api: payments-api to ledger on 5432, and the egress side allows it too
    // (egress-dns-and-aws rule 1).
    assert!(
        lines.contains(
            &"payments/payments-api[Deployment] => payments/ledger[StatefulSet] : TCP 5432"
        )
    );
    // egress-dns-and-aws rule 2: 0.0.0.0/0 except 169.254.169.254/32, TCP 443 only.
    assert!(
        lines.contains(
            &"payments/ledger[StatefulSet] => 0.0.0.0-169.254.169.253[External] : TCP 443"
        )
    );
    assert!(lines.contains(
        &"payments/ledger[StatefulSet] => 169.254.169.255-255.255.255.255[External] : TCP 443"
    ));
    assert!(
        !text.contains("payments/ledger[StatefulSet] => 169.254.169.254-169.254.169.254[External]")
    );
    // shop has no policy at all: everything is open, from outside too.
    assert!(lines.contains(&"shop/cart[Deployment] => shop/web[Deployment] : All Connections"));
    assert!(
        lines.contains(
            &"0.0.0.0-255.255.255.255[External] => shop/web[Deployment] : All Connections"
        )
    );
    // Nothing reaches the ledger but the API; nothing from outside reaches payments.
    assert!(!text.contains("shop/web[Deployment] => payments/ledger"));
    assert!(!text.contains("[External] => payments/"));
    // The host-network DaemonSet is in the matrix, marked, with everything allowed to and
    // from it: no NetworkPolicy selects it, and the ledger cannot block its own node.
    assert!(lines.contains(
        &"monitoring/node-exporter[DaemonSet][host-network] => payments/ledger[StatefulSet] : All Connections"
    ));
    assert!(lines.contains(
        &"0.0.0.0-255.255.255.255[External] => monitoring/node-exporter[DaemonSet][host-network] : All Connections"
    ));
    assert!(!stderr(&out).contains("not enforced"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(" workloads (1 on the host network), "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn reach_json_csv_and_dot_carry_the_same_pairs() {
    let txt = stdout(&eksguard(&["netpol", "reach", EXAMPLE, "--format", "txt"]));
    // (src, dst, conn, src on the host network, dst on the host network); json and csv
    // carry the identities without txt's `[host-network]` mark and say it in two fields.
    let unmark = |p: &str| match p.strip_suffix("[host-network]") {
        Some(id) => (id.to_owned(), true),
        None => (p.to_owned(), false),
    };
    let expected: BTreeSet<(String, String, String, bool, bool)> = txt
        .lines()
        .map(|l| {
            let (pair, conn) = l.split_once(" : ").unwrap();
            let (src, dst) = pair.split_once(" => ").unwrap();
            let ((src, sh), (dst, dh)) = (unmark(src), unmark(dst));
            (src, dst, conn.to_owned(), sh, dh)
        })
        .collect();
    assert!(!expected.is_empty());
    assert!(expected.iter().any(|e| e.3) && expected.iter().any(|e| e.4));

    let out = eksguard(&["netpol", "reach", EXAMPLE, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let rows = json(&out);
    let from_json: BTreeSet<(String, String, String, bool, bool)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let s = |k: &str| {
                r[k].as_str()
                    .unwrap_or_else(|| panic!("{k} missing in {r}"))
                    .to_owned()
            };
            let b = |k: &str| {
                r[k].as_bool()
                    .unwrap_or_else(|| panic!("{k} missing in {r}"))
            };
            (
                s("src"),
                s("dst"),
                s("conn"),
                b("src_host_network"),
                b("dst_host_network"),
            )
        })
        .collect();
    assert_eq!(from_json, expected);

    let out = eksguard(&["netpol", "reach", EXAMPLE, "-f", "csv"]);
    assert_eq!(out.status.code(), Some(0));
    let csv = stdout(&out);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("src,dst,conn,src_host_network,dst_host_network")
    );
    // Multi-protocol sets contain commas and are quoted; the example's have one protocol.
    assert!(
        csv.contains(
            "shop/web[Deployment],payments/payments-api[Deployment],TCP 8080,false,false\n"
        )
    );
    assert!(csv.contains(
        "monitoring/node-exporter[DaemonSet],payments/ledger[StatefulSet],All Connections,true,false\n"
    ));
    assert_eq!(lines.count(), expected.len());

    let out = eksguard(&["netpol", "reach", EXAMPLE, "-f", "dot"]);
    assert_eq!(out.status.code(), Some(0));
    let dot = stdout(&out);
    assert!(dot.starts_with("digraph"), "{dot}");
    assert!(dot.trim_end().ends_with('}'));
    assert!(dot.contains("payments/payments-api[Deployment]"));
    assert!(dot.contains(
        "\"monitoring/node-exporter[DaemonSet]\" [label=\"node-exporter[DaemonSet][host-network]\" color=\"darkorange\" fontcolor=\"darkorange\" style=\"dashed\"]"
    ));
}

/// shop: `web` behind a default deny, admitting TCP 8080 from pods labelled app=agent and
/// TCP 443 from 10.0.0.0/16; `agent` is a host-network DaemonSet labelled app=agent.
const HOST_NETWORK_SCENARIO: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - {name: web, image: web, ports: [{name: http, containerPort: 8080}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: shop}
spec:
  template:
    metadata: {labels: {app: agent}}
    spec:
      hostNetwork: true
      containers:
        - {name: agent, image: agent, ports: [{name: metrics, containerPort: 9100}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-in, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
    - from: [{podSelector: {matchLabels: {app: agent}}}]
      ports: [{port: 8080}]
    - from: [{ipBlock: {cidr: 10.0.0.0/16}}]
      ports: [{port: 443}]
"#;

fn scenario(yaml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cluster.yaml"), yaml).unwrap();
    dir
}

#[test]
fn reach_marks_a_host_network_daemonset_in_every_format() {
    let dir = scenario(HOST_NETWORK_SCENARIO);
    let path = dir.path().to_str().unwrap();
    let out = eksguard(&["netpol", "reach", path]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "\
0.0.0.0-255.255.255.255[External] => shop/agent[DaemonSet][host-network] : All Connections
10.0.0.0-10.0.255.255[External] => shop/web[Deployment] : TCP 443
shop/agent[DaemonSet][host-network] => 0.0.0.0-255.255.255.255[External] : All Connections
shop/agent[DaemonSet][host-network] => shop/web[Deployment] : All Connections
shop/web[Deployment] => shop/agent[DaemonSet][host-network] : All Connections
"
    );
    assert!(
        stderr(&out)
            .contains("2 workloads (1 on the host network), 5 allowed connections, 0 input errors"),
        "{}",
        stderr(&out)
    );

    let rows = json(&eksguard(&["netpol", "reach", path, "-f", "json"]));
    assert_eq!(rows.as_array().unwrap().len(), 5);
    assert_eq!(
        rows[3],
        serde_json::json!({"src": "shop/agent[DaemonSet]", "dst": "shop/web[Deployment]",
            "conn": "All Connections", "src_host_network": true, "dst_host_network": false})
    );

    let csv = stdout(&eksguard(&["netpol", "reach", path, "-f", "csv"]));
    assert_eq!(
        csv,
        "src,dst,conn,src_host_network,dst_host_network
0.0.0.0-255.255.255.255[External],shop/agent[DaemonSet],All Connections,false,true
10.0.0.0-10.0.255.255[External],shop/web[Deployment],TCP 443,false,false
shop/agent[DaemonSet],0.0.0.0-255.255.255.255[External],All Connections,true,false
shop/agent[DaemonSet],shop/web[Deployment],All Connections,true,false
shop/web[Deployment],shop/agent[DaemonSet],All Connections,false,true
"
    );

    let dot = stdout(&eksguard(&["netpol", "reach", path, "-f", "dot"]));
    assert!(dot.contains(
        "\"shop/agent[DaemonSet]\" [label=\"agent[DaemonSet][host-network]\" color=\"darkorange\" fontcolor=\"darkorange\" style=\"dashed\"]"
    ), "{dot}");
    assert_eq!(dot.matches(" -> ").count(), 5);
}

#[test]
fn why_explains_host_network_ends() {
    let dir = scenario(HOST_NETWORK_SCENARIO);
    let path = dir.path().to_str().unwrap();
    // From the DaemonSet (as `reach` prints it) to web: allowed, web's own node is exempt.
    let out = eksguard(&[
        "netpol",
        "why",
        "--from",
        "shop/agent[DaemonSet][host-network]",
        "--to",
        "shop/web",
        "--port",
        "TCP/8080",
        path,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "shop/agent[DaemonSet][host-network] => shop/web[Deployment] on TCP/8080: ALLOWED\n\
             egress side (shop/agent[DaemonSet]): shop/agent[DaemonSet] runs on the host network: \
             NetworkPolicies do not select it; traffic to and from it is governed by the node's security groups\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("  from its own node: always allowed"),
        "{text}"
    );
    assert!(
        text.contains("  - NetworkPolicy shop/web-in spec.ingress[0]: pod and namespace selectors never match a host-network pod\n"),
        "{text}"
    );
    assert!(
        text.contains("  from other nodes allows: at least No Connections, at most TCP 443, depending on the node's address"),
        "{text}"
    );
    // A node address (here in the ipBlock) is judged like any external address.
    let out = eksguard(&[
        "netpol", "why", "--from", "10.0.3.7", "--to", "shop/web", "--port", "TCP/443", path,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = eksguard(&[
        "netpol", "why", "--from", "10.9.3.7", "--to", "shop/web", "--port", "TCP/443", path,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
}

#[test]
fn reach_groups_pods_whose_owner_reference_has_no_kind() {
    // A stripped `kubectl get pods -o yaml` dump: the owner references carry a name only.
    let list = r#"
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata:
      name: web-7d9-abcde
      namespace: shop
      labels: {app: web}
      ownerReferences: [{name: web-7d9, controller: true}]
    spec: {containers: [{name: web, image: web}]}
  - apiVersion: v1
    kind: Pod
    metadata:
      name: web-7d9-fghij
      namespace: shop
      labels: {app: web}
      ownerReferences: [{name: web-7d9, controller: true}]
    spec: {containers: [{name: web, image: web}]}
  - apiVersion: v1
    kind: Pod
    metadata:
      name: db-0
      namespace: shop
      labels: {app: db}
      ownerReferences: [{name: db, controller: true}]
    spec: {containers: [{name: db, image: db}]}
"#;
    let dir = scenario(list);
    let out = eksguard(&["netpol", "reach", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "\
0.0.0.0-255.255.255.255[External] => shop/db[Pod] : All Connections
0.0.0.0-255.255.255.255[External] => shop/web-7d9[Pod] : All Connections
shop/db[Pod] => 0.0.0.0-255.255.255.255[External] : All Connections
shop/db[Pod] => shop/web-7d9[Pod] : All Connections
shop/web-7d9[Pod] => 0.0.0.0-255.255.255.255[External] : All Connections
shop/web-7d9[Pod] => shop/db[Pod] : All Connections
"
    );
    assert!(
        stderr(&out).contains("2 workloads (0 on the host network)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn reach_writes_to_a_file_and_rejects_unknown_formats() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("reach.txt");
    let out = eksguard(&["netpol", "reach", EXAMPLE, "-o", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(
        written.contains("shop/web[Deployment] => payments/payments-api[Deployment] : TCP 8080\n")
    );

    let out = eksguard(&["netpol", "reach", EXAMPLE, "-f", "yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not a format"));
}

#[test]
fn reach_exits_2_on_input_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.yaml"), "kind: [unclosed\n").unwrap();
    let out = eksguard(&["netpol", "reach", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = eksguard(&["netpol", "reach", "does/not/exist"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn why_explains_a_blocked_pair_and_exits_1() {
    let out = eksguard(&[
        "netpol",
        "why",
        "--from",
        "shop/web",
        "--to",
        "payments/ledger",
        "--port",
        "TCP/5432",
        EXAMPLE,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "shop/web[Deployment] => payments/ledger[StatefulSet] on TCP/5432: DENIED"
        ),
        "{text}"
    );
    // Egress: shop has no policy. Ingress: default-deny + ledger-from-api (only payments-api).
    assert!(
        text.contains("egress side (shop/web[Deployment]): no NetworkPolicy selects it for egress"),
        "{text}"
    );
    assert!(text.contains("isolated by NetworkPolicy payments/default-deny, NetworkPolicy payments/ledger-from-api"), "{text}");
    assert!(
        text.contains(
            "NetworkPolicy payments/ledger-from-api spec.ingress[0]: no peer matches the other end"
        ),
        "{text}"
    );
    assert!(text.contains("no rule admits this connection"), "{text}");
}

#[test]
fn why_explains_an_allowed_pair_and_exits_0() {
    let out = eksguard(&[
        "netpol",
        "why",
        "--from",
        "shop/web",
        "--to",
        "payments/payments-api",
        "--port",
        "tcp/8080",
        EXAMPLE,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "shop/web[Deployment] => payments/payments-api[Deployment] on TCP/8080: ALLOWED"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "NetworkPolicy payments/api-from-shop spec.ingress[0].from[0] admits TCP 8080"
        ),
        "{text}"
    );
    // The same pair on another port is blocked by the same rule's port list.
    let out = eksguard(&[
        "netpol",
        "why",
        "--from",
        "shop/web",
        "--to",
        "payments/payments-api",
        "--port",
        "TCP/9090",
        EXAMPLE,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("peer matches, port does not"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn why_rejects_bad_arguments_with_exit_2() {
    for args in [
        ["--from", "shop", "--to", "payments/ledger"],
        ["--from", "shop/web", "--to", "payments/nope"],
    ] {
        let mut full = vec!["netpol", "why"];
        full.extend(args);
        full.push(EXAMPLE);
        let out = eksguard(&full);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty());
    }
    let out = eksguard(&[
        "netpol",
        "why",
        "--from",
        "shop/web",
        "--to",
        "payments/ledger",
        "--port",
        "HTTP/80",
        EXAMPLE,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("PROTOCOL/PORT"), "{}", stderr(&out));
}

fn scan_findings(path: &str) -> Vec<Value> {
    let out = eksguard(&["scan", path, "--format", "json", "--fail-on", "critical"]);
    // The corpus holds deliberately malformed files (exit 2); the example must not.
    let allowed_codes: &[i32] = if path == EXAMPLE { &[0, 1] } else { &[0, 1, 2] };
    assert!(
        out.status
            .code()
            .is_some_and(|c| allowed_codes.contains(&c)),
        "{}",
        stderr(&out)
    );
    json(&out)["findings"].as_array().unwrap().clone()
}

#[test]
fn scan_of_the_example_reports_netpol_coverage_and_enforcement() {
    let fs = scan_findings(EXAMPLE);
    let of = |id: &str| fs.iter().filter(|f| f["control"] == id).collect::<Vec<_>>();
    // shop has workloads and no policy at all.
    let shop = of("NETPOL-001");
    assert!(
        shop.iter().any(|f| f["object"]["kind"] == "Namespace"
            && f["object"]["name"] == "shop"
            && f["path"] == "metadata.name"),
        "{shop:#?}"
    );
    // payments' default-deny covers both directions: no coverage finding there.
    for id in ["NETPOL-001", "NETPOL-002"] {
        assert!(
            !of(id).iter().any(|f| f["object"]["name"] == "payments"),
            "{id}"
        );
    }
    // kube-system/amazon-vpc-cni sets enable-network-policy-controller: "false".
    let off = of("NETPOL-008");
    assert_eq!(off.len(), 1, "{off:#?}");
    assert_eq!(off[0]["object"]["name"], "amazon-vpc-cni");
    assert_eq!(off[0]["path"], "data.enable-network-policy-controller");
    let file =
        std::fs::read_to_string(repo_root().join(off[0]["location"]["file"].as_str().unwrap()))
            .unwrap();
    let line = file
        .lines()
        .nth(off[0]["location"]["line"].as_u64().unwrap() as usize - 1)
        .unwrap();
    assert_eq!(line.trim(), "enable-network-policy-controller: \"false\"");
    // egress-dns-and-aws rule 2: 0.0.0.0/0 (minus the metadata address) in a default-deny namespace.
    let world = of("NETPOL-007");
    assert_eq!(world.len(), 1, "{world:#?}");
    assert_eq!(world[0]["path"], "spec.egress[2].to[0].ipBlock");
    // Every policy of the example selects pods.
    assert!(of("NETPOL-004").is_empty());
}

/// `podSelector: {}` (or one whose matchLabels and matchExpressions are both
/// empty) selects every pod of the namespace.
fn selects_all(policy: &Value) -> bool {
    match policy.pointer("/spec/podSelector") {
        Some(Value::Object(m)) => m.values().all(|v| match v {
            Value::Null => true,
            Value::Object(o) => o.is_empty(),
            Value::Array(a) => a.is_empty(),
            _ => false,
        }),
        _ => false,
    }
}

#[test]
fn scan_of_the_corpus_never_reports_select_all_policies_as_selecting_nothing() {
    let corpus = shared().join("k8s-corpus");
    let (inputs, _) = eksguard_files::discover(std::slice::from_ref(&corpus));
    let opts = eksguard_files::ReadOptions::default();
    let objects: Vec<_> = inputs
        .iter()
        .flat_map(|i| eksguard_files::load(i, &opts).objects)
        .collect();
    let ns_of = |o: &eksguard_core::Object| o.namespace.clone().unwrap_or_else(|| "default".into());
    let with_workloads: BTreeSet<String> = objects
        .iter()
        .filter(|o| o.is_workload())
        .map(ns_of)
        .collect();
    // (file, namespace, name) of every select-all NetworkPolicy in a namespace
    // that has workloads, i.e. where the control really evaluates it (names
    // repeat across the corpus, hence the file).
    let select_all: BTreeSet<(String, String, String)> = objects
        .iter()
        .filter(|o| o.is("networking.k8s.io", "NetworkPolicy") && selects_all(&o.raw))
        .filter(|o| with_workloads.contains(&ns_of(o)))
        .map(|o| (o.source.file.to_string(), ns_of(o), o.name.clone()))
        .collect();
    assert!(
        select_all.len() >= 5,
        "the corpus should hold select-all policies: {select_all:?}"
    );

    let fs = scan_findings(corpus.to_str().unwrap());
    let flagged: Vec<(String, String, String)> = fs
        .iter()
        .filter(|f| f["control"] == "NETPOL-004")
        .map(|f| {
            let o = &f["object"];
            (
                f["location"]["file"].as_str().unwrap().to_owned(),
                o["namespace"].as_str().unwrap_or("default").to_owned(),
                o["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for p in &flagged {
        assert!(
            !select_all.contains(p),
            "NETPOL-004 on a podSelector: {{}} policy: {p:?}"
        );
    }
    // The coverage controls do fire on the corpus (it has namespaces without policies).
    assert!(fs.iter().any(|f| f["control"] == "NETPOL-001"));
}
