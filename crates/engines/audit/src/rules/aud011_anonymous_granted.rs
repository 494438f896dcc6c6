//! AUD-011: a binding that grants permissions to anonymous users.

use super::*;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-011",
    title: "Permissions granted to anonymous users",
    severity: Severity::High,
    technique: T_DEFAULT_ACCOUNTS,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &[],
    guardduty: &["Policy:Kubernetes/AnonymousAccessGranted"],
    doc: Doc {
        what: "A RoleBinding or ClusterRoleBinding created or replaced with subject `User system:anonymous` or `Group system:unauthenticated`.",
        why: "Every unauthenticated client that can reach the API endpoint gets the bound role.",
        example: "`kubectl create clusterrolebinding oops --clusterrole=view --user=system:anonymous`",
        response: "Delete the binding unless it is a deliberate public-info grant; check AUD-010 for anonymous requests that followed.",
        references: &[GUARDDUTY_EKS_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    let b = cx.written_binding()?;
    if !not_denied(cx.ev) {
        return None;
    }
    let anon = b.subjects.iter().any(|s| {
        matches!(
            (s.kind.as_deref(), s.name.as_deref()),
            (Some("User"), Some("system:anonymous"))
                | (Some("Group"), Some("system:unauthenticated"))
        )
    });
    if !anon {
        return None;
    }
    Some(format!(
        "{} {} grants {} to anonymous users{}",
        cx.ev.resource(),
        cx.ev.name(),
        b.role_name(),
        cx.outcome()
    ))
}
