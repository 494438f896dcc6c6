//! The Kubernetes e2e NetworkPolicy conformance tests, transcribed as truth tables.
//!
//! Source: kubernetes/kubernetes `test/e2e/network/netpol/network_policy.go`. Each test
//! builds the pods the upstream test asks for (`x/a`, `y/b`, ... labelled `pod=<name>`,
//! with one container port `serve-<port>-<proto>` per probed port and protocol, as
//! upstream `model.go` does), applies the same policies, and checks the same expected
//! reachability for the probed protocol and port. Loopback pairs are ignored, as upstream
//! (`ignoreLoopback = true`). Upstream test names are given in each test's comment.
//!
//! Not transcribed: the three ipBlock tests that build CIDRs from live pod IPs ("should
//! allow egress access to server in CIDR block", "should enforce except clause while
//! egress access to server in CIDR block", "should ensure an IP overlapping both
//! IPBlock.CIDR and IPBlock.Except is allowed"): static manifests have no pod IPs, so
//! this engine matches ipBlocks against external addresses only.

use eksguard_netpol::{Cluster, Protocol, WorkloadId, WorkloadKind};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const TCP: Protocol = Protocol::Tcp;
const UDP: Protocol = Protocol::Udp;
const SCTP: Protocol = Protocol::Sctp;

struct Model {
    pods: Vec<(String, String)>,
    protocols: Vec<Protocol>,
    ports: Vec<u16>,
    ns_labels: BTreeMap<String, Value>,
    pod_labels: BTreeMap<String, Value>,
}

fn model(protocols: &[Protocol], ports: &[u16], pods: &[&str]) -> Model {
    Model {
        pods: pods
            .iter()
            .map(|p| {
                let (n, p) = p.split_once('/').expect("pod strings are ns/name");
                (n.to_string(), p.to_string())
            })
            .collect(),
        protocols: protocols.to_vec(),
        ports: ports.to_vec(),
        ns_labels: BTreeMap::new(),
        pod_labels: BTreeMap::new(),
    }
}

impl Model {
    fn objects(&self, policies: &[Value]) -> Vec<Value> {
        let mut objs = Vec::new();
        for ns in ["x", "y", "z"] {
            let labels = self.ns_labels.get(ns).cloned().unwrap_or(json!({"ns": ns}));
            objs.push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": labels}}));
        }
        for (ns, pod) in &self.pods {
            let mut ports = Vec::new();
            for &port in &self.ports {
                for proto in &self.protocols {
                    ports.push(json!({
                        "name": format!("serve-{port}-{}", proto.as_str().to_lowercase()),
                        "containerPort": port,
                        "protocol": proto.as_str(),
                    }));
                }
            }
            let key = format!("{ns}/{pod}");
            let labels = self
                .pod_labels
                .get(&key)
                .cloned()
                .unwrap_or(json!({"pod": pod}));
            objs.push(json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": pod, "namespace": ns, "labels": labels},
                "spec": {"containers": [{"name": "c", "image": "agnhost", "ports": ports}]}
            }));
        }
        objs.extend(policies.iter().cloned());
        objs
    }
}

/// `GenNetworkPolicyWithNameAndPodSelector` + `SetSpecIngressRules` / `SetSpecEgressRules`:
/// each setter present adds its policy type and the (possibly empty) rule list.
fn policy(
    ns: &str,
    name: &str,
    pod_selector: Value,
    ingress: Option<Value>,
    egress: Option<Value>,
) -> Value {
    let mut spec = json!({"podSelector": pod_selector});
    let mut types = Vec::new();
    if let Some(i) = ingress {
        spec["ingress"] = i;
        types.push("Ingress");
    }
    if let Some(e) = egress {
        spec["egress"] = e;
        types.push("Egress");
    }
    spec["policyTypes"] = json!(types);
    json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
           "metadata": {"name": name, "namespace": ns}, "spec": spec})
}

fn pod_a() -> Value {
    json!({"matchLabels": {"pod": "a"}})
}

/// Upstream `Reachability`: a truth table over the model's pods, default allowed.
struct Truth {
    pods: Vec<String>,
    m: BTreeMap<(String, String), bool>,
}

/// Upstream `Peer{Namespace, Pod}`: empty strings match everything.
fn sel_matches(sel: &str, pod: &str) -> bool {
    let (sn, sp) = sel.split_once('/').unwrap_or((sel, ""));
    let (pn, pp) = pod.split_once('/').unwrap_or((pod, ""));
    (sn.is_empty() || sn == pn) && (sp.is_empty() || sp == pp)
}

