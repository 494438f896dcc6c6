//! AUD-016: a Role/ClusterRole granting pods/exec or pods/attach.

use super::*;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-016",
    title: "Role with pod exec permission created",
    severity: Severity::Medium,
    technique: T_CLUSTER_ROLES,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &["ClusterRole With Pod Exec Created"],
    guardduty: &["PrivilegeEscalation:Kubernetes/AnomalousBehavior.RoleCreated"],
    doc: Doc {
        what: "A Role or ClusterRole created with `pods/exec`, `pods/attach` or `pods/*` in a rule's resources.",
        why: "Exec into pods gives the holder every secret and token mounted in them.",
        example: "`kubectl create clusterrole shell --verb=create --resource=pods/exec`",
        response: "Limit exec to break-glass roles and audit their bindings.",
        references: &[FALCO_RULES_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    let role = cx.created_role()?;
    let hit = role
        .rules
        .iter()
        .flat_map(|r| r.resources.iter())
        .find(|r| matches!(r.as_ref(), "pods/exec" | "pods/attach" | "pods/*"))?;
    Some(format!(
        "{} {} created granting {}{}",
        cx.ev.resource(),
        cx.ev.name(),
        hit,
        cx.outcome()
    ))
}
