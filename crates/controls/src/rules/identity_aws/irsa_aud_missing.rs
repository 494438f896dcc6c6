use super::report_trust_findings;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::AwsData;
use eksguard_core::Inventory;
use eksguard_core::Need;
use eksguard_iam::TrustFindingKind;

control! {
    /// ## What it checks
    /// IRSA trust statements for this cluster's OIDC provider with no
    /// `<issuer>:aud` condition at all.
    ///
    /// ## Why it matters
    /// STS still checks the token's audience against the OIDC provider's
    /// client ID list, so this is defence in depth rather than an open door;
    /// but a provider registered with extra client IDs then lets tokens for
    /// those audiences assume the role. The EKS User Guide's trust policy
    /// always pins `aud` to `sts.amazonaws.com`.
    ///
    /// ## Example
    /// ```json
    /// "Condition": {"StringEquals": {"oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE:sub": "system:serviceaccount:payments:api"}}
    /// ```
    ///
    /// ## Fix
    /// Add `"<issuer>:aud": "sts.amazonaws.com"` to the `StringEquals` block.
    ///
    /// ## References
    /// - EKS User Guide, "Assign IAM roles to Kubernetes service accounts" (example trust policy)
    /// - IAM User Guide, "Create an OpenID Connect (OIDC) identity provider in IAM" (client IDs / audiences)
    pub struct IrsaAudMissing {
        id: "IAM-024",
        name: "irsa-trust-aud-missing",
        title: "IRSA role trust has no `aud` condition",
        severity: Low,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

impl Control for IrsaAudMissing {
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
            TrustFindingKind::IrsaAudMissing,
            false,
            "Add \"<issuer>:aud\": \"sts.amazonaws.com\" to the statement's StringEquals condition.",
        );
    }
}
