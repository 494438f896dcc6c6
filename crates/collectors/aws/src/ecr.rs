//! Amazon ECR image scan findings, read live for the images workloads run,
//! as the documents `aws ecr describe-image-scan-findings` prints (pages
//! merged), so the image gate reads them exactly like report files.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::date_time::Format;
use eksguard_core::InputError;
use eksguard_images::EcrImage;
use futures_util::StreamExt;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// How many images are asked about at once.
pub const ECR_CONCURRENCY: usize = 8;

/// Scan documents by pseudo file name (`ecr:ACCOUNT/REPO@DIGEST` or
/// `ecr:ACCOUNT/REPO:TAG`), and the problems met reading them.
pub type EcrFindings = (Vec<(String, Value)>, Vec<InputError>);

/// The IAM action of `DescribeImageScanFindings`.
const ACTION: &str = "ecr:DescribeImageScanFindings";

/// Scan findings of each ECR image (deduplicated), each asked in its own
/// region of its own registry: (`ecr:ACCOUNT/REPO@DIGEST` or
/// `ecr:ACCOUNT/REPO:TAG`, the `describe-image-scan-findings` document).
///
/// An image never scanned has no document (the gate then reports it as not
/// scanned); an image or repository that does not exist is a warning; a
/// denied or failed call is an error naming the image, and the others are
/// still read.
pub async fn ecr_scan_findings(conf: &aws_config::SdkConfig, images: &[EcrImage]) -> EcrFindings {
    let unique: BTreeSet<&EcrImage> = images.iter().collect();
    let mut clients: BTreeMap<&str, aws_sdk_ecr::Client> = BTreeMap::new();
    for img in &unique {
        clients.entry(img.region.as_str()).or_insert_with(|| {
            aws_sdk_ecr::Client::from_conf(
                aws_sdk_ecr::config::Builder::from(conf)
                    .region(aws_config::Region::new(img.region.clone()))
                    .build(),
            )
        });
    }
    let clients = &clients;
    let results: Vec<Result<Option<(String, Value)>, InputError>> =
        futures_util::stream::iter(unique)
            .map(|img| async move {
                let client = &clients[img.region.as_str()];
                findings(client, img).await
            })
            .buffered(ECR_CONCURRENCY)
            .collect()
            .await;
    let mut docs = Vec::new();
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(Some(d)) => docs.push(d),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    (docs, errors)
}

/// The pseudo file name of an image's findings.
fn input_name(img: &EcrImage) -> String {
    format!("ecr:{}", img.id())
}

async fn findings(
    client: &aws_sdk_ecr::Client,
    img: &EcrImage,
) -> Result<Option<(String, Value)>, InputError> {
    use aws_sdk_ecr::types::ImageIdentifier;
    let input = input_name(img);
    let image_id = match &img.digest {
        Some(d) => ImageIdentifier::builder().image_digest(d).build(),
        None => ImageIdentifier::builder()
            .image_tag(img.tag.as_deref().unwrap_or("latest"))
            .build(),
    };
    let mut doc: Option<Map<String, Value>> = None;
    let mut basic: Vec<Value> = Vec::new();
    let mut enhanced: Vec<Value> = Vec::new();
    let mut pages = client
        .describe_image_scan_findings()
        .registry_id(&img.account)
        .repository_name(&img.repository)
        .image_id(image_id)
        .max_results(1000)
        .into_paginator()
        .send();
    while let Some(r) = pages.next().await {
        let page = match r {
            Ok(p) => p,
            Err(SdkError::ServiceError(e)) if e.err().is_scan_not_found_exception() => {
                return Ok(None);
            }
            Err(SdkError::ServiceError(e))
                if e.err().is_image_not_found_exception()
                    || e.err().is_repository_not_found_exception() =>
            {
                let what = if e.err().is_image_not_found_exception() {
                    "no such image"
                } else {
                    "no such repository"
                };
                return Err(InputError::warning(
                    input,
                    format!(
                        "ECR scan findings of {} in {}: {what} ({})",
                        img.id(),
                        img.region,
                        aws_smithy_types::error::metadata::ProvideErrorMetadata::code(e.err())
                            .unwrap_or("Unknown"),
                    ),
                ));
            }
            Err(e) => {
                let endpoint = format!("https://api.ecr.{}.amazonaws.com", img.region);
                let gap = crate::failure::of(&e, &endpoint).gap(ACTION, "");
                let message = format!(
                    "could not read the ECR scan findings of {} in {}: {}. {}",
                    img.id(),
                    img.region,
                    gap.summary(),
                    gap.advice()
                );
                return Err(InputError::error(input, message));
            }
        };
        if doc.is_none() {
            let mut d = Map::new();
            put(&mut d, "registryId", s(page.registry_id()));
            put(&mut d, "repositoryName", s(page.repository_name()));
            if let Some(id) = page.image_id() {
                let mut i = Map::new();
                put(&mut i, "imageDigest", s(id.image_digest()));
                put(&mut i, "imageTag", s(id.image_tag()));
                d.insert("imageId".into(), Value::Object(i));
            }
            if let Some(st) = page.image_scan_status() {
                let mut m = Map::new();
                put(&mut m, "status", s(st.status().map(|x| x.as_str())));
                put(&mut m, "description", s(st.description()));
                d.insert("imageScanStatus".into(), Value::Object(m));
            }
            if let Some(f) = page.image_scan_findings() {
                let mut m = Map::new();
                put(
                    &mut m,
                    "imageScanCompletedAt",
                    date(f.image_scan_completed_at()),
                );
                put(
                    &mut m,
                    "vulnerabilitySourceUpdatedAt",
                    date(f.vulnerability_source_updated_at()),
                );
                if let Some(counts) = f.finding_severity_counts() {
                    let sorted: BTreeMap<&str, i32> =
                        counts.iter().map(|(k, v)| (k.as_str(), *v)).collect();
                    m.insert("findingSeverityCounts".into(), json!(sorted));
                }
                d.insert("imageScanFindings".into(), Value::Object(m));
            }
            doc = Some(d);
        }
        if let Some(f) = page.image_scan_findings() {
            basic.extend(f.findings().iter().map(basic_json));
            enhanced.extend(f.enhanced_findings().iter().map(enhanced_json));
        }
    }
    let mut doc = doc.unwrap_or_default();
    if let Some(Value::Object(f)) = doc.get_mut("imageScanFindings") {
        if !basic.is_empty() || enhanced.is_empty() {
            f.insert("findings".into(), basic.into());
        }
        if !enhanced.is_empty() {
            f.insert("enhancedFindings".into(), enhanced.into());
        }
    }
    Ok(Some((input, Value::Object(doc))))
}

