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
        what: "A Pod or workload created in `kube-system` or `kube-public` by a principal outside the allow-list (controllers creating pods for existing DaemonSets are allow-listed), unless every image is trusted.",
        why: "kube-system hides workloads among system components and gives access to powerful service accounts; attackers drop miners and backdoors there.",
        example: "`kubectl -n kube-system run helper --image=attacker/tool`",
        response: "Identify the owner; system add-ons come from EKS (`eks:*` principals) or known deploy pipelines.",
        references: &[FALCO_RULES_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    let ns = cx.ev.namespace();
    if !matches!(ns, "kube-system" | "kube-public") {
        return None;
    }
    let (_, spec) = cx.created_pod()?;
    if cx.all_images_trusted(spec) {
        return None;
    }
    Some(format!(
        "{} {} created in {} (images {}){}",
        cx.ev.resource(),
        cx.pod_name(),
        ns,
        spec.images(),
        cx.outcome()
    ))
}
