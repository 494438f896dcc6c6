//! Exactness: an edge exists only where its engine says so. Each test takes
//! the base inventory, finds the cut the analysis proposes for one cause
//! (a NetworkPolicy, hostNetwork, a trust condition, a policy statement, an
//! RBAC subject, …), applies that change to the input for real, analyses
//! again and checks that exactly the paths the cut claims to break are gone.

mod common;

use common::*;
use eksguard_paths::{Analysis, CutKind, NetpolMode, Options, StepKind, TargetKind};
use serde_json::{Value, json};
use std::collections::BTreeSet;

fn broken_by(a: &Analysis, kind: CutKind, object: &str) -> BTreeSet<Key> {
    let g = a.graph();
    let cut = a
        .cuts
        .iter()
        .find(|c| {
            g.cuts[c.spec as usize].kind == kind && g.cuts[c.spec as usize].object.contains(object)
        })
        .unwrap_or_else(|| {
            let all: Vec<String> = a
                .cuts
                .iter()
                .map(|c| {
                    format!(
                        "{:?} {}",
                        g.cuts[c.spec as usize].kind, g.cuts[c.spec as usize].object
                    )
                })
                .collect();
            panic!("no {kind:?} cut on {object}: {all:#?}")
        });
    let all: Vec<Key> = keys(a).into_iter().collect();
    let by_id: std::collections::HashMap<&str, Key> = a
        .paths
        .iter()
        .map(|p| {
            (
                p.id.as_str(),
                (
                    from_key(p),
                    eksguard_paths::render::node_label(&g.nodes[p.rec.grant as usize]),
                    p.to.as_str().to_owned(),
                ),
            )
        })
        .collect();
    let _ = all;
    cut.breaks
        .iter()
        .map(|&i| by_id[a.paths[i].id.as_str()].clone())
        .collect()
}

/// Applies `change` and checks that the paths left are the base's minus
/// those the cut breaks.
fn check(
    kind: CutKind,
    object: &str,
    exact: bool,
    change: impl FnOnce(&mut Vec<Value>, &mut Aws),
) -> BTreeSet<Key> {
    check_on(base(), kind, object, exact, change)
}

fn check_on(
    (mut objs, mut aws): (Vec<Value>, Aws),
    kind: CutKind,
    object: &str,
    exact: bool,
    change: impl FnOnce(&mut Vec<Value>, &mut Aws),
) -> BTreeSet<Key> {
    let before = run(&objects(&objs), Some(&aws), Options::default());
    let broken = broken_by(&before, kind, object);
    assert!(!broken.is_empty(), "{kind:?} on {object} breaks nothing");
    change(&mut objs, &mut aws);
    let after = run(&objects(&objs), Some(&aws), Options::default());
    let want: BTreeSet<Key> = keys(&before).difference(&broken).cloned().collect();
    let got = keys(&after);
    if exact {
        assert_eq!(
            got, want,
            "{kind:?} on {object}: paths left differ from the cut's claim"
        );
    } else {
        assert!(
            got.is_subset(&want),
            "{kind:?} on {object}: {:#?}",
            got.difference(&want).collect::<Vec<_>>()
        );
    }
    broken
}

/// The base without the privileged host-network agent (host-network pods
/// reach every pod whatever its policies say, which would hide the
/// NetworkPolicy effects these tests look at).
fn without_agent(objs: &mut Vec<Value>) {
    objs.retain(|o| o["metadata"]["name"] != "agent");
}

