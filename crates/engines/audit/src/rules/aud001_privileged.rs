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
        what: concat!(
            "A Pod, or a workload (Deployment, DaemonSet, StatefulSet, ReplicaSet, Job, CronJob, ReplicationController) whose pod template has a container with `securityContext.privileged: true`, unless every image is a trusted node agent.",
            controller_pods_doc!()
        ),
        why: "A privileged container has every capability and the host's devices: it is root on the node, and from the node it can read other pods' secrets and the node's IAM credentials.",
        example: "`kubectl run x --image=alpine --overrides='{\"spec\":{\"containers\":[{\"name\":\"x\",\"image\":\"alpine\",\"securityContext\":{\"privileged\":true}}]}}'`",
        response: "Confirm who created it and why; delete it if unexpected. Enforce the `baseline` or `restricted` Pod Security Standard on application namespaces so the API server rejects such pods.",
        references: &[FALCO_RULES_URL, GUARDDUTY_EKS_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    pod_rule(cx, finding)
}

pub(super) fn finding(cx: &Ctx<'_, '_>, spec: &PodSpec<'_>) -> Option<PodFinding> {
    let privileged = spec.privileged_containers();
    if privileged.is_empty() || cx.all_images_trusted(spec) {
        return None;
    }
    let names: Vec<&str> = privileged
        .iter()
        .map(|c| c.name.as_deref().unwrap_or("?"))
        .collect();
    let (names, images) = (names.join(","), spec.images());
    Some(PodFinding {
        created: format!("with privileged container(s) {names} (images {images})"),
        state: format!("privileged: container(s) {names} (images {images})"),
    })
}
