//! Blast radius: roles reachable per workload, effective actions, risk
//! marking and paths.

use eksguard_core::Severity;
use eksguard_iam::{
    Account, Binding, BlastInput, ClusterFacts, Policy, Role, Via, Workload, WorkloadBlast,
    blast_radius, catalog, role_access,
};

const ACCT: &str = "111122223333";
const ISSUER: &str = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const CLUSTER: &str = "arn:aws:eks:us-west-2:111122223333:cluster/prod";

fn facts() -> ClusterFacts {
    ClusterFacts {
        account_id: ACCT.into(),
        oidc_issuer: ISSUER.into(),
        cluster_arn: CLUSTER.into(),
    }
}

fn p(json: &str) -> Policy {
    Policy::parse(json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

fn irsa_trust(sub: &str) -> Policy {
    p(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow",
        "Principal":{{"Federated":"arn:aws:iam::{ACCT}:oidc-provider/{ISSUER}"}},
        "Action":"sts:AssumeRoleWithWebIdentity",
        "Condition":{{"StringEquals":{{"{ISSUER}:sub":"{sub}","{ISSUER}:aud":"sts.amazonaws.com"}}}}}}]}}"#
    ))
}

fn pod_identity_trust() -> Policy {
    p(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},
        "Action":["sts:AssumeRole","sts:TagSession"]}]}"#,
    )
}

fn role(name: &str) -> Role {
    Role::new(format!("arn:aws:iam::{ACCT}:role/{name}"))
}

fn arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCT}:role/{name}")
}

fn wl(ns: &str, name: &str, sa: &str) -> Workload {
    Workload {
        namespace: ns.into(),
        name: name.into(),
        kind: "Deployment".into(),
        service_account: sa.into(),
    }
}

fn bind(ns: &str, sa: &str, role: &str, via: Via) -> Binding {
    Binding {
        namespace: ns.into(),
        service_account: sa.into(),
        role_arn: arn(role),
        via,
    }
}

/// The example cluster in miniature.
fn example() -> (Account, Vec<Workload>, Vec<Binding>) {
    let mut deployer = role("deployer");
    deployer.trust = Some(irsa_trust("system:serviceaccount:ci:deployer"));
    deployer.inline_policies.push((
        "deploy".into(),
        p(r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"Pass","Effect":"Allow","Action":"iam:PassRole","Resource":"*"},
            {"Sid":"Run","Effect":"Allow","Action":["ec2:RunInstances","ec2:Describe*"],"Resource":"*"}]}"#),
    ));

    let mut reader = role("reader");
    reader.trust = Some(irsa_trust("system:serviceaccount:shop:reader"));
    reader
        .managed_policy_arns
        .push(format!("arn:aws:iam::{ACCT}:policy/s3-read"));

    let mut pid = role("pid");
    pid.trust = Some(pod_identity_trust());
    pid.inline_policies.push((
        "secrets".into(),
        p(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}}"#),
    ));

    let mut node = role("node");
    node.managed_policy_arns
        .push(format!("arn:aws:iam::{ACCT}:policy/node-extra"));

    let mut account = Account::default();
    account.managed_policies.insert(
        format!("arn:aws:iam::{ACCT}:policy/s3-read"),
        p(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}}"#),
    );
    account.managed_policies.insert(
        format!("arn:aws:iam::{ACCT}:policy/node-extra"),
        p(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ecr:BatchGetImage","Resource":"*"}}"#),
    );
    account.roles = vec![deployer, reader, pid, node];

    let workloads = vec![
        wl("ci", "deployer", "deployer"),
        wl("shop", "web", "web"), // broken IRSA: reader trusts shop/reader only
        wl("shop", "reader", "reader"),
        wl("shop", "both", "both"),
        wl("shop", "ghost", "ghost"), // annotated with a role that does not exist
        wl("shop", "plain", "default"),
    ];
    let bindings = vec![
        bind("ci", "deployer", "deployer", Via::Irsa),
        bind("shop", "web", "reader", Via::Irsa),
        bind("shop", "reader", "reader", Via::Irsa),
        bind("shop", "both", "reader", Via::Irsa),
        bind("shop", "both", "pid", Via::PodIdentity),
        bind("shop", "ghost", "missing", Via::Irsa),
    ];
    (account, workloads, bindings)
}

