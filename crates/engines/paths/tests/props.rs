//! Properties on small random inventories: the optimised search agrees with
//! a naive reference; adding a deny never adds a path; adding an allow
//! never removes one.

mod common;

use common::*;
use eksguard_paths::{Options, reference};
use proptest::prelude::*;
use serde_json::{Value, json};

#[derive(Debug, Clone)]
struct W {
    ns: usize,
    tier: usize,
    port: u16,
    sa: usize,
    host_network: bool,
    privileged: bool,
    host_pid: bool,
    automount: Option<bool>,
    exposed: bool,
}

#[derive(Debug, Clone)]
struct Np {
    ns: usize,
    /// `None`: every pod of the namespace.
    tier: Option<usize>,
    ingress: bool,
    egress: bool,
    /// An ingress rule from pods of this tier (any namespace when `all_ns`).
    from_tier: Option<(usize, bool)>,
    port: Option<u16>,
}

#[derive(Debug, Clone)]
struct Rb {
    ns: usize,
    sa: usize,
    role: usize,
    cluster: bool,
}

#[derive(Debug, Clone)]
struct R {
    /// Which ServiceAccount (ns, sa) is annotated with it; `None`: unbound.
    bound: Option<(usize, usize)>,
    trust_ok: bool,
    policy: usize,
    account_trust: bool,
}

#[derive(Debug, Clone)]
struct Spec {
    enforce: [Option<usize>; 2],
    workloads: Vec<W>,
    nps: Vec<Np>,
    rbs: Vec<Rb>,
    roles: Vec<R>,
    node_policy: usize,
    vpc_cni: Option<bool>,
}

const NS: [&str; 2] = ["a", "b"];
const LEVELS: [&str; 3] = ["privileged", "baseline", "restricted"];
const K8S_ROLES: [&str; 4] = ["cluster-admin", "edit", "view", "secret-reader"];

fn policy(i: usize, roles: usize) -> Value {
    match i % 6 {
        0 => allow(&["iam:PassRole"], "*"),
        1 => allow(&["s3:GetObject"], "*"),
        2 => allow(&["s3:PutObject"], "arn:aws:s3:::bucket/*"),
        3 => allow(
            &["sts:AssumeRole"],
            &arn(&format!("r{}", (i / 6) % roles.max(1))),
        ),
        4 => allow(&["secretsmanager:GetSecretValue"], "*"),
        _ => allow(
            &["dynamodb:GetItem"],
            "arn:aws:dynamodb:eu-west-1:111122223333:table/t",
        ),
    }
}

fn w_strategy() -> impl Strategy<Value = W> {
    (
        0..2usize,
        0..2usize,
        prop_oneof![Just(80u16), Just(8080u16)],
        0..3usize,
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.1),
        prop_oneof![Just(None), Just(Some(true)), Just(Some(false))],
        prop::bool::weighted(0.35),
    )
        .prop_map(
            |(ns, tier, port, sa, host_network, privileged, host_pid, automount, exposed)| W {
                ns,
                tier,
                port,
                sa,
                host_network,
                privileged,
                host_pid,
                automount,
                exposed,
            },
        )
}

fn np_strategy() -> impl Strategy<Value = Np> {
    (
        0..2usize,
        prop_oneof![Just(None), (0..2usize).prop_map(Some)],
        any::<bool>(),
        any::<bool>(),
        prop_oneof![Just(None), (0..2usize, any::<bool>()).prop_map(Some)],
        prop_oneof![Just(None), Just(Some(80u16)), Just(Some(8080u16))],
    )
        .prop_map(|(ns, tier, ingress, egress, from_tier, port)| Np {
            ns,
            tier,
            ingress: ingress || !egress,
            egress,
            from_tier,
            port,
        })
}

fn spec_strategy() -> impl Strategy<Value = Spec> {
    (
        [
            prop_oneof![Just(None), (0..3usize).prop_map(Some)],
            prop_oneof![Just(None), (0..3usize).prop_map(Some)],
        ],
        prop::collection::vec(w_strategy(), 2..6),
        prop::collection::vec(np_strategy(), 0..4),
        prop::collection::vec(
            (0..2usize, 0..3usize, 0..4usize, any::<bool>()).prop_map(|(ns, sa, role, cluster)| {
                Rb {
                    ns,
                    sa,
                    role,
                    cluster,
                }
            }),
            0..3,
        ),
        prop::collection::vec(
            (
                prop_oneof![Just(None), (0..2usize, 0..3usize).prop_map(Some)],
                prop::bool::weighted(0.75),
                0..18usize,
                any::<bool>(),
            )
                .prop_map(|(bound, trust_ok, policy, account_trust)| R {
                    bound,
                    trust_ok,
                    policy,
                    account_trust,
                }),
            1..4,
        ),
        0..6usize,
        prop_oneof![Just(None), Just(Some(true)), Just(Some(false))],
    )
        .prop_map(
            |(enforce, workloads, nps, rbs, roles, node_policy, vpc_cni)| Spec {
                enforce,
                workloads,
                nps,
                rbs,
                roles,
                node_policy,
                vpc_cni,
            },
        )
}