impl Truth {
    fn new(m: &Model) -> Truth {
        let pods: Vec<String> = m.pods.iter().map(|(n, p)| format!("{n}/{p}")).collect();
        let mut t = BTreeMap::new();
        for a in &pods {
            for b in &pods {
                t.insert((a.clone(), b.clone()), true);
            }
        }
        Truth { pods, m: t }
    }
    /// `ExpectPeer(from, to, v)`; selectors are `"ns/pod"`, `"ns/"` or `"/"`.
    fn peer(&mut self, from: &str, to: &str, v: bool) -> &mut Self {
        for ((a, b), val) in self.m.iter_mut() {
            if sel_matches(from, a) && sel_matches(to, b) {
                *val = v;
            }
        }
        self
    }
    fn expect(&mut self, from: &str, to: &str, v: bool) -> &mut Self {
        self.m.insert((from.to_string(), to.to_string()), v);
        self
    }
    fn all_ingress(&mut self, to: &str, v: bool) -> &mut Self {
        self.peer("/", to, v)
    }
    fn all_egress(&mut self, from: &str, v: bool) -> &mut Self {
        self.peer(from, "/", v)
    }
}

fn wid(s: &str) -> WorkloadId {
    let (n, p) = s.split_once('/').expect("ns/name");
    WorkloadId {
        namespace: n.into(),
        name: p.into(),
        kind: WorkloadKind::Pod,
    }
}

/// Upstream `ValidateOrFail`: probe every ordered pair (loopback ignored).
fn validate(m: &Model, policies: &[Value], proto: Protocol, port: u16, truth: &Truth) {
    let objs = m.objects(policies);
    let (cluster, warnings) = Cluster::from_objects(objs.iter());
    assert!(warnings.is_empty(), "unexpected warnings: {warnings:?}");
    let reach = cluster.reachability();
    let mut wrong = Vec::new();
    for a in &truth.pods {
        for b in &truth.pods {
            if a == b {
                continue;
            }
            let got = reach
                .between(&wid(a), &wid(b))
                .is_some_and(|c| c.contains(proto, port));
            let want = truth.m[&(a.clone(), b.clone())];
            if got != want {
                wrong.push(format!("{a} -> {b}: expected {want}, computed {got}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{proto} {port}: {wrong:#?}");
}

fn deny_ingress_ns_x(name: &str) -> Value {
    policy("x", name, json!({}), Some(json!([])), None)
}

// "should support a 'default-deny-ingress' policy"
#[test]
fn default_deny_ingress() {
    let m = model(&[TCP], &[80], &["x/a", "x/b", "y/a", "y/b"]);
    let mut t = Truth::new(&m);
    t.peer("/", "x/", false);
    validate(&m, &[deny_ingress_ns_x("deny-ingress")], TCP, 80, &t);
}

// "should support a 'default-deny-all' policy"
#[test]
fn default_deny_all() {
    let m = model(&[TCP], &[80], &["x/a", "x/b", "y/a"]);
    let p = policy("x", "deny-all", json!({}), Some(json!([])), Some(json!([])));
    let mut t = Truth::new(&m);
    t.peer("/", "x/", false).peer("x/", "/", false);
    validate(&m, &[p], TCP, 80, &t);
}

// "should enforce policy to allow traffic from pods within server namespace based on PodSelector"
#[test]
fn allow_from_pods_within_namespace_by_pod_selector() {
    let m = model(&[TCP], &[80], &["x/a", "x/b", "x/c", "y/a"]);
    let p = policy(
        "x",
        "x-a-allows-x-b",
        pod_a(),
        Some(json!([{"from": [{"podSelector": {"matchLabels": {"pod": "b"}}}]}])),
        None,
    );
    let mut t = Truth::new(&m);
    t.all_ingress("x/a", false).expect("x/b", "x/a", true);
    validate(&m, &[p], TCP, 80, &t);
}

// "should enforce policy to allow ingress traffic for a target"
#[test]
fn allow_ingress_for_a_target() {
    let m = model(&[TCP], &[80], &["x/a", "x/b", "y/a"]);
    let deny = deny_ingress_ns_x("deny-all");
    let allow = policy(
        "x",
        "allow-all-to-a",
        pod_a(),
        Some(json!([{"from": [{"podSelector": {}, "namespaceSelector": {}}]}])),
        None,
    );
    let mut t = Truth::new(&m);
    t.all_ingress("x/a", true).all_ingress("x/b", false);
    validate(&m, &[deny, allow], TCP, 80, &t);
}

// "should enforce policy to allow ingress traffic from pods in all namespaces"
#[test]
fn allow_ingress_from_all_namespaces() {
    let m = model(&[TCP], &[80], &["x/a", "x/b", "y/a", "z/a"]);
    let p = policy(
        "x",
        "allow-from-another-ns",
        pod_a(),
        Some(json!([{"from": [{"namespaceSelector": {"matchLabels": {}}}]}])),
        None,
    );
    let t = Truth::new(&m);
    validate(&m, &[p], TCP, 80, &t);
}

// "should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector"
#[test]
fn allow_only_from_other_namespace_by_namespace_selector() {
    let m = model(&[TCP], &[80], &["x/a", "x/b", "y/a", "z/a"]);
    let p = policy(
        "x",
        "allow-client-a-via-ns-selector",
        pod_a(),
        Some(
            json!([{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "y"}}}]}]),
        ),
        None,
    );
    let mut t = Truth::new(&m);
    t.peer("x/", "x/a", false).peer("z/", "x/a", false);
    validate(&m, &[p], TCP, 80, &t);
}

