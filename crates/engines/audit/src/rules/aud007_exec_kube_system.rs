//! AUD-007: exec into a kube-system pod.

use super::*;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-007",
    title: "Exec into a kube-system pod",
    severity: Severity::High,
    technique: T_ADMIN_CMD,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &["Attach/Exec Pod"],
    guardduty: &["Execution:Kubernetes/ExecInKubeSystemPod"],
    doc: Doc {
        what: "A granted `pods/exec` request into a pod in the `kube-system` namespace.",
        why: "kube-system pods run with the cluster's most powerful service accounts and often host access; a shell there is a short step to cluster admin. Legitimate use is rare.",
        example: "`kubectl exec -n kube-system coredns-abc -- cat /var/run/secrets/kubernetes.io/serviceaccount/token`",
        response: "Treat as an incident unless a known operator was debugging: identify the principal and source IP, check what the command read, rotate the pod's service-account token.",
        references: &[GUARDDUTY_EKS_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    let ev = cx.ev;
    if ev.resource() != "pods"
        || ev.subresource() != "exec"
        || ev.namespace() != "kube-system"
        || !matches!(ev.verb(), "create" | "get")
        || !granted(ev)
    {
        return None;
    }
    let cmd = exec_command(ev.request_uri.as_deref().unwrap_or(""));
    Some(format!(
        "exec into kube-system pod {}{}{}",
        ev.name(),
        if cmd.is_empty() { "" } else { ": " },
        cmd
    ))
}
