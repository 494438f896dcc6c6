//! Results: what each control concluded about each thing it looked at.
//!
//! A finding says what is wrong; a result says what was *verified*. Every
//! control that applies to an object (or to the cluster or account) gives
//! one result per subject: `pass`, `fail` (with its findings), `not_checked`
//! (the input it needs was not collected, with the reason) or
//! `not_applicable`. Outputs, frameworks, exit codes and baselines all read
//! results, so a check that could not run is never shown as passed.
//!
//! Collectors do not know the control catalog: they report what they could
//! not read as [`Gap`]s naming a [`Need`], and the scan turns gaps into
//! `not_checked` results of the controls that need that input.

use crate::meta::{Pillar, Responsibility, Severity};
use crate::object::ObjectRef;
use serde::Serialize;
use std::fmt;
use std::sync::Arc;

/// The outcome of one control on one subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    NotChecked,
    NotApplicable,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Pass,
        Status::Fail,
        Status::NotChecked,
        Status::NotApplicable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::NotChecked => "not_checked",
            Status::NotApplicable => "not_applicable",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An input a control reads besides the objects of its own kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Need {
    /// Kubernetes objects of one kind (`group` is `""` for the core group).
    Kind {
        group: &'static str,
        kind: &'static str,
    },
    /// One part of the AWS side.
    Aws { data: AwsData },
    /// Vulnerability scan reports of the images.
    ImageReports,
}

impl Need {
    pub const fn kind(group: &'static str, kind: &'static str) -> Need {
        Need::Kind { group, kind }
    }

    pub const fn aws(data: AwsData) -> Need {
        Need::Aws { data }
    }

    /// What the input is, in a user's words.
    pub fn describe(&self) -> String {
        match self {
            Need::Kind { group: "", kind } => format!("{kind} objects"),
            Need::Kind { group, kind } => format!("{kind}.{group} objects"),
            Need::Aws { data } => data.describe().to_owned(),
            Need::ImageReports => "image vulnerability scan reports".to_owned(),
        }
    }
}

/// The parts of the AWS side, as the collector reads them (one or a few API
/// calls each), so a failed call marks exactly the controls that needed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AwsData {
    /// `sts:GetCallerIdentity`: which account is scanned.
    Account,
    /// `eks:DescribeCluster`.
    Cluster,
    AccessEntries,
    PodIdentity,
    /// IAM roles and their policies.
    IamRoles,
    OidcProviders,
    SecurityGroups,
    Kms,
    /// The region's EBS encryption-by-default setting.
    EbsDefaults,
    /// ECR image scan findings.
    EcrFindings,
    /// Managed node groups (`eks:ListNodegroups`, `eks:DescribeNodegroup`).
    NodeGroups,
    /// The launch templates of the node groups
    /// (`ec2:DescribeLaunchTemplateVersions`).
    LaunchTemplates,
    /// Fargate profiles.
    FargateProfiles,
    /// EKS add-ons.
    Addons,
    /// The EKS release calendar (`eks:DescribeClusterVersions`).
    ClusterVersions,
    /// The cluster's CloudWatch Logs group.
    ControlPlaneLogGroup,
    /// Amazon GuardDuty in the cluster's region.
    GuardDuty,
}

impl AwsData {
    pub fn describe(self) -> &'static str {
        match self {
            AwsData::Account => "the AWS account identity",
            AwsData::Cluster => "the EKS cluster description",
            AwsData::AccessEntries => "EKS access entries",
            AwsData::PodIdentity => "EKS Pod Identity associations",
            AwsData::IamRoles => "IAM roles and policies",
            AwsData::OidcProviders => "IAM OIDC providers",
            AwsData::SecurityGroups => "EC2 security groups",
            AwsData::Kms => "KMS keys",
            AwsData::EbsDefaults => "the region's EBS encryption-by-default setting",
            AwsData::EcrFindings => "ECR image scan findings",
            AwsData::NodeGroups => "EKS managed node groups",
            AwsData::LaunchTemplates => "the node groups' EC2 launch templates",
            AwsData::FargateProfiles => "EKS Fargate profiles",
            AwsData::Addons => "EKS add-ons",
            AwsData::ClusterVersions => "the EKS Kubernetes version calendar",
            AwsData::ControlPlaneLogGroup => "the cluster's CloudWatch Logs group",
            AwsData::GuardDuty => "Amazon GuardDuty detectors",
        }
    }

    /// The data an AWS API call (`service:Action`) collects.
    pub fn for_action(action: &str) -> AwsData {
        let (service, op) = action.split_once(':').unwrap_or(("", action));
        match (service, op) {
            ("sts", _) => AwsData::Account,
            ("eks", op) if op.contains("AccessEntr") || op.contains("AccessPolic") => {
                AwsData::AccessEntries
            }
            ("eks", op) if op.contains("PodIdentity") => AwsData::PodIdentity,
            ("eks", op) if op.contains("Nodegroup") => AwsData::NodeGroups,
            ("eks", op) if op.contains("FargateProfile") => AwsData::FargateProfiles,
            ("eks", op) if op.contains("Addon") => AwsData::Addons,
            ("eks", "DescribeClusterVersions") => AwsData::ClusterVersions,
            ("ec2", "DescribeLaunchTemplateVersions") => AwsData::LaunchTemplates,
            ("logs", _) => AwsData::ControlPlaneLogGroup,
            ("guardduty", _) => AwsData::GuardDuty,
            ("eks", _) => AwsData::Cluster,
            ("iam", "ListOpenIDConnectProviders" | "GetOpenIDConnectProvider") => {
                AwsData::OidcProviders
            }
            ("iam", _) => AwsData::IamRoles,
            ("ec2", "GetEbsEncryptionByDefault" | "GetEbsDefaultKmsKeyId") => AwsData::EbsDefaults,
            ("ec2", _) => AwsData::SecurityGroups,
            ("kms", _) => AwsData::Kms,
            ("ecr", _) => AwsData::EcrFindings,
            _ => AwsData::Cluster,
        }
    }
}

