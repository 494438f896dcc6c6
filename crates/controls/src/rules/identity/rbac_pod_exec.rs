use crate::util::rbac::{is_bootstrap, rules};
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::{JsonPath, Object};

control! {
    /// ## What it checks
    /// Roles and ClusterRoles that allow `pods/exec` or `pods/attach` with
    /// `create` or `get` (or `*`). `get` counts because exec over WebSockets
    /// is authorized as `get` by the API server versions EKS supports. Rules
    /// that grant `*` on everything are left to IAM-011 to avoid double
    /// reports; bootstrap roles (`admin`, `edit`, annotated
    /// `rbac.authorization.kubernetes.io/autoupdate: "true"`) are not reported.
    ///
    /// ## Why it matters
    /// Exec runs commands inside any pod of the scope: the attacker inherits
    /// that pod's ServiceAccount token, its IAM role (IRSA / Pod Identity),
    /// its mounted Secrets and its network position.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Role
    /// rules: [{apiGroups: [""], resources: ["pods/exec"], verbs: ["create"]}]
    /// ```
    ///
    /// ## Fix
    /// Grant exec only to break-glass roles, bound to named people, and audit
    /// its use (eksguard `audit` rule for exec).
    ///
    /// ## References
    /// - CIS Amazon EKS Benchmark v1.8.0, 4.1.4 (minimize access to create pods)
    /// - https://kubernetes.io/docs/concepts/security/rbac-good-practices/#privilege-escalation-risks
    pub struct RbacPodExec {
        id: "IAM-013",
        name: "rbac-pod-exec",
        title: "Role allows exec or attach into pods",
        severity: High,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

impl Control for RbacPodExec {
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
            if rule.verbs.contains(&"*") && rule.resources.contains(&"*") {
                continue;
            }
            let subresources: Vec<&str> = [
                ("pods/exec", "exec into pods (pods/exec)"),
                ("pods/attach", "attach to pods (pods/attach)"),
            ]
            .into_iter()
            .filter(|(r, _)| rule.covers("", r))
            .filter(|_| rule.has_verb("create") || rule.has_verb("get"))
            .map(|(_, words)| words)
            .collect();
            if subresources.is_empty() {
                continue;
            }
            out.report(
                &Self::META,
                obj,
                JsonPath::keys(&["rules"]).index(rule.index),
                format!(
                    "{} rule {} lets its subjects {}{}",
                    obj.obj_ref().short(),
                    rule.index,
                    subresources.join(" and "),
                    if rule.resource_names.is_empty() { "" } else { " (limited by resourceNames)" }
                ),
                "Remove pods/exec and pods/attach from the role; grant them only to audited break-glass roles.",
            );
        }
    }
}
