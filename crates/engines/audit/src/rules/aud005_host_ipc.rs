//! AUD-005: a pod or workload using the host IPC namespace.

use super::*;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-005",
    title: "Pod using the host IPC namespace created",
    severity: Severity::Medium,
    technique: T_ESCAPE,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &["Create HostIPC Pod"],
    guardduty: &[],
    doc: Doc {
        what: concat!(
            "A Pod or workload whose pod spec sets `hostIPC: true`, unless every image is a trusted node agent.",
            controller_pods_doc!()
        ),
        why: "Such a pod shares the node's System V IPC and /dev/shm with every host process, exposing their shared memory.",
        example: "A pod spec with `hostIPC: true`.",
        response: "Check the owner and purpose; node agents belong on the trusted image list (`extra_trusted_host_images`), anything else should be removed and blocked with Pod Security `baseline`.",
        references: &[FALCO_RULES_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    pod_rule(cx, finding)
}

pub(super) fn finding(cx: &Ctx<'_, '_>, spec: &PodSpec<'_>) -> Option<PodFinding> {
    if spec.host_ipc != Some(true) || cx.all_images_trusted(spec) {
        return None;
    }
    let images = spec.images();
    Some(PodFinding {
        created: format!("with hostIPC: true (images {images})"),
        state: format!("using hostIPC: true (images {images})"),
    })
}
