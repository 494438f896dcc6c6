//! The AWS side through the binary: the example cluster's snapshot found
//! automatically, and (against moto) `aws snapshot` + `scan --aws-snapshot`
//! reporting exactly what `scan --aws` reports live.

mod common;

use common::{eksguard, json, repo_root};
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().unwrap()
}

#[test]
fn example_cluster_shows_aws_findings_beside_kubernetes_ones() {
    let out = eksguard(&[
        "scan",
        "examples/insecure-cluster",
        "--format",
        "json",
        "--now",
        "2026-11-27",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    // The snapshot's JSON files are not read as manifests.
    for e in report["errors"].as_array().unwrap() {
        assert!(
            !e["input"].as_str().unwrap_or_default().contains("/aws/"),
            "{e}"
        );
    }
    let fs = findings(&report);
    let open = fs
        .iter()
        .find(|f| f["control"] == "NET-002")
        .expect("NET-002: endpoint open to 0.0.0.0/0");
    assert_eq!(open["object"]["kind"], "AWS::EKS::Cluster");
    assert_eq!(
        open["object"]["arn"],
        "arn:aws:eks:eu-west-1:111122223333:cluster/acme-prod"
    );
    assert_eq!(open["path"], "resourcesVpcConfig.publicAccessCidrs[0]");
    let file = open["location"]["file"].as_str().unwrap();
    assert_eq!(
        file,
        "examples/insecure-cluster/aws/eks/describe-cluster.json"
    );
    let text = std::fs::read_to_string(repo_root().join(file)).unwrap();
    let line = text
        .lines()
        .nth(open["location"]["line"].as_u64().unwrap() as usize - 1)
        .unwrap();
    assert_eq!(line.trim(), "\"0.0.0.0/0\"");

    let ids: BTreeSet<&str> = fs.iter().filter_map(|f| f["control"].as_str()).collect();
    for id in [
        "IAM-005",
        "NET-004",
        "LOG-001",
        "LOG-002",
        "DATA-002",
        "DATA-004",
        "DATA-005",
        "PATCH-001",
        "PATCH-003",
        "PATCH-004",
        "ACC-002",
        "ACC-003",
        "ACC-004",
        "NETPOL-101",
    ] {
        assert!(ids.contains(id), "no {id}: {ids:?}");
    }
    // Both halves of the shared-responsibility model are reported.
    let owners: BTreeSet<&str> = fs
        .iter()
        .filter_map(|f| f["responsibility"].as_str())
        .collect();
    assert!(
        owners.contains("aws-managed") && owners.contains("customer"),
        "{owners:?}"
    );
}

#[test]
fn a_snapshot_given_explicitly_is_scanned_without_manifests() {
    let out = eksguard(&[
        "scan",
        "--aws-snapshot",
        "examples/insecure-cluster/aws",
        "-f",
        "json",
        "--now",
        "2026-11-27",
    ]);
    let report = json(&out);
    let fs = findings(&report);
    assert!(!fs.is_empty());
    assert!(
        fs.iter().all(|f| f["object"]["arn"]
            .as_str()
            .is_some_and(|a| a.starts_with("arn:aws:"))),
        "{fs:#?}"
    );
    // 1.34 leaves standard support on 2026-12-02, five days after --now.
    let patch = fs.iter().find(|f| f["control"] == "PATCH-001").unwrap();
    assert!(
        patch["message"]
            .as_str()
            .unwrap()
            .contains("2026-12-02, 5 days after 2026-11-27"),
        "{patch}"
    );
}

#[test]
fn a_directory_that_is_not_a_snapshot_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = eksguard(&[
        "scan",
        "--aws-snapshot",
        dir.path().to_str().unwrap(),
        "-f",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let report = json(&out);
    let msg = report["errors"][0]["message"].as_str().unwrap();
    assert!(msg.contains("not an AWS snapshot"), "{msg}");
}

fn moto_url() -> Option<String> {
    match std::env::var("EKSGUARD_MOTO_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("EKSGUARD_MOTO_URL is not set in CI")
        }
        _ => {
            eprintln!("skipped: EKSGUARD_MOTO_URL is not set (scripts/test.sh starts moto)");
            None
        }
    }
}

fn with_moto_env(cmd: &mut Command) -> &mut Command {
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "eu-west-1")
        .env_remove("AWS_PROFILE")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1")
}

fn run(args: &[&str]) -> std::process::Output {
    with_moto_env(&mut Command::new(env!("CARGO_BIN_EXE_eksguard")))
        .args(args)
        .current_dir(repo_root())
        .output()
        .unwrap()
}

/// (control, ARN, path, message): what a live and an offline scan share
/// (only the offline one has file positions).
fn comparable(report: &Value) -> BTreeSet<(String, String, String, String)> {
    findings(report)
        .iter()
        .map(|f| {
            let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
            (
                s(&f["control"]),
                s(&f["object"]["arn"]),
                s(&f["path"]),
                s(&f["message"]),
            )
        })
        .collect()
}

#[test]
fn snapshot_from_moto_scans_like_the_live_account() {
    let Some(url) = moto_url() else { return };
    let name = format!("cli-{}", std::process::id());
    // Resources through boto3 (installed with moto), as another tool would.
    let setup = format!(
        r#"
import boto3
kw = dict(endpoint_url="{url}", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing")
ec2, eks, kms = boto3.client("ec2", **kw), boto3.client("eks", **kw), boto3.client("kms", **kw)
vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
sub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.1.0/24")["Subnet"]["SubnetId"]
sg = ec2.create_security_group(GroupName="{name}", Description="open", VpcId=vpc)["GroupId"]
ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[{{"IpProtocol": "tcp", "FromPort": 10250, "ToPort": 10250, "IpRanges": [{{"CidrIp": "0.0.0.0/0"}}]}}])
boto3.client("iam", **kw).create_role(RoleName="{name}-gone", AssumeRolePolicyDocument='{{"Version": "2012-10-17", "Statement": []}}')
key = kms.create_key()["KeyMetadata"]["Arn"]
eks.create_cluster(name="{name}", version="1.32", roleArn="arn:aws:iam::123456789012:role/x",
    resourcesVpcConfig={{"subnetIds": [sub], "securityGroupIds": [sg], "endpointPublicAccess": True, "publicAccessCidrs": ["0.0.0.0/0"]}},
    encryptionConfig=[{{"resources": ["secrets"], "provider": {{"keyArn": key}}}}])
"#
    );
    let py = Command::new("python3")
        .arg("-c")
        .arg(&setup)
        .output()
        .unwrap();
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );

    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("snap");
    let target = [
        "--cluster",
        &name,
        "--region",
        "eu-west-1",
        "--endpoint-url",
        &url,
    ];
    let snap = run(&[
        &["aws", "snapshot", "--out", out_dir.to_str().unwrap()],
        &target[..],
    ]
    .concat());
    assert!(
        snap.status.success(),
        "{}",
        String::from_utf8_lossy(&snap.stderr)
    );
    assert!(out_dir.join("eks/describe-cluster.json").is_file());
    // The identity it ran as, on stderr and in the index.
    let err = String::from_utf8_lossy(&snap.stderr);
    assert!(
        err.lines()
            .any(|l| l.starts_with("AWS: collecting as arn:aws:")
                && l.ends_with("(account 123456789012, region eu-west-1)")),
        "{err}"
    );
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("snapshot.json")).unwrap())
            .unwrap();
    assert_eq!(index["account"], "123456789012");
    assert_eq!(index["region"], "eu-west-1");
    assert_eq!(index["cluster"], name.as_str());
    assert_eq!(index["eksguardVersion"], env!("CARGO_PKG_VERSION"));
    assert!(
        index["identity"]["Arn"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:")
    );
    assert!(index["collectedAt"].as_str().unwrap().ends_with('Z'));
    // moto lacks access entries: the gap is recorded in its words.
    assert!(
        index["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["action"] == "eks:ListAccessEntries"
                && g["class"] == "not_found"
                && g["status"] == 404),
        "{index:#}"
    );
    let gone = out_dir.join(format!("iam/roles/{name}-gone"));
    assert!(gone.is_dir());

    // The role is deleted; the next snapshot into the same directory
    // replaces the old one as a whole.
    let py = Command::new("python3")
        .arg("-c")
        .arg(format!(
            r#"
import boto3
boto3.client("iam", endpoint_url="{url}", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing").delete_role(RoleName="{name}-gone")
"#
        ))
        .output()
        .unwrap();
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    let again = run(&[
        &["aws", "snapshot", "--out", out_dir.to_str().unwrap()],
        &target[..],
    ]
    .concat());
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("(replacing the previous snapshot)"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(
        !gone.exists(),
        "a role deleted since is still in the snapshot"
    );
    // Nothing left beside it.
    let beside: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(beside, ["snap"]);

    // A directory that is not a snapshot is never touched.
    let foreign = dir.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    let refused = run(&[
        &["aws", "snapshot", "--out", foreign.to_str().unwrap()],
        &target[..],
    ]
    .concat());
    assert_eq!(refused.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&refused.stderr),
        format!(
            "error: {} is not empty and is not an eksguard snapshot (no snapshot.json): refusing to replace it; choose a new or empty directory\n",
            foreign.display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(foreign.join("notes.txt")).unwrap(),
        "mine"
    );

    let live = run(&[
        &["scan", "--aws", "-f", "json", "--now", "2026-06-01"],
        &target[..],
    ]
    .concat());
    let offline = run(&[
        "scan",
        "--aws-snapshot",
        out_dir.to_str().unwrap(),
        "-f",
        "json",
        "--now",
        "2026-06-01",
    ]);
    let (live, offline) = (json(&live), json(&offline));
    let (a, b) = (comparable(&live), comparable(&offline));
    assert_eq!(a, b);
    let ids: BTreeSet<&str> = a.iter().map(|f| f.0.as_str()).collect();
    // 1.32 left standard support on 2026-03-23; the kubelet port is open to
    // the internet on the cluster's security group; moto lacks access entries.
    for id in [
        "NET-001",
        "NET-002",
        "NET-004",
        "LOG-001",
        "DATA-002",
        "PATCH-001",
        "AWS-001",
    ] {
        assert!(ids.contains(id), "no {id} in {a:#?}");
    }
}

#[test]
fn a_live_scan_gates_ecr_images_on_their_scan_findings() {
    let Some(url) = moto_url() else { return };
    let name = format!("cli-ecr-{}", std::process::id());
    let repo = format!("team/{name}");
    // A cluster to scan, and in ECR: `REPO:1.0` scanned with a critical
    // vulnerability, `REPO:2.0` never scanned.
    common::moto_ecr_cluster(&url, &name, &repo, &["1.0", "2.0"], 9);
    let dir = tempfile::tempdir().unwrap();
    let host = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
    let manifest = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cart\n  namespace: shop\nspec:\n  selector:\n    matchLabels: {{app: cart}}\n  template:\n    metadata:\n      labels: {{app: cart}}\n    spec:\n      containers:\n        - name: cart\n          image: {host}/{repo}:1.0\n        - name: sidecar\n          image: {host}/{repo}:2.0\n"
    );
    std::fs::write(dir.path().join("cart.yaml"), manifest).unwrap();
    let out = run(&[
        "scan",
        dir.path().to_str().unwrap(),
        "--aws",
        "--cluster",
        &name,
        "--region",
        "eu-west-1",
        "--endpoint-url",
        &url,
        "-f",
        "json",
    ]);
    let report = json(&out);
    let errors = report["errors"].as_array().unwrap();
    assert!(
        !errors
            .iter()
            .any(|e| e["input"].as_str().unwrap_or_default().starts_with("ecr:")),
        "{errors:#?}"
    );
    let img = |id: &str| -> Vec<String> {
        findings(&report)
            .iter()
            .filter(|f| f["control"] == id)
            .map(|f| f["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let vulnerable = img("IMG-010");
    assert_eq!(vulnerable.len(), 1, "{vulnerable:#?}");
    // Read as a report named after the image in ECR.
    assert!(
        vulnerable[0].contains("CVE-2024-5535 (critical, libssl3 3.1.4-r0")
            && vulnerable[0].contains(&format!("ecr:123456789012/{repo}:1.0")),
        "{}",
        vulnerable[0]
    );
    let unscanned = img("IMG-011");
    assert!(
        unscanned.iter().any(|m| m.contains(":2.0")),
        "{unscanned:#?}"
    );
}

/// The setup of the moto server with IAM authorization on: its first three
/// actions are free (an admin user, its policy and key), everything after
/// is checked against IAM. The admin creates a cluster and a principal that
/// may call nothing but `sts:GetCallerIdentity`; prints that principal's key.
const MOTO_AUTH_SETUP: &str = r#"
import boto3, json, sys
url = sys.argv[1]
kw = dict(endpoint_url=url, region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
iam = boto3.client("iam", **kw)
iam.create_user(UserName="admin")
iam.put_user_policy(UserName="admin", PolicyName="all", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
k = iam.create_access_key(UserName="admin")["AccessKey"]
kw.update(aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"])
iam = boto3.client("iam", **kw)
ec2 = boto3.client("ec2", **kw)
vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
sub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
role = iam.create_role(RoleName="cluster", AssumeRolePolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
boto3.client("eks", **kw).create_cluster(name="locked", roleArn=role, resourcesVpcConfig={"subnetIds": [sub]})
iam.create_user(UserName="auditor")
iam.put_user_policy(UserName="auditor", PolicyName="whoami", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}]}))
lk = iam.create_access_key(UserName="auditor")["AccessKey"]
print(lk["AccessKeyId"], lk["SecretAccessKey"])
"#;

/// A principal that may call nothing but `sts:GetCallerIdentity` (moto's
/// IAM authorization): the scan cannot verify anything on the AWS side, so
/// it exits 2 and says what was not checked, never "PASS".
#[test]
fn a_scan_that_could_read_nothing_exits_2_listing_what_was_not_checked() {
    let url = match std::env::var("EKSGUARD_MOTO_AUTH_URL") {
        Ok(u) if !u.is_empty() => u,
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!(
                "EKSGUARD_MOTO_AUTH_URL is not set in CI: scripts/test.sh starts moto with IAM authorization"
            )
        }
        _ => {
            eprintln!("skipped: EKSGUARD_MOTO_AUTH_URL is not set (scripts/test.sh starts it)");
            return;
        }
    };
    let setup = Command::new("python3")
        .args(["-c", MOTO_AUTH_SETUP, &url])
        .output()
        .expect("run python3");
    assert!(
        setup.status.success(),
        "moto setup (needs a fresh moto with INITIAL_NO_AUTH_ACTION_COUNT=3): {}",
        String::from_utf8_lossy(&setup.stderr)
    );
    let keys = String::from_utf8_lossy(&setup.stdout).into_owned();
    let (key, secret) = keys.trim().split_once(' ').unwrap();
    let scan = |extra: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_eksguard"));
        with_moto_env(&mut cmd)
            .env("AWS_ACCESS_KEY_ID", key)
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .args([
                "scan",
                "--aws",
                "--cluster",
                "locked",
                "--endpoint-url",
                &url,
            ])
            .args(extra)
            .current_dir(repo_root())
            .output()
            .unwrap()
    };
    let out = scan(&["--format", "json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("results were not checked because collection failed"),
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = report["results"].as_array().unwrap();
    // Nothing on the AWS side passed: every AWS control is not checked.
    for id in [
        "NET-001", "NET-004", "LOG-001", "DATA-004", "ACC-003", "IAM-020", "AUTO-003",
    ] {
        let mine: Vec<_> = results.iter().filter(|r| r["control"] == id).collect();
        assert!(!mine.is_empty(), "{id}");
        for r in &mine {
            assert_eq!(r["status"], "not_checked", "{id}: {r}");
            assert_eq!(r["gap"], "collection_failed", "{id}: {r}");
        }
    }
    assert!(report["summary"]["collection_failures"].as_u64().unwrap() >= 7);
    assert_eq!(
        report["summary"]["responsibilities"]["aws-managed"]["pass"],
        0
    );
    // AWS-001 names each call that failed.
    let actions: BTreeSet<String> = findings(&report)
        .iter()
        .filter(|f| f["control"] == "AWS-001")
        .map(|f| f["message"].as_str().unwrap().to_owned())
        .collect();
    for action in [
        "eks:DescribeCluster",
        "ec2:DescribeSecurityGroups",
        "iam:GetAccountAuthorizationDetails",
    ] {
        assert!(
            actions.iter().any(|m| m.contains(action)),
            "{action}: {actions:?}"
        );
    }
    // The table says so on its last line.
    let out = scan(&[]);
    assert_eq!(out.status.code(), Some(2));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table
            .trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("INCOMPLETE: "),
        "{table}"
    );
    // The same principal's snapshot: the scan of it reports the same
    // not-checked controls, for the same reasons, as the live scan.
    let dir = tempfile::tempdir().unwrap();
    let snap_dir = dir.path().join("snap");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_eksguard"));
    let snap = with_moto_env(&mut cmd)
        .env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .args([
            "aws",
            "snapshot",
            "--cluster",
            "locked",
            "--endpoint-url",
            &url,
            "--out",
            snap_dir.to_str().unwrap(),
        ])
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert!(
        snap.status.success(),
        "{}",
        String::from_utf8_lossy(&snap.stderr)
    );
    // Every failure in moto's own words, never "Unknown unhandled error":
    // EC2 and IAM deny; moto's IAM authorization rejects the signature of
    // EKS calls, and says so; operations moto lacks answer 404.
    let warned = String::from_utf8_lossy(&snap.stderr);
    for line in [
        "AWS: collecting as arn:aws:iam::123456789012:user/auditor (account 123456789012, region eu-west-1)",
        "warning: could not collect security groups: ec2:DescribeSecurityGroups was denied: HTTP 403 AccessDenied: User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: ec2:DescribeSecurityGroups (request ID ",
        "warning: could not collect cluster locked: eks:DescribeCluster rejected the credentials: HTTP 403 SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided.",
        "warning: could not collect access entries of cluster locked: eks:ListAccessEntries answered not found: HTTP 404 Not Found: The requested URL was not found on the server.",
    ] {
        assert!(
            warned.lines().any(|l| l.starts_with(line)),
            "{line}\n{warned}"
        );
    }
    assert!(!warned.contains("Unknown unhandled error"), "{warned}");
    let offline = eksguard(&[
        "scan",
        "--aws-snapshot",
        snap_dir.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(offline.status.code(), Some(2));
    let not_checked = |r: &Value| -> BTreeSet<(String, String, String)> {
        r["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["status"] == "not_checked")
            .map(|x| {
                let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
                // Request IDs differ between two collections.
                let reason = s(&x["reason"]);
                let reason = reason.split(" (request ID").next().unwrap_or("").to_owned();
                (s(&x["control"]), s(&x["gap"]), reason)
            })
            .collect()
    };
    assert_eq!(not_checked(&report), not_checked(&json(&offline)));

    // Accepting a partial scan: the findings decide (AWS-001 is medium).
    let out = scan(&["--format", "json", "--allow-partial"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// eksguard with a clean AWS environment: no credentials, no region, no
/// profile, no instance metadata, and `HOME` at `home` (no config files).
fn bare(home: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_eksguard"));
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("HOME", home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1")
        .args(args)
        .current_dir(repo_root())
        .output()
        .unwrap()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn an_endpoint_without_a_scheme_is_refused_when_the_flags_are_read() {
    let home = tempfile::tempdir().unwrap();
    let out = bare(
        home.path(),
        &[
            "scan",
            "--aws",
            "--cluster",
            "c",
            "--endpoint-url",
            "127.0.0.1:5999",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("error: invalid value '127.0.0.1:5999' for '--endpoint-url <URL>': `127.0.0.1:5999` has no scheme: give a URL such as http://127.0.0.1:5999 or https://127.0.0.1:5999\n"),
        "{}",
        stderr(&out)
    );
    let out = bare(
        home.path(),
        &[
            "scan",
            "--aws",
            "--cluster",
            "c",
            "--endpoint-url",
            "ftp://x",
        ],
    );
    assert!(
        stderr(&out).contains("`ftp://x`: the scheme must be http or https, not ftp"),
        "{}",
        stderr(&out)
    );
}

/// Nothing listening: one line naming the endpoint, within the bounded
/// connect timeout, without retries or a Rust `Debug` dump.
#[test]
fn an_unreachable_endpoint_fails_within_seconds_naming_it() {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_eksguard"));
    let start = std::time::Instant::now();
    let out = with_moto_env(&mut cmd)
        .env("HOME", home.path())
        .args([
            "scan",
            "--aws",
            "--cluster",
            "c",
            "--endpoint-url",
            "http://127.0.0.1:1",
        ])
        .current_dir(repo_root())
        .output()
        .unwrap();
    let took = start.elapsed();
    assert_eq!(out.status.code(), Some(2));
    assert!(took < std::time::Duration::from_secs(5), "took {took:?}");
    assert_eq!(
        stderr(&out),
        "error: cannot reach AWS at http://127.0.0.1:1: tcp connect error: Connection refused (os error 111) (sts:GetCallerIdentity, connect timeout 3 s); check --endpoint-url and network access (proxy, firewall, VPC endpoint), or raise --connect-timeout\n"
    );
}

#[test]
fn no_region_and_no_credentials_say_what_to_do() {
    let home = tempfile::tempdir().unwrap();
    let out = bare(home.path(), &["scan", "--aws", "--cluster", "c"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: no region: pass --region or set AWS_REGION\n"
    );
    let out = bare(
        home.path(),
        &[
            "aws",
            "snapshot",
            "--cluster",
            "c",
            "--region",
            "eu-west-1",
            "--out",
            "x",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let h = home.path().display();
    assert_eq!(
        stderr(&out),
        format!(
            "error: Unable to locate credentials. Tried, in order: environment variables (AWS_ACCESS_KEY_ID not set, AWS_SECRET_ACCESS_KEY not set); shared credentials file ({h}/.aws/credentials: no such file); config file ({h}/.aws/config: no such file); assume role with web identity (AWS_WEB_IDENTITY_TOKEN_FILE not set, AWS_ROLE_ARN not set); container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI not set, AWS_CONTAINER_CREDENTIALS_FULL_URI not set); EC2 instance metadata (disabled by AWS_EC2_METADATA_DISABLED). You can configure credentials by running \"aws configure\".\n"
        )
    );
    assert!(!repo_root().join("x").exists());
}

/// `--profile nosuch` is an error, even with credentials in the
/// environment (which a profile given on the command line overrides).
#[test]
fn an_unknown_profile_is_an_error_even_with_credentials_in_the_environment() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    std::fs::write(
        home.path().join(".aws/config"),
        "[default]\nregion = eu-west-1\n[profile ops]\nregion = eu-west-1\n",
    )
    .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_eksguard"));
    let out = with_moto_env(&mut cmd)
        .env("HOME", home.path())
        .args(["scan", "--aws", "--cluster", "c", "--profile", "nosuch"])
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let h = home.path().display();
    assert_eq!(
        stderr(&out),
        format!(
            "error: The config profile (nosuch) could not be found (looked in {h}/.aws/config and {h}/.aws/credentials (missing)); `aws configure list-profiles` lists the profiles there are\n"
        )
    );
}

/// The profile given wins over credentials in the environment (as with
/// the AWS CLI): the error names the identity it looked as.
#[test]
fn a_profile_given_is_used_over_credentials_in_the_environment() {
    let Some(url) = moto_url() else { return };
    let user = format!("profile-user-{}", std::process::id());
    // moto answers GetCallerIdentity with the IAM user owning the key.
    let setup = format!(
        r#"
import boto3
iam = boto3.client("iam", endpoint_url="{url}", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing")
iam.create_user(UserName="{user}")
k = iam.create_access_key(UserName="{user}")["AccessKey"]
print(k["AccessKeyId"], k["SecretAccessKey"])
"#
    );
    let py = Command::new("python3")
        .args(["-c", &setup])
        .output()
        .unwrap();
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    let keys = String::from_utf8_lossy(&py.stdout).into_owned();
    let (key, secret) = keys.trim().split_once(' ').unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    std::fs::write(
        home.path().join(".aws/credentials"),
        format!("[scanner]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n"),
    )
    .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_eksguard"));
    let out = with_moto_env(&mut cmd)
        .env("HOME", home.path())
        .args([
            "scan",
            "--aws",
            "--cluster",
            "no-such-cluster",
            "--profile",
            "scanner",
            "--endpoint-url",
            &url,
        ])
        .current_dir(repo_root())
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(
        err,
        format!(
            "error: EKS cluster no-such-cluster not found in region eu-west-1 of account 123456789012 (looked as arn:aws:iam::123456789012:user/{user}); check --cluster, --region and which account the credentials belong to\n"
        ),
    );
}

/// `--format policyreport` of an AWS-side scan: one ClusterPolicyReport
/// whose AWS results name the resource by ARN (`uid` and
/// `properties.arn`), passes included.
#[test]
fn policyreport_of_an_aws_scan_names_resources_by_arn() {
    let out = eksguard(&[
        "scan",
        "--aws-snapshot",
        "examples/insecure-cluster/aws",
        "-f",
        "policyreport",
        "--now",
        "2026-11-27",
    ]);
    let list = json(&out);
    let items = list["items"].as_array().unwrap();
    let report = items
        .iter()
        .find(|i| i["kind"] == "ClusterPolicyReport")
        .expect("a ClusterPolicyReport");
    let results = report["results"].as_array().unwrap();
    let with_resource: Vec<&Value> = results
        .iter()
        .filter(|r| r["resources"].as_array().is_some_and(|a| !a.is_empty()))
        .collect();
    assert!(!with_resource.is_empty());
    for r in &with_resource {
        let uid = r["resources"][0]["uid"].as_str().unwrap_or_default();
        assert!(uid.starts_with("arn:aws:"), "{r}");
        assert_eq!(r["properties"]["arn"], uid, "{r}");
        assert!(
            r["resources"][0]["kind"]
                .as_str()
                .unwrap()
                .starts_with("AWS::"),
            "{r}"
        );
    }
    let net002 = with_resource
        .iter()
        .find(|r| r["policy"] == "NET-002" && r["result"] == "fail")
        .expect("NET-002 fails on the example");
    assert_eq!(
        net002["resources"][0]["uid"],
        "arn:aws:eks:eu-west-1:111122223333:cluster/acme-prod"
    );
    assert!(
        with_resource.iter().any(|r| r["result"] == "pass"),
        "passes are reported too"
    );
}