fn find(objs: &mut [Value], kind: &str, name: &str) -> usize {
    objs.iter()
        .position(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .expect("object")
}

#[test]
fn the_base_has_the_expected_internet_paths_with_evidence_on_every_step() {
    let (objs, aws) = base();
    let a = run(&objects(&objs), Some(&aws), Options::default());
    let k = keys(&a);
    let want = [
        (
            "internet via shop/web[Service]",
            "arn:aws:iam::111122223333:role/api-role → aws-admin",
            "aws-admin",
        ),
        (
            "internet via shop/web[Service]",
            "ClusterRoleBinding ci-admin subject 0",
            "cluster-admin",
        ),
        (
            "internet via shop/web[Service]",
            "arn:aws:iam::111122223333:role/node-role → aws-data",
            "aws-data",
        ),
        (
            "internet via shop/web[Service]",
            "cluster nodes → node-takeover",
            "node-takeover",
        ),
    ];
    for (f, v, t) in want {
        assert!(
            k.contains(&(f.to_owned(), v.to_owned(), t.to_owned())),
            "missing {f} {v} {t}: {k:#?}"
        );
    }
    let p = a
        .paths
        .iter()
        .find(|p| p.from == "internet" && p.to == TargetKind::AwsAdmin)
        .unwrap();
    assert_eq!(p.severity, eksguard_core::Severity::Critical);
    let input = eksguard_paths::Input {
        objects: &objects(&objs),
        aws: None,
        iam: None,
        options: Options::default(),
    };
    let steps = a.steps(&input, &Default::default(), p);
    let kinds: Vec<StepKind> = steps.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            StepKind::Exposure,
            StepKind::Ingress,
            StepKind::Lateral,
            StepKind::WorkloadIdentity,
            StepKind::AwsPermission
        ]
    );
    assert!(
        steps
            .iter()
            .all(|s| !s.because.is_empty() && !s.object.is_empty()),
        "{steps:#?}"
    );
    assert!(
        steps[0].because.contains("internet-facing"),
        "{}",
        steps[0].because
    );
    assert!(
        steps[2].because.contains("no NetworkPolicy isolates"),
        "{}",
        steps[2].because
    );
    assert!(
        steps[4].because.contains("iam:PassRole"),
        "{}",
        steps[4].because
    );
    // The paths are sorted: critical first, shortest first within.
    assert!(a.paths.windows(2).all(|w| w[0].severity >= w[1].severity));
    // Making the load balancer internal breaks every internet path.
    let internal = broken_by(&a, CutKind::MakeInternal, "shop/web[Service]");
    let internet: BTreeSet<Key> = k
        .iter()
        .filter(|k| k.0.starts_with("internet"))
        .cloned()
        .collect();
    assert_eq!(internal, internet);
    // The first cut breaks at least as much.
    assert!(
        a.cuts[0].counts
            >= a.cuts
                .iter()
                .find(|c| a.graph().cuts[c.spec as usize].kind == CutKind::MakeInternal)
                .unwrap()
                .counts
    );
}

#[test]
fn a_network_policy_on_the_api_breaks_exactly_the_paths_through_it() {
    let (mut objs, aws) = base();
    without_agent(&mut objs);
    let broken = check_on(
        (objs, aws),
        CutKind::NetworkPolicyIngress,
        "shop/api",
        true,
        |objs, _| {
            objs.push(
                json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "api-deny", "namespace": "shop"},
            "spec": {"podSelector": {"matchLabels": {"app": "api"}}, "policyTypes": ["Ingress"]}}),
            );
        },
    );
    assert!(
        broken
            .iter()
            .any(|k| k.0.starts_with("internet") && k.2 == "aws-admin"),
        "{broken:#?}"
    );
}

#[test]
fn an_egress_policy_on_the_web_front_breaks_exactly_its_lateral_paths() {
    // With the host-network agent the policy cannot stop traffic to it (the
    // NetworkPolicy engine allows everything to host-network pods), and
    // the agent reaches everything: no egress cut is proposed, and adding
    // the policy changes nothing.
    let (mut objs, aws) = base();
    let before = run(&objects(&objs), Some(&aws), Options::default());
    assert!(!before.cuts.iter().any(|c| {
        let s = &before.graph().cuts[c.spec as usize];
        s.kind == CutKind::NetworkPolicyEgress && s.object.contains("shop/web")
    }));
    objs.push(
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "web-egress", "namespace": "shop"},
        "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Egress"]}}),
    );
    assert_eq!(
        keys(&run(&objects(&objs), Some(&aws), Options::default())),
        keys(&before)
    );
    let (mut objs, aws) = base();
    without_agent(&mut objs);
    check_on(
        (objs, aws),
        CutKind::NetworkPolicyEgress,
        "shop/web",
        true,
        |objs, _| {
            objs.push(
                json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "web-egress", "namespace": "shop"},
            "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Egress"]}}),
            );
        },
    );
}

