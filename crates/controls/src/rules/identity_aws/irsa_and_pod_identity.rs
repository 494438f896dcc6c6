use super::irsa_binding_not_trusted::annotation_path;
use super::{Origin, identity};
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::AwsData;
use eksguard_core::Inventory;
use eksguard_core::Need;
use eksguard_iam::{Via, default_credentials};

control! {
    /// ## What it checks
    /// ServiceAccounts that have both an IRSA annotation
    /// (`eks.amazonaws.com/role-arn`) and an EKS Pod Identity association of
    /// this cluster.
    ///
    /// ## Why it matters
    /// Pods of such a ServiceAccount get both credential sources: the IRSA
    /// webhook sets `AWS_ROLE_ARN` + `AWS_WEB_IDENTITY_TOKEN_FILE`, the Pod
    /// Identity webhook sets `AWS_CONTAINER_CREDENTIALS_FULL_URI`. The AWS
    /// SDKs' default credential chain tries the web identity token before the
    /// container credentials endpoint, so **IRSA wins** and the association's
    /// role goes unused by the application, yet a compromised pod can still
    /// fetch it. Reviewers reading either side see only half of the pod's
    /// power, and a migration from IRSA to Pod Identity looks done when it
    /// is not.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ServiceAccount
    /// metadata:
    ///   name: search-indexer
    ///   annotations:
    ///     eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/search-indexer-irsa
    /// # and: aws eks create-pod-identity-association --namespace shop --service-account search-indexer ...
    /// ```
    ///
    /// ## Fix
    /// Keep one mechanism: remove the annotation after migrating to Pod
    /// Identity, or delete the association.
    ///
    /// ## References
    /// - AWS SDKs and Tools Reference Guide, "Understand the credential provider chain" (web identity before container credentials)
    /// - EKS User Guide, "Understand how EKS Pod Identity works" (container credential provider)
    /// - EKS User Guide, "Migrate from IRSA to EKS Pod Identity"
    pub struct IrsaAndPodIdentity {
        id: "IAM-032",
        name: "irsa-and-pod-identity",
        title: "ServiceAccount has both IRSA and Pod Identity (IRSA wins)",
        severity: Low,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

impl Control for IrsaAndPodIdentity {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[Need::aws(AwsData::PodIdentity)];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Kinds(&[("", "ServiceAccount")])
    }

    /// Cost: O(n) in objects: reads the identity view, built once per scan
    /// in O(n) (indexed ServiceAccount and workload lookups) and shared by
    /// the identity controls.
    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let Some(id) = identity(inv) else { return };
        for sa in &id.service_accounts {
            let Some(irsa_role) = &sa.role_arn else {
                continue;
            };
            let pid: Vec<&str> = id
                .bindings
                .iter()
                .zip(&id.origins)
                .filter(|(b, o)| {
                    matches!(o, Origin::Association(_))
                        && b.namespace == sa.namespace
                        && b.service_account == sa.name
                })
                .map(|(b, _)| b.role_arn.as_str())
                .collect();
            if pid.is_empty() {
                continue;
            }
            let winner = match default_credentials(true, true, false) {
                Some(Via::Irsa) => format!("IRSA wins: the SDK default chain uses {irsa_role}"),
                _ => "Pod Identity wins".to_owned(),
            };
            let Some(obj) = inv.objects().get(sa.object) else {
                continue;
            };
            out.report(
                &Self::META,
                obj,
                annotation_path(),
                format!(
                    "ServiceAccount {}/{} has the IRSA role {irsa_role} and a Pod Identity association with {}; {winner}, while the other role stays reachable from its pods",
                    sa.namespace,
                    sa.name,
                    pid.join(", ")
                ),
                "Keep one mechanism: remove the eks.amazonaws.com/role-arn annotation once Pod Identity is in use, or delete the association.",
            );
        }
    }
}
