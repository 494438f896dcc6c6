use super::report_trust_findings;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::AwsData;
use eksguard_core::Inventory;
use eksguard_core::Need;
use eksguard_iam::TrustFindingKind;

control! {
    /// ## What it checks
    /// IAM roles whose trust policy lets this cluster's OIDC provider call
    /// `sts:AssumeRoleWithWebIdentity` without a condition on the
    /// `<issuer>:sub` claim.
    ///
    /// ## Why it matters
    /// The `sub` claim of an IRSA token is `system:serviceaccount:NS:NAME`.
    /// Without a condition on it, STS accepts a token of *any* ServiceAccount
    /// of the cluster: every pod, in every namespace, can assume the role by
    /// annotating its own ServiceAccount (or reading its own projected token)
    /// and gets everything the role may do.
    ///
    /// ## Example
    /// ```json
    /// {"Effect": "Allow",
    ///  "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"},
    ///  "Action": "sts:AssumeRoleWithWebIdentity",
    ///  "Condition": {"StringEquals": {"oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE:aud": "sts.amazonaws.com"}}}
    /// ```
    ///
    /// ## Fix
    /// Add `"StringEquals": {"<issuer>:sub": "system:serviceaccount:NS:NAME"}`
    /// naming the one ServiceAccount that should use the role.
    ///
    /// ## References
    /// - EKS User Guide, "Assign IAM roles to Kubernetes service accounts" (trust policy with `:sub` and `:aud` conditions)
    /// - EKS Best Practices Guide, Identity and Access Management: "Scope the IAM Role trust policy for IRSA Roles to the service account name, namespace, and cluster"
    /// - IAM User Guide, "Available keys for AWS web identity federation"
    pub struct IrsaSubMissing {
        id: "IAM-020",
        name: "irsa-trust-sub-missing",
        title: "IRSA role trust has no `sub` condition (any ServiceAccount can assume it)",
        severity: High,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

impl Control for IrsaSubMissing {
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
            TrustFindingKind::IrsaSubMissing,
            false,
            "Add a StringEquals condition on <issuer>:sub naming the one ServiceAccount (system:serviceaccount:NS:NAME) that should assume the role.",
        );
    }
}