#[test]
fn dropping_host_network_breaks_the_node_credentials_paths() {
    // A host-network agent that is not privileged: its only way to the node
    // role is IMDS on the host network.
    let (mut objs, aws) = base();
    without_agent(&mut objs);
    objs.push(sa("tools", "metrics", None, Some(false)));
    objs.push(json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "metrics", "namespace": "tools"},
        "spec": {"selector": {"matchLabels": {"app": "metrics"}}, "template": {"metadata": {"labels": {"app": "metrics"}},
        "spec": {"serviceAccountName": "metrics", "hostNetwork": true, "containers": [{"name": "m", "image": "i"}]}}}}));
    let before = run(&objects(&objs), Some(&aws), Options::default());
    let broken = broken_by(&before, CutKind::RemoveHostNetwork, "tools/metrics");
    assert!(
        broken.contains(&(
            "tools/metrics[DaemonSet]".into(),
            "arn:aws:iam::111122223333:role/node-role → aws-data".into(),
            "aws-data".into()
        )),
        "{broken:#?}"
    );
    let i = find(&mut objs, "DaemonSet", "metrics");
    objs[i]["spec"]["template"]["spec"]["hostNetwork"] = json!(false);
    let after = run(&objects(&objs), Some(&aws), Options::default());
    let want: BTreeSet<Key> = keys(&before).difference(&broken).cloned().collect();
    assert!(keys(&after).is_subset(&want));
    assert_eq!(keys(&after), want);
}

#[test]
fn tightening_the_trust_sub_breaks_exactly_the_paths_through_the_role() {
    let broken = check(CutKind::TrustCondition, "api-role", true, |_, aws| {
        let r = aws
            .account
            .roles
            .iter_mut()
            .find(|r| r.arn.ends_with("/api-role"))
            .unwrap();
        r.trust = Some(eksguard_iam::Policy::from_value(&irsa_trust("shop", "api-v2")).unwrap());
    });
    assert!(
        broken.iter().all(|k| k.1.contains("api-role")),
        "{broken:#?}"
    );
}

#[test]
fn deleting_the_statement_breaks_exactly_the_escalation_paths() {
    check(CutKind::DeleteStatement, "api-role", true, |_, aws| {
        let r = aws
            .account
            .roles
            .iter_mut()
            .find(|r| r.arn.ends_with("/api-role"))
            .unwrap();
        r.inline_policies[0].1 =
            eksguard_iam::Policy::from_value(&allow(&["s3:PutObject"], "arn:aws:s3:::bucket/*"))
                .unwrap();
    });
}

#[test]
fn removing_the_rbac_subject_breaks_exactly_the_cluster_admin_paths() {
    check(CutKind::RemoveSubject, "ci-admin", true, |objs, _| {
        let i = find(objs, "ClusterRoleBinding", "ci-admin");
        objs[i]["subjects"] = json!([]);
    });
}

#[test]
fn an_internal_load_balancer_breaks_every_internet_path() {
    let broken = check(CutKind::MakeInternal, "shop/web", true, |objs, _| {
        let i = find(objs, "Service", "web");
        objs[i]["metadata"]["annotations"] = json!({});
    });
    assert!(broken.iter().all(|k| k.0.starts_with("internet")));
}

#[test]
fn no_token_automount_breaks_exactly_the_rbac_paths_of_the_pod() {
    check(CutKind::NoTokenAutomount, "tools/ci", true, |objs, _| {
        let i = find(objs, "Deployment", "ci");
        objs[i]["spec"]["template"]["spec"]["automountServiceAccountToken"] = json!(false);
    });
}

#[test]
fn hardening_the_agent_breaks_exactly_its_escape_paths() {
    let broken = check(CutKind::HardenPod, "tools/agent", true, |objs, _| {
        let i = find(objs, "DaemonSet", "agent");
        objs[i]["spec"]["template"]["spec"]["containers"][0]["securityContext"]["privileged"] =
            json!(false);
    });
    assert!(broken.iter().any(|k| k.2 == "node-takeover"), "{broken:#?}");
}

