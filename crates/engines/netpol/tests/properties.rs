//! Property tests on random small clusters.
//!
//! `reference_allows` is a deliberately naive second implementation of the NetworkPolicy
//! rules (straight loops over the API reference's definitions, no classes, no bitsets);
//! the engine must agree with it on every pair and probe.

use eksguard_netpol::{Cluster, Protocol, WorkloadId, WorkloadKind};
use proptest::prelude::*;
use serde_json::{Value, json};

#[derive(Debug, Clone)]
enum Sel {
    All,
    Eq(&'static str, &'static str),
    NotIn(&'static str, &'static str),
}

impl Sel {
    fn json(&self) -> Value {
        match self {
            Sel::All => json!({}),
            Sel::Eq(k, v) => json!({"matchLabels": {*k: *v}}),
            Sel::NotIn(k, v) => {
                json!({"matchExpressions": [{"key": k, "operator": "NotIn", "values": [v]}]})
            }
        }
    }
    fn matches(&self, labels: &[(&str, &str)]) -> bool {
        let get = |k: &str| labels.iter().find(|(lk, _)| *lk == k).map(|(_, v)| *v);
        match self {
            Sel::All => true,
            Sel::Eq(k, v) => get(k) == Some(*v),
            Sel::NotIn(k, v) => get(k) != Some(*v),
        }
    }
}

