//! `aws ecr describe-image-scan-findings` (basic and enhanced scanning; the
//! CLI merges pages into one document).

use super::push_unique;
use crate::vuln::{FixState, ImageScan, ScanFormat, VulnSeverity, Vulnerability};
use serde::Deserialize;

#[derive(Default)]
pub(super) struct Report {
    pub(super) registry_id: Option<String>,
    pub(super) repository_name: Option<String>,
    pub(super) image_id: Option<ImageId>,
    pub(super) status: Option<ScanStatus>,
    pub(super) findings: Option<Findings>,
}

#[derive(Deserialize)]
pub(super) struct ImageId {
    #[serde(rename = "imageDigest")]
    digest: Option<String>,
    #[serde(rename = "imageTag")]
    tag: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct ScanStatus {
    #[serde(default)]
    status: String,
    description: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct Findings {
    #[serde(default)]
    findings: Vec<BasicFinding>,
    #[serde(rename = "enhancedFindings", default)]
    enhanced: Vec<EnhancedFinding>,
}

#[derive(Deserialize)]
struct BasicFinding {
    name: String,
    #[serde(default)]
    severity: String,
    uri: Option<String>,
    #[serde(default)]
    attributes: Vec<Attribute>,
}

#[derive(Deserialize)]
struct Attribute {
    key: String,
    #[serde(default)]
    value: String,
}

#[derive(Deserialize)]
struct EnhancedFinding {
    #[serde(default)]
    severity: String,
    #[serde(default)]
    status: String,
    #[serde(rename = "fixAvailable", default)]
    fix_available: String,
    #[serde(rename = "packageVulnerabilityDetails")]
    details: Option<PackageDetails>,
}

#[derive(Deserialize)]
struct PackageDetails {
    #[serde(rename = "vulnerabilityId")]
    id: String,
    #[serde(rename = "sourceUrl")]
    source_url: Option<String>,
    #[serde(rename = "vulnerablePackages", default)]
    packages: Vec<Package>,
}

#[derive(Deserialize)]
struct Package {
    #[serde(default)]
    name: String,
    #[serde(default)]
    version: String,
    #[serde(rename = "fixedInVersion")]
    fixed_in: Option<String>,
}

impl Report {
    pub(super) fn is_present(&self) -> bool {
        self.findings.is_some() || (self.repository_name.is_some() && self.status.is_some())
    }

    pub(super) fn into_scan(self, file: &str) -> Result<ImageScan, String> {
        let repo = self.repository_name.unwrap_or_default();
        let (digest, tag) = self.image_id.map(|i| (i.digest, i.tag)).unwrap_or_default();
        let image = format!(
            "{}{repo}{}{}",
            self.registry_id
                .as_deref()
                .map(|r| format!("{r}.dkr.ecr.*.amazonaws.com/"))
                .unwrap_or_default(),
            tag.as_deref().map(|t| format!(":{t}")).unwrap_or_default(),
            digest
                .as_deref()
                .map(|d| format!("@{d}"))
                .unwrap_or_default(),
        );
        // A scan that has not completed has no findings: reading it as
        // "no vulnerabilities" would let the image through the gate.
        if let Some(s) = &self.status
            && !matches!(s.status.as_str(), "COMPLETE" | "ACTIVE")
        {
            return Err(format!(
                "ECR scan of {image} is {}{}: no result to gate on",
                s.status,
                s.description
                    .as_deref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default()
            ));
        }
        let findings = self.findings.ok_or_else(|| {
            format!("ECR scan of {image} has no imageScanFindings: no result to gate on")
        })?;
        let format = if findings.enhanced.is_empty() {
            ScanFormat::EcrBasic
        } else {
            ScanFormat::EcrEnhanced
        };
        let mut vulnerabilities = Vec::new();
        for f in findings.findings {
            let attr = |k: &str| {
                f.attributes
                    .iter()
                    .find(|a| a.key == k)
                    .map(|a| a.value.clone())
                    .unwrap_or_default()
            };
            vulnerabilities.push(Vulnerability {
                package: attr("package_name"),
                installed: attr("package_version"),
                id: f.name,
                severity: VulnSeverity::from_scanner(&f.severity),
                fixed: None,
                // Basic scanning does not say whether a fix exists.
                fix: FixState::Unknown,
                url: f.uri,
            });
        }
        // Suppressed and closed findings are the account's own decisions.
        for f in findings
            .enhanced
            .into_iter()
            .filter(|f| f.status == "ACTIVE")
        {
            let Some(d) = f.details else {
                // Network reachability findings carry no package.
                continue;
            };
            let fix = match f.fix_available.as_str() {
                "YES" | "PARTIAL" => FixState::Fixed,
                "NO" => FixState::NotFixed,
                _ => FixState::Unknown,
            };
            let pkg = |sel: fn(&Package) -> &str| {
                let mut v: Vec<&str> = d
                    .packages
                    .iter()
                    .map(sel)
                    .filter(|s| !s.is_empty())
                    .collect();
                v.dedup();
                v.join(", ")
            };
            let fixed = pkg(|p| p.fixed_in.as_deref().unwrap_or(""));
            vulnerabilities.push(Vulnerability {
                package: pkg(|p| &p.name),
                installed: pkg(|p| &p.version),
                id: d.id,
                severity: VulnSeverity::from_scanner(&f.severity),
                fixed: (!fixed.is_empty()).then_some(fixed),
                fix,
                url: d.source_url,
            });
        }
        let mut digests = Vec::new();
        if let Some(d) = digest.clone().filter(|d| d.starts_with("sha256:")) {
            push_unique(&mut digests, d);
        }
        Ok(ImageScan {
            file: file.to_owned(),
            format,
            image,
            digests,
            names: Vec::new(),
            ecr: self.registry_id.map(|r| (r, repo, tag)),
            vulnerabilities,
        })
    }
}