fn materialise(s: &Spec) -> (Vec<Value>, Aws) {
    let mut out = Vec::new();
    for (i, n) in NS.iter().enumerate() {
        out.push(ns(n, s.enforce[i].map(|l| LEVELS[l])));
        for sa_i in 0..3 {
            let role = s
                .roles
                .iter()
                .position(|r| r.bound == Some((i, sa_i)))
                .map(|r| format!("r{r}"));
            out.push(sa(n, &format!("sa{sa_i}"), role.as_deref(), None));
        }
    }
    for (i, w) in s.workloads.iter().enumerate() {
        let name = format!("w{i}");
        let mut spec = json!({"serviceAccountName": format!("sa{}", w.sa), "hostNetwork": w.host_network, "hostPID": w.host_pid,
            "containers": [{"name": "c", "image": "i", "ports": [{"name": "http", "containerPort": w.port}],
                            "securityContext": {"privileged": w.privileged}}]});
        if let Some(a) = w.automount {
            spec["automountServiceAccountToken"] = json!(a);
        }
        out.push(json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": NS[w.ns]},
            "spec": {"selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name, "tier": format!("t{}", w.tier)}}, "spec": spec}}}));
        if w.exposed {
            out.push(lb(NS[w.ns], &name, &name, true));
        }
    }
    for (i, p) in s.nps.iter().enumerate() {
        let sel = match p.tier {
            Some(t) => json!({"matchLabels": {"tier": format!("t{t}")}}),
            None => json!({}),
        };
        let mut types = Vec::new();
        if p.ingress {
            types.push("Ingress");
        }
        if p.egress {
            types.push("Egress");
        }
        let mut spec = json!({"podSelector": sel, "policyTypes": types});
        if let Some((t, all_ns)) = p.from_tier {
            let mut peer = json!({"podSelector": {"matchLabels": {"tier": format!("t{t}")}}});
            if all_ns {
                peer["namespaceSelector"] = json!({});
            }
            let mut rule = json!({"from": [peer]});
            if let Some(port) = p.port {
                rule["ports"] = json!([{"port": port}]);
            }
            spec["ingress"] = json!([rule]);
        }
        out.push(json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": format!("np{i}"), "namespace": NS[p.ns]}, "spec": spec}));
    }
    out.push(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "secret-reader"},
        "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]}]}));
    for (i, rb) in s.rbs.iter().enumerate() {
        let subj = json!([{"kind": "ServiceAccount", "name": format!("sa{}", rb.sa), "namespace": NS[rb.ns]}]);
        let role_ref = json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": K8S_ROLES[rb.role]});
        out.push(if rb.cluster {
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": format!("rb{i}")}, "roleRef": role_ref, "subjects": subj})
        } else {
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": format!("rb{i}"), "namespace": NS[rb.ns]}, "roleRef": role_ref, "subjects": subj})
        });
    }
    if let Some(on) = s.vpc_cni {
        out.push(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "amazon-vpc-cni", "namespace": "kube-system"},
            "data": {"enable-network-policy-controller": if on { "true" } else { "false" }}}));
    }
    let n = s.roles.len();
    let mut roles: Vec<_> = s
        .roles
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let trust = match (r.bound, r.trust_ok, r.account_trust) {
                (_, _, true) => account_trust(),
                (Some((ns_i, sa_i)), true, _) => irsa_trust(NS[ns_i], &format!("sa{sa_i}")),
                _ => irsa_trust("nowhere", "nobody"),
            };
            // Account-trusted roles are also bound through IRSA? Keep both.
            let trust = if r.account_trust && r.bound.is_some() && r.trust_ok {
                let (ns_i, sa_i) = r.bound.unwrap_or((0, 0));
                let mut t = irsa_trust(NS[ns_i], &format!("sa{sa_i}"));
                let extra = account_trust()["Statement"][0].clone();
                t["Statement"].as_array_mut().unwrap().push(extra);
                t
            } else {
                trust
            };
            role(&format!("r{i}"), trust, policy(r.policy, n))
        })
        .collect();
    roles.push(role("node", json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}), policy(s.node_policy, n)));
    (out, Aws::new(roles, Some("node")))
}

