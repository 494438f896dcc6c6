//! Blast radius for 2,000 roles, 10,000 policy statements and 5,000
//! workloads (issue target: ≤ 1 s on 2 cores). Inputs are generated
//! deterministically. Run with `cargo bench -p eksguard-iam`.

use std::time::Instant;

use eksguard_iam::{
    Account, Binding, BlastInput, ClusterFacts, Policy, Role, Via, Workload, blast_radius, catalog,
};
use serde_json::{Value, json};

const ACCT: &str = "111122223333";
const ISSUER: &str = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const ROLES: usize = 2_000;
const MANAGED: usize = 1_000; // 2 statements each
const INLINE_STMTS: usize = 4; // per role
const WORKLOADS: usize = 5_000;
const NAMESPACES: usize = 50;

/// Small deterministic generator (xorshift) so runs are comparable.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn statement(rng: &mut Rng, services: &[String], sid: usize) -> Value {
    const VERBS: &[&str] = &[
        "Get", "List", "Describe", "Put", "Create", "Delete", "Update",
    ];
    const SPECIAL: &[&str] = &[
        "iam:PassRole",
        "ec2:RunInstances",
        "sts:AssumeRole",
        "s3:GetObject",
        "kms:Decrypt",
        "secretsmanager:GetSecretValue",
        "iam:CreatePolicyVersion",
    ];
    let n = 1 + rng.below(4);
    let actions: Vec<String> = (0..n)
        .map(|_| match rng.below(10) {
            0..=4 => format!(
                "{}:{}*",
                services[rng.below(services.len())],
                VERBS[rng.below(VERBS.len())]
            ),
            5..=7 => SPECIAL[rng.below(SPECIAL.len())].to_string(),
            8 => format!("{}:*", services[rng.below(services.len())]),
            _ => format!("*:{}*", VERBS[rng.below(VERBS.len())]),
        })
        .collect();
    let resource = if rng.below(3) == 0 {
        json!(format!("arn:aws:s3:::bucket-{}/*", rng.below(100)))
    } else {
        json!("*")
    };
    let effect = if rng.below(12) == 0 { "Deny" } else { "Allow" };
    let mut s = json!({ "Sid": format!("S{sid}"), "Effect": effect, "Resource": resource });
    if rng.below(15) == 0 {
        s["NotAction"] = json!(actions);
    } else {
        s["Action"] = json!(actions);
    }
    if rng.below(6) == 0 {
        s["Condition"] = json!({"StringEquals": {"aws:RequestedRegion": "us-west-2"}});
    }
    s
}

fn doc(stmts: Vec<Value>) -> Policy {
    Policy::from_value(&json!({"Version": "2012-10-17", "Statement": stmts}))
        .unwrap_or_else(|e| panic!("generated policy must parse: {e}"))
}

fn main() {
    let t = Instant::now();
    let cat = catalog();
    let catalog_ms = t.elapsed().as_secs_f64() * 1e3;
    let mut services: Vec<String> = cat.actions().iter().map(|a| a.service.clone()).collect();
    services.dedup();
    services.truncate(250);

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut account = Account::default();
    let mut sid = 0;
    for m in 0..MANAGED {
        let stmts = (0..2)
            .map(|_| {
                sid += 1;
                statement(&mut rng, &services, sid)
            })
            .collect();
        account
            .managed_policies
            .insert(format!("arn:aws:iam::{ACCT}:policy/m{m}"), doc(stmts));
    }
    let ns_of = |i: usize| format!("ns{}", i % NAMESPACES);
    for r in 0..ROLES {
        let mut role = Role::new(format!("arn:aws:iam::{ACCT}:role/r{r}"));
        let trust = if r % 5 == 4 {
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": "pods.eks.amazonaws.com"}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]})
        } else {
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Federated": format!("arn:aws:iam::{ACCT}:oidc-provider/{ISSUER}")},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {
                    format!("{ISSUER}:sub"): format!("system:serviceaccount:{}:sa{r}", ns_of(r)),
                    format!("{ISSUER}:aud"): "sts.amazonaws.com"}}}]})
        };
        role.trust = Policy::from_value(&trust).ok();
        role.managed_policy_arns
            .push(format!("arn:aws:iam::{ACCT}:policy/m{}", r % MANAGED));
        let stmts = (0..INLINE_STMTS)
            .map(|_| {
                sid += 1;
                statement(&mut rng, &services, sid)
            })
            .collect();
        role.inline_policies.push(("inline".into(), doc(stmts)));
        account.roles.push(role);
    }
    let mut workloads = Vec::with_capacity(WORKLOADS);
    let mut bindings = Vec::new();
    for w in 0..WORKLOADS {
        // 5,000 workloads over 2,500 ServiceAccounts; SA i binds role i (i < 2,000).
        let sa = w / 2;
        let ns = ns_of(sa);
        workloads.push(Workload {
            namespace: ns.clone(),
            name: format!("w{w}"),
            kind: "Deployment".into(),
            service_account: format!("sa{sa}"),
        });
        if w % 2 == 0 && sa < ROLES {
            bindings.push(Binding {
                namespace: ns,
                service_account: format!("sa{sa}"),
                role_arn: format!("arn:aws:iam::{ACCT}:role/r{sa}"),
                via: if sa % 5 == 4 {
                    Via::PodIdentity
                } else {
                    Via::Irsa
                },
            });
        }
    }
    account
        .roles
        .push(Role::new(format!("arn:aws:iam::{ACCT}:role/node")));
    let node = format!("arn:aws:iam::{ACCT}:role/node");
    let facts = ClusterFacts {
        account_id: ACCT.into(),
        oidc_issuer: ISSUER.into(),
        cluster_arn: format!("arn:aws:eks:us-west-2:{ACCT}:cluster/bench"),
    };
    let statements: usize = account
        .managed_policies
        .values()
        .map(|p| p.statements.len())
        .sum::<usize>()
        + account
            .roles
            .iter()
            .flat_map(|r| &r.inline_policies)
            .map(|(_, p)| p.statements.len())
            .sum::<usize>();

    let input = BlastInput {
        facts: Some(&facts),
        account: &account,
        workloads: &workloads,
        bindings: &bindings,
        node_role_arn: Some(&node),
    };
    let mut best = f64::MAX;
    let mut out = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        out = blast_radius(&input);
        best = best.min(t.elapsed().as_secs_f64());
    }
    let escalating = out
        .iter()
        .filter(|w| w.worst_escalation().is_some())
        .count();
    let t = Instant::now();
    let json = serde_json::to_vec(&out).map(|v| v.len()).unwrap_or(0);
    let json_s = t.elapsed().as_secs_f64();
    println!(
        "blast_radius: {} roles, {statements} statements, {} workloads ({} bindings): {:.1} ms (best of 3; catalog load {catalog_ms:.1} ms, {} actions)",
        account.roles.len(),
        workloads.len(),
        bindings.len(),
        best * 1e3,
        cat.len()
    );
    println!(
        "  {escalating} workloads reach escalation; JSON output {:.1} MB in {:.1} ms",
        json as f64 / 1e6,
        json_s * 1e3
    );
}
