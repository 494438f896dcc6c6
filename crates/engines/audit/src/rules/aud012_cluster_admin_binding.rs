//! AUD-012: a binding to the cluster-admin ClusterRole.

use super::*;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-012",
    title: "Binding to cluster-admin created",
    severity: Severity::High,
    technique: T_CLUSTER_ROLES,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &["Attach to cluster-admin Role"],
    guardduty: &["PrivilegeEscalation:Kubernetes/AnomalousBehavior.RoleBindingCreated"],
    doc: Doc {
        what: "A ClusterRoleBinding or RoleBinding created or replaced whose roleRef is the `cluster-admin` ClusterRole.",
        why: "cluster-admin is every permission on every resource; a new binding is the classic way to keep or escalate access.",
        example: "`kubectl create clusterrolebinding backdoor --clusterrole=cluster-admin --serviceaccount=default:default`",
        response: "Verify the subjects need it; prefer EKS access entries with scoped policies; delete the binding otherwise.",
        references: &[FALCO_RULES_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    let b = cx.written_binding()?;
    if b.role_name() != "cluster-admin" || !not_denied(cx.ev) {
        return None;
    }
    Some(format!(
        "{} {} binds cluster-admin to {}{}",
        cx.ev.resource(),
        cx.ev.name(),
        b.subjects_display(),
        cx.outcome()
    ))
}
