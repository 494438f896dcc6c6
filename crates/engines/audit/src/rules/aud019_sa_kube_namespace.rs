//! AUD-019: a service account created in kube-system or kube-public.

use super::*;

/// Controller service accounts Kubernetes itself creates (Falco's
/// `known_sa_list`).
const KNOWN: &[&str] = &[
    "coredns",
    "coredns-autoscaler",
    "cronjob-controller",
    "daemon-set-controller",
    "deployment-controller",
    "disruption-controller",
    "endpoint-controller",
    "endpointslice-controller",
    "endpointslicemirroring-controller",
    "generic-garbage-collector",
    "horizontal-pod-autoscaler",
    "job-controller",
    "namespace-controller",
    "node-controller",
    "persistent-volume-binder",
    "pod-garbage-collector",
    "pv-protection-controller",
    "pvc-protection-controller",
    "replicaset-controller",
    "resourcequota-controller",
    "root-ca-cert-publisher",
    "service-account-controller",
    "statefulset-controller",
];

pub(crate) const RULE: Rule = Rule {
    id: "AUD-019",
    title: "Service account created in a kube namespace",
    severity: Severity::Medium,
    technique: T_VALID,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &["Service Account Created in Kube Namespace"],
    guardduty: &[],
    doc: Doc {
        what: "A ServiceAccount successfully created in `kube-system` or `kube-public` other than the built-in controller accounts.",
        why: "A new identity among system accounts is easy to overlook and is a common persistence step before binding it to a powerful role.",
        example: "`kubectl -n kube-system create serviceaccount helper`",
        response: "Check who created it and what it is bound to; delete it if unknown.",
        references: &[FALCO_RULES_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    let ev = cx.ev;
    if ev.resource() != "serviceaccounts"
        || ev.verb() != "create"
        || !ev.subresource().is_empty()
        || !matches!(ev.namespace(), "kube-system" | "kube-public")
        || !ev.succeeded()
        || KNOWN.contains(&ev.name())
    {
        return None;
    }
    Some(format!(
        "service account {}/{} created",
        ev.namespace(),
        ev.name()
    ))
}
