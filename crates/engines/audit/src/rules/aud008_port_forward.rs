//! AUD-008: port-forward to a pod.

use super::*;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-008",
    title: "Port-forward to a pod",
    severity: Severity::Low,
    technique: T_ADMIN_CMD,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &["port-forward"],
    guardduty: &[],
    doc: Doc {
        what: "A granted `pods/portforward` request.",
        why: "Port-forwarding tunnels from the caller's machine straight into a pod, bypassing NetworkPolicies, load balancers and their authentication; it can expose databases and admin ports.",
        example: "`kubectl port-forward pod/postgres-0 5432`",
        response: "Check the principal should reach that pod; restrict `pods/portforward` in RBAC.",
        references: &[FALCO_RULES_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    let ev = cx.ev;
    if ev.resource() != "pods" || ev.subresource() != "portforward" || !granted(ev) {
        return None;
    }
    Some(format!(
        "port-forward to pod {}/{}",
        ev.namespace(),
        ev.name()
    ))
}
