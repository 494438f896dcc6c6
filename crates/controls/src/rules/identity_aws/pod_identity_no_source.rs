use super::report_trust_findings;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::AwsData;
use eksguard_core::Inventory;
use eksguard_core::Need;
use eksguard_iam::TrustFindingKind;

control! {
    /// ## What it checks
    /// IAM roles whose trust policy allows `pods.eks.amazonaws.com` to call
    /// `sts:AssumeRole` without an `aws:SourceAccount` or `aws:SourceArn`
    /// condition.
    ///
    /// ## Why it matters
    /// With EKS Pod Identity the EKS Auth service assumes the role on behalf
    /// of whichever cluster holds an association to it. Without a source
    /// condition, anyone who can create a Pod Identity association in *any*
    /// cluster that may pass the role (`iam:PassRole`) can hand it to their
    /// own pods: the confused-deputy problem. `aws:SourceArn` pins the role
    /// to named clusters, `aws:SourceAccount` at least to this account.
    ///
    /// ## Example
    /// ```json
    /// {"Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"},
    ///  "Action": ["sts:AssumeRole", "sts:TagSession"]}
    /// ```
    ///
    /// ## Fix
    /// Add `"Condition": {"StringEquals": {"aws:SourceAccount": "ACCOUNT"},
    /// "ArnEquals": {"aws:SourceArn": "arn:aws:eks:REGION:ACCOUNT:cluster/NAME"}}`.
    ///
    /// ## References
    /// - EKS User Guide, "Create IAM role with trust policy required by EKS Pod Identity" (aws:SourceAccount / aws:SourceArn)
    /// - IAM User Guide, "The confused deputy problem"
    /// - EKS Best Practices Guide, Identity and Access Management: "EKS Pod Identities"
    pub struct PodIdentityNoSource {
        id: "IAM-030",
        name: "pod-identity-trust-no-source-condition",
        title: "Pod Identity role trust has no aws:SourceAccount / aws:SourceArn condition",
        severity: Medium,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

impl Control for PodIdentityNoSource {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[Need::aws(AwsData::Cluster), Need::aws(AwsData::IamRoles)];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Whole
    }

    /// Cost: O(n) in objects: reads the identity view, built once per scan
    /// in O(n) (indexed ServiceAccount and workload lookups) and shared by
    /// the identity controls.
    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        report_trust_findings(
            inv,
            out,
            &Self::META,
            TrustFindingKind::PodIdentityNoSourceCondition,
            false,
            "Add aws:SourceAccount (StringEquals) and aws:SourceArn (ArnEquals, the cluster ARNs allowed to use the role) conditions to the pods.eks.amazonaws.com statement.",
        );
    }
}
