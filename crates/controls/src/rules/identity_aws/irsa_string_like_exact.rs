use super::report_trust_findings;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::AwsData;
use eksguard_core::Inventory;
use eksguard_core::Need;
use eksguard_iam::TrustFindingKind;

control! {
    /// ## What it checks
    /// IRSA trust statements that test `<issuer>:sub` with `StringLike` (or
    /// another wildcard operator) on a value that has no `*` or `?`.
    ///
    /// ## Why it matters
    /// The value matches one ServiceAccount either way today, but
    /// `StringLike` says "pattern": the next edit that adds a `*` to it
    /// silently widens the trust, and reviewers cannot tell intent from the
    /// operator. `StringEquals` states that exactly one subject is meant.
    ///
    /// ## Example
    /// ```json
    /// "Condition": {"StringLike": {"oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE:sub": "system:serviceaccount:payments:api"}}
    /// ```
    ///
    /// ## Fix
    /// Move the key to a `StringEquals` block.
    ///
    /// ## References
    /// - IAM User Guide, "IAM JSON policy elements: Condition operators" (StringEquals vs StringLike)
    /// - EKS User Guide, "Assign IAM roles to Kubernetes service accounts"
    pub struct IrsaStringLikeExact {
        id: "IAM-025",
        name: "irsa-trust-stringlike-exact",
        title: "IRSA role trust uses StringLike where StringEquals was meant",
        severity: Low,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

impl Control for IrsaStringLikeExact {
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
            TrustFindingKind::IrsaStringLikeWithoutWildcard,
            false,
            "Test the sub claim with StringEquals when the value has no wildcard.",
        );
    }
}
