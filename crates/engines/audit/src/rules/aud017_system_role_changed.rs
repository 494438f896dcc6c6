//! AUD-017: a built-in `system:`/`eks:` role modified or deleted.

use super::*;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-017",
    title: "System role modified or deleted",
    severity: Severity::Medium,
    technique: T_CLUSTER_ROLES,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &["System ClusterRole Modified/Deleted"],
    guardduty: &[],
    doc: Doc {
        what: "A create, update, patch or delete of a Role or ClusterRole named `system:*` or `eks:*` by a principal outside the allow-list (the API server reconciles these roles itself as an allow-listed principal). `system:coredns` and `system:managed-certificate-controller` are expected to change and are skipped.",
        why: "Widening a built-in role silently grants its many existing subjects (for example every authenticated user) new rights; deleting one breaks components.",
        example: "`kubectl patch clusterrole system:basic-user --type=json -p ...`",
        response: "Compare with the Kubernetes default (`kubectl auth reconcile`) and revert.",
        references: &[FALCO_RULES_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    let ev = cx.ev;
    let name = ev.name();
    if !matches!(ev.resource(), "roles" | "clusterroles")
        || !matches!(ev.verb(), "create" | "update" | "patch" | "delete")
        || !(name.starts_with("system:") || name.starts_with("eks:"))
        || matches!(
            name,
            "system:coredns" | "system:managed-certificate-controller"
        )
    {
        return None;
    }
    Some(format!(
        "{} {} changed by {}{}",
        ev.resource(),
        name,
        ev.verb(),
        cx.outcome()
    ))
}