fn analyse(v: &[Value], aws: &Aws) -> std::collections::BTreeSet<Key> {
    keys(&run(&objects(v), Some(aws), Options::default()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn the_optimised_search_agrees_with_the_naive_reference(s in spec_strategy()) {
        let (v, aws) = materialise(&s);
        let objs = objects(&v);
        let (b, o) = bindings(&objs);
        let input = eksguard_paths::Input {
            objects: &objs,
            aws: None,
            iam: Some(eksguard_paths::IamInput { cluster: Some(&aws.cluster), account: &aws.account, bindings: &b, binding_origins: &o, node_role: aws.node_role.as_deref() }),
            options: Options::default(),
        };
        let built = eksguard_paths::build::build(&input, Default::default());
        prop_assert_eq!(reference::lateral_disagreements(&built), Vec::<String>::new());
        let a = eksguard_paths::analyze(&input, &Default::default());
        let g = a.graph();
        prop_assert_eq!(reference::optimised(g), reference::naive(g));
    }

    #[test]
    fn adding_a_deny_never_adds_a_path(s in spec_strategy(), which in 0..4usize, pick in 0..8usize) {
        let (mut v, mut aws) = materialise(&s);
        let before = analyse(&v, &aws);
        match which {
            0 => v.push(json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "deny", "namespace": NS[pick % 2]},
                    "spec": {"podSelector": if pick % 3 == 0 { json!({}) } else { json!({"matchLabels": {"tier": format!("t{}", pick % 2)}}) },
                             "policyTypes": if pick % 4 < 2 { json!(["Ingress"]) } else { json!(["Ingress", "Egress"]) }}})),
            1 => {
                let i = pick % aws.account.roles.len();
                let deny = eksguard_iam::Policy::from_value(&json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": ["iam:PassRole", "s3:GetObject", "sts:AssumeRole"], "Resource": "*"}]})).unwrap();
                aws.account.roles[i].inline_policies.push(("deny".into(), deny));
            }
            2 => v.retain(|o| !(o["kind"] == "ClusterRoleBinding" || o["kind"] == "RoleBinding") || o["metadata"]["name"] != format!("rb{}", pick % 3)),
            _ => {
                for o in v.iter_mut().filter(|o| o["kind"] == "Deployment") {
                    o["spec"]["template"]["spec"]["automountServiceAccountToken"] = json!(false);
                }
            }
        }
        let after = analyse(&v, &aws);
        prop_assert!(after.is_subset(&before), "new paths: {:#?}", after.difference(&before).collect::<Vec<_>>());
    }

    #[test]
    fn adding_an_allow_never_removes_a_path(s in spec_strategy(), which in 0..4usize, pick in 0..8usize) {
        let (mut v, mut aws) = materialise(&s);
        let before = analyse(&v, &aws);
        match which {
            0 => {
                // One more ingress rule on an existing policy (its isolation is unchanged).
                if let Some(p) = v.iter_mut().filter(|o| o["kind"] == "NetworkPolicy").nth(pick % 4) {
                    let rule = json!({"from": [{"namespaceSelector": {}, "podSelector": {}}]});
                    match p["spec"]["ingress"].as_array_mut() {
                        Some(a) => a.push(rule),
                        None => p["spec"]["ingress"] = json!([rule]),
                    }
                }
            }
            1 => {
                let i = pick % aws.account.roles.len();
                let extra = eksguard_iam::Policy::from_value(&policy(pick, aws.account.roles.len())).unwrap();
                aws.account.roles[i].inline_policies.push(("extra".into(), extra));
            }
            2 => v.push(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "extra", "namespace": NS[pick % 2]},
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": K8S_ROLES[pick % 4]},
                    "subjects": [{"kind": "ServiceAccount", "name": format!("sa{}", pick % 3), "namespace": NS[(pick / 2) % 2]}]})),
            _ => {
                if let Some(w) = v.iter().filter(|o| o["kind"] == "Deployment").nth(pick % 2).cloned() {
                    let name = w["metadata"]["name"].as_str().unwrap_or("").to_owned();
                    let nsn = w["metadata"]["namespace"].as_str().unwrap_or("").to_owned();
                    v.push(lb(&nsn, &format!("{name}-extra"), &name, true));
                }
            }
        }
        let after = analyse(&v, &aws);
        prop_assert!(before.is_subset(&after), "lost paths: {:#?}", before.difference(&after).collect::<Vec<_>>());
    }
}

#[test]
fn random_inventories_have_paths_and_cuts() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut paths, mut cuts, mut internet, mut multi) = (0, 0, 0, 0);
    for _ in 0..40 {
        let s = spec_strategy().new_tree(&mut runner).unwrap().current();
        let (v, aws) = materialise(&s);
        let a = run(&objects(&v), Some(&aws), Options::default());
        paths += a.paths.len();
        cuts += a.cuts.len();
        internet += a.paths.iter().filter(|p| p.from == "internet").count();
        // Cuts the explicit recomputation evaluates (policy statements).
        let g = a.graph();
        multi += a
            .cuts
            .iter()
            .filter(|c| {
                let gates = &g.cuts[c.spec as usize].gates;
                gates.len() > 1
                    || gates
                        .first()
                        .is_some_and(|&x| g.gate_cut[x as usize] != Some(c.spec))
            })
            .count();
    }
    // The generator exercises the search: paths, internet paths, cuts of both kinds.
    assert!(
        paths > 100 && internet > 10 && cuts > 40 && multi > 0,
        "{paths} {internet} {cuts} {multi}"
    );
}