// "should enforce policy based on PodSelector with MatchExpressions"
#[test]
fn pod_selector_match_expressions() {
    let m = model(&[TCP], &[80], &["x/a", "x/b", "y/a"]);
    let p = policy(
        "x",
        "x-a-allows-x-b",
        pod_a(),
        Some(
            json!([{"from": [{"podSelector": {"matchExpressions": [{"key": "pod", "operator": "In", "values": ["b"]}]}}]}]),
        ),
        None,
    );
    let mut t = Truth::new(&m);
    t.all_ingress("x/a", false).expect("x/b", "x/a", true);
    validate(&m, &[p], TCP, 80, &t);
}

// "should enforce policy based on NamespaceSelector with MatchExpressions"
#[test]
fn namespace_selector_match_expressions() {
    let m = model(&[TCP], &[80], &["x/a", "x/b", "y/a", "z/a"]);
    let p = policy(
        "x",
        "allow-ns-y-match-selector",
        pod_a(),
        Some(
            json!([{"from": [{"namespaceSelector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["y"]}]}}]}]),
        ),
        None,
    );
    let mut t = Truth::new(&m);
    t.peer("x/", "x/a", false).peer("z/", "x/a", false);
    validate(&m, &[p], TCP, 80, &t);
}

// "should enforce policy based on PodSelector or NamespaceSelector"
#[test]
fn pod_selector_or_namespace_selector() {
    let m = model(&[TCP], &[80], &["x/a", "x/b", "x/c", "y/a"]);
    let p = policy(
        "x",
        "allow-ns-y-match-selector",
        pod_a(),
        Some(json!([{"from": [
            {"namespaceSelector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["x"]}]}},
            {"podSelector": {"matchLabels": {"pod": "b"}}}
        ]}])),
        None,
    );
    let mut t = Truth::new(&m);
    t.expect("x/a", "x/a", false).expect("x/c", "x/a", false);
    validate(&m, &[p], TCP, 80, &t);
}

// "should enforce policy based on PodSelector and NamespaceSelector"
#[test]
fn pod_selector_and_namespace_selector() {
    let m = model(&[TCP], &[80], &["x/a", "x/b", "y/a", "y/b", "z/b"]);
    let p = policy(
        "x",
        "allow-ns-y-podselector-and-nsselector",
        pod_a(),
        Some(json!([{"from": [
            {"namespaceSelector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["x"]}]},
             "podSelector": {"matchLabels": {"pod": "b"}}}
        ]}])),
        None,
    );
    let mut t = Truth::new(&m);
    t.all_ingress("x/a", false)
        .expect("y/b", "x/a", true)
        .expect("z/b", "x/a", true);
    validate(&m, &[p], TCP, 80, &t);
}

// "should enforce policy based on Multiple PodSelectors and NamespaceSelectors"
#[test]
fn multiple_pod_selectors_and_namespace_selectors() {
    let m = model(&[TCP], &[80], &["x/a", "x/b", "y/a", "y/b", "y/c"]);
    let p = policy(
        "x",
        "allow-ns-y-z-pod-b-c",
        pod_a(),
        Some(json!([{"from": [
            {"namespaceSelector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["x"]}]},
             "podSelector": {"matchExpressions": [{"key": "pod", "operator": "In", "values": ["b", "c"]}]}}
        ]}])),
        None,
    );
    let mut t = Truth::new(&m);
    t.peer("x/", "x/a", false).expect("y/a", "x/a", false);
    validate(&m, &[p], TCP, 80, &t);
}

// "should enforce policy based on any PodSelectors"
#[test]
fn any_pod_selectors() {
    let m = model(&[TCP], &[80], &["x/a", "x/b", "x/c"]);
    let p = policy(
        "x",
        "allow-ns-x-pod-b-c",
        pod_a(),
        Some(json!([{"from": [
            {"podSelector": {"matchLabels": {"pod": "b"}}}, {"podSelector": {"matchLabels": {"pod": "c"}}}
        ]}])),
        None,
    );
    let mut t = Truth::new(&m);
    t.all_ingress("x/a", false)
        .expect("x/b", "x/a", true)
        .expect("x/c", "x/a", true);
    validate(&m, &[p], TCP, 80, &t);
}

// "should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector"
fn only_from_pod_in_other_namespace(proto: Protocol, pods: &[&str]) {
    let m = model(&[proto], &[80], pods);
    let p = policy(
        "x",
        "allow-ns-y-pod-a-via-namespace-pod-selector",
        pod_a(),
        Some(json!([{"from": [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "y"}}, "podSelector": {"matchLabels": {"pod": "a"}}}
        ]}])),
        None,
    );
    let mut t = Truth::new(&m);
    t.all_ingress("x/a", false).expect("y/a", "x/a", true);
    validate(&m, &[p], proto, 80, &t);
}

#[test]
fn only_from_pod_in_other_namespace_tcp() {
    only_from_pod_in_other_namespace(TCP, &["x/a", "x/b", "y/a", "y/b", "z/a"]);
}

// UDP variant: "NetworkPolicy between server and client using UDP" / same name.
#[test]
fn only_from_pod_in_other_namespace_udp() {
    only_from_pod_in_other_namespace(UDP, &["x/a", "x/b", "y/a"]);
}

// SCTP variant: "NetworkPolicy between server and client using SCTP" / same name.
#[test]
fn only_from_pod_in_other_namespace_sctp() {
    only_from_pod_in_other_namespace(SCTP, &["x/a", "x/b", "y/a"]);
}

fn allow_port_81_from_y(name: &str, proto: Protocol, port: u16) -> Value {
    policy(
        "x",
        name,
        pod_a(),
        Some(json!([{
            "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "y"}}}],
            "ports": [{"port": port, "protocol": proto.as_str()}]
        }])),
        None,
    )
}

// "should enforce policy based on Ports"
#[test]
fn ports_tcp() {
    let m = model(&[TCP], &[81], &["x/a", "x/b", "y/a", "y/b", "z/a"]);
    let mut t = Truth::new(&m);
    t.peer("x/", "x/a", false)
        .peer("y/", "x/a", true)
        .peer("z/", "x/a", false);
    validate(
        &m,
        &[allow_port_81_from_y(
            "allow-client-a-via-ns-selector",
            TCP,
            81,
        )],
        TCP,
        81,
        &t,
    );
}

// UDP: "should enforce policy based on Ports"
#[test]
fn ports_udp() {
    let m = model(&[UDP], &[81], &["x/a", "x/b", "y/a", "z/a"]);
    let mut t = Truth::new(&m);
    t.peer("x/", "x/a", false).peer("z/", "x/a", false);
    validate(
        &m,
        &[allow_port_81_from_y(
            "allow-ingress-on-port-81-ns-x",
            UDP,
            81,
        )],
        UDP,
        81,
        &t,
    );
}

// SCTP: "should enforce policy based on Ports"
#[test]
fn ports_sctp() {
    let m = model(&[SCTP], &[81], &["x/a", "x/b", "y/a", "z/a"]);
    let mut t = Truth::new(&m);
    t.peer("x/", "x/a", false).peer("z/", "x/a", false);
    validate(
        &m,
        &[allow_port_81_from_y(
            "allow-ingress-on-port-81-ns-x",
            SCTP,
            81,
        )],
        SCTP,
        81,
        &t,
    );
}

// "should enforce multiple, stacked policies with overlapping podSelectors"
#[test]
fn stacked_policies_overlapping_pod_selectors() {
    let m = model(&[TCP], &[80, 81], &["x/a", "x/b", "y/a", "y/b", "z/a"]);
    let p81 = allow_port_81_from_y("allow-client-a-via-ns-selector", TCP, 81);
    let mut allow = Truth::new(&m);
    allow
        .peer("x/", "x/a", false)
        .peer("y/", "x/a", true)
        .peer("z/", "x/a", false);
    validate(&m, std::slice::from_ref(&p81), TCP, 81, &allow);
    let mut deny = Truth::new(&m);
    deny.all_ingress("x/a", false);
    validate(&m, std::slice::from_ref(&p81), TCP, 80, &deny);
    let p80 = allow_port_81_from_y("allow-client-a-via-ns-selector-80", TCP, 80);
    validate(&m, &[p81, p80], TCP, 80, &allow);
}

// "should support allow-all policy"
#[test]
fn allow_all_policy() {
    let m = model(&[TCP], &[80, 81], &["x/a", "x/b", "y/a"]);
    let p = policy(
        "x",
        "allow-all",
        json!({"matchLabels": {}}),
        Some(json!([{}])),
        None,
    );
    let t = Truth::new(&m);
    validate(&m, std::slice::from_ref(&p), TCP, 80, &t);
    validate(&m, &[p], TCP, 81, &t);
}

// "should allow ingress access on one named port"
#[test]
fn ingress_one_named_port() {
    let m = model(&[TCP], &[80, 81], &["x/a", "x/b", "y/a"]);
    let p = policy(
        "x",
        "allow-all",
        json!({"matchLabels": {}}),
        Some(json!([{"ports": [{"port": "serve-81-tcp"}]}])),
        None,
    );
    validate(&m, std::slice::from_ref(&p), TCP, 81, &Truth::new(&m));
    let mut t80 = Truth::new(&m);
    t80.peer("/", "x/", false);
    validate(&m, &[p], TCP, 80, &t80);
}

// "should allow ingress access from namespace on one named port"
#[test]
fn ingress_from_namespace_on_one_named_port() {
    let m = model(&[TCP], &[80, 81], &["x/a", "x/b", "y/a", "z/a"]);
    let p = policy(
        "x",
        "allow-client-a-via-ns-selector-80",
        pod_a(),
        Some(json!([{
            "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "y"}}}],
            "ports": [{"port": "serve-80-tcp", "protocol": "TCP"}]
        }])),
        None,
    );
    let mut t = Truth::new(&m);
    t.peer("x/", "x/a", false).peer("z/", "x/a", false);
    validate(&m, std::slice::from_ref(&p), TCP, 80, &t);
    let mut fail = Truth::new(&m);
    fail.all_ingress("x/a", false);
    validate(&m, &[p], TCP, 81, &fail);
}

// "should allow egress access on one named port"
#[test]
fn egress_one_named_port() {
    let m = model(&[TCP], &[80, 81], &["x/a", "y/a"]);
    let p = policy(
        "x",
        "allow-egress",
        json!({"matchLabels": {}}),
        None,
        Some(json!([{"ports": [{"port": "serve-80-tcp"}]}])),
    );
    validate(&m, std::slice::from_ref(&p), TCP, 80, &Truth::new(&m));
    let mut t81 = Truth::new(&m);
    t81.peer("x/", "/", false);
    validate(&m, &[p], TCP, 81, &t81);
}

// "should enforce updated policy"
#[test]
fn updated_policy() {
    let m = model(&[TCP], &[81], &["x/a", "y/a"]);
    let allow = policy(
        "x",
        "allow-all-mutate-to-deny-all",
        json!({"matchLabels": {}}),
        Some(json!([{}])),
        None,
    );
    validate(&m, &[allow], TCP, 81, &Truth::new(&m));
    let deny = policy(
        "x",
        "allow-all-mutate-to-deny-all",
        json!({"matchLabels": {}}),
        Some(json!([])),
        None,
    );
    let mut t = Truth::new(&m);
    t.peer("/", "x/", false);
    validate(&m, &[deny], TCP, 81, &t);
}

// "should allow ingress access from updated namespace"
#[test]
fn ingress_from_updated_namespace() {
    let mut m = model(&[TCP], &[80], &["x/a", "y/a"]);
    let p = policy(
        "x",
        "allow-client-a-via-ns-selector",
        pod_a(),
        Some(json!([{"from": [{"namespaceSelector": {"matchLabels": {"ns2": "updated"}}}]}])),
        None,
    );
    let mut t = Truth::new(&m);
    t.all_ingress("x/a", false);
    validate(&m, std::slice::from_ref(&p), TCP, 80, &t);
    m.ns_labels
        .insert("y".into(), json!({"ns": "y", "ns2": "updated"}));
    let mut t2 = Truth::new(&m);
    t2.all_ingress("x/a", false).peer("y/", "/", true);
    validate(&m, &[p], TCP, 80, &t2);
}

// "should allow ingress access from updated pod"
#[test]
fn ingress_from_updated_pod() {
    let mut m = model(&[TCP], &[80], &["x/a", "x/b"]);
    let p = policy(
        "x",
        "allow-client-a-via-pod-selector",
        pod_a(),
        Some(
            json!([{"from": [{"podSelector": {"matchLabels": {"pod": "b", "pod2": "updated"}}}]}]),
        ),
        None,
    );
    let mut t = Truth::new(&m);
    t.all_ingress("x/a", false);
    validate(&m, std::slice::from_ref(&p), TCP, 80, &t);
    m.pod_labels
        .insert("x/b".into(), json!({"pod": "b", "pod2": "updated"}));
    let mut t2 = Truth::new(&m);
    t2.all_ingress("x/a", false).expect("x/b", "x/a", true);
    validate(&m, &[p], TCP, 80, &t2);
}

// "should deny ingress from pods on other namespaces"
#[test]
fn deny_ingress_from_other_namespaces() {
    let m = model(&[TCP], &[80], &["x/a", "x/b", "y/a", "z/a"]);
    let p = policy(
        "x",
        "deny-empty-policy",
        json!({}),
        Some(json!([{"from": [{"podSelector": {"matchLabels": {}}}]}])),
        None,
    );
    let mut t = Truth::new(&m);
    t.peer("y/", "x/", false).peer("z/", "x/", false);
    validate(&m, &[p], TCP, 80, &t);
}

// "should deny ingress access to updated pod"
#[test]
fn deny_ingress_to_updated_pod() {
    let mut m = model(&[TCP], &[80], &["x/a", "y/a"]);
    let p = policy(
        "x",
        "deny-ingress-via-label-selector",
        json!({"matchLabels": {"target": "isolated"}}),
        Some(json!([])),
        None,
    );
    validate(&m, std::slice::from_ref(&p), TCP, 80, &Truth::new(&m));
    m.pod_labels
        .insert("x/a".into(), json!({"pod": "a", "target": "isolated"}));
    let mut t = Truth::new(&m);
    t.all_ingress("x/a", false);
    validate(&m, &[p], TCP, 80, &t);
}

// "should deny egress from pods based on PodSelector"
#[test]
fn deny_egress_by_pod_selector() {
    let m = model(&[TCP], &[80], &["x/a", "x/b", "y/a"]);
    let p = policy("x", "deny-egress-pod-a", pod_a(), None, Some(json!([])));
    let mut t = Truth::new(&m);
    t.all_egress("x/a", false);
    validate(&m, &[p], TCP, 80, &t);
}

// "should deny egress from all pods in a namespace"
#[test]
fn deny_egress_all_pods_in_namespace() {
    let m = model(&[TCP], &[80], &["x/a", "x/b", "y/a"]);
    let p = policy("x", "deny-egress-ns-x", json!({}), None, Some(json!([])));
    let mut t = Truth::new(&m);
    t.peer("x/", "/", false);
    validate(&m, &[p], TCP, 80, &t);
}

// "should work with Ingress, Egress specified together"
#[test]
fn ingress_and_egress_together() {
    let m = model(&[TCP], &[80, 81], &["x/a", "x/b", "x/c", "y/a"]);
    let p = policy(
        "x",
        "allow-client-a-via-pod-selector",
        pod_a(),
        Some(json!([{"from": [{"podSelector": {"matchLabels": {"pod": "b"}}}]}])),
        Some(json!([{"ports": [{"port": 80}]}])),
    );
    let mut t80 = Truth::new(&m);
    t80.all_ingress("x/a", false).expect("x/b", "x/a", true);
    validate(&m, std::slice::from_ref(&p), TCP, 80, &t80);
    let mut t81 = Truth::new(&m);
    t81.all_ingress("x/a", false)
        .all_egress("x/a", false)
        .expect("x/b", "x/a", true);
    validate(&m, &[p], TCP, 81, &t81);
}

// "should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)"
#[test]
fn deny_egress_on_client_side() {
    let m = model(&[TCP], &[80], &["x/a", "y/a", "y/b"]);
    let egress = policy(
        "x",
        "allow-to-ns-y-pod-a",
        pod_a(),
        None,
        Some(json!([{"to": [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "y"}}, "podSelector": {"matchLabels": {"pod": "a"}}}
        ]}])),
    );
    let from_xa = json!([{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "x"}}, "podSelector": {"matchLabels": {"pod": "a"}}}]}]);
    let ya = policy(
        "y",
        "allow-from-xa-on-ya-match-selector",
        pod_a(),
        Some(from_xa.clone()),
        None,
    );
    let yb = policy(
        "y",
        "allow-from-xa-on-yb-match-selector",
        json!({"matchLabels": {"pod": "b"}}),
        Some(from_xa),
        None,
    );
    let mut t = Truth::new(&m);
    t.peer("x/a", "/", false)
        .peer("/", "y/a", false)
        .peer("x/a", "y/a", true)
        .peer("/", "y/b", false);
    validate(&m, &[egress, ya, yb], TCP, 80, &t);
}

