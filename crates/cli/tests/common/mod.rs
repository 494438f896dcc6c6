//! Helpers shared by the CLI integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The read-only `shared/` directory beside the repository. Tests that need
/// it fail loudly rather than skip when it is missing.
pub fn shared() -> PathBuf {
    if let Some(p) = std::env::var_os("EKSGUARD_SHARED") {
        return PathBuf::from(p);
    }
    let p = repo_root().join("../shared");
    assert!(
        p.is_dir(),
        "shared fixtures not found at {}; set EKSGUARD_SHARED",
        p.display()
    );
    p
}

pub fn eksguard(args: &[&str]) -> Output {
    eksguard_in(&repo_root(), args, None)
}

pub fn eksguard_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_eksguard"));
    cmd.args(args).current_dir(dir).env("NO_COLOR", "1");
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run eksguard");
    if let Some(input) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    child.wait_with_output().unwrap()
}

pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Seeds moto (at `url`) with an EKS cluster `cluster` and an ECR repository
/// `repo` in eu-west-1 of account 123456789012 holding one image per tag;
/// `REPO:1.0` is scanned, with CVE-2024-5535 (critical, libssl3) as its
/// finding (moto's API for custom scan results); other tags are never
/// scanned. `octet` keeps tests' VPC ranges apart.
pub fn moto_ecr_cluster(url: &str, cluster: &str, repo: &str, tags: &[&str], octet: u8) {
    let tags = tags
        .iter()
        .map(|t| format!("{t:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    let setup = format!(
        r#"
import boto3, json, requests
kw = dict(endpoint_url="{url}", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing")
ec2, eks, ecr = boto3.client("ec2", **kw), boto3.client("eks", **kw), boto3.client("ecr", **kw)
vpc = ec2.create_vpc(CidrBlock="10.{octet}.0.0/16")["Vpc"]["VpcId"]
sub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.{octet}.1.0/24")["Subnet"]["SubnetId"]
eks.create_cluster(name="{cluster}", version="1.33", roleArn="arn:aws:iam::123456789012:role/x",
    resourcesVpcConfig={{"subnetIds": [sub]}})
ecr.create_repository(repositoryName="{repo}")
for tag in [{tags}]:
    manifest = {{"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {{"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1, "digest": "sha256:" + "0" * 64}},
        "layers": [], "annotations": {{"tag": tag}}}}
    ecr.put_image(repositoryName="{repo}", imageTag=tag, imageManifest=json.dumps(manifest))
ecr.start_image_scan(repositoryName="{repo}", imageId={{"imageTag": "1.0"}})
result = {{"registryId": "123456789012", "repositoryName": "{repo}", "imageId": {{"imageTag": "1.0"}},
    "imageScanStatus": {{"status": "COMPLETE"}},
    "imageScanFindings": {{"findings": [{{"name": "CVE-2024-5535", "severity": "CRITICAL",
        "attributes": [{{"key": "package_name", "value": "libssl3"}}, {{"key": "package_version", "value": "3.1.4-r0"}}]}}]}}}}
requests.post("{url}/moto-api/static/ecr/scan-finding-results", json={{"results": [result], "region": "eu-west-1"}}).raise_for_status()
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
}
