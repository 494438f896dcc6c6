//! AUD-023: a denied attempt to read Secrets.

use super::*;

pub(crate) const RULE: Rule = Rule {
    id: "AUD-023",
    title: "Secret read denied",
    severity: Severity::Low,
    technique: T_CONTAINER_API_CREDS,
    kind: RuleKind::Event,
    default_enabled: true,
    falco: &["K8s Secret Get Unsuccessfully Tried"],
    guardduty: &[],
    doc: Doc {
        what: "A get or list of Secrets answered 401 or 403.",
        why: "Failed reads of Secrets are a sign of someone probing what a stolen identity can reach; AUD-105 correlates repeated denials followed by a success.",
        example: "A `get secrets` by a pod's service account answered 403.",
        response: "Look at what else the principal tried from the same source IP.",
        references: &[FALCO_RULES_URL],
    },
    check: Some(check),
};

fn check(cx: &Ctx<'_, '_>) -> Option<String> {
    let ev = cx.ev;
    if ev.resource() != "secrets"
        || !matches!(ev.verb(), "get" | "list")
        || !matches!(ev.code(), Some(401 | 403))
    {
        return None;
    }
    Some(format!(
        "{} of secret(s) {}/{} denied with HTTP {}",
        ev.verb(),
        ev.namespace(),
        ev.name(),
        ev.code().unwrap_or(0)
    ))
}