// "should enforce egress policy allowing traffic to a server in a different namespace based on PodSelector and NamespaceSelector"
#[test]
fn egress_to_server_in_other_namespace() {
    let m = model(&[TCP], &[80], &["x/a", "y/a", "y/b"]);
    let p = policy(
        "x",
        "allow-to-ns-y-pod-a",
        pod_a(),
        None,
        Some(json!([{"to": [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "y"}}, "podSelector": {"matchLabels": {"pod": "a"}}}
        ]}])),
    );
    let mut t = Truth::new(&m);
    t.all_egress("x/a", false).expect("x/a", "y/a", true);
    validate(&m, &[p], TCP, 80, &t);
}

// "should enforce ingress policy allowing any port traffic to a server on a specific protocol"
#[test]
fn ingress_any_port_on_protocol() {
    let m = model(&[TCP, UDP], &[80], &["x/a", "y/a"]);
    let p = policy(
        "x",
        "allow-ingress-by-proto",
        pod_a(),
        Some(json!([{"ports": [{"protocol": "TCP"}]}])),
        None,
    );
    validate(&m, std::slice::from_ref(&p), TCP, 80, &Truth::new(&m));
    let mut t = Truth::new(&m);
    t.peer("/", "x/a", false);
    validate(&m, &[p], UDP, 80, &t);
}

