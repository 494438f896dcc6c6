//! AUD-027: activity by a default administrator username.

use super::*;

const ADMIN_USERS: &[&str] = &[
    "admin",
    "kubernetes-admin",
    "kubernetes-admin@kubernetes",
    "kubernetes-admin@cluster.local",
    "minikube-user",
];

pub(crate) const RULE: Rule = Rule {
    id: "AUD-027",
    title: "Request by a default administrator user",
    severity: Severity::Info,
    technique: T_DEFAULT_ACCOUNTS,
    kind: RuleKind::Event,
    default_enabled: false,
    falco: &["Full K8s Administrative Access"],
    guardduty: &[],
    doc: Doc {
        what: "Any request by a username that installers give the full administrator (`kubernetes-admin`, `admin`, …). On EKS the cluster creator maps to `kubernetes-admin` when bootstrap admin access is on. Off by default, as in Falco.",
        why: "Day-to-day use of the all-powerful bootstrap identity defeats least privilege and makes actions unattributable.",
        example: "Any `kubectl` call as the cluster creator.",
        response: "Turn off the cluster creator's bootstrap admin access and use access entries with scoped policies.",
        references: &[FALCO_RULES_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    let user = cx.ev.username();
    if !ADMIN_USERS.contains(&user) {
        return None;
    }
    Some(format!(
        "{} {} by default admin user {user}",
        cx.ev.verb(),
        cx.ev.object_display()
    ))
}
