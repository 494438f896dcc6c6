//! AUD-009: an ephemeral (debug) container added to a pod.

use super::*;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-009",
    title: "Ephemeral container added to a pod",
    severity: Severity::Medium,
    technique: T_ADMIN_CMD,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &["EphemeralContainers Created"],
    guardduty: &[],
    doc: Doc {
        what: "A create/update/patch of the `pods/ephemeralcontainers` subresource that was not rejected, i.e. `kubectl debug` adding a container to a running pod.",
        why: "An ephemeral container joins the target pod's namespaces and volumes with an image of the caller's choosing: a way to run tools inside a workload without changing its spec.",
        example: "`kubectl debug -it web-0 --image=busybox --target=web`",
        response: "Confirm the debugging session; restrict `pods/ephemeralcontainers` in RBAC.",
        references: &[FALCO_RULES_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    let ev = cx.ev;
    if ev.resource() != "pods"
        || ev.subresource() != "ephemeralcontainers"
        || !matches!(ev.verb(), "create" | "update" | "patch")
        || !not_denied(ev)
    {
        return None;
    }
    Some(format!(
        "ephemeral container added to pod {}/{}",
        ev.namespace(),
        ev.name()
    ))
}