fn run() -> Vec<WorkloadBlast> {
    let (account, workloads, bindings) = example();
    let f = facts();
    let node = arn("node");
    blast_radius(&BlastInput {
        facts: Some(&f),
        account: &account,
        workloads: &workloads,
        bindings: &bindings,
        node_role_arn: Some(&node),
    })
}

fn get<'a>(out: &'a [WorkloadBlast], id: &str) -> &'a WorkloadBlast {
    out.iter()
        .find(|w| w.workload == id)
        .unwrap_or_else(|| panic!("workload {id} missing"))
}

#[test]
fn passrole_on_star_is_escalation_with_full_path() {
    let out = run();
    let w = get(&out, "ci/deployer[Deployment]");
    assert_eq!(w.roles.len(), 1);
    let r = &w.roles[0];
    assert_eq!(
        (r.via, r.assumable, r.default_credentials),
        (Via::Irsa, true, true)
    );
    let rules: Vec<&str> = r.access.escalation.iter().map(|h| h.rule).collect();
    assert!(rules.contains(&"passrole-ec2"), "{rules:?}");
    assert!(rules.contains(&"passrole-any"), "{rules:?}");
    assert!(!rules.contains(&"passrole-lambda-invoke"), "{rules:?}");
    let hit = r
        .access
        .escalation
        .iter()
        .find(|h| h.rule == "passrole-any")
        .expect("hit");
    assert_eq!(hit.severity, Severity::High);
    let g = &hit.grants[0];
    assert_eq!(g.action, "iam:PassRole");
    assert_eq!(
        (g.policy.as_str(), g.statement, g.sid.as_deref()),
        ("inline:deploy", 0, Some("Pass"))
    );
    assert_eq!(
        r.full_path(g),
        vec![
            "workload:ci/deployer[Deployment]".to_string(),
            "service-account:ci/deployer".into(),
            "via:irsa".into(),
            format!("role:{}", arn("deployer")),
            "policy:inline:deploy".into(),
            "statement:0 (Pass)".into(),
        ]
    );
    assert_eq!(w.worst_escalation(), Some(Severity::Critical));
    // ec2:Describe* expanded through the catalog, not collapsed to `*`.
    let ec2 = &r.access.allowed_actions()["ec2"];
    assert!(ec2.contains(&"RunInstances"));
    assert!(ec2.contains(&"DescribeInstances"));
    assert!(!ec2.contains(&"TerminateInstances"));
}

#[test]
fn broken_irsa_falls_back_to_node_role() {
    let out = run();
    let w = get(&out, "shop/web[Deployment]");
    let vias: Vec<(Via, bool, bool)> = w
        .roles
        .iter()
        .map(|r| (r.via, r.assumable, r.default_credentials))
        .collect();
    assert_eq!(
        vias,
        vec![(Via::Irsa, false, false), (Via::NodeRole, true, true)]
    );
    assert!(
        w.roles[0]
            .note
            .as_deref()
            .is_some_and(|n| n.contains("broken IRSA"))
    );
    assert_eq!(w.worst_escalation(), None);

    let ghost = get(&out, "shop/ghost[Deployment]");
    assert!(!ghost.roles[0].assumable);
    assert!(
        ghost.roles[0]
            .note
            .as_deref()
            .is_some_and(|n| n.contains("does not exist"))
    );

    let plain = get(&out, "shop/plain[Deployment]");
    assert_eq!(plain.roles.len(), 1);
    assert_eq!(plain.roles[0].via, Via::NodeRole);
    assert_eq!(
        plain.roles[0].access.allowed_actions()["ecr"],
        vec!["BatchGetImage"]
    );
}

