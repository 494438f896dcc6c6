//! Reading scan reports. The format is recognised from the document's
//! top-level keys (they do not overlap between scanners), in one parse.

mod ecr;
mod grype;
mod trivy;

use crate::reference;
use crate::vuln::ImageScan;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// A report that could not be read, with the position when it is a JSON
/// error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", position(*line, *column))]
pub struct ReportError {
    pub file: String,
    /// 1-based; 0 when the error is not at a position.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

fn position(line: usize, column: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(":{line}:{column}")
    }
}

impl ReportError {
    fn new(file: &str, message: impl Into<String>) -> Self {
        ReportError {
            file: file.to_owned(),
            line: 0,
            column: 0,
            message: message.into(),
        }
    }
}

/// Every format's top-level keys (they do not overlap): one pass over the
/// document reads whichever format it is, without buffering it as a tree.
#[derive(Deserialize)]
struct AnyReport {
    #[serde(rename = "SchemaVersion")]
    schema_version: Option<u32>,
    #[serde(rename = "ArtifactName")]
    artifact_name: Option<String>,
    #[serde(rename = "ArtifactType")]
    artifact_type: Option<String>,
    #[serde(rename = "Metadata", default)]
    metadata: trivy::Metadata,
    #[serde(rename = "Results")]
    results: Option<Vec<trivy::TrivyResult>>,
    matches: Option<Vec<grype::Match>>,
    source: Option<grype::Source>,
    #[serde(rename = "registryId")]
    registry_id: Option<String>,
    #[serde(rename = "repositoryName")]
    repository_name: Option<String>,
    #[serde(rename = "imageId")]
    image_id: Option<ecr::ImageId>,
    #[serde(rename = "imageScanStatus")]
    image_scan_status: Option<ecr::ScanStatus>,
    #[serde(rename = "imageScanFindings")]
    image_scan_findings: Option<ecr::Findings>,
}

/// Reads one report (Trivy `--format json`, Grype `-o json`, or the output
/// of `aws ecr describe-image-scan-findings`).
pub fn read_report(path: &Path, max_bytes: u64) -> Result<ImageScan, ReportError> {
    let file = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| ReportError::new(&file, e.to_string()))?;
    if meta.len() > max_bytes {
        return Err(ReportError::new(
            &file,
            format!(
                "{} bytes is over the {max_bytes}-byte limit for a scan report",
                meta.len()
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| ReportError::new(&file, e.to_string()))?;
    parse_report(&file, &bytes)
}

pub fn parse_report(file: &str, bytes: &[u8]) -> Result<ImageScan, ReportError> {
    let any: AnyReport = serde_json::from_slice(bytes).map_err(|e| ReportError {
        file: file.to_owned(),
        line: e.line(),
        column: e.column(),
        message: format!("not a readable scan report: {e}"),
    })?;
    let trivy = trivy::Report {
        schema_version: any.schema_version,
        artifact_name: any.artifact_name,
        artifact_type: any.artifact_type,
        metadata: any.metadata,
        results: any.results,
    };
    let grype = grype::Report {
        matches: any.matches,
        source: any.source,
    };
    let ecr = ecr::Report {
        registry_id: any.registry_id,
        repository_name: any.repository_name,
        image_id: any.image_id,
        status: any.image_scan_status,
        findings: any.image_scan_findings,
    };
    let scan = if trivy.is_present() {
        trivy.into_scan(file)
    } else if grype.is_present() {
        grype.into_scan(file)
    } else if ecr.is_present() {
        ecr.into_scan(file)
    } else {
        Err(
            "not a Trivy (`trivy image -f json`), Grype (`grype -o json`) or ECR (`aws ecr describe-image-scan-findings`) report"
                .to_owned(),
        )
    };
    scan.map_err(|m| ReportError::new(file, m))
}

/// Reads reports from files and directories (every `*.json` below them,
/// sorted). A bad report is an error of its own; the others are still read.
pub fn read_reports(paths: &[PathBuf], max_bytes: u64) -> (Vec<ImageScan>, Vec<ReportError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        collect(p, &mut files, &mut errors);
    }
    let mut scans = Vec::new();
    for f in files {
        match read_report(&f, max_bytes) {
            Ok(s) => scans.push(s),
            Err(e) => errors.push(e),
        }
    }
    (scans, errors)
}

fn collect(path: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<ReportError>) {
    if !path.is_dir() {
        files.push(path.to_owned());
        return;
    }
    let entries = match std::fs::read_dir(path) {
        Ok(r) => r,
        Err(e) => {
            errors.push(ReportError::new(&path.display().to_string(), e.to_string()));
            return;
        }
    };
    let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    children.sort();
    for c in children {
        if c.is_dir() {
            collect(&c, files, errors);
        } else if c.extension().is_some_and(|e| e == "json") {
            files.push(c);
        }
    }
}

/// `repo@sha256:…` → `sha256:…`.
fn digest_of(repo_digest: &str) -> Option<String> {
    let d = repo_digest.rsplit_once('@').map_or(repo_digest, |(_, d)| d);
    d.starts_with("sha256:").then(|| d.to_owned())
}

/// A scanner's image name → the normalised `registry/repository:tag`.
fn name_of(image: &str) -> Option<String> {
    let r = reference::parse(image)?;
    // A reference with only a digest names no tag.
    (r.tag.is_some() || r.digest.is_none()).then(|| r.name_tag())
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}
