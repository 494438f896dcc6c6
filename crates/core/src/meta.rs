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
    /// A default AWS sets up; eksguard verifies it is really in place.
    AwsManaged,
    /// The customer's duty.
    Customer,
}

impl Responsibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Responsibility::AwsManaged => "aws-managed",
            Responsibility::Customer => "customer",
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            Responsibility::AwsManaged => "AWS-managed default",
            Responsibility::Customer => "Customer",
        }
    }
}

impl fmt::Display for Responsibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
