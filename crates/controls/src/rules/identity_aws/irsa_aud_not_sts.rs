use super::report_trust_findings;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::AwsData;
use eksguard_core::Inventory;
use eksguard_core::Need;
use eksguard_iam::TrustFindingKind;

control! {
    /// ## What it checks
    /// IRSA trust statements for this cluster's OIDC provider with an
    /// `<issuer>:aud` condition that does not require exactly
    /// `sts.amazonaws.com` (other values, wildcards, negated operators or
    /// `ForAllValues`, which an absent claim satisfies).
    ///
    /// ## Why it matters
    /// The EKS pod identity webhook projects IRSA tokens with the audience
    /// `sts.amazonaws.com`. Accepting other audiences lets tokens minted for
    /// other consumers (the API server's own ServiceAccount tokens, tokens a
    /// workload requested for a third party) be replayed to STS.
    ///
    /// ## Example
    /// ```json
    /// "Condition": {"StringLike": {"oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE:aud": "*"}}
    /// ```
    ///
    /// ## Fix
    /// `"StringEquals": {"<issuer>:aud": "sts.amazonaws.com"}`.
    ///
    /// ## References
    /// - EKS User Guide, "Assign IAM roles to Kubernetes service accounts" (`:aud` = `sts.amazonaws.com`)
    /// - IAM User Guide, "Available keys for AWS web identity federation" (`aud`)
    /// - IAM User Guide, "Single-valued vs. multivalued context keys" (ForAllValues with a missing key)
    pub struct IrsaAudNotSts {
        id: "IAM-023",
        name: "irsa-trust-aud-not-sts",
        title: "IRSA role trust does not require the audience sts.amazonaws.com",
        severity: Medium,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

impl Control for IrsaAudNotSts {
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
            TrustFindingKind::IrsaAudNotSts,
            false,
            "Require the audience with StringEquals {\"<issuer>:aud\": \"sts.amazonaws.com\"}.",
        );
    }
}
