//! AUD-031: informational trail of security-relevant object lifecycle.

use super::*;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-031",
    title: "Security-relevant object created or deleted",
    severity: Severity::Info,
    technique: T_DEPLOY,
    kind: RuleKind::Event,
    default_enabled: false,
    falco: &[
        "K8s Deployment Created",
        "K8s Deployment Deleted",
        "K8s Service Created",
        "K8s Service Deleted",
        "K8s ConfigMap Created",
        "K8s ConfigMap Deleted",
        "K8s Namespace Created",
        "K8s Namespace Deleted",
        "K8s Serviceaccount Created",
        "K8s Serviceaccount Deleted",
        "K8s Role Created",
        "K8s Role Deleted",
        "K8s ClusterRole Created",
        "K8s ClusterRole Deleted",
        "K8s RoleBinding Created",
        "K8s RoleBinding Deleted",
        "K8s ClusterRoleBinding Created",
        "K8s ClusterRoleBinding Deleted",
        "K8s Secret Created",
        "K8s Secret Deleted",
    ],
    guardduty: &[],
    doc: Doc {
        what: "Successful create or delete of Deployments, Services, ConfigMaps, Namespaces, ServiceAccounts, Roles, ClusterRoles, their bindings and Secrets (Secrets outside kube-system only) by non-allow-listed principals. Off by default: it is an activity stream, not a threat signal.",
        why: "Gives investigators a timeline of who changed what around an incident.",
        example: "`kubectl delete deployment web`",
        response: "None by itself; use it as context for other detections.",
        references: &[FALCO_RULES_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    let ev = cx.ev;
    let verb = ev.verb();
    if !matches!(verb, "create" | "delete") || !ev.succeeded() || !ev.subresource().is_empty() {
        return None;
    }
    match ev.resource() {
        "deployments"
        | "services"
        | "configmaps"
        | "namespaces"
        | "serviceaccounts"
        | "roles"
        | "clusterroles"
        | "rolebindings"
        | "clusterrolebindings" => {}
        "secrets" if ev.namespace() != "kube-system" && !ev.username().starts_with("system:") => {}
        _ => return None,
    }
    let done = if verb == "create" {
        "created"
    } else {
        "deleted"
    };
    Some(format!("{} {done}", ev.object_display()))
}
