//! AUD-013: admin rights given to a namespace's `default` service account.

use super::*;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-013",
    title: "Admin access granted to a default service account",
    severity: Severity::High,
    technique: T_CLUSTER_ROLES,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &[],
    guardduty: &["Policy:Kubernetes/AdminAccessToDefaultServiceAccount"],
    doc: Doc {
        what: "A binding created or replaced that gives the `cluster-admin` or `admin` role to a ServiceAccount named `default`.",
        why: "Every pod that does not name a service account runs as `default`: any workload in that namespace, including a compromised one, becomes an administrator.",
        example: "`kubectl create clusterrolebinding x --clusterrole=cluster-admin --serviceaccount=web:default`",
        response: "Delete the binding; give the workload a dedicated service account with least privilege.",
        references: &[GUARDDUTY_EKS_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    let b = cx.written_binding()?;
    if !matches!(b.role_name(), "cluster-admin" | "admin") || !not_denied(cx.ev) {
        return None;
    }
    let defaults: Vec<String> = b
        .subjects
        .iter()
        .filter(|s| {
            s.kind.as_deref() == Some("ServiceAccount") && s.name.as_deref() == Some("default")
        })
        .map(|s| {
            s.namespace
                .as_deref()
                .unwrap_or(cx.ev.namespace())
                .to_string()
        })
        .collect();
    if defaults.is_empty() {
        return None;
    }
    Some(format!(
        "{} {} gives {} to the default service account of namespace(s) {}{}",
        cx.ev.resource(),
        cx.ev.name(),
        b.role_name(),
        defaults.join(","),
        cx.outcome()
    ))
}