/// Why an input is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GapKind {
    /// Collection was attempted and failed (denied, unreachable, error): the
    /// scan is partial and exits 2 unless partial results are allowed.
    CollectionFailed,
    /// The user chose not to collect it (an optional permission not granted,
    /// no AWS side requested, a control disabled): a warning only.
    NotCollected,
}

/// An input that could not be read: the controls that need it are not
/// checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    pub need: Need,
    /// Where collection was attempted: an API call (`eks:ListAccessEntries`)
    /// or URL, or a flag the user did not give.
    pub input: String,
    /// Why it is missing, in the user's words.
    pub reason: String,
    pub kind: GapKind,
}

/// One control's verdict on one subject.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub control: &'static str,
    pub status: Status,
    /// The object or AWS resource; `None` when the result is about the
    /// control as a whole (not checked, not applicable, or an inventory
    /// check that found nothing anywhere).
    pub object: Option<Arc<ObjectRef>>,
    pub responsibility: Responsibility,
    pub pillar: Pillar,
    pub severity: Severity,
    /// Why the control was not checked or does not apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For `not_checked`: whether collection failed or was not asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gap: Option<GapKind>,
    /// Fingerprints of the findings behind a `fail`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
    /// A `fail` whose every finding is suppressed (an accepted risk): it
    /// stays a failure for compliance but does not decide the exit code.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub suppressed: bool,
}

impl CheckResult {
    /// A failure that counts (not an accepted risk).
    pub fn is_active_fail(&self) -> bool {
        self.status == Status::Fail && !self.suppressed
    }

    /// Not checked because collection failed (as opposed to not asked for).
    pub fn is_collection_failure(&self) -> bool {
        self.status == Status::NotChecked && self.gap == Some(GapKind::CollectionFailed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_map_to_the_data_they_collect() {
        assert_eq!(
            AwsData::for_action("eks:ListAccessEntries"),
            AwsData::AccessEntries
        );
        assert_eq!(
            AwsData::for_action("eks:ListAssociatedAccessPolicies"),
            AwsData::AccessEntries
        );
        assert_eq!(
            AwsData::for_action("eks:DescribePodIdentityAssociation"),
            AwsData::PodIdentity
        );
        assert_eq!(AwsData::for_action("eks:DescribeCluster"), AwsData::Cluster);
        assert_eq!(
            AwsData::for_action("iam:GetAccountAuthorizationDetails"),
            AwsData::IamRoles
        );
        assert_eq!(
            AwsData::for_action("iam:ListOpenIDConnectProviders"),
            AwsData::OidcProviders
        );
        assert_eq!(
            AwsData::for_action("ec2:GetEbsEncryptionByDefault"),
            AwsData::EbsDefaults
        );
        assert_eq!(
            AwsData::for_action("ec2:DescribeSecurityGroups"),
            AwsData::SecurityGroups
        );
        assert_eq!(
            AwsData::for_action("kms:GetKeyRotationStatus"),
            AwsData::Kms
        );
        assert_eq!(
            AwsData::for_action("sts:GetCallerIdentity"),
            AwsData::Account
        );
        assert_eq!(
            AwsData::for_action("eks:DescribeNodegroup"),
            AwsData::NodeGroups
        );
        assert_eq!(
            AwsData::for_action("eks:ListFargateProfiles"),
            AwsData::FargateProfiles
        );
        assert_eq!(AwsData::for_action("eks:DescribeAddon"), AwsData::Addons);
        assert_eq!(
            AwsData::for_action("eks:DescribeClusterVersions"),
            AwsData::ClusterVersions
        );
        assert_eq!(
            AwsData::for_action("ec2:DescribeLaunchTemplateVersions"),
            AwsData::LaunchTemplates
        );
        assert_eq!(
            AwsData::for_action("logs:DescribeLogGroups"),
            AwsData::ControlPlaneLogGroup
        );
        assert_eq!(
            AwsData::for_action("guardduty:GetDetector"),
            AwsData::GuardDuty
        );
    }

    #[test]
    fn statuses_serialise_in_snake_case() {
        let all: Vec<String> = Status::ALL
            .iter()
            .map(|s| serde_json::to_string(s).unwrap())
            .collect();
        assert_eq!(
            all,
            [
                "\"pass\"",
                "\"fail\"",
                "\"not_checked\"",
                "\"not_applicable\""
            ]
        );
    }
}