// "should enforce multiple ingress policies with ingress allow-all policy taking precedence"
#[test]
fn ingress_allow_all_takes_precedence() {
    let m = model(&[TCP], &[81], &["x/a", "y/a"]);
    let only80 = policy(
        "x",
        "allow-ingress-port-80",
        json!({"matchLabels": {}}),
        Some(json!([{"ports": [{"port": 80}]}])),
        None,
    );
    let mut t = Truth::new(&m);
    t.peer("/", "x/", false);
    validate(&m, std::slice::from_ref(&only80), TCP, 81, &t);
    let all = policy(
        "x",
        "allow-ingress",
        json!({"matchLabels": {}}),
        Some(json!([{}])),
        None,
    );
    validate(&m, &[only80, all], TCP, 81, &Truth::new(&m));
}

// "should enforce multiple egress policies with egress allow-all policy taking precedence"
#[test]
fn egress_allow_all_takes_precedence() {
    let m = model(&[TCP], &[81], &["x/a", "y/a"]);
    let only80 = policy(
        "x",
        "allow-egress-port-80",
        json!({"matchLabels": {}}),
        None,
        Some(json!([{"ports": [{"port": 80}]}])),
    );
    let mut t = Truth::new(&m);
    t.peer("x/", "/", false);
    validate(&m, std::slice::from_ref(&only80), TCP, 81, &t);
    let all = policy(
        "x",
        "allow-egress",
        json!({"matchLabels": {}}),
        None,
        Some(json!([{}])),
    );
    validate(&m, &[only80, all], TCP, 81, &Truth::new(&m));
}

