//! AUD-032: a principal enumerating its own permissions.

use super::*;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-032",
    title: "Permissions enumerated",
    severity: Severity::Low,
    technique: T_DISCOVERY,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &[],
    guardduty: &["Discovery:Kubernetes/AnomalousBehavior.PermissionChecked"],
    doc: Doc {
        what: "A SelfSubjectAccessReview or SelfSubjectRulesReview (`kubectl auth can-i`, `--list`) by a service account, or by a user outside the allow-list.",
        why: "Right after stealing a token, attackers ask the API server what it can do. Service accounts of ordinary workloads rarely need to.",
        example: "`kubectl auth can-i --list` run with a pod's token.",
        response: "Check whether the principal's credentials may be compromised; look at its other requests from the same IP.",
        references: &[GUARDDUTY_EKS_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    let ev = cx.ev;
    if !matches!(
        ev.resource(),
        "selfsubjectaccessreviews" | "selfsubjectrulesreviews"
    ) || ev.verb() != "create"
    {
        return None;
    }
    Some(format!(
        "{} checked its permissions ({})",
        ev.username(),
        ev.resource()
    ))
}
