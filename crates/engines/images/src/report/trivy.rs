//! `trivy image --format json` (schema version 2).

use super::{digest_of, name_of, push_unique};
use crate::vuln::{FixState, ImageScan, ScanFormat, VulnSeverity, Vulnerability};
use serde::Deserialize;

#[derive(Default)]
pub(super) struct Report {
    pub(super) schema_version: Option<u32>,
    pub(super) artifact_name: Option<String>,
    pub(super) artifact_type: Option<String>,
    pub(super) metadata: Metadata,
    pub(super) results: Option<Vec<TrivyResult>>,
}

#[derive(Deserialize, Default)]
pub(super) struct Metadata {
    #[serde(rename = "RepoTags", default)]
    repo_tags: Vec<String>,
    #[serde(rename = "RepoDigests", default)]
    repo_digests: Vec<String>,
}

#[derive(Deserialize)]
pub(super) struct TrivyResult {
    #[serde(rename = "Vulnerabilities", default)]
    vulnerabilities: Vec<Vuln>,
}

#[derive(Deserialize)]
pub(super) struct Vuln {
    #[serde(rename = "VulnerabilityID")]
    id: String,
    #[serde(rename = "PkgName", default)]
    pkg_name: String,
    #[serde(rename = "InstalledVersion", default)]
    installed_version: String,
    #[serde(rename = "FixedVersion", default)]
    fixed_version: String,
    #[serde(rename = "Status", default)]
    status: String,
    #[serde(rename = "Severity", default)]
    severity: String,
    #[serde(rename = "PrimaryURL")]
    primary_url: Option<String>,
}

impl Report {
    pub(super) fn is_present(&self) -> bool {
        self.schema_version.is_some() && self.artifact_name.is_some()
    }

    pub(super) fn into_scan(self, file: &str) -> Result<ImageScan, String> {
        if self.schema_version != Some(2) {
            return Err(format!(
                "Trivy report schema version {:?}: only version 2 (Trivy 0.20 and later) is read",
                self.schema_version.unwrap_or_default()
            ));
        }
        let image = self.artifact_name.unwrap_or_default();
        match self.artifact_type.as_deref() {
            Some("container_image") | None => {}
            Some(t) => {
                return Err(format!(
                    "Trivy report of a {t} (`{image}`), not a container image: nothing to match workloads against"
                ));
            }
        }
        let mut digests = Vec::new();
        for d in &self.metadata.repo_digests {
            if let Some(d) = digest_of(d) {
                push_unique(&mut digests, d);
            }
        }
        let mut names = Vec::new();
        for n in self
            .metadata
            .repo_tags
            .iter()
            .chain(std::iter::once(&image))
        {
            if let Some(n) = name_of(n) {
                push_unique(&mut names, n);
            }
        }
        if let Some(d) = digest_of(&image) {
            push_unique(&mut digests, d);
        }
        let vulnerabilities = self
            .results
            .unwrap_or_default()
            .into_iter()
            .flat_map(|r| r.vulnerabilities)
            .map(|v| {
                let fix = if !v.fixed_version.is_empty() || v.status == "fixed" {
                    FixState::Fixed
                } else {
                    FixState::NotFixed
                };
                Vulnerability {
                    id: v.id,
                    severity: VulnSeverity::from_scanner(&v.severity),
                    package: v.pkg_name,
                    installed: v.installed_version,
                    fixed: (!v.fixed_version.is_empty()).then_some(v.fixed_version),
                    fix,
                    url: v.primary_url,
                }
            })
            .collect();
        Ok(ImageScan {
            file: file.to_owned(),
            format: ScanFormat::Trivy,
            image,
            digests,
            names,
            ecr: None,
            vulnerabilities,
        })
    }
}