#[test]
fn broken_irsa_leaves_pod_identity_as_default() {
    let out = run();
    let w = get(&out, "shop/both[Deployment]");
    let vias: Vec<(Via, bool, bool)> = w
        .roles
        .iter()
        .map(|r| (r.via, r.assumable, r.default_credentials))
        .collect();
    // reader trusts only shop/reader, so the IRSA binding of `both` is broken
    // and Pod Identity is what the SDK uses.
    assert_eq!(
        vias,
        vec![(Via::Irsa, false, false), (Via::PodIdentity, true, true)]
    );
    let pid = &w.roles[1];
    assert_eq!(
        pid.access
            .data_power
            .iter()
            .map(|h| h.rule)
            .collect::<Vec<_>>(),
        vec!["secrets-read-all"]
    );
}

#[test]
fn irsa_default_when_both_work() {
    let (mut account, _, _) = example();
    for r in &mut account.roles {
        if r.arn == arn("reader") {
            r.trust = Some(irsa_trust("system:serviceaccount:shop:both"));
        }
    }
    let f = facts();
    let workloads = vec![wl("shop", "both", "both")];
    let bindings = vec![
        bind("shop", "both", "pid", Via::PodIdentity),
        bind("shop", "both", "reader", Via::Irsa),
    ];
    let out = blast_radius(&BlastInput {
        facts: Some(&f),
        account: &account,
        workloads: &workloads,
        bindings: &bindings,
        node_role_arn: None,
    });
    let vias: Vec<(Via, bool, bool)> = out[0]
        .roles
        .iter()
        .map(|r| (r.via, r.assumable, r.default_credentials))
        .collect();
    assert_eq!(
        vias,
        vec![(Via::Irsa, true, true), (Via::PodIdentity, true, false)]
    );
}

#[test]
fn json_shape_matches_the_issue() {
    let out = run();
    let v = serde_json::to_value(&out).expect("serializes");
    let arr = v.as_array().expect("array");
    assert_eq!(arr.len(), 6);
    let ids: Vec<&str> = arr.iter().filter_map(|w| w["workload"].as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "sorted by workload");
    let d = arr
        .iter()
        .find(|w| w["workload"] == "ci/deployer[Deployment]")
        .expect("deployer");
    assert_eq!(d["service_account"], "deployer");
    let r = &d["roles"][0];
    assert_eq!(r["arn"], arn("deployer").as_str());
    assert_eq!(r["via"], "irsa");
    assert!(
        r["allowed_actions"]["iam"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x == "PassRole"))
    );
    assert!(
        r["escalation_actions"]
            .as_array()
            .is_some_and(|a| a.iter().any(|h| h["rule"] == "passrole-any"))
    );
    assert_eq!(r["path"][2], "via:irsa");
    // A broken binding shows no power.
    let web = arr
        .iter()
        .find(|w| w["workload"] == "shop/web[Deployment]")
        .expect("web");
    assert_eq!(web["roles"][0]["assumable"], false);
    assert_eq!(web["roles"][0]["allowed_actions"], serde_json::json!({}));
    assert_eq!(web["roles"][1]["via"], "node-role");
}

fn access_of(policies: &[&str], boundary: Option<&str>) -> eksguard_iam::RoleAccess {
    let mut r = role("t");
    for (i, j) in policies.iter().enumerate() {
        r.inline_policies.push((format!("p{i}"), p(j)));
    }
    let mut account = Account::default();
    if let Some(b) = boundary {
        let barn = format!("arn:aws:iam::{ACCT}:policy/boundary");
        account.managed_policies.insert(barn.clone(), p(b));
        r.permissions_boundary_arn = Some(barn);
    }
    account.roles.push(r);
    role_access(&account, &arn("t"))
}

