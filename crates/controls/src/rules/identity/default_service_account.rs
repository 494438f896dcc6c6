use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::{Object, WORKLOAD_KINDS};

control! {
    /// ## What it checks
    /// Pods and pod templates that run as their namespace's `default`
    /// ServiceAccount (no `serviceAccountName`, or `serviceAccountName: default`).
    ///
    /// ## Why it matters
    /// Every pod of the namespace that does not choose an account shares
    /// `default`. Any RBAC binding or IAM role (IRSA / EKS Pod Identity) given
    /// to `default` is silently granted to all of them, and an attacker in one
    /// pod holds the same identity as every other. A dedicated ServiceAccount
    /// per workload keeps permissions attributable and least-privilege.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Deployment
    /// spec:
    ///   template:
    ///     spec:
    ///       containers: [{name: app, image: app:1.0}]   # no serviceAccountName
    /// ```
    ///
    /// ## Fix
    /// Create a ServiceAccount for the workload and set
    /// `spec.template.spec.serviceAccountName`. Set
    /// `automountServiceAccountToken: false` on the `default` ServiceAccount.
    ///
    /// ## References
    /// - CIS Amazon EKS Benchmark v1.8.0, 4.1.5 (ensure that default service accounts are not actively used)
    /// - EKS Best Practices Guide, Identity and Access Management: "Use dedicated service accounts"
    /// - https://kubernetes.io/docs/concepts/security/service-accounts/
    pub struct DefaultServiceAccount {
        id: "IAM-004",
        name: "default-service-account",
        title: "Workload runs as the default ServiceAccount",
        severity: Low,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

impl Control for DefaultServiceAccount {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn kinds(&self) -> &'static [&'static str] {
        WORKLOAD_KINDS
    }

    fn check_object(&self, obj: &Object, _ctx: &Context, out: &mut Sink) {
        let Some(pod) = obj.pod_spec() else { return };
        if pod.service_account() != "default" {
            return;
        }
        // Point at the deprecated field only when it is the one set.
        let field = if pod.str_field("serviceAccount").is_some()
            && pod.str_field("serviceAccountName").is_none()
        {
            "serviceAccount"
        } else {
            "serviceAccountName"
        };
        out.report(
            &Self::META,
            obj,
            pod.path.clone().key(field),
            format!(
                "{} runs as the namespace's default ServiceAccount",
                obj.obj_ref().short()
            ),
            "Create a dedicated ServiceAccount for this workload and set serviceAccountName to it.",
        );
    }
}
