use super::report_trust_findings;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::AwsData;
use eksguard_core::Inventory;
use eksguard_core::Need;
use eksguard_iam::TrustFindingKind;

control! {
    /// ## What it checks
    /// Roles this cluster uses (bound to one of its ServiceAccounts, or
    /// trusting its OIDC provider) whose trust policy also names the OIDC
    /// provider of another EKS cluster (`oidc.eks.REGION.amazonaws.com/id/…`).
    ///
    /// ## Why it matters
    /// ServiceAccounts of the other cluster can assume the role too: a
    /// compromise of a less protected cluster (a dev or staging cluster,
    /// often) reaches this cluster's AWS permissions. It is also a common
    /// leftover of cluster migrations, when the old cluster's provider is
    /// never removed from the trust.
    ///
    /// ## Example
    /// ```json
    /// "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/OTHERCLUSTER"}
    /// ```
    ///
    /// ## Fix
    /// Remove the other cluster's statement, or give each cluster its own
    /// role. Where several clusters must share a role, prefer EKS Pod
    /// Identity with an `aws:SourceArn` condition per cluster.
    ///
    /// ## References
    /// - EKS Best Practices Guide, Identity and Access Management: "Scope the IAM Role trust policy for IRSA Roles to the service account name, namespace, and cluster"
    /// - EKS User Guide, "Assign IAM roles to Kubernetes service accounts" (one OIDC provider per cluster)
    /// - EKS User Guide, "Learn how EKS Pod Identity grants pods access to AWS services" (role reuse across clusters)
    pub struct IrsaForeignProvider {
        id: "IAM-026",
        name: "irsa-trust-foreign-provider",
        title: "Role used by this cluster also trusts another cluster's OIDC provider",
        severity: Medium,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

impl Control for IrsaForeignProvider {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[
            Need::aws(AwsData::Cluster),
            Need::aws(AwsData::IamRoles),
            Need::aws(AwsData::OidcProviders),
        ];
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
            TrustFindingKind::IrsaForeignProvider,
            true,
            "Remove the other cluster's OIDC provider from the trust policy, or give each cluster its own role.",
        );
    }
}
