//! The scanner-neutral model every report format is read into.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// Severity as scanners rate vulnerabilities. Ordered; `Unknown` is below
/// every threshold but still listed (a gate on "unknown" is a policy
/// question the scanner could not answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VulnSeverity {
    Unknown,
    /// Grype's `Negligible`, ECR's `INFORMATIONAL`.
    Negligible,
    Low,
    Medium,
    High,
    Critical,
}

impl VulnSeverity {
    pub const ALL: [VulnSeverity; 6] = [
        VulnSeverity::Critical,
        VulnSeverity::High,
        VulnSeverity::Medium,
        VulnSeverity::Low,
        VulnSeverity::Negligible,
        VulnSeverity::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VulnSeverity::Unknown => "unknown",
            VulnSeverity::Negligible => "negligible",
            VulnSeverity::Low => "low",
            VulnSeverity::Medium => "medium",
            VulnSeverity::High => "high",
            VulnSeverity::Critical => "critical",
        }
    }

    /// Any scanner's spelling (Trivy `HIGH`, Grype `High`, ECR `UNTRIAGED`…).
    pub fn from_scanner(s: &str) -> VulnSeverity {
        match s.to_ascii_lowercase().as_str() {
            "critical" => VulnSeverity::Critical,
            "high" | "important" => VulnSeverity::High,
            "medium" | "moderate" => VulnSeverity::Medium,
            "low" => VulnSeverity::Low,
            "negligible" | "informational" | "info" | "none" => VulnSeverity::Negligible,
            _ => VulnSeverity::Unknown,
        }
    }
}

impl fmt::Display for VulnSeverity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for VulnSeverity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match VulnSeverity::from_scanner(s) {
            VulnSeverity::Unknown if !s.eq_ignore_ascii_case("unknown") => Err(format!(
                "`{s}` is not a severity (critical, high, medium, low, negligible, unknown)"
            )),
            v => Ok(v),
        }
    }
}

/// Whether a fixed version exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixState {
    Fixed,
    NotFixed,
    /// The scanner does not say (ECR basic scanning). Treated as fixable by
    /// `ignore_unfixed`, so a missing answer never hides a vulnerability.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vulnerability {
    /// CVE, GHSA, ALAS… as the scanner names it.
    pub id: String,
    pub severity: VulnSeverity,
    pub package: String,
    pub installed: String,
    /// Versions that fix it, comma-separated as scanners print them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    pub fix: FixState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Vulnerability {
    /// `fixed in 1.2.3`, `no fixed version`, or, when the scanner does not
    /// say (ECR basic scanning), `fix not reported by the scanner`.
    pub fn fix_summary(&self) -> String {
        match (&self.fixed, self.fix) {
            (Some(f), _) => format!("fixed in {f}"),
            (None, FixState::Unknown) => "fix not reported by the scanner".to_owned(),
            (None, _) => "no fixed version".to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScanFormat {
    Trivy,
    Grype,
    EcrBasic,
    EcrEnhanced,
}

/// One image's scan result.
#[derive(Debug, Clone, Serialize)]
pub struct ImageScan {
    /// The report file it came from.
    pub file: String,
    pub format: ScanFormat,
    /// The image as the report names it (for messages).
    pub image: String,
    /// Manifest digests (`sha256:…`) the scanned image is known by.
    pub digests: Vec<String>,
    /// `registry/repository:tag` names, normalised as [`crate::ImageRef::name_tag`].
    pub names: Vec<String>,
    /// ECR reports name the account and repository but not the region:
    /// `(registry id, repository, tag)` matched against any region's host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ecr: Option<(String, String, Option<String>)>,
    pub vulnerabilities: Vec<Vulnerability>,
}

impl ImageScan {
    /// The names image-scoped ignores are matched against when the report
    /// is gated on its own (`images gate`): its tags, or for an ECR report,
    /// which names no region, `ACCOUNT.dkr.ecr.*.amazonaws.com/REPO`.
    pub fn gate_names(&self) -> Vec<String> {
        if self.names.is_empty() {
            vec![self.image.clone()]
        } else {
            self.names.clone()
        }
    }
}
