//! Classification shared by controls, audit rules and findings.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`,
/// so `--fail-on` is a plain comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            other => Err(format!(
                "unknown severity `{other}` (expected critical, high, medium, low or info)"
            )),
        }
    }
}

/// The security pillars of the EKS Auto Mode security overview.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pillar {
    Networking,
    IdentityAccess,
    DataProtection,
    PatchingVulnerabilities,
    NetworkPolicy,
    LoggingDetection,
    PodSecurity,
    Images,
}

impl Pillar {
    pub const ALL: [Pillar; 8] = [
        Pillar::Networking,
        Pillar::IdentityAccess,
        Pillar::DataProtection,
        Pillar::PatchingVulnerabilities,
        Pillar::NetworkPolicy,
        Pillar::LoggingDetection,
        Pillar::PodSecurity,
        Pillar::Images,
    ];

    /// Stable machine name (used in JSON, SARIF tags, config).
    pub fn as_str(self) -> &'static str {
        match self {
            Pillar::Networking => "networking",
            Pillar::IdentityAccess => "identity-access",
            Pillar::DataProtection => "data-protection",
            Pillar::PatchingVulnerabilities => "patching-vulnerabilities",
            Pillar::NetworkPolicy => "network-policy",
            Pillar::LoggingDetection => "logging-detection",
            Pillar::PodSecurity => "pod-security",
            Pillar::Images => "images",
        }
    }

    /// Human title, as the seed names the pillar.
    pub fn title(self) -> &'static str {
        match self {
            Pillar::Networking => "Networking",
            Pillar::IdentityAccess => "Identity & access",
            Pillar::DataProtection => "Data protection",
            Pillar::PatchingVulnerabilities => "Patching & vulnerabilities",
            Pillar::NetworkPolicy => "Network policy",
            Pillar::LoggingDetection => "Logging & detection",
            Pillar::PodSecurity => "Pod security",
            Pillar::Images => "Images",
        }
    }
}

impl fmt::Display for Pillar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who owns a control in the EKS Auto Mode shared-responsibility model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Responsibility {
    /// A guarantee AWS provides under Auto Mode (node patching and
    /// replacement, managed AMIs, encryption at rest); eksguard verifies it
    /// is really in place: a pass is "verified", a fail is "drifted".
    AwsManaged,
    /// A default AWS sets that is weaker than most users assume (a public
    /// API endpoint, control-plane logs off): AWS chose it, the customer
    /// must change it.
    AwsDefault,
    /// The customer's duty.
    Customer,
}

impl Responsibility {
    pub const ALL: [Responsibility; 3] = [
        Responsibility::AwsManaged,
        Responsibility::AwsDefault,
        Responsibility::Customer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Responsibility::AwsManaged => "aws-managed",
            Responsibility::AwsDefault => "aws-default",
            Responsibility::Customer => "customer",
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            Responsibility::AwsManaged => "AWS-managed",
            Responsibility::AwsDefault => "AWS default — customer action needed",
            Responsibility::Customer => "Customer",
        }
    }
    /// Short column heading.
    pub fn short(self) -> &'static str {
        match self {
            Responsibility::AwsManaged => "AWS-managed",
            Responsibility::AwsDefault => "AWS default",
            Responsibility::Customer => "Customer",
        }
    }
    /// What a pass and a fail are called for this owner.
    pub fn verdict_words(self) -> (&'static str, &'static str) {
        match self {
            Responsibility::AwsManaged => ("verified", "drifted"),
            Responsibility::AwsDefault => ("changed", "action needed"),
            Responsibility::Customer => ("pass", "fail"),
        }
    }
}

impl fmt::Display for Responsibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything the catalog says about a control.
#[derive(Debug, Serialize)]
pub struct ControlMeta {
    /// Stable ID, e.g. `IAM-005`. Never reused, never renumbered.
    pub id: &'static str,
    /// Stable kebab-case name, e.g. `host-network`.
    pub name: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub pillar: Pillar,
    pub responsibility: Responsibility,
    /// For AWS-managed controls: what a pass verifies, in one sentence.
    #[serde(skip_serializing_if = "str::is_empty")]
    pub verified: &'static str,
    /// Markdown documentation, from the control's doc comment.
    #[serde(skip)]
    pub doc: &'static str,
}

impl ControlMeta {
    /// The doc comment with the leading space rustdoc keeps on each line removed.
    pub fn docs(&self) -> String {
        self.doc
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_owned()
    }

    /// One section of the docs (`"Fix"`, `"References"`, …), without its heading.
    pub fn section(&self, heading: &str) -> Option<String> {
        let docs = self.docs();
        let marker = format!("## {heading}");
        let start = docs.find(&marker)? + marker.len();
        let rest = &docs[start..];
        let end = rest.find("\n## ").unwrap_or(rest.len());
        Some(rest[..end].trim().to_owned())
    }
}
