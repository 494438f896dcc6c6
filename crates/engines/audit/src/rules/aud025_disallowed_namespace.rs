//! AUD-025: a namespace created outside the configured list.

use super::*;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-025",
    title: "Unexpected namespace created",
    severity: Severity::Low,
    technique: T_DEPLOY,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &["Create Disallowed Namespace"],
    guardduty: &[],
    doc: Doc {
        what: "A Namespace created whose name is not in `allowed_namespaces` (nor kube-system, kube-public, default). Silent until `allowed_namespaces` is configured, because only the cluster owner knows the expected set.",
        why: "On clusters with a fixed set of namespaces, a new one is either drift or an attacker making room for workloads.",
        example: "`kubectl create namespace tmp-miner`",
        response: "Confirm with the platform owner; delete the namespace if unexpected.",
        references: &[FALCO_RULES_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    let ev = cx.ev;
    if cx.cfg.allowed_namespaces.is_empty()
        || ev.resource() != "namespaces"
        || ev.verb() != "create"
        || matches!(ev.name(), "kube-system" | "kube-public" | "default")
        || cx.cfg.allowed_namespaces.matches(ev.name())
    {
        return None;
    }
    Some(format!("namespace {} created{}", ev.name(), cx.outcome()))
}