#[test]
fn unconditional_deny_subtracts_conditional_deny_does_not() {
    let a = access_of(
        &[
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},
              {"Effect":"Deny","Action":"s3:Delete*","Resource":"*"}]}"#,
        ],
        None,
    );
    let s3 = &a.allowed_actions()["s3"];
    assert_ne!(s3, &vec!["*"]);
    assert!(!s3.iter().any(|x| x.starts_with("Delete")));
    assert!(s3.contains(&"GetObject"));
    let data: Vec<&str> = a.data_power.iter().map(|h| h.rule).collect();
    assert!(
        data.contains(&"s3-read-all") && !data.contains(&"s3-delete-all"),
        "{data:?}"
    );
    assert_eq!(
        a.allowed_count,
        catalog().service_len("s3") - catalog().expand("s3:Delete*").len()
    );

    let c = access_of(
        &[
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},
              {"Effect":"Deny","Action":"s3:Delete*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}]}"#,
        ],
        None,
    );
    assert_eq!(c.allowed_actions()["s3"], vec!["*"]);
}

#[test]
fn admin_equivalence_and_not_action() {
    let admin = access_of(
        &[r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#],
        None,
    );
    assert!(admin.admin_equivalent);
    assert_eq!(admin.allowed_count, catalog().len());

    let not_iam = access_of(
        &[
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}"#,
        ],
        None,
    );
    assert!(!not_iam.admin_equivalent);
    assert!(!not_iam.allowed_actions().contains_key("iam"));
    assert_eq!(
        not_iam.allowed_count,
        catalog().len() - catalog().service_len("iam")
    );
    // sts:AssumeRole on * is still there.
    assert!(
        not_iam
            .escalation
            .iter()
            .any(|h| h.rule == "assume-any-role")
    );

    // PassRole on one specific role is not "PassRole on *".
    let scoped = access_of(
        &[
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::111122223333:role/app"}}"#,
        ],
        None,
    );
    assert!(scoped.escalation.is_empty());
    let all_roles = access_of(
        &[
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::111122223333:role/*"}}"#,
        ],
        None,
    );
    assert_eq!(
        all_roles
            .escalation
            .iter()
            .map(|h| h.rule)
            .collect::<Vec<_>>(),
        vec!["passrole-any"]
    );
}

#[test]
fn boundary_caps_the_role() {
    let a = access_of(
        &[r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#],
        Some(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}}"#,
        ),
    );
    assert!(!a.admin_equivalent);
    assert_eq!(
        a.allowed_actions().keys().copied().collect::<Vec<_>>(),
        vec!["s3"]
    );
    assert!(a.escalation.is_empty());
}

#[test]
fn uncatalogued_and_missing_policies_are_reported() {
    let mut r = role("t");
    r.managed_policy_arns
        .push("arn:aws:iam::aws:policy/NotInSnapshot".into());
    r.inline_policies.push((
        "new".into(),
        p(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"newsvc:DoThing","Resource":"*"}}"#),
    ));
    let account = Account {
        roles: vec![r],
        ..Account::default()
    };
    let a = role_access(&account, &arn("t"));
    assert_eq!(a.uncatalogued_actions, vec!["newsvc:DoThing".to_string()]);
    assert_eq!(
        a.missing_policies,
        vec!["arn:aws:iam::aws:policy/NotInSnapshot".to_string()]
    );
    assert!(!a.allowed_actions().contains_key("newsvc"));
}

#[test]
fn account_evaluator_answers_precise_questions() {
    use eksguard_iam::{Decision, Request};
    let (account, _, _) = example();
    let ev = account.evaluator(&arn("reader")).expect("role exists");
    let get = Request::new("s3:GetObject", "arn:aws:s3:::any/key");
    assert_eq!(ev.evaluate(&get).decision, Decision::Allow);
    let put = Request::new("s3:PutObject", "arn:aws:s3:::any/key");
    assert_eq!(ev.evaluate(&put).decision, Decision::ImplicitDeny);
    assert!(account.evaluator(&arn("nope")).is_none());
}