// "should stop enforcing policies after they are deleted"
#[test]
fn stop_enforcing_after_delete() {
    let m = model(&[TCP], &[80], &["x/a", "y/a"]);
    let p = policy("x", "deny-all", json!({}), Some(json!([])), Some(json!([])));
    let mut t = Truth::new(&m);
    t.peer("x/", "/", false).peer("/", "x/", false);
    validate(&m, &[p], TCP, 80, &t);
    validate(&m, &[], TCP, 80, &Truth::new(&m));
}

// "should enforce policies to check ingress and egress policies can be controlled independently based on PodSelector"
#[test]
fn ingress_and_egress_controlled_independently() {
    let m = model(&[TCP], &[80], &["x/a", "x/b", "y/a"]);
    let egress = policy(
        "x",
        "allow-egress-for-target",
        pod_a(),
        None,
        Some(json!([{}])),
    );
    validate(&m, std::slice::from_ref(&egress), TCP, 80, &Truth::new(&m));
    let deny = policy(
        "x",
        "deny-ingress-via-label-selector",
        pod_a(),
        Some(json!([])),
        None,
    );
    let mut t = Truth::new(&m);
    t.all_ingress("x/a", false);
    validate(&m, &[egress, deny], TCP, 80, &t);
}

// "should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP', even if the plugin doesn't support SCTP"
#[test]
fn sctp_is_not_tcp() {
    let m = model(&[TCP], &[81], &["x/a", "y/a"]);
    let deny = deny_ingress_ns_x("deny-ingress");
    let sctp = policy(
        "x",
        "allow-only-sctp-ingress-on-port-81",
        pod_a(),
        Some(json!([{"ports": [{"port": 81, "protocol": "SCTP"}]}])),
        None,
    );
    let mut t = Truth::new(&m);
    t.peer("/", "x/", false);
    validate(&m, &[deny, sctp], TCP, 81, &t);
}

