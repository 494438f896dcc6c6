//! End-to-end tests of `eksguard iam blast-radius` and of the identity
//! findings of `eksguard scan`, through the real binary, on the example
//! cluster (manifests in `k8s/`, AWS snapshot in `aws/`).

mod common;

use common::*;
use serde_json::Value;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const ACCT: &str = "111122223333";

#[test]
fn blast_radius_json_shows_ci_runner_reaching_passrole_on_star_with_its_path() {
    let out = eksguard(&[
        "iam",
        "blast-radius",
        "examples/insecure-cluster",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let items = json(&out);
    let items = items.as_array().expect("an array, one item per workload");
    for w in items {
        assert!(
            w["workload"]
                .as_str()
                .is_some_and(|s| s.contains('/') && s.ends_with(']')),
            "{w}"
        );
        assert!(w["service_account"].is_string(), "{w}");
        for r in w["roles"].as_array().unwrap() {
            for key in [
                "arn",
                "via",
                "allowed_actions",
                "escalation_actions",
                "path",
            ] {
                assert!(!r[key].is_null(), "role lacks {key}: {r}");
            }
            assert!(["irsa", "pod-identity", "node-role"].contains(&r["via"].as_str().unwrap()));
        }
    }
    let ci = items
        .iter()
        .find(|w| w["workload"] == "tools/ci-runner[Deployment]")
        .expect("tools/ci-runner in the output");
    assert_eq!(ci["service_account"], "ci-runner");
    let role = &ci["roles"][0];
    assert_eq!(role["arn"], format!("arn:aws:iam::{ACCT}:role/ci-deployer"));
    assert_eq!(role["via"], "irsa");
    assert_eq!(role["assumable"], true);
    assert_eq!(role["default_credentials"], true);
    assert_eq!(
        role["path"],
        serde_json::json!([
            "workload:tools/ci-runner[Deployment]",
            "service-account:tools/ci-runner",
            "via:irsa",
            format!("role:arn:aws:iam::{ACCT}:role/ci-deployer")
        ])
    );
    let passrole = role["escalation_actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["rule"] == "passrole-any")
        .expect("passrole-any hit");
    let grant = &passrole["grants"][0];
    assert_eq!(grant["action"], "iam:PassRole");
    assert_eq!(grant["resources"], serde_json::json!(["*"]));
    // The inline policy `deploy`, second statement (index 1), as written in
    // examples/insecure-cluster/aws/iam/roles/ci-deployer/get-role-policy/deploy.json.
    assert_eq!(grant["policy"], "inline:deploy");
    assert_eq!(grant["statement"], 1);
    assert_eq!(
        role["allowed_actions"]["iam"],
        serde_json::json!(["PassRole"])
    );

    // payments-api: working IRSA, least privilege, no escalation.
    let api = items
        .iter()
        .find(|w| w["workload"] == "payments/payments-api[Deployment]")
        .expect("payments-api");
    assert_eq!(api["roles"].as_array().unwrap().len(), 1);
    assert_eq!(api["roles"][0]["escalation_actions"], serde_json::json!([]));
    assert_eq!(
        api["roles"][0]["allowed_actions"]["dynamodb"],
        serde_json::json!(["GetItem", "PutItem", "Query"])
    );

    // payments/ledger: the IRSA role does not trust it, so the node role is what it gets.
    let ledger = items
        .iter()
        .find(|w| w["workload"] == "payments/ledger[StatefulSet]")
        .expect("ledger");
    let vias: Vec<(&str, bool)> = ledger["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["via"].as_str().unwrap(),
                r["assumable"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(vias, vec![("irsa", false), ("node-role", true)]);
    assert_eq!(
        ledger["roles"][1]["allowed_actions"]["s3"],
        serde_json::json!(["*"])
    );
}

#[test]
fn blast_radius_filters_and_table() {
    let out = eksguard(&[
        "iam",
        "blast-radius",
        "examples/insecure-cluster/k8s",
        "--aws-snapshot",
        "examples/insecure-cluster/aws",
        "--workload",
        "tools/ci-runner",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("tools/ci-runner[Deployment]  (ServiceAccount tools/ci-runner)\n"),
        "{text}"
    );
    assert!(text.contains("escalation [high] passrole-any"), "{text}");
    assert!(
        text.contains(&format!(
            "iam:PassRole on *: workload:tools/ci-runner[Deployment] -> service-account:tools/ci-runner -> via:irsa -> role:arn:aws:iam::{ACCT}:role/ci-deployer -> policy:inline:deploy -> statement:1"
        )),
        "{text}"
    );
    assert_eq!(
        text.matches("[Deployment]  (ServiceAccount").count(),
        1,
        "{text}"
    );

    let out = eksguard(&[
        "iam",
        "blast-radius",
        "examples/insecure-cluster",
        "--namespace",
        "shop",
        "-f",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let items = json(&out);
    let names: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["workload"].as_str().unwrap())
        .collect();
    assert!(
        !names.is_empty() && names.iter().all(|n| n.starts_with("shop/")),
        "{names:?}"
    );
    assert!(
        names.contains(&"shop/search-indexer[Deployment]"),
        "{names:?}"
    );

    let out = eksguard(&[
        "iam",
        "blast-radius",
        "examples/insecure-cluster",
        "--workload",
        "nope",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn blast_radius_without_aws_side_is_a_usage_error() {
    let out = eksguard(&["iam", "blast-radius", "examples/insecure-cluster/k8s"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--aws-snapshot"), "{}", stderr(&out));
}

fn findings_of<'a>(report: &'a Value, id: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["control"] == id)
        .collect()
}

/// `scan` of the example cluster finds its AWS snapshot by itself and
/// reports each identity weakness of issue #6 with its full path.
#[test]
fn scan_reports_the_identity_weaknesses_of_the_example_cluster() {
    let out = eksguard(&["scan", "examples/insecure-cluster", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&out);

    let broken = findings_of(&report, "IAM-027");
    assert_eq!(broken.len(), 1, "{broken:#?}");
    assert_eq!(broken[0]["object"]["kind"], "ServiceAccount");
    assert_eq!(broken[0]["object"]["name"], "ledger");
    assert_eq!(
        broken[0]["path"],
        r#"metadata.annotations["eks.amazonaws.com/role-arn"]"#
    );
    assert_eq!(
        broken[0]["location"]["file"],
        "examples/insecure-cluster/k8s/10-payments.yaml"
    );
    // The line of the annotation in the manifest.
    let file =
        std::fs::read_to_string(repo_root().join("examples/insecure-cluster/k8s/10-payments.yaml"))
            .unwrap();
    let line = broken[0]["location"]["line"].as_u64().unwrap() as usize;
    assert!(
        file.lines()
            .nth(line - 1)
            .unwrap()
            .contains("eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/ledger-writer")
    );

    let wild = findings_of(&report, "IAM-021");
    assert_eq!(wild.len(), 1, "{wild:#?}");
    assert_eq!(
        wild[0]["object"]["arn"],
        format!("arn:aws:iam::{ACCT}:role/shop-cart")
    );
    assert_eq!(
        wild[0]["path"],
        r#"AssumeRolePolicyDocument.Statement[0].Condition.StringLike["oidc.eks.eu-west-1.amazonaws.com/id/5C6A1B2D3E4F5A6B7C8D9E0F1A2B3C4D:sub"]"#
    );
    assert!(
        wild[0]["location"]["file"]
            .as_str()
            .unwrap()
            .ends_with("iam/roles/shop-cart/get-role.json")
    );

    let pid = findings_of(&report, "IAM-030");
    assert_eq!(pid.len(), 1, "{pid:#?}");
    assert_eq!(
        pid[0]["object"]["arn"],
        format!("arn:aws:iam::{ACCT}:role/search-indexer")
    );
    assert_eq!(
        pid[0]["path"],
        "AssumeRolePolicyDocument.Statement[0].Condition"
    );

    let esc = findings_of(&report, "IAM-036");
    let ci = esc
        .iter()
        .find(|f| f["object"]["name"] == "ci-runner")
        .unwrap_or_else(|| panic!("no IAM-036 on tools/ci-runner: {esc:#?}"));
    let msg = ci["message"].as_str().unwrap();
    assert!(msg.contains("iam:PassRole on *"), "{msg}");
    assert!(
        msg.contains(&format!(
            "workload:tools/ci-runner[Deployment] -> service-account:tools/ci-runner -> via:irsa -> role:arn:aws:iam::{ACCT}:role/ci-deployer -> policy:inline:deploy -> statement:1"
        )),
        "{msg}"
    );
    assert_eq!(ci["severity"], "high");
    assert_eq!(ci["path"], "spec.template.spec.serviceAccountName");

    let node = findings_of(&report, "IAM-033");
    assert_eq!(node.len(), 1, "{node:#?}");
    assert!(
        node[0]["message"]
            .as_str()
            .unwrap()
            .contains("AmazonS3FullAccess")
    );
}

#[test]
fn explain_documents_every_identity_control() {
    for n in [
        20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36,
    ] {
        let id = format!("IAM-0{n}");
        let out = eksguard(&["explain", &id]);
        assert_eq!(out.status.code(), Some(0), "{id}: {}", stderr(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        for section in ["What it checks", "Why it matters", "Fix", "References"] {
            assert!(text.contains(section), "{id}: no {section} in\n{text}");
        }
    }
}

/// Creates, in moto, an EKS cluster, its IAM OIDC provider and two IRSA
/// roles through boto3 (the AWS SDK for Python, installed with moto):
/// `deployer` (trusts tools/ci-runner, may pass any role) and `mismatch`
/// (trusts tools/someone-else). Prints the account ID.
const MOTO_SETUP: &str = r#"
import boto3, json, sys
url, name = sys.argv[1], sys.argv[2]
kw = dict(endpoint_url=url, region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing")
ec2, iam, eks, sts = (boto3.client(s, **kw) for s in ("ec2", "iam", "eks", "sts"))
vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
sub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
trust_eks = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]}
cluster_role = iam.create_role(RoleName=f"{name}-cluster", AssumeRolePolicyDocument=json.dumps(trust_eks))["Role"]["Arn"]
issuer = eks.create_cluster(name=name, roleArn=cluster_role, resourcesVpcConfig={"subnetIds": [sub]})["cluster"]["identity"]["oidc"]["issuer"]
host = issuer.removeprefix("https://")
provider = iam.create_open_id_connect_provider(Url=issuer, ClientIDList=["sts.amazonaws.com"], ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"])["OpenIDConnectProviderArn"]
def irsa(sa):
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": provider},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{host}:sub": f"system:serviceaccount:tools:{sa}", f"{host}:aud": "sts.amazonaws.com"}}}]})
iam.create_role(RoleName=f"{name}-deployer", AssumeRolePolicyDocument=irsa("ci-runner"))
iam.put_role_policy(RoleName=f"{name}-deployer", PolicyName="deploy", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "eks:DescribeCluster", "Resource": "*"},
    {"Sid": "PassAnyRole", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}))
iam.create_role(RoleName=f"{name}-mismatch", AssumeRolePolicyDocument=irsa("someone-else"))
print(sts.get_caller_identity()["Account"])
"#;

/// Live path end to end: resources created in moto, collected with the AWS
/// SDK for Rust (`--aws --endpoint-url`), joined with manifests.
#[test]
fn blast_radius_live_against_moto() {
    let url = match std::env::var("EKSGUARD_MOTO_URL") {
        Ok(u) if !u.is_empty() => u,
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("EKSGUARD_MOTO_URL is not set in CI: scripts/test.sh must start moto_server")
        }
        _ => {
            eprintln!("skipped: EKSGUARD_MOTO_URL is not set (run scripts/test.sh)");
            return;
        }
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = format!("iam{}x{nanos}", std::process::id());
    let setup = std::process::Command::new("python3")
        .args(["-c", MOTO_SETUP, &url, &name])
        .output()
        .expect("run python3");
    assert!(setup.status.success(), "moto setup: {}", stderr(&setup));
    let account = String::from_utf8_lossy(&setup.stdout).trim().to_owned();

    let dir = tempfile::tempdir().unwrap();
    let manifests = dir.path().join("k8s.yaml");
    std::fs::write(
        &manifests,
        format!(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ci-runner\n  namespace: tools\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::{account}:role/{name}-deployer\n---\n\
             apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: builder\n  namespace: tools\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::{account}:role/{name}-mismatch\n---\n\
             apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ci-runner\n  namespace: tools\nspec:\n  template:\n    spec:\n      serviceAccountName: ci-runner\n      containers: [{{name: runner, image: runner:1}}]\n---\n\
             apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: build\n  namespace: tools\nspec:\n  template:\n    spec:\n      serviceAccountName: builder\n      containers: [{{name: b, image: builder:1}}]\n"
        ),
    )
    .unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_eksguard"));
    cmd.args(["iam", "blast-radius"])
        .arg(&manifests)
        .args([
            "--aws",
            "--cluster",
            &name,
            "--region",
            "eu-west-1",
            "--endpoint-url",
            &url,
            "-f",
            "json",
        ])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("AWS_PROFILE")
        .env("NO_COLOR", "1");
    let out = cmd.output().expect("run eksguard");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let items = json(&out);
    let by = |id: &str| {
        items
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["workload"] == id)
            .unwrap_or_else(|| panic!("{id} missing in {items:#}"))
            .clone()
    };
    let ci = by("tools/ci-runner[Deployment]");
    let role = &ci["roles"][0];
    assert_eq!(
        role["arn"],
        format!("arn:aws:iam::{account}:role/{name}-deployer")
    );
    assert_eq!(
        (role["via"].as_str(), role["assumable"].as_bool()),
        (Some("irsa"), Some(true)),
        "{role:#}"
    );
    let hit = role["escalation_actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["rule"] == "passrole-any")
        .unwrap_or_else(|| panic!("no passrole-any: {role:#}"));
    assert_eq!(hit["grants"][0]["policy"], "inline:deploy");
    assert_eq!(hit["grants"][0]["sid"], "PassAnyRole");

    // The mismatched trust is a broken binding, evaluated against moto's issuer.
    let build = by("tools/build[Job]");
    assert_eq!(build["roles"][0]["assumable"], false, "{build:#}");
    assert!(
        build["roles"][0]["note"]
            .as_str()
            .unwrap()
            .contains("broken IRSA"),
        "{build:#}"
    );
}
