use super::{Identity, ROLE_ARN_ANNOTATION, identity};
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::AwsData;
use eksguard_core::Need;
use eksguard_core::{Inventory, JsonPath};
use eksguard_iam::{Binding, BindingStatus, Via, binding_status};

control! {
    /// ## What it checks
    /// ServiceAccounts annotated `eks.amazonaws.com/role-arn` with a role
    /// that exists but whose trust policy does not admit them: evaluated as
    /// STS would, for `sts:AssumeRoleWithWebIdentity` from this cluster's
    /// OIDC provider with `sub` = `system:serviceaccount:NS:NAME` and `aud`
    /// = `sts.amazonaws.com` (Deny statements included).
    ///
    /// ## Why it matters
    /// A broken IRSA binding fails quietly: the webhook still injects
    /// `AWS_ROLE_ARN` and the token, STS refuses the token, and SDKs that
    /// move on down the credential chain end up with the node role from
    /// IMDS (where IMDS is reachable), or with no credentials. Either the
    /// workload runs with the wrong, usually broader, identity, or someone
    /// "fixes" it by widening the node role.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ServiceAccount
    /// metadata:
    ///   name: ledger
    ///   namespace: payments
    ///   annotations:
    ///     eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/ledger-writer  # trusts payments:ledger-writer
    /// ```
    ///
    /// ## Fix
    /// Make the role's `:sub` condition name this ServiceAccount
    /// (`system:serviceaccount:NS:NAME`) and this cluster's OIDC provider, or
    /// annotate the ServiceAccount with the role that was meant.
    ///
    /// ## References
    /// - EKS User Guide, "Assign IAM roles to Kubernetes service accounts" and "Troubleshoot IAM roles for service accounts"
    /// - AWS SDKs and Tools Reference Guide, "Understand the credential provider chain"
    /// - EKS Best Practices Guide, Identity and Access Management: "Restrict access to the instance profile assigned to the worker node"
    pub struct IrsaBindingNotTrusted {
        id: "IAM-027",
        name: "irsa-binding-not-trusted",
        title: "ServiceAccount's IRSA role does not trust it (pods fall back to the node role)",
        severity: High,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

/// Path of the IRSA annotation.
pub(crate) fn annotation_path() -> JsonPath {
    JsonPath::keys(&["metadata", "annotations"]).key(ROLE_ARN_ANNOTATION)
}

/// `ns/name[Kind], …` of the workloads running as a ServiceAccount.
pub(crate) fn workload_list(id: &Identity, ns: &str, sa: &str) -> String {
    let v: Vec<String> = id.workloads_of(ns, sa).map(|w| w.workload.id()).collect();
    if v.is_empty() {
        "no workload in the scan uses it yet".to_owned()
    } else {
        format!("used by {}", v.join(", "))
    }
}

impl Control for IrsaBindingNotTrusted {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[Need::aws(AwsData::Cluster), Need::aws(AwsData::IamRoles)];
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
        let Some(cluster) = id.cluster.as_ref() else {
            return;
        };
        for sa in &id.service_accounts {
            let Some(arn) = &sa.role_arn else { continue };
            let Some(role) = id.role(arn) else { continue };
            let b = Binding {
                namespace: sa.namespace.clone(),
                service_account: sa.name.clone(),
                role_arn: arn.clone(),
                via: Via::Irsa,
            };
            let status = binding_status(Some(role), cluster, &b);
            let why = match status {
                BindingStatus::Ok | BindingStatus::RoleMissing => continue,
                BindingStatus::NotTrusted => status.explain(&b).unwrap_or_default(),
                BindingStatus::NoTrustPolicy => {
                    let errs = id.policy_errors.get(arn).map(|e| e.join("; "));
                    format!(
                        "the role's trust policy could not be read ({}), so STS cannot be shown to accept the token",
                        errs.unwrap_or_else(|| "absent from the AWS data".into())
                    )
                }
            };
            let node = id
                .node_role
                .as_deref()
                .map_or(String::new(), |n| format!(" ({n})"));
            let Some(obj) = inv.objects().get(sa.object) else {
                continue;
            };
            out.report(
                &Self::META,
                obj,
                annotation_path(),
                format!(
                    "ServiceAccount {}/{} is annotated with role {arn}: {why}{node}; {}",
                    sa.namespace,
                    sa.name,
                    workload_list(&id, &sa.namespace, &sa.name)
                ),
                format!(
                    "Make the role's trust policy admit system:serviceaccount:{}:{} from this cluster's OIDC provider, or annotate the ServiceAccount with the intended role.",
                    sa.namespace, sa.name
                ),
            );
        }
    }
}
