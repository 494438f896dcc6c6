//! Identity view and blast radius at the size issue #6 names: 2,000 roles,
//! 10,000 policy statements, 5,000 workloads (generated, fixed inputs).
//! Prints the cold build of the shared view, a cached lookup, the blast
//! radius, and every identity control run as `scan` runs them, with and
//! without the per-scan cache.
//!
//! `cargo bench -p eksguard-controls --bench identity`

use eksguard_controls::{Config, Context, Sink};
use eksguard_core::aws::{
    AttachedPolicy, AwsFacts, AwsSource, EksCluster, IamRole, InlinePolicy, PodIdentityAssociation,
    Sourced,
};
use eksguard_core::{Inventory, JsonPath, Object, Source};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const ACCT: &str = "111122223333";
const ISSUER: &str = "oidc.eks.eu-west-1.amazonaws.com/id/BENCH00000000000000000000000001";
const ROLES: usize = 2_000;
const STATEMENTS_PER_ROLE: usize = 5;
const WORKLOADS: usize = 5_000;
const NAMESPACES: usize = 50;

fn sourced<T>(item: T, origin: &str) -> Sourced<T> {
    Sourced {
        item,
        source: AwsSource {
            origin: origin.into(),
            path: JsonPath::root(),
        },
    }
}

fn role_arn(i: usize) -> String {
    format!("arn:aws:iam::{ACCT}:role/app-{i}")
}

