//! AUD-018: a pod or workload created in kube-system or kube-public.

use super::*;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-018",
    title: "Pod created in a kube namespace",
    severity: Severity::Medium,
    technique: T_DEPLOY,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &["Pod Created in Kube Namespace"],
    guardduty: &[],
    doc: Doc {
        what: concat!(
            "A Pod or workload created in `kube-system` or `kube-public` by a principal outside the allow-list, unless every image is trusted.",
            controller_pods_doc!()
        ),
        why: "kube-system hides workloads among system components and gives access to powerful service accounts; attackers drop miners and backdoors there.",
        example: "`kubectl -n kube-system run helper --image=attacker/tool`",
        response: "Identify the owner; system add-ons come from EKS (`eks:*` principals) or known deploy pipelines.",
        references: &[FALCO_RULES_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    pod_rule(cx, finding)
}

pub(super) fn finding(cx: &Ctx<'_, '_>, spec: &PodSpec<'_>) -> Option<PodFinding> {
    let ns = cx.ev.namespace();
    if !matches!(ns, "kube-system" | "kube-public") || cx.all_images_trusted(spec) {
        return None;
    }
    let detail = format!("in {ns} (images {})", spec.images());
    Some(PodFinding {
        created: detail.clone(),
        state: detail,
    })
}
