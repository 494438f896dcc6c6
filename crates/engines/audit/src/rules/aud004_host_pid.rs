//! AUD-004: a pod or workload using the host PID namespace.

use super::*;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-004",
    title: "Pod using the host PID namespace created",
    severity: Severity::High,
    technique: T_ESCAPE,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &["Create HostPid Pod"],
    guardduty: &[],
    doc: Doc {
        what: concat!(
            "A Pod or workload whose pod spec sets `hostPID: true`, unless every image is a trusted node agent.",
            controller_pods_doc!()
        ),
        why: "Such a pod sees every process on the node and, with enough privilege, can enter them (nsenter) or read their environment and memory.",
        example: "A pod spec with `hostPID: true`.",
        response: "Check the owner and purpose; node agents belong on the trusted image list (`extra_trusted_host_images`), anything else should be removed and blocked with Pod Security `baseline`.",
        references: &[FALCO_RULES_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    pod_rule(cx, finding)
}

pub(super) fn finding(cx: &Ctx<'_, '_>, spec: &PodSpec<'_>) -> Option<PodFinding> {
    if spec.host_pid != Some(true) || cx.all_images_trusted(spec) {
        return None;
    }
    let images = spec.images();
    Some(PodFinding {
        created: format!("with hostPID: true (images {images})"),
        state: format!("using hostPID: true (images {images})"),
    })
}