#[test]
fn role_chaining_needs_both_the_permission_and_the_trust() {
    let (mut objs, mut aws) = base();
    objs.push(sa("shop", "reports", Some("reports"), Some(false)));
    objs.push(deploy("shop", "reports", "reports", 7000, json!({})));
    aws.account.roles.push(role(
        "reports",
        irsa_trust("shop", "reports"),
        allow(&["sts:AssumeRole"], &arn("media")),
    ));
    aws.account.roles.push(role(
        "media",
        account_trust(),
        allow(
            &[
                "iam:PassRole",
                "lambda:CreateFunction",
                "lambda:InvokeFunction",
            ],
            "*",
        ),
    ));
    let a = run(&objects(&objs), Some(&aws), Options::default());
    let via_media = (
        "internet via shop/web[Service]".to_owned(),
        format!("{} → aws-admin", arn("media")),
        "aws-admin".to_owned(),
    );
    assert!(keys(&a).contains(&via_media));
    let p = a
        .paths
        .iter()
        .find(|p| {
            p.from == "internet"
                && eksguard_paths::render::node_label(&a.graph().nodes[p.rec.grant as usize])
                    .contains("media")
        })
        .unwrap();
    let input = eksguard_paths::Input {
        objects: &objects(&objs),
        aws: None,
        iam: None,
        options: Options::default(),
    };
    let kinds: Vec<StepKind> = a
        .steps(&input, &Default::default(), p)
        .iter()
        .map(|s| s.kind)
        .collect();
    assert!(kinds.contains(&StepKind::RoleChain), "{kinds:?}");
    let broken = broken_by(&a, CutKind::ChainTrust, "media");
    assert!(broken.contains(&via_media));
    // Tighten media's trust: only a principal that is not `reports`.
    let r = aws
        .account
        .roles
        .iter_mut()
        .find(|r| r.arn.ends_with("/media"))
        .unwrap();
    r.trust = Some(
        eksguard_iam::Policy::from_value(
            &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": arn("break-glass")}, "Action": "sts:AssumeRole"}]}),
        )
        .unwrap(),
    );
    let after = run(&objects(&objs), Some(&aws), Options::default());
    let want: BTreeSet<Key> = keys(&a).difference(&broken).cloned().collect();
    assert_eq!(keys(&after), want);
    // Without the identity permission there is no chain either.
    let (mut objs2, mut aws2) = base();
    objs2.push(sa("shop", "reports", Some("reports"), Some(false)));
    objs2.push(deploy("shop", "reports", "reports", 7000, json!({})));
    aws2.account.roles.push(role(
        "reports",
        irsa_trust("shop", "reports"),
        allow(&["s3:ListBucket"], "*"),
    ));
    aws2.account.roles.push(role(
        "media",
        account_trust(),
        allow(
            &[
                "iam:PassRole",
                "lambda:CreateFunction",
                "lambda:InvokeFunction",
            ],
            "*",
        ),
    ));
    let b = run(&objects(&objs2), Some(&aws2), Options::default());
    assert!(!keys(&b).contains(&via_media));
}

#[test]
fn decoys_blocked_by_a_network_policy_and_a_trust_condition_are_absent() {
    let (mut objs, mut aws) = base();
    without_agent(&mut objs);
    // A vault reader isolated by a NetworkPolicy (nothing may reach it).
    objs.push(ns("vault", Some("baseline")));
    objs.push(sa("vault", "reader", Some("vault-reader"), Some(false)));
    objs.push(deploy("vault", "reader", "reader", 8200, json!({})));
    objs.push(json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "deny", "namespace": "vault"},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}));
    aws.account.roles.push(role(
        "vault-reader",
        irsa_trust("vault", "reader"),
        allow(&["secretsmanager:GetSecretValue"], "*"),
    ));
    // A recommender whose role trusts another ServiceAccount (broken IRSA).
    objs.push(sa(
        "shop",
        "recommender",
        Some("recommender-ml"),
        Some(false),
    ));
    objs.push(deploy(
        "shop",
        "recommender",
        "recommender",
        8500,
        json!({}),
    ));
    aws.account.roles.push(role(
        "recommender-ml",
        irsa_trust("shop", "recommender-batch"),
        allow(&["s3:GetObject"], "*"),
    ));
    let a = run(&objects(&objs), Some(&aws), Options::default());
    let k = keys(&a);
    assert!(
        !k.iter()
            .any(|k| k.0.starts_with("internet") && k.1.contains("vault-reader")),
        "{k:#?}"
    );
    assert!(!k.iter().any(|k| k.1.contains("recommender-ml")), "{k:#?}");
    // The vault reader itself still reaches its role (it is a source).
    assert!(
        k.iter()
            .any(|k| k.0 == "vault/reader[Deployment]" && k.1.contains("vault-reader"))
    );
    assert!(
        a.built
            .notes
            .iter()
            .any(|n| n.kind == StepKind::WorkloadIdentity && n.object.contains("recommender-ml"))
    );
}

