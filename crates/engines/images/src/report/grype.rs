//! `grype IMAGE -o json`.

use super::{digest_of, name_of, push_unique};
use crate::vuln::{FixState, ImageScan, ScanFormat, VulnSeverity, Vulnerability};
use serde::Deserialize;

#[derive(Default)]
pub(super) struct Report {
    pub(super) matches: Option<Vec<Match>>,
    pub(super) source: Option<Source>,
}

#[derive(Deserialize)]
pub(super) struct Match {
    vulnerability: Vuln,
    artifact: Artifact,
}

#[derive(Deserialize)]
pub(super) struct Vuln {
    id: String,
    #[serde(default)]
    severity: String,
    #[serde(rename = "dataSource")]
    data_source: Option<String>,
    #[serde(default)]
    fix: Fix,
}

#[derive(Deserialize, Default)]
pub(super) struct Fix {
    #[serde(default)]
    versions: Vec<String>,
    #[serde(default)]
    state: String,
}

#[derive(Deserialize)]
pub(super) struct Artifact {
    #[serde(default)]
    name: String,
    #[serde(default)]
    version: String,
}

#[derive(Deserialize)]
pub(super) struct Source {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    target: Target,
}

#[derive(Deserialize, Default)]
pub(super) struct Target {
    #[serde(rename = "userInput", default)]
    user_input: String,
    #[serde(rename = "manifestDigest")]
    manifest_digest: Option<String>,
    #[serde(rename = "repoDigests", default)]
    repo_digests: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
}

impl Report {
    pub(super) fn is_present(&self) -> bool {
        self.matches.is_some() && self.source.is_some()
    }

    pub(super) fn into_scan(self, file: &str) -> Result<ImageScan, String> {
        let source = self.source.expect("checked by is_present");
        if source.kind != "image" {
            return Err(format!(
                "Grype report of a {} source, not an image: nothing to match workloads against",
                source.kind
            ));
        }
        let t = source.target;
        let mut digests = Vec::new();
        for d in t.manifest_digest.iter().chain(&t.repo_digests) {
            if let Some(d) = digest_of(d) {
                push_unique(&mut digests, d);
            }
        }
        let mut names = Vec::new();
        for n in t.tags.iter().chain(std::iter::once(&t.user_input)) {
            if let Some(n) = name_of(n) {
                push_unique(&mut names, n);
            }
        }
        if let Some(d) = digest_of(&t.user_input) {
            push_unique(&mut digests, d);
        }
        let vulnerabilities = self
            .matches
            .unwrap_or_default()
            .into_iter()
            .map(|m| {
                let v = m.vulnerability;
                let fix = match v.fix.state.as_str() {
                    "fixed" => FixState::Fixed,
                    "not-fixed" | "wont-fix" => FixState::NotFixed,
                    _ if !v.fix.versions.is_empty() => FixState::Fixed,
                    _ => FixState::Unknown,
                };
                Vulnerability {
                    id: v.id,
                    severity: VulnSeverity::from_scanner(&v.severity),
                    package: m.artifact.name,
                    installed: m.artifact.version,
                    fixed: (!v.fix.versions.is_empty()).then(|| v.fix.versions.join(", ")),
                    fix,
                    url: v.data_source,
                }
            })
            .collect();
        Ok(ImageScan {
            file: file.to_owned(),
            format: ScanFormat::Grype,
            image: t.user_input,
            digests,
            names,
            ecr: None,
            vulnerabilities,
        })
    }
}
