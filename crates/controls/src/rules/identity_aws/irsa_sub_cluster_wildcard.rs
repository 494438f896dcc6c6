use super::report_trust_findings;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::AwsData;
use eksguard_core::Inventory;
use eksguard_core::Need;
use eksguard_iam::TrustFindingKind;

control! {
    /// ## What it checks
    /// IRSA trust statements for this cluster's OIDC provider whose
    /// `<issuer>:sub` condition admits ServiceAccounts of every namespace:
    /// `StringLike` values such as `system:serviceaccount:*:*`,
    /// `system:serviceaccount:*` or `*`, and negated, `IfExists` or `Null`
    /// operators on `sub`.
    ///
    /// ## Why it matters
    /// Anyone who can create a ServiceAccount or a pod in any namespace can
    /// assume the role. Namespaces are the unit of tenancy in Kubernetes; a
    /// cluster-wide wildcard erases that boundary for the role's AWS
    /// permissions.
    ///
    /// ## Example
    /// ```json
    /// "Condition": {"StringLike": {"oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE:sub": "system:serviceaccount:*:*"}}
    /// ```
    ///
    /// ## Fix
    /// Use `StringEquals` with the exact `system:serviceaccount:NS:NAME` of the
    /// workload's ServiceAccount (list several values if several accounts
    /// really need the role).
    ///
    /// ## References
    /// - EKS Best Practices Guide, Identity and Access Management: "Scope the IAM Role trust policy for IRSA Roles to the service account name, namespace, and cluster"
    /// - EKS User Guide, "Assign IAM roles to Kubernetes service accounts"
    /// - IAM User Guide, "IAM JSON policy elements: Condition operators" (StringLike wildcards)
    pub struct IrsaSubClusterWildcard {
        id: "IAM-021",
        name: "irsa-trust-sub-cluster-wildcard",
        title: "IRSA role trust `sub` wildcard spans every namespace",
        severity: High,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

impl Control for IrsaSubClusterWildcard {
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
            TrustFindingKind::IrsaSubClusterWildcard,
            false,
            "Replace the wildcard with StringEquals on the exact system:serviceaccount:NS:NAME of the workload's ServiceAccount.",
        );
    }
}
