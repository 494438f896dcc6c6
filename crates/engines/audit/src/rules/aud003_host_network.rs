//! AUD-003: a pod or workload using the host network.

use super::*;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-003",
    title: "Pod using the host network created",
    severity: Severity::Medium,
    technique: T_ESCAPE,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &["Create HostNetwork Pod"],
    guardduty: &[],
    doc: Doc {
        what: concat!(
            "A Pod or workload whose pod spec sets `hostNetwork: true`, unless every image is a trusted node agent.",
            controller_pods_doc!()
        ),
        why: "Such a pod shares the node's network namespace: it can sniff node traffic, reach services bound to localhost on the node and the instance metadata service without the hop limit that protects pods.",
        example: "A pod spec with `hostNetwork: true`.",
        response: "Check the owner and purpose; node agents belong on the trusted image list (`extra_trusted_host_images`), anything else should be removed and blocked with Pod Security `baseline`.",
        references: &[FALCO_RULES_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    pod_rule(cx, finding)
}

pub(super) fn finding(cx: &Ctx<'_, '_>, spec: &PodSpec<'_>) -> Option<PodFinding> {
    if spec.host_network != Some(true) || cx.all_images_trusted(spec) {
        return None;
    }
    let images = spec.images();
    Some(PodFinding {
        created: format!("with hostNetwork: true (images {images})"),
        state: format!("using hostNetwork: true (images {images})"),
    })
}
