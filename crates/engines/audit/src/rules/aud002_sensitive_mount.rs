//! AUD-002: a pod or workload mounting a sensitive host path.

use super::*;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-002",
    title: "Container with sensitive host mount created",
    severity: Severity::High,
    technique: T_ESCAPE,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &["Create Sensitive Mount Pod"],
    guardduty: &[
        "Persistence:Kubernetes/ContainerWithSensitiveMount",
        "PrivilegeEscalation:Kubernetes/AnomalousBehavior.WorkloadDeployed!ContainerWithSensitiveMount",
    ],
    doc: Doc {
        what: concat!(
            "A Pod or workload with a `hostPath` volume on `/`, `/proc`, `/etc`, `/root`, `/sys`, `/dev`, the kubelet or containerd directories or a container runtime socket, unless every image is a trusted node agent.",
            controller_pods_doc!()
        ),
        why: "Those paths hand the node over: the runtime socket starts arbitrary containers, `/etc` and `/root` allow persistence, `/var/lib/kubelet` holds other pods' secrets.",
        example: "A pod with `volumes: [{name: host, hostPath: {path: /}}]`.",
        response: "Find who created it and delete it if unexpected; enforce Pod Security `baseline`, which forbids hostPath volumes.",
        references: &[FALCO_RULES_URL, GUARDDUTY_EKS_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    pod_rule(cx, finding)
}

pub(super) fn finding(cx: &Ctx<'_, '_>, spec: &PodSpec<'_>) -> Option<PodFinding> {
    let paths: Vec<&str> = spec
        .host_paths()
        .filter(|p| is_sensitive_host_path(p))
        .collect();
    if paths.is_empty() || cx.all_images_trusted(spec) {
        return None;
    }
    let detail = format!(
        "mounting host path(s) {} (images {})",
        paths.join(","),
        spec.images()
    );
    Some(PodFinding {
        created: detail.clone(),
        state: detail,
    })
}