/// Statement `k` of role `i`: a mix of scoped data access, service
/// wildcards, and (for one role in 50) escalation on `*`.
fn statement(i: usize, k: usize) -> Value {
    match (i % 50, k) {
        (0, 0) => json!({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}),
        (1, 0) => {
            json!({"Effect": "Allow", "Action": ["iam:CreatePolicyVersion"], "Resource": "*"})
        }
        (_, 0) => {
            json!({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": format!("arn:aws:s3:::bucket-{i}/*")})
        }
        (_, 1) => {
            json!({"Effect": "Allow", "Action": "dynamodb:*", "Resource": format!("arn:aws:dynamodb:eu-west-1:{ACCT}:table/t-{i}")})
        }
        (_, 2) => {
            json!({"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"], "Resource": "*"})
        }
        (_, 3) => {
            json!({"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": format!("arn:aws:kms:eu-west-1:{ACCT}:key/k-{i}"),
                         "Condition": {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}})
        }
        _ => json!({"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}),
    }
}

fn facts() -> AwsFacts {
    let mut f = AwsFacts {
        account_id: Some(ACCT.into()),
        ..Default::default()
    };
    let cluster: EksCluster = serde_json::from_value(json!({
        "name": "bench", "arn": format!("arn:aws:eks:eu-west-1:{ACCT}:cluster/bench"),
        "identity": {"oidc": {"issuer": format!("https://{ISSUER}")}},
        "computeConfig": {"enabled": true, "nodeRoleArn": format!("arn:aws:iam::{ACCT}:role/node")}
    }))
    .expect("cluster shape");
    f.cluster = Some(sourced(cluster, "eks/describe-cluster.json"));
    for i in 0..ROLES {
        let ns = format!("ns-{}", i % NAMESPACES);
        let trust = if i % 10 == 9 {
            // Pod Identity roles.
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"]}]})
        } else {
            let sub = if i % 25 == 0 {
                "system:serviceaccount:*:*".to_owned()
            } else {
                format!("system:serviceaccount:{ns}:sa-{i}")
            };
            let op = if i % 25 == 0 {
                "StringLike"
            } else {
                "StringEquals"
            };
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Federated": format!("arn:aws:iam::{ACCT}:oidc-provider/{ISSUER}")},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {op: {format!("{ISSUER}:sub"): sub}, "StringEquals": {format!("{ISSUER}:aud"): "sts.amazonaws.com"}}}]})
        };
        let doc = json!({"Version": "2012-10-17",
            "Statement": (0..STATEMENTS_PER_ROLE).map(|k| statement(i, k)).collect::<Vec<_>>()});
        let mut role = IamRole {
            role_name: format!("app-{i}"),
            arn: role_arn(i),
            assume_role_policy_document: Some(trust),
            ..Default::default()
        };
        role.inline_policies.push(sourced(
            InlinePolicy {
                role_name: role.role_name.clone(),
                policy_name: "app".into(),
                policy_document: doc,
            },
            "iam/roles/x/get-role-policy/app.json",
        ));
        f.roles.push(sourced(role, "iam/roles/x/get-role.json"));
    }
    let mut node = IamRole {
        role_name: "node".into(),
        arn: format!("arn:aws:iam::{ACCT}:role/node"),
        assume_role_policy_document: Some(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
        ),
        ..Default::default()
    };
    node.attached_policies.push(AttachedPolicy {
        policy_name: "AmazonEKSWorkerNodeMinimalPolicy".into(),
        policy_arn: "arn:aws:iam::aws:policy/AmazonEKSWorkerNodeMinimalPolicy".into(),
    });
    f.roles.push(sourced(node, "iam/roles/node/get-role.json"));
    for i in (9..ROLES).step_by(10) {
        f.pod_identity_associations.push(sourced(
            PodIdentityAssociation {
                cluster_name: Some("bench".into()),
                namespace: format!("ns-{}", i % NAMESPACES),
                service_account: format!("sa-{i}"),
                role_arn: Some(role_arn(i)),
                ..Default::default()
            },
            "eks/pod-identity-associations/x.json",
        ));
    }
    f
}

fn object(raw: Value, i: usize) -> Object {
    let source = Source {
        file: "bench.yaml".into(),
        document: u32::try_from(i).unwrap_or(u32::MAX),
        item: None,
        line: 1,
        column: 1,
    };
    Object::from_value(raw, None, source).expect("object")
}

/// ServiceAccounts `sa-0..ROLES` (IRSA-annotated unless Pod Identity) and
/// `WORKLOADS` Deployments, several per ServiceAccount, some without any.
fn objects() -> Vec<Object> {
    let mut v = Vec::new();
    for i in 0..ROLES {
        let mut meta =
            json!({"name": format!("sa-{i}"), "namespace": format!("ns-{}", i % NAMESPACES)});
        if i % 10 != 9 {
            meta["annotations"] = json!({"eks.amazonaws.com/role-arn": role_arn(i)});
        }
        v.push(object(
            json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta}),
            v.len(),
        ));
    }
    for w in 0..WORKLOADS {
        // Two workloads per bound ServiceAccount; the rest use `app-N` accounts with no role.
        let sa = if w < 2 * ROLES {
            format!("sa-{}", w / 2)
        } else {
            format!("plain-{w}")
        };
        let ns = if w < 2 * ROLES {
            format!("ns-{}", (w / 2) % NAMESPACES)
        } else {
            format!("ns-{}", w % NAMESPACES)
        };
        let raw = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": format!("wl-{w}"), "namespace": ns},
            "spec": {"template": {"spec": {"serviceAccountName": sa, "containers": [
                {"name": "app", "image": format!("{ACCT}.dkr.ecr.eu-west-1.amazonaws.com/app-{w}:1.0"),
                 "env": [{"name": "AWS_REGION", "value": "eu-west-1"}]}]}}}});
        v.push(object(raw, v.len()));
    }
    v
}

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let mut inv = Inventory::new(objects());
    inv.aws = Some(facts());
    println!(
        "inputs: {} roles, {} policy statements, {} workloads, {} ServiceAccounts",
        ROLES + 1,
        ROLES * STATEMENTS_PER_ROLE,
        WORKLOADS,
        ROLES
    );

    let (view, cold) = time(|| eksguard_controls::identity::identity(&inv).expect("view"));
    // Best of five: the machine is shared.
    let warm = (0..5)
        .map(|_| time(|| eksguard_controls::identity::identity(&inv).expect("view")).1)
        .min()
        .unwrap_or_default();
    let (blast, blast_t) = time(|| view.blast().len());
    let escalating = view
        .blast()
        .iter()
        .filter(|w| w.worst_escalation().is_some())
        .count();
    println!("identity view, cold build:        {:8.1} ms", ms(cold));
    println!(
        "identity view, cached lookup:     {:8.1} ms (hash of the inputs)",
        ms(warm)
    );
    println!(
        "blast radius ({blast} workloads, {escalating} escalating): {:8.1} ms",
        ms(blast_t)
    );

    let config = Config::default();
    let ctx = Context::new(&config);
    let identity_controls: Vec<_> = eksguard_controls::all()
        .iter()
        .filter(|c| {
            let id = c.meta().id;
            ("IAM-020"..="IAM-036").contains(&id)
        })
        .collect();
    // The view is cached now: this is the controls' own work plus one cache
    // lookup (a hash of the inputs) each.
    drop(view);
    let mut sink = Sink::new();
    let (_, all_t) = time(|| {
        for c in &identity_controls {
            c.check_inventory(&inv, &ctx, &mut sink);
        }
    });
    println!(
        "{} identity controls, view cached: {:8.1} ms, {} findings",
        identity_controls.len(),
        ms(all_t),
        sink.len()
    );
    // What the controls would cost without the cache: one build per control
    // that reads the view, plus one blast radius per blast control.
    let n = u32::try_from(identity_controls.len()).unwrap_or(1);
    let uncached = cold * n + blast_t * 2;
    println!(
        "estimated without the cache:      {:8.1} ms ({n} builds + 2 blast radius)",
        ms(uncached)
    );
    let total = cold + blast_t;
    println!(
        "blast radius end to end (view + blast): {:.3} s (target <= 1 s)",
        total.as_secs_f64()
    );
}
