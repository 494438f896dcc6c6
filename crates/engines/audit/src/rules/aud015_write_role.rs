//! AUD-015: a Role/ClusterRole granting write verbs.

use super::*;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-015",
    title: "Role with write permissions created",
    severity: Severity::Low,
    technique: T_CLUSTER_ROLES,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &["ClusterRole With Write Privileges Created"],
    guardduty: &["PrivilegeEscalation:Kubernetes/AnomalousBehavior.RoleCreated"],
    doc: Doc {
        what: "A Role or ClusterRole created with a rule allowing create, update, patch, delete or deletecollection.",
        why: "New write permissions are how access grows; this is a low-severity trail for review rather than an alarm.",
        example: "`kubectl create role editor --verb=update --resource=deployments`",
        response: "Review that the role's bindings match its intent.",
        references: &[FALCO_RULES_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    let role = cx.created_role()?;
    let mut verbs: Vec<&str> = role
        .rules
        .iter()
        .flat_map(|r| r.verbs.iter())
        .map(|v| v.as_ref())
        .filter(|v| {
            matches!(
                *v,
                "create" | "update" | "patch" | "delete" | "deletecollection"
            )
        })
        .collect();
    if verbs.is_empty() {
        return None;
    }
    verbs.sort_unstable();
    verbs.dedup();
    Some(format!(
        "{} {} created with write verbs {}{}",
        cx.ev.resource(),
        cx.ev.name(),
        verbs.join(","),
        cx.outcome()
    ))
}
