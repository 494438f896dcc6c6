//! AUD-006: exec or attach into a pod (outside kube-system, see AUD-007).

use super::*;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-006",
    title: "Exec or attach into a pod",
    severity: Severity::Low,
    technique: T_ADMIN_CMD,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &["Attach/Exec Pod"],
    guardduty: &["Execution:Kubernetes/AnomalousBehavior.ExecInPod"],
    doc: Doc {
        what: "A granted `pods/exec` or `pods/attach` request (verb `create`, or `get` for WebSocket clients), with the command run. Exec into kube-system pods is AUD-007 instead, so one request is reported once.",
        why: "Interactive access to a running container bypasses the image and deployment pipeline; it is how attackers and insiders read mounted secrets and tokens or run tools.",
        example: "`kubectl exec -it web-0 -- sh`",
        response: "Confirm the session was expected (break-glass, debugging). Restrict `pods/exec` in RBAC to a small group; AUD-101 reports exec into privileged pods at higher severity.",
        references: &[FALCO_RULES_URL, GUARDDUTY_EKS_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    let ev = cx.ev;
    let sub = ev.subresource();
    if ev.resource() != "pods"
        || !matches!(sub, "exec" | "attach")
        || !matches!(ev.verb(), "create" | "get")
        || (sub == "exec" && ev.namespace() == "kube-system")
        || !granted(ev)
    {
        return None;
    }
    let cmd = exec_command(ev.request_uri.as_deref().unwrap_or(""));
    Some(if cmd.is_empty() {
        format!("{sub} into pod {}/{}", ev.namespace(), ev.name())
    } else {
        format!("{sub} into pod {}/{}: {cmd}", ev.namespace(), ev.name())
    })
}