#[derive(Debug, Clone)]
enum PortVal {
    Any,
    Num(u16),
    Range(u16, u16),
    Named(&'static str),
}

#[derive(Debug, Clone)]
struct Port {
    udp: Option<bool>,
    val: PortVal,
}

#[derive(Debug, Clone)]
struct Peer {
    ns: Option<Sel>,
    pod: Option<Sel>,
}

#[derive(Debug, Clone)]
struct RuleM {
    peers: Option<Vec<Peer>>,
    ports: Option<Vec<Port>>,
}

#[derive(Debug, Clone)]
struct Pol {
    ns: usize,
    sel: Sel,
    types: Option<(bool, bool)>,
    ingress: Option<Vec<RuleM>>,
    egress: Option<Vec<RuleM>>,
}

#[derive(Debug, Clone)]
struct W {
    ns: usize,
    app: &'static str,
    tier: Option<&'static str>,
    ports: Vec<(&'static str, u16, bool)>,
}

#[derive(Debug, Clone)]
struct M {
    ns_env: [&'static str; 2],
    ws: Vec<W>,
    pols: Vec<Pol>,
}

const NS: [&str; 2] = ["n0", "n1"];
const PORTS: [(&str, u16, bool); 4] = [
    ("http", 80, false),
    ("dns", 53, true),
    ("alt", 8080, false),
    ("dns", 5353, false),
];
const PROBES: [(Protocol, u16); 7] = [
    (Protocol::Tcp, 53),
    (Protocol::Tcp, 80),
    (Protocol::Tcp, 81),
    (Protocol::Tcp, 5353),
    (Protocol::Tcp, 8080),
    (Protocol::Udp, 53),
    (Protocol::Udp, 80),
];

fn sel_strategy() -> impl Strategy<Value = Sel> {
    prop_oneof![
        Just(Sel::All),
        prop::sample::select(vec!["x", "y", "z"]).prop_map(|v| Sel::Eq("app", v)),
        prop::sample::select(vec!["1", "2"]).prop_map(|v| Sel::Eq("tier", v)),
        prop::sample::select(vec!["x", "y"]).prop_map(|v| Sel::NotIn("app", v)),
    ]
}

fn ns_sel_strategy() -> impl Strategy<Value = Sel> {
    prop_oneof![
        Just(Sel::All),
        prop::sample::select(vec!["a", "b"]).prop_map(|v| Sel::Eq("env", v)),
        prop::sample::select(vec!["n0", "n1"])
            .prop_map(|v| Sel::Eq("kubernetes.io/metadata.name", v)),
        prop::sample::select(vec!["n0", "n1"])
            .prop_map(|v| Sel::NotIn("kubernetes.io/metadata.name", v)),
    ]
}

fn port_strategy() -> impl Strategy<Value = Port> {
    let val = prop_oneof![
        Just(PortVal::Any),
        prop::sample::select(vec![53u16, 80, 8080]).prop_map(PortVal::Num),
        Just(PortVal::Range(80, 8080)),
        prop::sample::select(vec!["http", "dns", "alt", "nope"]).prop_map(PortVal::Named),
    ];
    (prop::option::of(any::<bool>()), val).prop_map(|(udp, val)| Port { udp, val })
}

fn rule_strategy() -> impl Strategy<Value = RuleM> {
    let peer = (
        prop::option::of(ns_sel_strategy()),
        prop::option::of(sel_strategy()),
    )
        .prop_filter("peer needs a selector", |(n, p)| n.is_some() || p.is_some())
        .prop_map(|(ns, pod)| Peer { ns, pod });
    (
        prop::option::of(prop::collection::vec(peer, 1..3)),
        prop::option::of(prop::collection::vec(port_strategy(), 1..3)),
    )
        .prop_map(|(peers, ports)| RuleM { peers, ports })
}

fn pol_strategy() -> impl Strategy<Value = Pol> {
    (
        0..2usize,
        sel_strategy(),
        prop::option::of((any::<bool>(), any::<bool>())),
        prop::option::of(prop::collection::vec(rule_strategy(), 0..3)),
        prop::option::of(prop::collection::vec(rule_strategy(), 0..3)),
    )
        .prop_map(|(ns, sel, types, ingress, egress)| Pol {
            ns,
            sel,
            types,
            ingress,
            egress,
        })
}

fn w_strategy() -> impl Strategy<Value = W> {
    (
        0..2usize,
        prop::sample::select(vec!["x", "y", "z"]),
        prop::option::of(prop::sample::select(vec!["1", "2"])),
        prop::sample::subsequence(PORTS.to_vec(), 0..4),
    )
        .prop_map(|(ns, app, tier, ports)| W {
            ns,
            app,
            tier,
            ports,
        })
}

fn model_strategy() -> impl Strategy<Value = M> {
    (
        prop::sample::select(vec!["a", "b"]),
        prop::sample::select(vec!["a", "b"]),
        prop::collection::vec(w_strategy(), 2..5),
        prop::collection::vec(pol_strategy(), 0..4),
    )
        .prop_map(|(e0, e1, ws, pols)| M {
            ns_env: [e0, e1],
            ws,
            pols,
        })
}

fn rules_json(rules: &[RuleM], field: &str) -> Value {
    Value::Array(
        rules
            .iter()
            .map(|r| {
                let mut o = json!({});
                if let Some(peers) = &r.peers {
                    o[field] = Value::Array(
                        peers
                            .iter()
                            .map(|p| {
                                let mut v = json!({});
                                if let Some(n) = &p.ns {
                                    v["namespaceSelector"] = n.json();
                                }
                                if let Some(s) = &p.pod {
                                    v["podSelector"] = s.json();
                                }
                                v
                            })
                            .collect(),
                    );
                }
                if let Some(ports) = &r.ports {
                    o["ports"] = Value::Array(
                        ports
                            .iter()
                            .map(|p| {
                                let mut v = json!({});
                                if let Some(u) = p.udp {
                                    v["protocol"] = json!(if u { "UDP" } else { "TCP" });
                                }
                                match p.val {
                                    PortVal::Any => {}
                                    PortVal::Num(n) => v["port"] = json!(n),
                                    PortVal::Range(a, b) => {
                                        v["port"] = json!(a);
                                        v["endPort"] = json!(b);
                                    }
                                    PortVal::Named(n) => v["port"] = json!(n),
                                }
                                v
                            })
                            .collect(),
                    );
                }
                o
            })
            .collect(),
    )
}

fn pol_json(p: &Pol, name: &str) -> Value {
    let mut spec = json!({"podSelector": p.sel.json()});
    if let Some((i, e)) = p.types {
        let mut t = Vec::new();
        if i {
            t.push("Ingress");
        }
        if e {
            t.push("Egress");
        }
        spec["policyTypes"] = json!(t);
    }
    if let Some(r) = &p.ingress {
        spec["ingress"] = rules_json(r, "from");
    }
    if let Some(r) = &p.egress {
        spec["egress"] = rules_json(r, "to");
    }
    json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": name, "namespace": NS[p.ns]}, "spec": spec})
}

fn objects(m: &M) -> Vec<Value> {
    let mut o = Vec::new();
    for (i, n) in NS.iter().enumerate() {
        o.push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": {"env": m.ns_env[i]}}}));
    }
    for (i, w) in m.ws.iter().enumerate() {
        let mut labels = json!({"app": w.app});
        if let Some(t) = w.tier {
            labels["tier"] = json!(t);
        }
        let ports: Vec<Value> = w
            .ports
            .iter()
            .map(|(n, p, u)| json!({"name": n, "containerPort": p, "protocol": if *u {"UDP"} else {"TCP"}}))
            .collect();
        o.push(json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": format!("w{i}"), "namespace": NS[w.ns]},
            "spec": {"template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "c", "ports": ports}]}}}}));
    }
    for (i, p) in m.pols.iter().enumerate() {
        o.push(pol_json(p, &format!("p{i}")));
    }
    o
}

fn wlabels(w: &W) -> Vec<(&'static str, &'static str)> {
    let mut l = vec![("app", w.app)];
    if let Some(t) = w.tier {
        l.push(("tier", t));
    }
    l
}

fn nslabels(m: &M, ns: usize) -> Vec<(&'static str, &'static str)> {
    vec![
        ("env", m.ns_env[ns]),
        ("kubernetes.io/metadata.name", NS[ns]),
    ]
}

/// (affects ingress, affects egress), with the API defaulting when the list is empty.
fn types(p: &Pol) -> (bool, bool) {
    match p.types {
        Some((i, e)) if i || e => (i, e),
        _ => (true, p.egress.as_ref().is_some_and(|e| !e.is_empty())),
    }
}

fn rule_admits(m: &M, pol: &Pol, r: &RuleM, peer: &W, dst: &W, probe: (Protocol, u16)) -> bool {
    let peer_ok = match &r.peers {
        None => true,
        Some(ps) => ps.iter().any(|p| {
            let ns_ok = match &p.ns {
                Some(s) => s.matches(&nslabels(m, peer.ns)),
                None => peer.ns == pol.ns,
            };
            ns_ok && p.pod.as_ref().is_none_or(|s| s.matches(&wlabels(peer)))
        }),
    };
    let port_ok = match &r.ports {
        None => true,
        Some(ps) => ps.iter().any(|p| {
            let proto = if p.udp == Some(true) {
                Protocol::Udp
            } else {
                Protocol::Tcp
            };
            proto == probe.0
                && match p.val {
                    PortVal::Any => true,
                    PortVal::Num(n) => n == probe.1,
                    PortVal::Range(a, b) => a <= probe.1 && probe.1 <= b,
                    PortVal::Named(name) => dst.ports.iter().any(|(n, port, udp)| {
                        *n == name
                            && *port == probe.1
                            && (if *udp { Protocol::Udp } else { Protocol::Tcp }) == proto
                    }),
                }
        }),
    };
    peer_ok && port_ok
}

fn reference_allows(m: &M, s: usize, d: usize, probe: (Protocol, u16)) -> bool {
    let (src, dst) = (&m.ws[s], &m.ws[d]);
    let side = |subject: &W, other: &W, egress: bool| {
        let pols: Vec<&Pol> = m
            .pols
            .iter()
            .filter(|p| {
                p.ns == subject.ns
                    && p.sel.matches(&wlabels(subject))
                    && if egress { types(p).1 } else { types(p).0 }
            })
            .collect();
        pols.is_empty()
            || pols.iter().any(|p| {
                let rules = if egress { &p.egress } else { &p.ingress };
                rules
                    .iter()
                    .flatten()
                    .any(|r| rule_admits(m, p, r, other, dst, probe))
            })
    };
    side(src, dst, true) && side(dst, src, false)
}

fn wid(i: usize, m: &M) -> WorkloadId {
    WorkloadId {
        namespace: NS[m.ws[i].ns].into(),
        name: format!("w{i}"),
        kind: WorkloadKind::Deployment,
    }
}

fn build(m: &M) -> Cluster {
    Cluster::from_objects(objects(m).iter()).0
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn engine_agrees_with_reference(m in model_strategy()) {
        let r = build(&m).reachability();
        for s in 0..m.ws.len() {
            for d in 0..m.ws.len() {
                if s == d { continue; }
                let got = r.between(&wid(s, &m), &wid(d, &m)).expect("pair");
                for probe in PROBES {
                    prop_assert_eq!(got.contains(probe.0, probe.1), reference_allows(&m, s, d, probe),
                        "{} -> {} {:?}", s, d, probe);
                }
            }
        }
    }

    /// Policies are additive: once a pod is isolated for ingress, adding any policy can
    /// only add to what it accepts, never remove. (The literal "adding a policy never
    /// widens what an isolated pod accepts" contradicts the API: an added allow rule does
    /// widen; what never happens is narrowing, checked here, and a non-selecting policy
    /// changing anything, checked below.)
    #[test]
    fn adding_a_policy_never_narrows_an_isolated_pod(m in model_strategy(), extra in pol_strategy()) {
        let before = build(&m).reachability();
        let mut m2 = m.clone();
        m2.pols.push(extra.clone());
        let after = build(&m2).reachability();
        for d in 0..m.ws.len() {
            let isolated = m.pols.iter().any(|p| p.ns == m.ws[d].ns && p.sel.matches(&wlabels(&m.ws[d])) && types(p).0);
            let selected_by_extra = extra.ns == m.ws[d].ns && extra.sel.matches(&wlabels(&m.ws[d]));
            // Observed through external sources, whose own (absent) egress policies cannot
            // interfere.
            for ip in ["1.2.3.4", "10.0.0.1"] {
                let ip: std::net::IpAddr = ip.parse().expect("ip");
                let b = before.from_address(ip, &wid(d, &m)).expect("range");
                let a = after.from_address(ip, &wid(d, &m)).expect("range");
                if isolated {
                    prop_assert!(a.is_superset(b), "isolated pod lost ingress: {} -> {}", b, a);
                }
                if !selected_by_extra {
                    prop_assert_eq!(a, b);
                }
            }
        }
    }

    /// A deny-all ingress policy empties the ingress column of every pod it selects when
    /// the other policies only govern egress.
    #[test]
    fn deny_all_ingress_empties_the_column(m in model_strategy(), ns in 0..2usize) {
        let mut m2 = m.clone();
        for p in &mut m2.pols {
            p.types = Some((false, true));
        }
        m2.pols.push(Pol { ns, sel: Sel::All, types: Some((true, false)), ingress: None, egress: None });
        let r = build(&m2).reachability();
        for d in 0..m2.ws.len() {
            if m2.ws[d].ns != ns { continue; }
            for s in 0..m2.ws.len() {
                if s != d {
                    prop_assert!(r.between(&wid(s, &m2), &wid(d, &m2)).expect("pair").is_empty());
                }
            }
            prop_assert!(r.from_address("203.0.113.1".parse().expect("ip"), &wid(d, &m2)).expect("range").is_empty());
        }
    }

    /// policyTypes defaulting: an absent list behaves as [Ingress] plus Egress when the
    /// egress list is non-empty.
    #[test]
    fn policy_types_defaulting(m in model_strategy()) {
        let mut explicit = m.clone();
        for p in &mut explicit.pols {
            p.types = Some(types(p));
        }
        let a = build(&m).reachability();
        let b = build(&explicit).reachability();
        prop_assert_eq!(eksguard_netpol::to_txt(&a), eksguard_netpol::to_txt(&b));
    }
}
