//! End-to-end over a small example cluster, fed the way the AWS collector
//! will: documents taken from IAM API responses (`GetRole` returns
//! `AssumeRolePolicyDocument` URL-encoded, `GetRolePolicy` /
//! `GetPolicyVersion` return `PolicyDocument` URL-encoded; field names from
//! botocore's `iam/2010-05-08/service-2.json`). Checks the four outcomes the
//! issue's "done when" names, each with its path.

use eksguard_iam::{
    Account, Binding, BindingStatus, BlastInput, ClusterFacts, Policy, Role, TrustFindingKind, Via,
    Workload, analyze_trust, binding_status, blast_radius, node_role_extra_policies,
};
use serde_json::{Value, json};

const ACCT: &str = "111122223333";
const ISSUER: &str = "oidc.eks.eu-west-1.amazonaws.com/id/5C1A9F0E3B7D2A4C6E8F0B1D3A5C7E9F";

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A `GetRole` response plus its `GetRolePolicy` responses, as JSON.
fn get_role(name: &str, trust: Value, inline: &[(&str, Value)], attached: &[&str]) -> Value {
    json!({
        "Role": {
            "Path": "/", "RoleName": name, "RoleId": format!("AROA{}", name.len()),
            "Arn": format!("arn:aws:iam::{ACCT}:role/{name}"),
            "CreateDate": "2026-01-05T10:00:00Z",
            "AssumeRolePolicyDocument": urlencode(&trust.to_string()),
        },
        "RolePolicies": inline.iter().map(|(n, d)| json!({
            "RoleName": name, "PolicyName": n, "PolicyDocument": urlencode(&d.to_string())
        })).collect::<Vec<_>>(),
        "AttachedPolicies": attached.iter().map(|a| json!({
            "PolicyName": a.rsplit('/').next(), "PolicyArn": a
        })).collect::<Vec<_>>(),
    })
}

/// What the collector does with those responses.
fn to_role(v: &Value) -> Role {
    let r = &v["Role"];
    let mut role = Role::new(r["Arn"].as_str().unwrap_or_default());
    role.trust = Some(Policy::from_value(&r["AssumeRolePolicyDocument"]).expect("trust parses"));
    for p in v["RolePolicies"].as_array().into_iter().flatten() {
        let doc = Policy::from_value(&p["PolicyDocument"]).expect("inline parses");
        role.inline_policies.push((
            p["PolicyName"].as_str().unwrap_or_default().to_string(),
            doc,
        ));
    }
    for a in v["AttachedPolicies"].as_array().into_iter().flatten() {
        role.managed_policy_arns
            .push(a["PolicyArn"].as_str().unwrap_or_default().to_string());
    }
    role
}

fn irsa_trust(op: &str, sub: &str) -> Value {
    let mut cond = json!({"StringEquals": {format!("{ISSUER}:aud"): "sts.amazonaws.com"}});
    cond[op][format!("{ISSUER}:sub")] = json!(sub);
    json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": format!("arn:aws:iam::{ACCT}:oidc-provider/{ISSUER}")},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": cond
    }]})
}

