use super::pod_identity_sa_missing::report_association;
use super::{Origin, identity};
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::AwsData;
use eksguard_core::Inventory;
use eksguard_core::Need;
use eksguard_iam::{BindingStatus, binding_status};

control! {
    /// ## What it checks
    /// EKS Pod Identity associations of this cluster whose role does not
    /// accept them: the trust policy does not allow `pods.eks.amazonaws.com`
    /// both `sts:AssumeRole` and `sts:TagSession` with the context EKS Auth
    /// supplies (`aws:SourceAccount`, `aws:SourceArn` = the cluster ARN, the
    /// `eks-cluster-*` and `kubernetes-*` session tags), or the role does not
    /// exist in the scanned account.
    ///
    /// ## Why it matters
    /// The pods get no credentials from the association. Depending on the
    /// SDK they fail, or move on down the credential chain to the node role;
    /// either way the least-privilege role the association was meant to give
    /// is not in effect, and the usual "fix" under pressure is a broader
    /// role.
    ///
    /// ## Example
    /// ```json
    /// {"Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"}, "Action": "sts:AssumeRole"}
    /// ```
    /// (no `sts:TagSession`: EKS Pod Identity tags every session.)
    ///
    /// ## Fix
    /// Give the role the trust policy from the EKS User Guide:
    /// `pods.eks.amazonaws.com` with `["sts:AssumeRole", "sts:TagSession"]`,
    /// scoped with `aws:SourceAccount` / `aws:SourceArn`.
    ///
    /// ## References
    /// - EKS User Guide, "Create IAM role with trust policy required by EKS Pod Identity"
    /// - EKS User Guide, "Define which role EKS Pod Identity uses: session tags" (`kubernetes-namespace`, `kubernetes-service-account`, `eks-cluster-arn`)
    /// - EKS Best Practices Guide, Identity and Access Management: "EKS Pod Identities"
    pub struct PodIdentityBindingBroken {
        id: "IAM-031",
        name: "pod-identity-binding-broken",
        title: "Pod Identity association's role does not accept it",
        severity: Medium,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

impl Control for PodIdentityBindingBroken {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[
            Need::aws(AwsData::Cluster),
            Need::aws(AwsData::PodIdentity),
            Need::aws(AwsData::IamRoles),
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
        let (Some(facts), Some(id)) = (inv.aws.as_ref(), identity(inv)) else {
            return;
        };
        let Some(cluster) = id.cluster.as_ref() else {
            return;
        };
        let iam_gap =
            facts.roles.is_empty() || facts.gaps.iter().any(|g| g.action.starts_with("iam:"));
        for (b, origin) in id.bindings.iter().zip(&id.origins) {
            let Origin::Association(i) = *origin else {
                continue;
            };
            let Some(a) = facts.pod_identity_associations.get(i) else {
                continue;
            };
            let role = id.role(&b.role_arn);
            let status = binding_status(role, cluster, b);
            let same_account = b.role_arn.split(':').nth(4) == Some(cluster.account_id.as_str());
            match status {
                BindingStatus::Ok => continue,
                BindingStatus::RoleMissing if iam_gap || !same_account => continue,
                _ => {}
            }
            let why = status.explain(b).unwrap_or_default();
            report_association(
                out,
                &Self::META,
                facts,
                a,
                "roleArn",
                format!(
                    "Pod Identity association for {}/{} with role {}: {why}",
                    b.namespace, b.service_account, b.role_arn
                ),
                "Trust pods.eks.amazonaws.com with sts:AssumeRole and sts:TagSession (scoped by aws:SourceAccount / aws:SourceArn), or point the association at an existing role.",
            );
        }
    }
}
