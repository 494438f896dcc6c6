//! AUD-001: a pod or workload created with a privileged container.

use super::*;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-001",
    title: "Privileged container created",
    severity: Severity::High,
    technique: T_ESCAPE,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &["Create Privileged Pod"],
    guardduty: &[
        "PrivilegeEscalation:Kubernetes/PrivilegedContainer",
        "PrivilegeEscalation:Kubernetes/AnomalousBehavior.WorkloadDeployed!PrivilegedContainer",
    ],
    doc: Doc {
        what: "A Pod, or a workload (Deployment, DaemonSet, StatefulSet, ReplicaSet, Job, CronJob, ReplicationController) whose pod template has a container with `securityContext.privileged: true`, unless every image is a trusted node agent.",
        why: "A privileged container has every capability and the host's devices: it is root on the node, and from the node it can read other pods' secrets and the node's IAM credentials.",
        example: "`kubectl run x --image=alpine --overrides='{\"spec\":{\"containers\":[{\"name\":\"x\",\"image\":\"alpine\",\"securityContext\":{\"privileged\":true}}]}}'`",
        response: "Confirm who created it and why; delete it if unexpected. Enforce the `baseline` or `restricted` Pod Security Standard on application namespaces so the API server rejects such pods.",
        references: &[FALCO_RULES_URL, GUARDDUTY_EKS_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    let (_, spec) = cx.created_pod()?;
    let privileged = spec.privileged_containers();
    if privileged.is_empty() || cx.all_images_trusted(spec) {
        return None;
    }
    let names: Vec<&str> = privileged
        .iter()
        .map(|c| c.name.as_deref().unwrap_or("?"))
        .collect();
    Some(format!(
        "{} {} created with privileged container(s) {} (images {}){}",
        cx.ev.resource(),
        cx.pod_name(),
        names.join(","),
        spec.images(),
        cx.outcome()
    ))
}