fn basic_json(f: &aws_sdk_ecr::types::ImageScanFinding) -> Value {
    let attributes: Vec<Value> = f
        .attributes()
        .iter()
        .map(|a| obj(vec![("key", a.key().into()), ("value", s(a.value()))]))
        .collect();
    obj(vec![
        ("name", s(f.name())),
        ("description", s(f.description())),
        ("uri", s(f.uri())),
        ("severity", s(f.severity().map(|x| x.as_str()))),
        ("attributes", attributes.into()),
    ])
}

fn enhanced_json(f: &aws_sdk_ecr::types::EnhancedImageScanFinding) -> Value {
    let details = f.package_vulnerability_details().map(|d| {
        let packages: Vec<Value> = d
            .vulnerable_packages()
            .iter()
            .map(|p| {
                obj(vec![
                    ("arch", s(p.arch())),
                    ("epoch", p.epoch().map_or(Value::Null, Value::from)),
                    ("filePath", s(p.file_path())),
                    ("name", s(p.name())),
                    ("packageManager", s(p.package_manager())),
                    ("release", s(p.release())),
                    ("sourceLayerHash", s(p.source_layer_hash())),
                    ("version", s(p.version())),
                    ("fixedInVersion", s(p.fixed_in_version())),
                ])
            })
            .collect();
        obj(vec![
            ("source", s(d.source())),
            ("sourceUrl", s(d.source_url())),
            ("vendorSeverity", s(d.vendor_severity())),
            ("vulnerabilityId", s(d.vulnerability_id())),
            ("vulnerablePackages", packages.into()),
        ])
    });
    obj(vec![
        ("awsAccountId", s(f.aws_account_id())),
        ("description", s(f.description())),
        ("findingArn", s(f.finding_arn())),
        ("firstObservedAt", date(f.first_observed_at())),
        ("lastObservedAt", date(f.last_observed_at())),
        (
            "packageVulnerabilityDetails",
            details.unwrap_or(Value::Null),
        ),
        ("score", Value::from(f.score())),
        ("severity", s(f.severity())),
        ("status", s(f.status())),
        ("title", s(f.title())),
        ("type", s(f.r#type())),
        ("updatedAt", date(f.updated_at())),
        ("fixAvailable", s(f.fix_available())),
        ("exploitAvailable", s(f.exploit_available())),
    ])
}

fn s(v: Option<&str>) -> Value {
    v.map_or(Value::Null, Value::from)
}

fn date(v: Option<&aws_smithy_types::DateTime>) -> Value {
    v.and_then(|d| d.fmt(Format::DateTime).ok())
        .map_or(Value::Null, Value::from)
}

fn put(m: &mut Map<String, Value>, k: &str, v: Value) {
    if !v.is_null() {
        m.insert(k.to_owned(), v);
    }
}

/// A JSON object of the non-null fields, in the given order.
fn obj(fields: Vec<(&str, Value)>) -> Value {
    let mut m = Map::new();
    for (k, v) in fields {
        put(&mut m, k, v);
    }
    Value::Object(m)
}