// "should properly isolate pods that are selected by a policy allowing SCTP, even if the plugin doesn't support SCTP"
#[test]
fn sctp_policy_isolates_tcp() {
    let m = model(&[TCP], &[81], &["x/a", "y/a"]);
    let p = policy(
        "x",
        "allow-only-sctp-ingress-on-port-80",
        pod_a(),
        Some(json!([{"ports": [{"port": 80, "protocol": "SCTP"}]}])),
        None,
    );
    let mut t = Truth::new(&m);
    t.all_ingress("x/a", false);
    validate(&m, &[p], TCP, 81, &t);
}

// "should not allow access by TCP when a policy specifies only UDP"
#[test]
fn udp_policy_does_not_allow_tcp() {
    let m = model(&[TCP], &[81], &["x/a", "y/a"]);
    let p = policy(
        "x",
        "allow-only-udp-ingress-on-port-81",
        pod_a(),
        Some(json!([{"ports": [{"port": 81, "protocol": "UDP"}]}])),
        None,
    );
    let mut t = Truth::new(&m);
    t.all_ingress("x/a", false);
    validate(&m, &[p], TCP, 81, &t);
}

// "should enforce policy to allow traffic based on NamespaceSelector with MatchLabels using default ns label"
#[test]
fn namespace_selector_default_label_match_labels() {
    let m = model(&[TCP], &[80], &["x/a", "x/b", "y/a", "z/a"]);
    let p = policy(
        "x",
        "allow-client-a-via-ns-selector-for-immutable-ns-label",
        pod_a(),
        Some(
            json!([{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "y"}}}]}]),
        ),
        None,
    );
    let mut t = Truth::new(&m);
    t.peer("x/", "x/a", false).peer("z/", "x/a", false);
    validate(&m, &[p], TCP, 80, &t);
}

