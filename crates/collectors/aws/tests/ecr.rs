//! Live Amazon ECR scan findings against moto: an image with a configured
//! scan result, one never scanned, and a repository that does not exist.

mod common;

use common::{moto_url, unique};
use eksguard_aws::live::{EcrImage, ecr_scan_findings};
use eksguard_core::ErrorLevel;
use eksguard_images::{FixState, ScanFormat, VulnSeverity};
use serde_json::json;
use std::io::{Read, Write};

/// moto's account: the registry of every repository created there.
const ACCOUNT: &str = "123456789012";
const REGION: &str = "eu-west-1";

/// POSTs JSON to moto's own API (no HTTP client among the dependencies).
fn moto_api_post(url: &str, path: &str, body: &serde_json::Value) {
    let hostport = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let body = body.to_string();
    let mut s = std::net::TcpStream::connect(&hostport).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let status = resp.split_whitespace().nth(1).unwrap_or_default();
    assert!(status.starts_with('2'), "moto API {path}: {resp}");
}

/// Creates `repo` with an image tagged `tag`; returns its digest.
async fn image(ecr: &aws_sdk_ecr::Client, repo: &str, tag: &str) -> String {
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 7023,
            "digest": format!("sha256:{:0>64}", tag.len()),
        },
        "layers": [],
        "annotations": {"eksguard.test": format!("{repo}:{tag}")},
    });
    let r = ecr
        .put_image()
        .repository_name(repo)
        .image_tag(tag)
        .image_manifest(manifest.to_string())
        .send()
        .await
        .unwrap();
    r.image()
        .and_then(|i| i.image_id())
        .and_then(|i| i.image_digest())
        .unwrap()
        .to_owned()
}

fn at(repo: &str, tag: Option<&str>, digest: Option<&str>) -> EcrImage {
    EcrImage {
        account: ACCOUNT.into(),
        region: REGION.into(),
        repository: repo.into(),
        tag: tag.map(str::to_owned),
        digest: digest.map(str::to_owned),
    }
}

#[tokio::test]
async fn scan_findings_are_read_as_the_cli_prints_them() {
    let Some(url) = moto_url() else { return };
    // Another region as the SDK default: each image is asked in its own.
    let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-2"))
        .endpoint_url(&url)
        .credentials_provider(aws_sdk_sts::config::Credentials::new(
            "testing", "testing", None, None, "moto",
        ))
        .load()
        .await;
    let ecr = aws_sdk_ecr::Client::from_conf(
        aws_sdk_ecr::config::Builder::from(&conf)
            .region(aws_config::Region::new(REGION))
            .build(),
    );
    let repo = unique("team/cart");
    ecr.create_repository()
        .repository_name(&repo)
        .send()
        .await
        .unwrap();
    let scanned = image(&ecr, &repo, "3.0.2").await;
    let _unscanned = image(&ecr, &repo, "3.0.3").await;
    ecr.start_image_scan()
        .repository_name(&repo)
        .image_id(
            aws_sdk_ecr::types::ImageIdentifier::builder()
                .image_tag("3.0.2")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let result = json!({
        "registryId": ACCOUNT,
        "repositoryName": repo,
        "imageId": {"imageDigest": scanned, "imageTag": "3.0.2"},
        "imageScanStatus": {"status": "COMPLETE", "description": "The scan was completed successfully."},
        "imageScanFindings": {
            "findings": [],
            "enhancedFindings": [
                {
                    "severity": "CRITICAL",
                    "status": "ACTIVE",
                    "fixAvailable": "YES",
                    "packageVulnerabilityDetails": {
                        "vulnerabilityId": "CVE-2024-5535",
                        "sourceUrl": "https://nvd.nist.gov/vuln/detail/CVE-2024-5535",
                        "vulnerablePackages": [
                            {"name": "libssl3", "version": "3.1.4-r0", "fixedInVersion": "3.1.6-r0"}
                        ]
                    }
                },
                {
                    "severity": "HIGH",
                    "status": "SUPPRESSED",
                    "fixAvailable": "NO",
                    "packageVulnerabilityDetails": {
                        "vulnerabilityId": "CVE-2023-0001",
                        "vulnerablePackages": [{"name": "zlib", "version": "1.2.13"}]
                    }
                }
            ],
            "findingSeverityCounts": {"CRITICAL": 1, "HIGH": 1}
        }
    });
    moto_api_post(
        &url,
        "/moto-api/static/ecr/scan-finding-results",
        &json!({"results": [result], "region": REGION}),
    );

    let missing_repo = unique("nowhere");
    let images = [
        at(&repo, Some("3.0.2"), None),
        // The same image twice is asked about once.
        at(&repo, Some("3.0.2"), None),
        at(&repo, Some("3.0.3"), None),
        at(&missing_repo, None, None),
    ];
    let (docs, errors) = ecr_scan_findings(&conf, &images).await;

    // The image never scanned has no document (IMG-011 reports it).
    assert_eq!(docs.len(), 1, "{docs:#?}");
    let (name, doc) = &docs[0];
    assert_eq!(name, &format!("ecr:{ACCOUNT}/{repo}:3.0.2"));
    let scan =
        eksguard_images::report::parse_report(name, &serde_json::to_vec(doc).unwrap()).unwrap();
    assert_eq!(scan.format, ScanFormat::EcrEnhanced);
    assert_eq!(scan.digests, vec![scanned.clone()]);
    assert_eq!(
        scan.ecr,
        Some((ACCOUNT.into(), repo.clone(), Some("3.0.2".into())))
    );
    // Only the ACTIVE finding counts.
    assert_eq!(scan.vulnerabilities.len(), 1, "{:#?}", scan.vulnerabilities);
    let v = &scan.vulnerabilities[0];
    assert_eq!(v.id, "CVE-2024-5535");
    assert_eq!(v.severity, VulnSeverity::Critical);
    assert_eq!(v.package, "libssl3");
    assert_eq!(v.installed, "3.1.4-r0");
    assert_eq!(v.fixed.as_deref(), Some("3.1.6-r0"));
    assert_eq!(v.fix, FixState::Fixed);

    // The index matches the scan to a container running the image.
    let index = eksguard_images::ImageIndex::new(vec![scan]);
    let (found, _) = index.lookup(&format!(
        "{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{repo}:3.0.2"
    ));
    assert_eq!(found.len(), 1);

    // The repository that does not exist is a warning naming the image.
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].level, ErrorLevel::Warning);
    assert_eq!(
        errors[0].input,
        format!("ecr:{ACCOUNT}/{missing_repo}:latest")
    );
    assert!(
        errors[0].message.contains("no such repository"),
        "{}",
        errors[0].message
    );
}

