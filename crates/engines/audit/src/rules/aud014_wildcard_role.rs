//! AUD-014: a Role/ClusterRole with wildcard verbs or resources.

use super::*;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-014",
    title: "Role with wildcard permissions created",
    severity: Severity::Medium,
    technique: T_CLUSTER_ROLES,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &["ClusterRole With Wildcard Created"],
    guardduty: &["PrivilegeEscalation:Kubernetes/AnomalousBehavior.RoleCreated"],
    doc: Doc {
        what: "A Role or ClusterRole created with a rule whose `verbs` or `resources` contain `*`.",
        why: "Wildcards grant every present and future verb or resource, including escalate/bind/impersonate and subresources like pods/exec.",
        example: "`rules: [{apiGroups: [\"*\"], resources: [\"*\"], verbs: [\"*\"]}]`",
        response: "Replace the wildcard with the verbs and resources actually needed.",
        references: &[FALCO_RULES_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    let role = cx.created_role()?;
    let wild = role
        .rules
        .iter()
        .any(|r| r.verbs.iter().any(|v| v == "*") || r.resources.iter().any(|v| v == "*"));
    if !wild {
        return None;
    }
    Some(format!(
        "{} {} created with wildcard verbs or resources{}",
        cx.ev.resource(),
        cx.ev.name(),
        cx.outcome()
    ))
}