// "should enforce policy based on NamespaceSelector with MatchExpressions using default ns label"
#[test]
fn namespace_selector_default_label_match_expressions_egress() {
    let m = model(&[TCP], &[80], &["x/a", "x/b", "y/a", "z/a"]);
    let p = policy(
        "x",
        "allow-ns-y-match-selector-for-immutable-ns-label",
        pod_a(),
        None,
        Some(
            json!([{"to": [{"namespaceSelector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["y"]}]}}]}]),
        ),
    );
    let mut t = Truth::new(&m);
    t.peer("x/a", "y/", false);
    validate(&m, &[p], TCP, 80, &t);
}

// UDP: "should support a 'default-deny-ingress' policy"
#[test]
fn default_deny_ingress_udp() {
    let m = model(&[UDP], &[80], &["x/a", "x/b", "y/a", "y/b"]);
    let mut t = Truth::new(&m);
    t.peer("/", "x/", false);
    validate(&m, &[deny_ingress_ns_x("deny-all")], UDP, 80, &t);
}

// SCTP: "should support a 'default-deny-ingress' policy"
#[test]
fn default_deny_ingress_sctp() {
    let m = model(&[SCTP], &[80], &["x/a", "x/b", "y/a", "y/b"]);
    let mut t = Truth::new(&m);
    t.peer("/", "x/", false);
    validate(&m, &[deny_ingress_ns_x("deny-all")], SCTP, 80, &t);
}
