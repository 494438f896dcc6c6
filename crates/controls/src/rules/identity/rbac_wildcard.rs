use crate::util::rbac::{is_bootstrap, rules};
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::{JsonPath, Object};

control! {
    /// ## What it checks
    /// Roles and ClusterRoles with a rule whose `verbs` or `resources`
    /// contain `*`. Bootstrap roles the API server reconciles (annotated
    /// `rbac.authorization.kubernetes.io/autoupdate: "true"`, such as
    /// `cluster-admin`) and aggregated ClusterRoles (their rules are filled in
    /// by the controller) are not reported.
    ///
    /// ## Why it matters
    /// A wildcard grants everything that exists today and everything added
    /// later: new subresources, CRDs installed next month, verbs such as
    /// `escalate` and `impersonate`. Least privilege needs explicit lists.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRole
    /// rules:
    ///   - apiGroups: ["apps"]
    ///     resources: ["*"]
    ///     verbs: ["*"]
    /// ```
    ///
    /// ## Fix
    /// List the resources and verbs the subject needs. `kubectl auth can-i
    /// --list --as=...` and audit logs show what is actually used.
    ///
    /// ## References
    /// - CIS Amazon EKS Benchmark v1.8.0, 4.1.3 (minimize wildcard use in Roles and ClusterRoles)
    /// - https://kubernetes.io/docs/concepts/security/rbac-good-practices/
    pub struct RbacWildcard {
        id: "IAM-011",
        name: "rbac-wildcard",
        title: "Role grants wildcard verbs or resources",
        severity: High,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

impl Control for RbacWildcard {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["ClusterRole", "Role"]
    }

    fn check_object(&self, obj: &Object, _ctx: &Context, out: &mut Sink) {
        if obj.group() != "rbac.authorization.k8s.io"
            || is_bootstrap(obj)
            || obj.raw.get("aggregationRule").is_some()
        {
            return;
        }
        for rule in rules(&obj.raw) {
            let field = if rule.verbs.contains(&"*") {
                "verbs"
            } else if rule.resources.contains(&"*") {
                "resources"
            } else {
                continue;
            };
            out.report(
                &Self::META,
                obj,
                JsonPath::keys(&["rules"]).index(rule.index).key(field),
                format!(
                    "{} rule {} grants `*` {field} (verbs {:?} on resources {:?} in API groups {:?})",
                    obj.obj_ref().short(),
                    rule.index,
                    rule.verbs,
                    rule.resources,
                    rule.api_groups
                ),
                "Replace `*` with the explicit resources and verbs the subject needs.",
            );
        }
    }
}
