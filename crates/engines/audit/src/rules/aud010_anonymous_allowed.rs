//! AUD-010: a request by the anonymous user that was allowed.

use super::*;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-010",
    title: "Anonymous request allowed",
    severity: Severity::High,
    technique: T_DEFAULT_ACCOUNTS,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &["Anonymous Request Allowed"],
    guardduty: &[
        "Discovery:Kubernetes/SuccessfulAnonymousAccess",
        "Impact:Kubernetes/SuccessfulAnonymousAccess",
        "Persistence:Kubernetes/SuccessfulAnonymousAccess",
        "PrivilegeEscalation:Kubernetes/SuccessfulAnonymousAccess",
        "CredentialAccess:Kubernetes/SuccessfulAnonymousAccess",
        "DefenseEvasion:Kubernetes/SuccessfulAnonymousAccess",
    ],
    doc: Doc {
        what: "A request by `system:anonymous` (or in group `system:unauthenticated`) that authorization allowed, except the health and version endpoints Kubernetes opens to everyone by default (`/healthz`, `/livez`, `/readyz`, `/version`). The message names the GuardDuty tactic that fits the verb and resource.",
        why: "Someone granted permissions to unauthenticated users: anyone who can reach the API endpoint can now use them.",
        example: "`curl -k https://API/api/v1/namespaces/default/pods` answered 200.",
        response: "Find and delete the RoleBinding/ClusterRoleBinding naming `system:anonymous` or `system:unauthenticated` (AUD-011 reports its creation); make the endpoint private.",
        references: &[FALCO_RULES_URL, GUARDDUTY_EKS_URL],
    },
    check: Some(check),
};

fn is_public_endpoint(uri: &str) -> bool {
    let path = uri.split('?').next().unwrap_or(uri);
    matches!(
        path,
        "/healthz" | "/livez" | "/readyz" | "/version" | "/version/"
    ) || path.starts_with("/healthz/")
        || path.starts_with("/livez/")
        || path.starts_with("/readyz/")
}

/// GuardDuty files successful anonymous access under a tactic chosen by
/// what the request did; this mirrors that split.
fn tactic(verb: &str, resource: &str) -> &'static str {
    match (verb, resource) {
        (_, "secrets") => "CredentialAccess",
        (
            "create" | "update" | "patch",
            "rolebindings" | "clusterrolebindings" | "roles" | "clusterroles",
        ) => "PrivilegeEscalation",
        ("create", _) => "Persistence",
        ("delete" | "deletecollection", "events") => "DefenseEvasion",
        ("delete" | "deletecollection" | "update" | "patch", _) => "Impact",
        _ => "Discovery",
    }
}

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    let ev = cx.ev;
    let anonymous = ev.username() == "system:anonymous" || ev.in_group("system:unauthenticated");
    if !anonymous || ev.decision() != "allow" {
        return None;
    }
    let uri = ev.request_uri.as_deref().unwrap_or("");
    if is_public_endpoint(uri) {
        return None;
    }
    Some(format!(
        "anonymous {} {} allowed (reason: {}; GuardDuty tactic {})",
        ev.verb(),
        uri,
        ev.annotations.reason().as_deref().unwrap_or("unknown"),
        tactic(ev.verb(), ev.resource())
    ))
}