#[tokio::test]
async fn a_pinned_image_is_asked_by_digest() {
    let Some(url) = moto_url() else { return };
    let conf = common::moto_config(&url).await;
    let ecr = aws_sdk_ecr::Client::new(&conf);
    let repo = unique("ledger");
    ecr.create_repository()
        .repository_name(&repo)
        .send()
        .await
        .unwrap();
    let digest = image(&ecr, &repo, "5.2.0").await;
    ecr.start_image_scan()
        .repository_name(&repo)
        .image_id(
            aws_sdk_ecr::types::ImageIdentifier::builder()
                .image_digest(&digest)
                .build(),
        )
        .send()
        .await
        .unwrap();
    // No configured result: moto's default basic scan (one HIGH finding).
    let (docs, errors) = ecr_scan_findings(&conf, &[at(&repo, Some("old"), Some(&digest))]).await;
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].0, format!("ecr:{ACCOUNT}/{repo}@{digest}"));
    let scan =
        eksguard_images::report::parse_report(&docs[0].0, &serde_json::to_vec(&docs[0].1).unwrap())
            .unwrap();
    assert_eq!(scan.format, ScanFormat::EcrBasic);
    assert_eq!(scan.digests, vec![digest]);
    assert!(
        scan.vulnerabilities
            .iter()
            .any(|v| v.severity == VulnSeverity::High),
        "{:#?}",
        scan.vulnerabilities
    );
}

/// A denied call is an error naming the missing permission; the other
/// images are still asked about.
#[tokio::test]
async fn a_denied_call_names_the_missing_permission() {
    // A stub endpoint that denies everything (awsJson1_1 error shape).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { break };
            let mut buf = [0u8; 65536];
            let mut req = Vec::new();
            // Read headers and the (small) body.
            loop {
                let n = s.read(&mut buf).unwrap_or(0);
                req.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&req);
                if n == 0 {
                    break;
                }
                if let Some(end) = text.find("\r\n\r\n") {
                    let len = text
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if req.len() >= end + 4 + len {
                        break;
                    }
                }
            }
            let body = r#"{"__type":"AccessDeniedException","message":"not authorized to perform: ecr:DescribeImageScanFindings"}"#;
            let _ = write!(
                s,
                "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.1\r\nx-amzn-ErrorType: AccessDeniedException\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let conf = common::moto_config(&format!("http://{addr}")).await;
    let (docs, errors) = ecr_scan_findings(
        &conf,
        &[at("team/a", Some("1"), None), at("team/b", None, None)],
    )
    .await;
    assert!(docs.is_empty());
    assert_eq!(errors.len(), 2, "{errors:#?}");
    for e in &errors {
        assert_eq!(e.level, ErrorLevel::Error);
    }
    // The whole message, in AWS's words, with the advice for a denial.
    assert_eq!(
        errors[0].message,
        "could not read the ECR scan findings of 123456789012/team/a:1 in eu-west-1: ecr:DescribeImageScanFindings was denied: HTTP 400 AccessDeniedException: not authorized to perform: ecr:DescribeImageScanFindings. Allow ecr:DescribeImageScanFindings to the scanning principal (see deploy/iam/eksguard-scan-policy.json) and scan again."
    );
    assert_eq!(errors[0].input, format!("ecr:{ACCOUNT}/team/a:1"));
    assert_eq!(errors[1].input, format!("ecr:{ACCOUNT}/team/b:latest"));
}
