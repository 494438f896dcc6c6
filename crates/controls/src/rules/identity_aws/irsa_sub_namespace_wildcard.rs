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
    /// `<issuer>:sub` condition admits several ServiceAccounts of one
    /// namespace (`system:serviceaccount:payments:*`, `…:payments:app-*`).
    ///
    /// ## Why it matters
    /// A namespace-wide wildcard is a documented pattern, but every workload
    /// of the namespace, and anyone allowed to create ServiceAccounts there,
    /// can assume the role. The role's permissions are then shared by
    /// workloads that do not need them.
    ///
    /// ## Example
    /// ```json
    /// "Condition": {"StringLike": {"oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE:sub": "system:serviceaccount:payments:*"}}
    /// ```
    ///
    /// ## Fix
    /// Name the ServiceAccounts that need the role with `StringEquals`, or
    /// accept the namespace scope deliberately and suppress with a reason.
    ///
    /// ## References
    /// - EKS Best Practices Guide, Identity and Access Management: "Scope the IAM Role trust policy for IRSA Roles to the service account name, namespace, and cluster"
    /// - EKS User Guide, "Assign IAM roles to Kubernetes service accounts"
    pub struct IrsaSubNamespaceWildcard {
        id: "IAM-022",
        name: "irsa-trust-sub-namespace-wildcard",
        title: "IRSA role trust `sub` wildcard admits a whole namespace",
        severity: Medium,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

impl Control for IrsaSubNamespaceWildcard {
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
            TrustFindingKind::IrsaSubNamespaceWildcard,
            false,
            "Use StringEquals on the exact ServiceAccounts that need the role instead of a namespace wildcard.",
        );
    }
}