fn setup() -> (ClusterFacts, Account, Vec<Workload>, Vec<Binding>, String) {
    let facts = ClusterFacts {
        account_id: ACCT.into(),
        oidc_issuer: format!("https://{ISSUER}"),
        cluster_arn: format!("arn:aws:eks:eu-west-1:{ACCT}:cluster/example"),
    };
    let deployer = get_role(
        "ci-deployer",
        irsa_trust("StringLike", "system:serviceaccount:*"),
        &[(
            "deploy-lambdas",
            json!({"Version": "2012-10-17", "Statement": [
                {"Sid": "PassAnyRole", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
                {"Sid": "Lambda", "Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"}]}),
        )],
        &[],
    );
    let reader = get_role(
        "shop-reader",
        irsa_trust("StringEquals", "system:serviceaccount:shop:reader"),
        &[(
            "read",
            json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shop-assets/*"}}),
        )],
        &[],
    );
    let payments = get_role(
        "payments",
        json!({"Version": "2012-10-17", "Statement": [{"Sid": "AllowEksAuthToAssumeRoleForPodIdentity", "Effect": "Allow",
            "Principal": {"Service": "pods.eks.amazonaws.com"}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]}),
        &[],
        &[&format!("arn:aws:iam::{ACCT}:policy/payments-secrets")],
    );
    let node = get_role(
        "example-node",
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession"]}]}),
        &[],
        &[
            "arn:aws:iam::aws:policy/AmazonEKSWorkerNodeMinimalPolicy",
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
            "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        ],
    );
    let mut account = Account::default();
    for r in [&deployer, &reader, &payments, &node] {
        account.roles.push(to_role(r));
    }
    // GetPolicyVersion (default version) documents, URL-encoded.
    let secrets = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue", "Resource": format!("arn:aws:secretsmanager:eu-west-1:{ACCT}:secret:payments/*")}});
    account.managed_policies.insert(
        format!("arn:aws:iam::{ACCT}:policy/payments-secrets"),
        Policy::parse(&urlencode(&secrets.to_string())).expect("parses"),
    );
    let s3_ro = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": ["s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*", "s3-object-lambda:List*"], "Resource": "*"}]});
    account.managed_policies.insert(
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess".into(),
        Policy::from_value(&s3_ro).expect("parses"),
    );

    let wl = |ns: &str, name: &str, sa: &str| Workload {
        namespace: ns.into(),
        name: name.into(),
        kind: "Deployment".into(),
        service_account: sa.into(),
    };
    let workloads = vec![
        wl("ci", "deployer", "deployer"),
        wl("shop", "web", "web"),
        wl("payments", "api", "api"),
    ];
    let role_arn = |n: &str| format!("arn:aws:iam::{ACCT}:role/{n}");
    let bindings = vec![
        // ServiceAccount annotations eks.amazonaws.com/role-arn.
        Binding {
            namespace: "ci".into(),
            service_account: "deployer".into(),
            role_arn: role_arn("ci-deployer"),
            via: Via::Irsa,
        },
        Binding {
            namespace: "shop".into(),
            service_account: "web".into(),
            role_arn: role_arn("shop-reader"),
            via: Via::Irsa,
        },
        // DescribePodIdentityAssociation: association.{namespace, serviceAccount, roleArn}.
        Binding {
            namespace: "payments".into(),
            service_account: "api".into(),
            role_arn: role_arn("payments"),
            via: Via::PodIdentity,
        },
    ];
    (
        facts,
        account,
        workloads,
        bindings,
        role_arn("example-node"),
    )
}

#[test]
fn example_cluster_reports_the_four_promised_cases() {
    let (facts, account, workloads, bindings, node) = setup();
    let role = |n: &str| {
        account
            .roles
            .iter()
            .find(|r| r.arn.ends_with(&format!("/{n}")))
            .expect("role present")
    };

    // 1. Cluster-wide `sub` wildcard on ci-deployer.
    let t = analyze_trust(role("ci-deployer").trust.as_ref().expect("trust"), &facts);
    assert!(
        t.findings
            .iter()
            .any(|f| f.kind == TrustFindingKind::IrsaSubClusterWildcard && f.statement == 0)
    );

    // 2. Pod Identity role without source conditions.
    let t = analyze_trust(role("payments").trust.as_ref().expect("trust"), &facts);
    assert!(t.pod_identity);
    assert_eq!(
        t.findings.iter().map(|f| f.kind).collect::<Vec<_>>(),
        vec![TrustFindingKind::PodIdentityNoSourceCondition]
    );

    // 3. Broken IRSA: shop/web is annotated with a role that trusts shop/reader only.
    assert_eq!(
        binding_status(Some(role("shop-reader")), &facts, &bindings[1]),
        BindingStatus::NotTrusted
    );

    let out = blast_radius(&BlastInput {
        facts: Some(&facts),
        account: &account,
        workloads: &workloads,
        bindings: &bindings,
        node_role_arn: Some(&node),
    });
    let web = out
        .iter()
        .find(|w| w.workload == "shop/web[Deployment]")
        .expect("web");
    assert!(!web.roles[0].assumable);
    assert_eq!(web.roles[1].via, Via::NodeRole);
    assert_eq!(web.roles[1].path[2], "via:node-role");
    // The node role's extra S3 read policy is what web really gets.
    assert!(
        web.roles[1]
            .access
            .data_power
            .iter()
            .any(|h| h.rule == "s3-read-all")
    );
    let node_role = account.roles.iter().find(|r| r.arn == node).expect("node");
    assert_eq!(
        node_role_extra_policies(&node_role.managed_policy_arns),
        vec!["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]
    );

    // 4. ci/deployer reaches iam:PassRole on `*`, with its full path.
    let d = out
        .iter()
        .find(|w| w.workload == "ci/deployer[Deployment]")
        .expect("deployer");
    let r = &d.roles[0];
    let hit = r
        .access
        .escalation
        .iter()
        .find(|h| h.rule == "passrole-lambda-invoke")
        .expect("lambda path");
    let pass = hit
        .grants
        .iter()
        .find(|g| g.action == "iam:PassRole")
        .expect("PassRole grant");
    assert_eq!(
        r.full_path(pass).join(" -> "),
        format!(
            "workload:ci/deployer[Deployment] -> service-account:ci/deployer -> via:irsa -> role:arn:aws:iam::{ACCT}:role/ci-deployer \
             -> policy:inline:deploy-lambdas -> statement:0 (PassAnyRole)"
        )
    );

    // payments/api: Pod Identity works; secrets are scoped, so no data-power hit.
    let p = out
        .iter()
        .find(|w| w.workload == "payments/api[Deployment]")
        .expect("payments");
    assert_eq!(
        (
            p.roles[0].via,
            p.roles[0].assumable,
            p.roles[0].default_credentials
        ),
        (Via::PodIdentity, true, true)
    );
    assert!(p.roles[0].access.data_power.is_empty());
    assert!(p.roles[0].access.allows("secretsmanager:GetSecretValue"));
}