#[test]
fn enforcement_off_opens_what_the_policies_would_block_and_the_switch_is_a_cut() {
    let (mut objs, aws) = base();
    without_agent(&mut objs);
    objs.push(
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "api-deny", "namespace": "shop"},
        "spec": {"podSelector": {"matchLabels": {"app": "api"}}, "policyTypes": ["Ingress"]}}),
    );
    let enforced = run(&objects(&objs), Some(&aws), Options::default());
    objs.push(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "amazon-vpc-cni", "namespace": "kube-system"},
        "data": {"enable-network-policy-controller": "false"}}));
    let off = run(&objects(&objs), Some(&aws), Options::default());
    assert!(!off.built.enforced);
    let internet_admin = (
        "internet via shop/web[Service]".to_owned(),
        format!("{} → aws-admin", arn("api-role")),
        "aws-admin".to_owned(),
    );
    assert!(keys(&off).contains(&internet_admin));
    assert!(!keys(&enforced).contains(&internet_admin));
    let broken = broken_by(&off, CutKind::EnableNetworkPolicies, "amazon-vpc-cni");
    let want: BTreeSet<Key> = keys(&off).difference(&broken).cloned().collect();
    assert_eq!(keys(&enforced), want);
    // The what-if mode gives the same answer as turning enforcement on.
    let what_if = run(
        &objects(&objs),
        Some(&aws),
        Options {
            netpol: NetpolMode::Enforced,
            ..Default::default()
        },
    );
    assert_eq!(keys(&what_if), keys(&enforced));
}

#[test]
fn pods_the_namespace_rejects_are_not_sources() {
    let (mut objs, aws) = base();
    // Privileged in a baseline namespace: rejected, so no escape from it.
    objs.push(deploy("shop", "bad", "web", 9100, json!({"containers": [{"name": "c", "image": "i", "securityContext": {"privileged": true}}]})));
    let a = run(&objects(&objs), Some(&aws), Options::default());
    assert!(!a.paths.iter().any(|p| p.from == "shop/bad[Deployment]"));
    assert!(
        a.built
            .notes
            .iter()
            .any(|n| n.object == "shop/bad[Deployment]")
    );
}

#[test]
fn create_pods_in_a_privileged_namespace_is_node_takeover() {
    let (mut objs, aws) = base();
    objs.push(sa("shop", "deployer", None, None));
    objs.push(deploy("shop", "deployer", "deployer", 9200, json!({})));
    objs.push(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "deploy", "namespace": "tools"},
        "rules": [{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["create"]}]}));
    objs.push(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "deploy", "namespace": "tools"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "deploy"},
        "subjects": [{"kind": "ServiceAccount", "name": "deployer", "namespace": "shop"}]}));
    let a = run(&objects(&objs), Some(&aws), Options::default());
    let k = keys(&a);
    assert!(
        k.contains(&(
            "shop/deployer[Deployment]".into(),
            "cluster nodes → node-takeover".into(),
            "node-takeover".into()
        )),
        "{k:#?}"
    );
    // tools has no enforce level (privileged): also every tools ServiceAccount, cluster-admin included.
    assert!(k.contains(&(
        "shop/deployer[Deployment]".into(),
        "ClusterRoleBinding ci-admin subject 0".into(),
        "cluster-admin".into()
    )));
}
